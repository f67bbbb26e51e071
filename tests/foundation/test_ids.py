import pytest

from registry.errors import InvalidInput
from registry.ids import SemVer, check_id


@pytest.mark.parametrize("good", ["a", "metsa", "research-dataset", "x1", "a" * 64])
def test_safe_ids_are_accepted(good):
    assert check_id(good) == good


@pytest.mark.parametrize(
    "bad", ["", "..", "%2e%2e", "a/b", "A", "-a", "a-", "a\x00b", "a\u202eb", "a\u200bb", "é", "a" * 65, "a b"]
)
def test_unsafe_ids_are_refused(bad):
    with pytest.raises(InvalidInput) as info:
        check_id(bad)
    assert info.value.code == "invalid-id"


def test_semver_precedence_follows_the_spec():
    # SemVer 2.0.0 section 11 example chain
    chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0"]
    versions = [SemVer(v) for v in chain]
    assert sorted(reversed(versions)) == versions
    assert SemVer("1.0.0+build") == SemVer("1.0.0")


@pytest.mark.parametrize("bad", ["1", "1.0", "v1.0.0", "01.0.0", "1.0.0.0", "latest", "1.0.0-", ""])
def test_non_semver_is_refused(bad):
    with pytest.raises(InvalidInput) as info:
        SemVer(bad)
    assert info.value.code == "invalid-version"
