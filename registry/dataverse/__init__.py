"""Dataverse bridge (issue 13): profiles ↔ Dataverse metadata blocks, external vocabularies (CVoc).

One module per concern:

* `block`       the typed model of a metadata block, the TSV parser, the `.properties` reader and
                the field → property IRI rule (shared with the record bridge of issue 14).
* `check`       the loader's and the guide's rules (`registry dataverse check-block`).
* `annotations` the `dvb:` namespace: block columns SHACL has no word for.
* `mapping`     profile shapes → planned block fields (names, types, chains of properties).
* `export`      a published profile version → TSV, bundles, :CVocConf, report (`export-block`).
* `importer`    a block (+ bundles) → a `registry load` folder (`import-block`).
* `routes`      `/profiles/{id}/versions/{v}/dataverse/*`; `pages` the community-area import.
* `cli`         the `registry dataverse ...` commands.
(`records`, `tool`, `mappings/`: issue 14, validating Dataverse records.)
"""
