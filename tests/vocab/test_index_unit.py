"""Unit tests of the label index (`registry.vocab.index`): what a build reads from a concepts graph,
fold-based matching, the rank classes, prefix and exact modes, label languages, deprecation and
hierarchy filters, and an index written to a file and opened again. One small vocabulary, no app."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.store.oxigraph import OxigraphStore
from registry.vocab.index import RANK_NAMES, IndexBuilder, VersionIndex
from registry.vocab.normalize import fold, fold_all
from registry.vocab.persist import IndexFiles

V = "https://w3id.org/unit/v/"
VERSION = "https://w3id.org/unit/vocabularies/u/1.0.0"
GRAPH = VERSION + "/concepts"

TURTLE = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{V}s> a skos:ConceptScheme ; skos:hasTopConcept <{V}micro>, <{V}spec> .
<{V}micro> a skos:Concept ; skos:prefLabel "Microscopy"@en, "Microscopie"@fr ; skos:altLabel "Imaging"@en .
<{V}tem> a skos:Concept ; skos:broader <{V}micro> ;
    skos:prefLabel "Transmission electron microscopy"@en, "Microscopie électronique en transmission"@fr ;
    skos:altLabel "TEM"@en ; skos:notation "T-1" .
<{V}sem> a skos:Concept ; skos:broader <{V}micro> ;
    skos:prefLabel "Scanning electron microscopy"@en-GB, "Microscopie électronique à balayage"@fr .
<{V}spec> a skos:Concept ; skos:prefLabel "Spectroscopy"@en, "Spectroscopie"@fr ; skos:narrower <{V}eels> .
<{V}eels> a skos:Concept ; skos:prefLabel "Electron energy loss spectroscopy"@en ;
    skos:altLabel "EELS"@en ; skos:hiddenLabel "e.e.l.s."@en .
<{V}probe> a skos:Concept ; skos:prefLabel "Electron microprobe"@en ; owl:deprecated true ;
    dct:isReplacedBy <{V}sem> .
<{V}core> a skos:Concept ; skos:broader <{V}spec> ; skos:prefLabel "Cœur d'échantillon"@fr, "Sample core"@en .
"""


def _load(store) -> None:
    store.load_graph(GRAPH, TURTLE.encode(), ox.RdfFormat.TURTLE)


@pytest.fixture(scope="module")
def builder() -> IndexBuilder:
    store = OxigraphStore()  # in memory
    _load(store)
    return IndexBuilder.read(store, VERSION, GRAPH)


@pytest.fixture(scope="module")
def index(builder) -> VersionIndex:
    return builder.to_index()


def found(index: VersionIndex, q: str, **options) -> list[str]:
    """The concepts (local names) the index finds for the text `q`, best first."""
    return [index.iris[index.e_cid[h.entry]][len(V):] for h in index.search(fold(q), **options)]


def ranks(index: VersionIndex, q: str, **options) -> list[tuple[str, str, str]]:
    return [(index.iris[index.e_cid[h.entry]][len(V):], RANK_NAMES[h.rank], index.e_text[h.entry])
            for h in index.search(fold(q), **options)]


# --- build ---------------------------------------------------------------------------------------


def test_build_reads_concepts_labels_hierarchy_and_deprecation(index):
    assert index.version_iri == VERSION and index.graph == GRAPH
    assert index.concept_count == 7
    tem = index.ids[V + "tem"]
    assert index.pref[tem] == {"en": "Transmission electron microscopy", "fr": "Microscopie électronique en transmission"}
    assert index.notation[tem] == "T-1"
    micro, spec = index.ids[V + "micro"], index.ids[V + "spec"]
    assert {index.iris[c] for c in index.children_of(micro)} == {V + "tem", V + "sem"}
    # skos:narrower is read as the inverse of skos:broader
    assert {index.iris[c] for c in index.children_of(spec)} == {V + "eels", V + "core"}
    assert index.parents[index.ids[V + "eels"]] == [spec]
    # the declared top concepts, by folded label: Microscopy, Spectroscopy
    assert [index.iris[c] for c in index.top] == [V + "micro", V + "spec"]
    assert index.descendants(micro) == frozenset({tem, index.ids[V + "sem"]})
    probe = index.ids[V + "probe"]
    assert probe in index.deprecated and tem not in index.deprecated
    assert index.replaced_by[probe] == [V + "sem"]
    # labels in a language, falling back to English, then any
    assert index.best_label(tem, "fr") == ("Microscopie électronique en transmission", "fr")
    assert index.best_label(index.ids[V + "eels"], "fr") == ("Electron energy loss spectroscopy", "en")
    assert index.best_label(index.ids[V + "sem"], "en") == ("Scanning electron microscopy", "en-gb")


