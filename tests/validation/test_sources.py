"""Units of `registry.validation.sources`: where a JSON value starts, by JSON Pointer."""

from __future__ import annotations

import json

from registry.validation.sources import json_value_lines


def test_every_value_of_a_json_document_has_the_line_it_starts_on():
    text = '{"a": [1, {"b": "x\\"y"}, [2, 3]],\n "c~/d": {\n  "e": null},\n "f": [],\n "g": [\n  true]}'
    json.loads(text)  # the function's contract: the text is well-formed JSON
    assert json_value_lines(text) == {
        "": 1, "/a": 1, "/a/0": 1, "/a/1": 1, "/a/1/b": 1, "/a/2": 1, "/a/2/0": 1, "/a/2/1": 1,
        "/c~0~1d": 2,  # RFC 6901 escapes: ~ as ~0, / as ~1
        "/c~0~1d/e": 3, "/f": 4, "/g": 5, "/g/0": 6,
    }
