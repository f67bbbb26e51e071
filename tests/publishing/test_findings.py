from registry.publishing import Finding, has_errors


def test_to_json_omits_missing_fields():
    f = Finding("error", "skos-S14", "two prefLabels", focus="https://e/x")
    assert f.to_json() == {"severity": "error", "code": "skos-S14", "message": "two prefLabels",
                           "focus": "https://e/x"}


def test_has_errors():
    w = Finding("warning", "qskos-orphan-concept", "m")
    e = Finding("error", "skos-S9", "m")
    assert not has_errors([])
    assert not has_errors([w])
    assert has_errors([w, e])
    assert has_errors(iter([e]))