def test_every_label_kind_is_an_entry_with_its_folded_key(index):
    eels = index.ids[V + "eels"]
    entries = {(index.e_text[e], index.e_key[e]) for e in index.c_entries[eels]}
    assert entries == {
        ("Electron energy loss spectroscopy", "electron energy loss spectroscopy"),
        ("EELS", "eels"),
        ("e.e.l.s.", "e e l s"),
    }


# --- matching and ranking ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "concept"),
    [
        ("coeur", "core"),  # œ spelled oe
        ("CŒUR D ECHANTILLON", "core"),  # case, œ, accents, the apostrophe a word break
        ("électronique en transmission", "tem"),
        ("e e l s", "eels"),  # the hidden label's dots are word breaks
        ("t 1", "tem"),  # the notation "T-1"
        ("t-1", "tem"),
    ],
)
def test_folded_queries_find_folded_labels(index, q, concept):
    assert found(index, q)[:1] == [concept]


def test_rank_classes_in_order(index):
    assert ranks(index, "microscopy") == [
        ("micro", "exact-prefLabel", "Microscopy"),
        ("sem", "word-in-prefLabel", "Scanning electron microscopy"),
        ("tem", "word-in-prefLabel", "Transmission electron microscopy"),
    ]
    assert ranks(index, "spectro") == [
        ("spec", "prefLabel-prefix", "Spectroscopy"),  # prefix of a prefLabel before a word inside one
        ("eels", "word-in-prefLabel", "Electron energy loss spectroscopy"),
    ]
    # exact altLabel, then the prefix of another concept's prefLabel is not a match: "tem" only
    assert ranks(index, "tem") == [("tem", "exact-label", "TEM")]
    assert ranks(index, "imag") == [("micro", "label-prefix", "Imaging")]


def test_within_a_class_shorter_labels_first(index):
    # "electron": a prefLabel prefix (EELS) first; then words inside prefLabels, shorter first
    assert found(index, "electron") == ["eels", "sem", "tem"]


def test_prefix_and_exact_modes(index):
    assert found(index, "micro") == ["micro", "sem", "tem"]
    assert found(index, "micro", mode="exact") == []
    assert found(index, "microscopie", mode="exact") == ["micro"]
    assert found(index, "microscop", mode="exact") == []


def test_unique_gives_one_hit_per_concept(index):
    assert found(index, "microscop") == ["micro", "sem", "tem"]
    every = found(index, "microscop", unique=False)
    assert len(every) > 3 and set(every) == {"micro", "sem", "tem"}


def test_label_languages(index):
    assert found(index, "microscopie", lang="fr") == ["micro", "sem", "tem"]
    assert found(index, "microscopie", lang="en") == []
    # a language range matches its subtags (en matches en-GB); notations match in any language
    assert found(index, "scanning", lang="en") == ["sem"]
    assert found(index, "t 1", lang="fr") == ["tem"]


def test_deprecated_concepts_only_when_asked(index):
    assert found(index, "electron microp") == []
    assert found(index, "electron microp", include_deprecated=True) == ["probe"]
    assert found(index, "electron micro", include_deprecated=True) == ["probe", "sem", "tem"]


def test_parent_keeps_the_concepts_below_it(index):
    assert found(index, "electron", parent=V + "micro") == ["sem", "tem"]
    assert found(index, "electron", parent=V + "spec") == ["eels"]
    assert found(index, "electron", parent=V + "nowhere") == []


def test_suffix_and_contains_modes(index):
    # shorter labels first: Microscopy, Spectroscopy, Scanning…, Transmission…, Electron energy…
    assert found(index, "scopy", mode="suffix") == ["micro", "spec", "sem", "tem", "eels"]
    assert found(index, "scop", mode="suffix") == []
    assert found(index, "chanti", mode="contains") == ["core"]


# --- persisted and opened again ------------------------------------------------------------------


def test_written_file_opens_again_and_answers_the_same(tmp_path, builder, index):
    files = IndexFiles(tmp_path / "indexes")
    saved = files.save(VERSION, GRAPH, "hash-1", builder)
    reopened = IndexFiles(tmp_path / "indexes").load(VERSION, GRAPH, "hash-1")  # another process's view
    assert reopened is not None
    for opened in (saved, reopened):
        assert opened.concept_count == index.concept_count
        assert [opened.iris[c] for c in opened.top] == [index.iris[c] for c in index.top]
        for q in ("electron", "coeur", "microscopie", "t 1"):
            assert found(opened, q) == found(index, q)
        assert found(opened, "microscopie", lang="en") == []
        assert opened.pref[opened.ids[V + "core"]] == {"fr": "Cœur d'échantillon", "en": "Sample core"}
    # another content hash names another file: nothing to open
    assert IndexFiles(tmp_path / "indexes").load(VERSION, GRAPH, "hash-2") is None


