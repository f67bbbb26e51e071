"""The server side of Dataverse's external vocabularies, replayed in Python (issue 13, item 6).

When a depositor saves a CVoc field, Dataverse fetches `retrieval-uri` with the stored term IRI and
keeps what the entry's `retrieval-filtering` extracts (DatasetFieldServiceBean.filterResponse and
processPathSegment, IQSS/dataverse): for each key but `@context`, `params` are either `@id` (the
term IRI), a literal, or a path `/a/b=c/d` walked through the JSON answer — `key=value` picks the
first object of an array whose string `key` equals `value` (`@id`: the term IRI), the last segment
is the value (a string, or an array of {lang, value} kept as is) — and `pattern` `{0}` keeps the
first param. Java's `getString` on a non-string (or missing) key throws, which Dataverse logs and
skips: the replay raises. Run on the registry's answer for a concept of the electron-microscopy
profile's cvoc.json, it must give the term name in every language, the vocabulary name and URI.
"""

from __future__ import annotations

import pytest

SEM = "https://w3id.org/metsa/vocab/technique/sem"
SCHEME = "https://w3id.org/metsa/vocab/technique"


class JavaError(Exception):
    """What a ClassCastException / NullPointerException in filterResponse would be."""


def _get_string(obj: dict, key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise JavaError(f"getString({key!r}) on {type(value).__name__}")
    return value


def process_path_segment(index: int, parts: list[str], current, term_uri: str):
    if index < len(parts) - 1:
        if "=" in parts[index]:
            key, expected = parts[index].split("=", 1)
            if expected == "@id":
                expected = term_uri
            if not isinstance(current, list):
                raise JavaError("not an array")
            if expected == "*":
                return [process_path_segment(index + 1, parts, item.get(key), term_uri)
                        for item in current if isinstance(item, dict)]
            for item in current:
                if _get_string(item, key) == expected:
                    return process_path_segment(index + 1, parts, item, term_uri)
            return None
        if not isinstance(current, dict):
            raise JavaError("not an object")
        return process_path_segment(index + 1, parts, current.get(parts[index]), term_uri)
    if not isinstance(current, dict) or parts[index] not in current:
        raise JavaError(f"no {parts[index]!r}")
    return current[parts[index]]


def filter_response(entry: dict, answer: dict, term_uri: str) -> dict:
    out = {}
    for key, rule in entry["retrieval-filtering"].items():
        if key == "@context":
            continue
        pattern, params = rule["pattern"], rule.get("params")
        if params is None:
            out[key] = term_uri if pattern == "@id" else pattern
            continue
        values = []
        for param in params:
            if param.startswith("/"):
                values.append(process_path_segment(0, param[1:].split("/"), answer, term_uri))
            else:
                values.append(term_uri if param == "@id" else param)
        if pattern == "{0}":
            out[key] = values[0]
        else:  # MessageFormat with {0}, {1}...
            text = pattern
            for i, value in enumerate(values):
                text = text.replace("{" + str(i) + "}", str(value))
            out[key] = text
    return out


@pytest.fixture(scope="module")
def entry(bundled_client):
    cvoc = bundled_client.get("/profiles/electron-microscopy/versions/1.0.0/dataverse/cvoc.json").json()
    return next(e for e in cvoc if e["field-name"] == "emAcquisitionTechnique")


def test_dataverse_extracts_term_name_vocabulary_name_and_uri(bundled_client, entry):
    url = entry["retrieval-uri"].replace("{0}", SEM)
    assert url.startswith("http://testserver/")
    response = bundled_client.get(url.removeprefix("http://testserver"), headers={"Accept": "application/json"})
    assert response.status_code == 200
    filtered = filter_response(entry, response.json(), SEM)
    assert filtered["@id"] == SEM
    assert sorted((label["lang"], label["value"]) for label in filtered["termName"]) == [
        ("en", "Scanning electron microscopy"), ("fr", "Microscopie électronique à balayage")]
    assert sorted((label["lang"], label["value"]) for label in filtered["vocabularyName"]) == [
        ("en", "Electron microscopy and atom probe techniques"),
        ("fr", "Techniques de microscopie électronique et de sonde atomique")]
    assert filtered["vocabularyUri"] == SCHEME


def test_the_replay_fails_where_dataverse_would(entry):
    # An answer whose graph nodes have no string `uri` makes Java's getString throw: the replay
    # must notice (it is what an incompatible server would cause), not report success.
    with pytest.raises(JavaError):
        filter_response(entry, {"graph": [{"uri": ["x"]}]}, SEM)
