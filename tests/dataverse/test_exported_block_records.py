"""Round trip (issue 14, item 4): a bundled profile exported as a Dataverse block, a `dataverse_json`
record holding that block's fields, validated against the profile. The block's fields lift back to
the profile's RDF through the chains `registry.dataverse.mapping.plan_block` made for the export
(one mapping, both directions): they are checked, never "unknown field".

The record is `examples/electron-microscopy/1.0.0/synthetic-stem-eels.ttl` (valid, no results) in
Dataverse's form. Every value of the electronMicroscopy block is the example's (concept IRIs as an
external-vocabulary field stores them; units as the block's controlled values; numbers as text, the
way Dataverse keeps them). The citation block holds the example's title, creator, contact,
description (English; `metadataLanguage` en), subject and keywords. Supplemented, because the
Dataverse forms have no place for them or need more than the example gives: `publicationDate`
2025-06-30 (the example gives the year 2025 only); nothing else. Dropped, because the citation
block has no field for them: access rights, format, resource type, the French title and
description.
"""

from __future__ import annotations

import copy
import json



PROFILE = "electron-microscopy"
V = "https://w3id.org/metsa/vocab/"
UNIT = "http://qudt.org/vocab/unit/"
DCT = "http://purl.org/dc/terms/"

# The electronMicroscopy block's values, compound by compound (field name → value; a compound's
# value is {sub-field: value}, several values a list).
ACQUISITION = {
    "emAcquisitionAcceleratingVoltage": "60000", "emAcquisitionAcceleratingVoltageUnit": "V",
    "emAcquisitionBeamCurrent": "50", "emAcquisitionBeamCurrentUnit": "PicoA",
    "emAcquisitionCameraLength": "0.2", "emAcquisitionCameraLengthUnit": "M",
    "emAcquisitionChamberPressure": "1e-07", "emAcquisitionChamberPressureUnit": "PA",
    "emAcquisitionConvergenceAngle": "30", "emAcquisitionConvergenceAngleUnit": "MilliRAD",
    "emAcquisitionEndedAtTime": "2025-02-03T11:40:00+01:00",
    "emAcquisitionHolder": "Gatan double-tilt cryo holder",
    "emAcquisitionImagingMode": [V + "imaging-mode/haadf", V + "imaging-mode/spectrum-imaging"],
    "emAcquisitionMagnification": "2000000",
    "emAcquisitionPixelSize": "25", "emAcquisitionPixelSizeUnit": "PicoM",
    "emAcquisitionSpecimenTemperature": "-170", "emAcquisitionSpecimenTemperatureUnit": "DEG_C",
    "emAcquisitionSpectrometer": ["Nion IRIS energy filter"],
    "emAcquisitionStage": "Nion side-entry stage",
    "emAcquisitionStageTilt": "-12.5", "emAcquisitionStageTiltUnit": "DEG",
    "emAcquisitionStartedAtTime": "2025-02-03T09:15:00+01:00",
    "emAcquisitionTechnique": [V + "technique/eels", V + "technique/stem"],
}
EM_FIELDS = {
    "emAcquisition": [ACQUISITION],
    "emPlatform": [V + "platform/lps-orsay"],
    "emDetector": [{"emDetectorName": "Dectris ELA", "emDetectorDetectorType": V + "detector-type/hybrid-pixel"},
                   {"emDetectorName": "HAADF", "emDetectorDetectorType": V + "detector-type/stem-annular"}],
    "emInstrument": {"emInstrumentElectronGunType": V + "electron-gun-type/cold-feg",
                     "emInstrumentManufacturer": V + "instrument-manufacturer/nion",
                     "emInstrumentModel": "Hermes 200", "emInstrumentName": "ChromaTEM",
                     "emInstrumentPid": "https://hdl.handle.net/21.T11998/0000-0000",
                     "emInstrumentSerialNumber": "SN-0000"},
    "emOperator": [{"emOperatorName": "Durand, Paul", "emOperatorOperatorRole": V + "operator-role/facility-engineer"}],
    "emSpecimen": [{"emSpecimenChemicalElement": ["Al", "La", "O", "Sr", "Ti"],
                    "emSpecimenPhysicalForm": V + "specimen-form/lamella", "emSpecimenIdentifier": "LAM-2025-007",
                    "emSpecimenName": "SrTiO3/LaAlO3 interface lamella", "emSpecimenPreparationDate": "2025-01-28",
                    "emSpecimenPreparationMethod": [V + "preparation-method/fib-lift-out"]}],
}


def primitive(name, value, type_class="primitive"):
    return {"typeName": name, "multiple": isinstance(value, list), "typeClass": type_class, "value": value}


CITATION = [
    primitive("title", "Synthetic STEM-EELS dataset on a FIB lamella"),
    {"typeName": "author", "multiple": True, "typeClass": "compound", "value": [{
        "authorName": primitive("authorName", "Martin, Claire"),
        "authorAffiliation": primitive("authorAffiliation", "CNRS")}]},
    {"typeName": "datasetContact", "multiple": True, "typeClass": "compound", "value": [{
        "datasetContactName": primitive("datasetContactName", "Claire Martin"),
        "datasetContactEmail": primitive("datasetContactEmail", "claire.martin@example.org")}]},
    {"typeName": "dsDescription", "multiple": True, "typeClass": "compound", "value": [{
        "dsDescriptionValue": primitive("dsDescriptionValue", "Synthetic example record.")}]},
    primitive("subject", ["Physics"], "controlledVocabulary"),
    {"typeName": "keyword", "multiple": True, "typeClass": "compound", "value": [{
        "keywordValue": primitive("keywordValue", "electron microscopy")}]},
]