def test_a_damaged_file_is_not_opened_and_is_removed(tmp_path, builder):
    files = IndexFiles(tmp_path / "indexes")
    files.save(VERSION, GRAPH, "h", builder)
    path = files.path(VERSION, GRAPH, "h")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # cut short, as a crash mid-write would (without the rename)
    assert files.load(VERSION, GRAPH, "h") is None
    assert not path.exists()
    with pytest.raises(ValueError):
        VersionIndex.open(b"not an index at all, not even close to one")


def test_the_registry_store_builds_the_same_index(services, index):
    """Built from the registry's own store (embedded or remote backend) as from memory."""
    _load(services.store)
    built = VersionIndex.build(services.store, VERSION, GRAPH)
    assert built.concept_count == index.concept_count
    for q in ("electron", "coeur", "spectro", "tem"):
        assert ranks(built, q) == ranks(index, q)


def _reference_tables(b: IndexBuilder) -> dict[str, tuple[list[int], list[bytes], list[int], list[int] | None]]:
    """The search tables as a plain Python sort of (folded key, IRI, text, language, kind, entry)
    tuples builds them (what `IndexBuilder.write` did before it sorted with numpy)."""
    keys = [fold(t) for t in b.e_text]
    tables = {}
    for group in (0, 1):
        mine = [e for e, k in enumerate(keys) if k and (b.e_kind[e] == 0) == (group == 0)]
        rows = sorted((keys[e], b.iris[b.e_cid[e]], b.e_text[e], b.e_lang[e], b.e_kind[e], e, 0) for e in mine)
        words = sorted((keys[e][i + 1:], b.iris[b.e_cid[e]], b.e_text[e], b.e_lang[e], b.e_kind[e], e, i + 1)
                       for e in mine if b.e_kind[e] != 3 for i, ch in enumerate(keys[e]) if ch == " ")
        for name, items in ((f"label{group}", rows), (f"word{group}", words)):
            tables[name] = ([r[5] for r in items], [r[0].encode()[:8].ljust(8, b"\0") for r in items],
                            [len(keys[r[5]]) for r in items], [r[6] for r in items] if name.startswith("word") else None)
    return tables


def test_search_tables_are_sorted_like_the_python_sort(tmp_path):
    """Keys longer than the bytes numpy compares at once and equal on them, accents, labels that
    fold alike on one concept, duplicates across concepts: the tables are in the reference order."""
    long = "a very long label that shares its first thirty-two bytes with others "
    labels = [f'"{long}{tail}"@en' for tail in ("zeta", "alpha", "alpha beta", "Alpha", "ALPHA")]
    labels += ['"Électron énergie"@fr', '"electron energie"@fr', '"élan vital"@fr', '"Zèbre à rayures"@fr',
               '"a b c d e f g h"@en', '"same words"@en', '"Same Words"@de', '"日本 語 ラベル"@ja', '"x"']
    turtle = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + "".join(
        f'<{V}c{i % 7}> a skos:Concept ; skos:{("prefLabel", "altLabel", "hiddenLabel")[i % 3]} {label} .\n'
        for i, label in enumerate(labels + labels[::-1]))
    turtle += "".join(f'<{V}c{i}> skos:notation "N {i} x" .\n' for i in range(3))
    store = OxigraphStore()
    store.load_graph(GRAPH, turtle.encode(), ox.RdfFormat.TURTLE)
    b = IndexBuilder.read(store, VERSION, GRAPH)
    index = b.to_index()
    reference = _reference_tables(b)
    assert sum(len(t[0]) for t in reference.values()) > 60
    for name, (entries, heads, lengths, starts) in reference.items():
        prefix, table_entries, table_lengths, table_starts = index._tables[name]
        assert table_entries.tolist() == entries, name
        assert [int(p).to_bytes(8, "big") for p in prefix.tolist()] == heads, name
        assert table_lengths.tolist() == lengths, name
        if starts is not None:
            assert table_starts.tolist() == starts, name


def test_fold_all_folds_each_text_as_fold_does():
    texts = ["Electron  Microscopy", "  _x_y-z_ ", "", "A\x00B c", "Électron énergie", "ŒUVRE", "straße",
             "T-1", "e.e.l.s.", "!!!", "日本 語", "MiXeD 42 case", " trailing ", "tab\there"]
    assert fold_all(texts) == [fold(t) for t in texts]
    assert fold_all(texts)[0] == "electron microscopy" and fold_all(texts)[3] == "a b c"
