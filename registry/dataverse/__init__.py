"""Dataverse bridge (issue 13): profiles ↔ Dataverse metadata blocks, external vocabularies (CVoc).

One module per concern:

* `block`       the typed model of a metadata block, the TSV parser, the `.properties` reader and
                the field → property IRI rule (shared with the record bridge of issue 14).
* `check`       the loader's and the guide's rules (`registry dataverse check-block`).
* `cli`         the `registry dataverse ...` commands.
"""
