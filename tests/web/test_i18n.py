"""Languages: negotiation and the message catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from registry.web import i18n

TEMPLATES = Path(i18n.__file__).resolve().parent / "templates"


@pytest.mark.parametrize(
    "header, expected",
    [("fr-FR,fr;q=0.9,en;q=0.8", "fr"), ("en-US,en;q=0.9", "en"), ("de-DE,fr;q=0.5", "fr"), ("de", None),
     ("en;q=0.2,fr;q=0.8", "fr"), ("fr;q=0", None), ("", None), (None, None)],
)
def test_accept_language(header, expected):
    assert i18n.negotiate(header) == expected


def test_every_message_in_both_languages():
    for key, entry in i18n.MESSAGES.items():
        assert set(entry) == {"en", "fr"}, key
        assert all(text.strip() for text in entry.values()), key
        fields = [set(re.findall(r"{(\w+)}", entry[lang])) for lang in ("en", "fr")]
        assert fields[0] == fields[1], key


def test_every_key_used_by_the_templates_exists():
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", template.read_text()))
    assert used, "no message keys found"
    prefixes = {k for k in used if k.endswith(".")}  # t("status." ~ name): some key must start with it
    assert all(any(m.startswith(p) for m in i18n.MESSAGES) for p in prefixes)
    missing = {k for k in used - prefixes if k not in i18n.MESSAGES}
    assert not missing


def test_translator_formats_and_picks():
    t = i18n.Translator("fr")
    assert t("profile.version", v="1.0.0") == "Version 1.0.0"
    assert t.pick({"en": "Title", "fr": "Titre"}) == "Titre"
    assert t.pick({"en": "Title"}) == "Title"
    assert t.pick({}, "x") == "x"
    assert i18n.Translator("de").lang == "en"
