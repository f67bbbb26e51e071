"""Field tables in words (registry/web/fieldtext.py, issue 15 item 2): units, numbers, value kinds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from registry.profile_fields import Field
from registry.web.fieldtext import (
    NBSP,
    NNBSP,
    QUDT_UNIT,
    cardinality_text,
    field_anchor,
    format_number,
    help_text,
    range_words,
    unit_lines,
    value_texts,
)

A = QUDT_UNIT + "A"


@pytest.mark.parametrize("rng, unit, en, fr", [
    ({"minInclusive": "1e-15", "maxInclusive": "0.0002"}, A, f"1{NBSP}fA – 200{NBSP}µA", f"1{NBSP}fA – 200{NBSP}µA"),
    ({"minInclusive": "0", "maxInclusive": "1000000000"}, None, "0 – 1,000,000,000", f"0 – 1{NNBSP}000{NNBSP}000{NNBSP}000"),
    ({"minInclusive": "-1.570796327", "maxInclusive": "1.570796327"}, QUDT_UNIT + "RAD",
     f"−1.570796327 – 1.570796327{NBSP}rad", f"−1,570796327 – 1,570796327{NBSP}rad"),
    ({"minInclusive": "-90", "maxInclusive": "90"}, QUDT_UNIT + "DEG", "−90° – 90°", "−90° – 90°"),
    ({"minInclusive": "1", "maxInclusive": "1e+12"}, QUDT_UNIT + "NanoSEC", f"1{NBSP}ns – 1000{NBSP}s", f"1{NBSP}ns – 1000{NBSP}s"),
    ({"minInclusive": "1", "maxInclusive": "100"}, QUDT_UNIT + "PERCENT", "1 – 100%", f"1 – 100{NNBSP}%"),
    ({"minExclusive": "0"}, QUDT_UNIT + "K", f"more than 0{NBSP}K", f"plus de 0{NBSP}K"),
    ({"maxInclusive": "5"}, None, "up to 5", "jusqu'à 5"),
    ({"minInclusive": "1e-14", "maxInclusive": "2000"}, QUDT_UNIT + "MilliBAR",
     f"1{NBSP}×{NBSP}10⁻¹⁴ – 2000{NBSP}mbar", f"1{NBSP}×{NBSP}10⁻¹⁴ – 2000{NBSP}mbar"),
])
def test_ranges_read_as_people_write_them(rng, unit, en, fr):
    assert range_words(rng, unit, "en") == en
    assert range_words(rng, unit, "fr") == fr


def test_numbers_in_french_and_english():
    assert format_number(Decimal("12345.5"), "fr") == f"12{NNBSP}345,5"
    assert format_number(Decimal("12345.5"), "en") == "12,345.5"
    assert format_number(Decimal("2500"), "fr") == "2500"  # four digits stay together (SI brochure)


def test_units_with_the_same_range_are_one_line():
    f = Field(path="https://w3id.org/metsa/term/beamCurrent", path_is_iri=True)
    for local, power in (("A", 0), ("MilliA", 3), ("FemtoA", 15)):
        scale = Decimal(10) ** power
        f.units.append(QUDT_UNIT + local)
        f.unit_ranges.append((QUDT_UNIT + local, {"minInclusive": str(Decimal("1e-15") * scale),
                                                  "maxInclusive": str(Decimal("0.0002") * scale)}))
    lines = unit_lines(f, "en")
    assert len(lines) == 1
    assert [symbol for _, symbol in lines[0].units] == ["A", "mA", "fA"]
    assert lines[0].range == f"1{NBSP}fA – 200{NBSP}µA"


def test_value_kinds_in_words_with_examples():
    email = Field(path="http://www.w3.org/2006/vcard/ns#hasEmail", path_is_iri=True, node_kind="sh:IRI",
                  pattern="^mailto:[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")
    (fr,) = value_texts(email, "fr")
    assert (fr.words, fr.example) == ("une adresse e-mail", "mailto:jane@lab.fr")
    (en,) = value_texts(email, "en")
    assert (en.words, en.example) == ("an e-mail address", "mailto:jane@lab.fr")
    year = Field(path="http://purl.org/dc/terms/issued", path_is_iri=True,
                 datatypes=["http://www.w3.org/2001/XMLSchema#gYear"])
    assert [(v.words, v.example, v.technical) for v in value_texts(year, "fr")] == [("une année", "2024", "xsd:gYear")]
    item = Field(path="http://purl.org/dc/terms/creator", path_is_iri=True, node_kind="sh:BlankNodeOrIRI")
    assert value_texts(item, "en")[0].words == "an item described in the record, or a link to it"
    odd = Field(path="urn:x", path_is_iri=True, pattern="^[A-Z]{2}$")
    assert value_texts(odd, "en")[0].technical == "^[A-Z]{2}$"  # kept, behind "technical form"


def test_cardinality_and_help_and_anchor():
    assert cardinality_text(Field(path="p", path_is_iri=True, min_count=1), "fr") == "1 ou plus"
    assert cardinality_text(Field(path="p", path_is_iri=True, min_count=1, max_count=1), "en") == "exactly 1"
    assert cardinality_text(Field(path="p", path_is_iri=True, max_count=1), "en") == "at most 1"
    f = Field(path="p", path_is_iri=True, units=[A],
              description={"en": "Must be one quantity. Allowed unit and range: 1e-15–0.0002 A; 1–2e11 FemtoA."})
    assert help_text(f, "en") == "Must be one quantity."
    assert field_anchor("http://www.w3.org/ns/dcat#Dataset", "http://purl.org/dc/terms/title") == "f-Dataset-title"
    assert field_anchor("objects of dcat:contactPoint", "http://www.w3.org/2006/vcard/ns#hasEmail") == "f-contactPoint-hasEmail"
