"""Units of the latest bundled versions in their Dataverse block (issues 13/14): electron-microscopy
2.0.0 gives a quantity's unit with `sh:path [ sh:alternativePath ( qudt:hasUnit qudt:unit ) ]`
(SHACL §2.3.1.2: `qudt:hasUnit`, the deprecated `qudt:unit` still read). `plan_block` takes the first
alternative as the field's property, for the export (termURI qudt:hasUnit) and for lifting a record
back (it writes qudt:hasUnit), so the block has its unit fields and a record's units are checked.

The record is the one of `test_exported_block_records.py` (the valid 1.0.0 example in Dataverse's
form) built from the 2.0.0 block and validated against 2.0.0."""

from __future__ import annotations

import json

import pytest

from registry.dataverse.block import parse_block
from tests.dataverse import test_exported_block_records as records

HAS_UNIT = "http://qudt.org/schema/qudt/hasUnit"
UNIT = "http://qudt.org/vocab/unit/"
BASE = "/datasetVersion/metadataBlocks/electronMicroscopy/fields"


def export(client, version):
    r = client.get(f"/profiles/electron-microscopy/versions/{version}/dataverse/block.tsv")
    assert r.status_code == 200, r.text
    return parse_block(r.content)


@pytest.fixture(scope="module")
def block_2(bundled_client):
    return export(bundled_client, "2.0.0")


def unit_fields(block):
    return {f.name: (f.parent, f.field_type, f.allow_controlled_vocabulary, f.term_uri)
            for f in block.fields if f.name.endswith("Unit")}


def test_the_2_0_0_block_has_the_unit_fields_of_1_0_0_with_qudt_has_unit(bundled_client, block_2):
    units_1 = unit_fields(export(bundled_client, "1.0.0"))
    units_2 = unit_fields(block_2)
    assert units_1 and set(units_1) <= set(units_2)
    for name, (parent, field_type, controlled, term) in units_2.items():
        assert (field_type, controlled, term) == ("text", True, HAS_UNIT), name
        assert parent and block_2.field(parent) is not None, name
        assert name.startswith(parent) and name[:-len("Unit")] in {f.name for f in block_2.fields}, name
    for name, (parent, _, _, term) in units_1.items():
        assert term == "http://qudt.org/schema/qudt/unit" and units_2[name][0] == parent, name
    voltage = {v.value: v.identifier for v in block_2.values_of("emAcquisitionAcceleratingVoltageUnit")}
    assert voltage == {"KiloV": UNIT + "KiloV", "V": UNIT + "V", "MegaV": UNIT + "MegaV"}
    pressure = {v.value for v in block_2.values_of("emAcquisitionChamberPressureUnit")}
    assert "PA" in pressure


def validate(client, document):
    r = client.post("/validate", params={"profile": "electron-microscopy", "version": "2.0.0", "lang": "en"},
                    content=json.dumps(document).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()


def em_results(view):
    return [r for r in view["results"] if (r.get("source") or {}).get("block") == "electronMicroscopy"]


def test_a_record_of_the_2_0_0_block_has_its_units_checked(bundled_client, block_2):
    exported = (block_2.name, {f.name: f for f in block_2.fields})
    view = validate(bundled_client, records.record(exported))
    assert [r for r in view["results"] if (r.get("source") or {}).get("problem") == "unknown-field"] == []
    assert em_results(view) == [], view["results"]
    # the same triples as against 1.0.0: the 8 quantities' units lifted (as qudt:hasUnit)
    assert view["record"]["triples"] == 78

    document = records.record(exported)
    acquisition = document["datasetVersion"]["metadataBlocks"]["electronMicroscopy"]["fields"][0]["value"][0]
    acquisition["emAcquisitionAcceleratingVoltageUnit"]["value"] = "KiloV"  # 60000 KiloV: out of range
    view = validate(bundled_client, document)
    assert [r for r in view["results"] if (r.get("source") or {}).get("problem") == "unknown-field"] == []
    got = [(r["severity"], r["source"]["field"], r["source"]["pointer"]) for r in em_results(view)]
    assert got == [("Violation", "emAcquisitionAcceleratingVoltage",
                    f"{BASE}/0/value/0/emAcquisitionAcceleratingVoltage/value")], view["results"]