def dataverse_field(block_fields, name, value):
    """One entry of a block's `fields` as Dataverse's native JSON writes it, with typeClass and
    multiple taken from the exported block (fieldType none → compound; controlled values →
    controlledVocabulary)."""
    declared = block_fields[name]
    type_class = ("compound" if declared.field_type == "none" else
                  "controlledVocabulary" if declared.allow_controlled_vocabulary else "primitive")
    assert isinstance(value, list) == declared.allow_multiples, name
    if type_class == "compound":
        def one(item):
            return {child: dataverse_field(block_fields, child, v) for child, v in item.items()}
        value = [one(v) for v in value] if isinstance(value, list) else one(value)
    return {"typeName": name, "multiple": declared.allow_multiples, "typeClass": type_class, "value": value}


def record(exported) -> dict:
    name, fields = exported
    return {"datasetVersion": {
        "metadataLanguage": "en", "publicationDate": "2025-06-30",
        "license": {"name": "CC BY 4.0", "uri": "https://creativecommons.org/licenses/by/4.0/"},
        "metadataBlocks": {
            "citation": {"fields": copy.deepcopy(CITATION)},
            name: {"fields": [dataverse_field(fields, n, v) for n, v in EM_FIELDS.items()]},
        }}}


def validate(client, document, lang="en"):
    r = client.post("/validate", params={"profile": PROFILE, "version": "1.0.0", "lang": lang}, content=json.dumps(document).encode(),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()


# What the citation side of the record gives, by hand: Dataverse's citation block has no field for
# access rights (Violation: research-dataset requires one) and no publisher in a create JSON
# (Violation); the dataset gives no language (Info). Nothing else: every electronMicroscopy value is
# the valid example's.
CITATION_RESULTS = {(DCT + "accessRights", "Violation", "citation"), (DCT + "language", "Info", "citation"),
                    (DCT + "publisher", "Violation", None)}  # publisher: a dataset-level key, in no block


def test_the_exported_block_lifts_back_and_is_checked(bundled_client, exported):
    name, _ = exported
    assert name == "electronMicroscopy"
    view = validate(bundled_client, record(exported))
    unknown = [r for r in view["results"] if (r.get("source") or {}).get("problem") == "unknown-field"]
    assert unknown == []
    got = {(r["path"], r["severity"], (r.get("source") or {}).get("block")) for r in view["results"]}
    assert got == CITATION_RESULTS, view["results"]
    # every value became a triple: 15 for the dataset node, its citation fields and dataset-level keys;
    # 63 from the electronMicroscopy block (the example's em part: 8 quantities as link + value + unit)
    assert view["record"]["triples"] == 78


def test_wrong_values_of_the_exported_block_are_reported_at_their_json_pointer(bundled_client, exported):
    document = record(exported)
    em = document["datasetVersion"]["metadataBlocks"]["electronMicroscopy"]["fields"]
    acquisition = em[0]["value"][0]
    acquisition["emAcquisitionMagnification"]["value"] = "0.5"  # below 1
    acquisition["emAcquisitionAcceleratingVoltageUnit"]["value"] = "MegaV"  # 60000 MegaV: out of range
    del em[3]["value"]["emInstrumentModel"]
    em[5]["value"][0]["emSpecimenChemicalElement"]["value"] = ["Al", "Xx"]  # no element Xx
    view = validate(bundled_client, document, lang="fr")
    assert {(r["path"], r["severity"], (r.get("source") or {}).get("block")) for r in view["results"]
            if (r.get("source") or {}).get("block") != "electronMicroscopy"} == CITATION_RESULTS
    base = "/datasetVersion/metadataBlocks/electronMicroscopy/fields"
    got = sorted((r["severity"], r["source"]["field"], r["source"].get("parent"), r["source"]["pointer"],
                  r["source"]["title"]) for r in view["results"]
                 if (r.get("source") or {}).get("block") == "electronMicroscopy")
    assert got == sorted([
        ("Violation", "emAcquisitionMagnification", "emAcquisition", f"{base}/0/value/0/emAcquisitionMagnification/value",
         "Grandissement"),
        ("Violation", "emAcquisitionAcceleratingVoltage", "emAcquisition",
         f"{base}/0/value/0/emAcquisitionAcceleratingVoltage/value", "Tension d'accélération"),
        ("Violation", "emInstrumentModel", "emInstrument", f"{base}/3/value", "Modèle"),
        ("Violation", "emSpecimenChemicalElement", "emSpecimen", f"{base}/5/value/0/emSpecimenChemicalElement/value/1",
         "Éléments chimiques"),
    ]), view["results"]
    by_field = {r["source"]["field"]: r for r in view["results"]
                if (r.get("source") or {}).get("block") == "electronMicroscopy"}
    assert by_field["emSpecimenChemicalElement"]["value"] == "Xx"
    assert by_field["emAcquisitionMagnification"]["value"] == "0.5"
