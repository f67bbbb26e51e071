"""Vocabulary services (issue 6): concept lookup, hierarchy, label search and a Skosmos REST v1
compatible surface, over the immutable concepts graph of each published vocabulary version.

* `normalize`  folding of labels and queries (NFKD, no combining marks, casefold);
* `index`      the in-memory label index of one vocabulary version (built once, cached by version IRI);
* `service`    `VocabService`: versions, indexes, concept / tree / search reads;
* `skosmos`    response shapes of Skosmos REST v1 (search, data, vocabularies, topConcepts, children, label);
* `routes`     `install(app, settings)`.
"""
