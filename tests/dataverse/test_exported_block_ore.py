"""The exported block's fields in Dataverse's OAI-ORE export (issue 14 leftover): the record of
`test_exported_block_records.py` (the valid electron-microscopy 1.0.0 example in Dataverse's native
form) written as Dataverse's OAI-ORE exporter writes a dataset version, and validated: the
electronMicroscopy block's fields are lifted and checked as in the native form, never "unknown
field", although ten of them share the termURI `qudt:unit`.

The ORE form follows Dataverse's `OREMap` (edu.harvard.iq.dataverse.util.bagit.OREMap, as in the
real `cars.datasetORE.json` of ../shared/data/dataverse/records): the fields sit in the object of
`ore:describes`; a field with a termURI is keyed by its name, and `@context` maps the name to the
termURI; a field without one is keyed `<block>:<name>`, and `@context` maps the block's name to its
namespace URI; compound values are objects keyed the same way, one value bare, several in an array.
No value is added to the native record's (see test_exported_block_records.py for what that record
supplements).
"""

from __future__ import annotations

from registry.dataverse.block import parse_block
from tests.conftest import SHARED_DATA, require_shared
from tests.dataverse import test_exported_block_records as records

ORE = "http://www.openarchives.org/ore/terms/"
BASE = "/ore:describes"
CITATION_TSV = SHARED_DATA / "dataverse" / "metadatablocks" / "citation.tsv"



def ore_form(native: dict, blocks: dict[str, tuple[str, dict]]) -> dict:
    """`native`: a dataverse_json dataset version; `blocks`: block name → (namespace URI, {field
    name → termURI or ""}) for the blocks it uses."""
    context = {"ore": ORE, "dcterms": "http://purl.org/dc/terms/", "schema": "http://schema.org/",
               "dvcore": "https://dataverse.org/schema/core#"}

    def key(block: str, name: str) -> str:
        namespace, terms = blocks[block]
        if terms.get(name):
            context.setdefault(name, terms[name])
            return name
        context.setdefault(block, namespace)
        return f"{block}:{name}"

    def value_of(block: str, field: dict):
        if field["typeClass"] == "compound":
            values = field["value"] if isinstance(field["value"], list) else [field["value"]]
            out = [{key(block, child["typeName"]): value_of(block, child) for child in v.values()} for v in values]
        else:
            out = field["value"] if isinstance(field["value"], list) else [field["value"]]
        return out[0] if len(out) == 1 else out

    describes: dict = {}
    for block, content in native["datasetVersion"]["metadataBlocks"].items():
        for field in content["fields"]:
            describes[key(block, field["typeName"])] = value_of(block, field)
    describes.update({"@id": "https://doi.org/10.5072/FK2/EXAMPLE", "@type": ["ore:Aggregation", "schema:Dataset"],
                      "schema:datePublished": native["datasetVersion"]["publicationDate"],
                      "schema:license": native["datasetVersion"]["license"]["uri"]})
    return {"@id": "https://demo.dataverse.org/api/datasets/export?exporter=OAI_ORE", "@type": "ore:ResourceMap",
            "ore:describes": describes, "@context": context}


def blocks_of(bundled_client) -> dict:
    """The namespace and termURIs of the exported electronMicroscopy block and of Dataverse's real
    citation block."""
    r = bundled_client.get(f"/profiles/{records.PROFILE}/versions/1.0.0/dataverse/block.tsv")
    assert r.status_code == 200, r.text
    out = {}
    for block in (parse_block(r.content), parse_block(require_shared(CITATION_TSV).read_bytes())):
        out[block.name] = (block.block_uri or f"https://dataverse.org/schema/{block.name}/",
                           {f.name: f.term_uri or "" for f in block.fields})
    return out


def validate(client, document, lang="en"):
    return records.validate(client, document, lang)


def test_the_ore_form_shares_term_uris_as_dataverse_writes_them(bundled_client, exported):
    document = ore_form(records.record(exported), blocks_of(bundled_client))
    acquisition = document["ore:describes"]["emAcquisition"]
    units = [k for k in acquisition if document["@context"].get(k) == "http://qudt.org/schema/qudt/unit"]
    assert len(units) == 8 and all(k.endswith("Unit") for k in units)  # one termURI, eight keys


def test_the_exported_block_in_the_ore_form_is_lifted_and_checked(bundled_client, exported):
    native = records.validate(bundled_client, records.record(exported))
    view = validate(bundled_client, ore_form(records.record(exported), blocks_of(bundled_client)))
    assert [r for r in view["results"] if (r.get("source") or {}).get("problem") == "unknown-field"] == []
    assert [r for r in view["results"] if (r.get("source") or {}).get("block") == "electronMicroscopy"] == []
    # the same triples as the native form's: every electronMicroscopy value lifted
    assert view["record"]["triples"] == native["record"]["triples"] == 78


def test_wrong_values_in_the_ore_form_are_reported_at_their_json_pointer(bundled_client, exported):
    document = ore_form(records.record(exported), blocks_of(bundled_client))
    em = document["ore:describes"]
    em["emAcquisition"]["emAcquisitionMagnification"] = "0.5"  # below 1
    em["emAcquisition"]["emAcquisitionAcceleratingVoltageUnit"] = "MegaV"  # 60000 MegaV: out of range
    em["emSpecimen"]["emSpecimenChemicalElement"] = ["Al", "Xx"]  # no element Xx
    view = validate(bundled_client, document, lang="fr")
    got = sorted((r["severity"], r["source"]["field"], r["source"]["pointer"]) for r in view["results"]
                 if (r.get("source") or {}).get("block") == "electronMicroscopy")
    assert got == sorted([
        ("Violation", "emAcquisitionMagnification", f"{BASE}/emAcquisition/emAcquisitionMagnification"),
        ("Violation", "emAcquisitionAcceleratingVoltage", f"{BASE}/emAcquisition/emAcquisitionAcceleratingVoltage"),
        ("Violation", "emSpecimenChemicalElement", f"{BASE}/emSpecimen/emSpecimenChemicalElement/1"),
    ]), view["results"]
    by_field = {r["source"]["field"]: r for r in view["results"] if (r.get("source") or {}).get("block") == "electronMicroscopy"}
    assert by_field["emSpecimenChemicalElement"]["value"] == "Xx"
