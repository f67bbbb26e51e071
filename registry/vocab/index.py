"""The label index of one vocabulary version.

A published version's concepts graph never changes, so its index is built once (a handful of
SPARQL SELECTs over that graph, no FILTER scans) and kept, keyed by the version IRI: there is
nothing to invalidate, and every process (or API worker) that discovers the version through the
catalog builds or reuses the same thing.

Two stages (issue 16, item 7): `IndexBuilder` reads the graph into Python lists and writes them
as one flat file of arrays (`IndexBuilder.write`); `VersionIndex` *opens* such a file with
`mmap` and reads it in place: integer arrays are `memoryview`s, strings are UTF-8 blobs with
offsets, sorted label keys are numpy fixed-width byte arrays searched with `numpy.searchsorted`.
Opening costs a few hundred microseconds whatever the size (nothing is decoded until a search
touches it), so the first search after a restart is as fast as any other; the operating system's
page cache, shared by every worker, holds the data instead of each process's heap.

Layout (ints for concepts and label entries):

* concepts: `iris[cid]`, `pref[cid]` (lang → prefLabel), `notation`, `deprecated`, `replaced_by`,
  `types`, `parents` / `children` (skos:broader and the inverse of skos:narrower), `top`;
* label entries: one per skos:prefLabel / altLabel / hiddenLabel / notation value of a concept:
  `e_cid`, `e_kind`, `e_lang`, `e_text`, `e_key` (the folded text, `normalize.fold`);
* *buckets* for ranked prefix search without sorting at query time. Entries are grouped by
  (label kind: preferred or not) and folded length; inside a bucket they are sorted by
  (folded text, concept IRI). A prefix is one `searchsorted` per bucket, and visiting buckets
  from the shortest length up yields matches already in rank order, so the first page costs
  O(buckets · log n + page) whatever the number of matches;
* *word* buckets hold, for each label, the folded text from each inner word start to the end
  ("electron energy loss spectroscopy" → "energy loss spectroscopy", "loss spectroscopy", …),
  grouped by the label's folded length: a prefix on them is a match on a word inside a label.

Rank classes (lower first): 0 exact prefLabel, 1 prefLabel prefix, 2 exact altLabel / hiddenLabel /
notation, 3 altLabel / hiddenLabel / notation prefix, 4 word inside a prefLabel, 5 word inside
another label. Inside a class: shorter folded label, then folded label, then concept IRI.

The UTF-8 byte order of two strings is their code point order, so byte keys sort and compare
like the folded strings (folded keys hold no NUL, which numpy's fixed-width bytes would drop).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Generic, TypeVar

import numpy as np
import pyoxigraph as ox

from registry.vocab.normalize import fold, fold_all

K = TypeVar("K")
V = TypeVar("V")

SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
#: Predicates whose value "true" marks a concept deprecated. owl:deprecated is the standard one
#: (SKOS Primer §4.6 practice, Skosmos); the other two are what real vocabularies use.
DEPRECATION_PREDICATES = (
    OWL_DEPRECATED,
    "https://physh.org/rdf/2018/01/01/core#deprecated",  # PhySH
    "http://publications.europa.eu/ontology/authority/deprecated",  # EU Publications Office authority tables
)
REPLACEMENT_PREDICATES = ("http://purl.org/dc/terms/isReplacedBy",)

PREF, ALT, HIDDEN, NOTATION = 0, 1, 2, 3
KIND_NAMES = ("prefLabel", "altLabel", "hiddenLabel", "notation")
_KIND_OF = {SKOS + "prefLabel": PREF, SKOS + "altLabel": ALT, SKOS + "hiddenLabel": HIDDEN, SKOS + "notation": NOTATION}
RANK_NAMES = ("exact-prefLabel", "prefLabel-prefix", "exact-label", "label-prefix", "word-in-prefLabel", "word-in-label")
_TOP = "\U0010ffff"


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    def repl(m: re.Match) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return _SIMPLE.get(m.group(3), m.group(3))

    return _ESCAPE.sub(repl, text) if "\\" in text else text


def _tsv_rows(result) -> Iterator[list[str]]:
    """Rows of a SELECT result serialised as SPARQL TSV: terms in N-Triples syntax, unbound = ''."""
    data = result.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8")
    lines = data.split("\n")
    for line in lines[1:]:
        if line:
            yield line.split("\t")


def _literal(token: str) -> tuple[str, str] | None:
    """(lexical form, language) of a TSV literal token; None for an IRI or blank node."""
    if not token or token[0] in "<_":
        return None
    if token[0] != '"':
        return token, ""  # a bare number or boolean
    close = token.rfind('"')
    rest = token[close + 1:]
    return _unescape(token[1:close]), (rest[1:].lower() if rest.startswith("@") else "")


def lang_matches(tag: str, wanted: str) -> bool:
    """SPARQL langMatches for a plain language range: `en` matches `en` and `en-GB`."""
    tag = tag.lower()
    return tag == wanted or tag.startswith(wanted + "-")


MAGIC = b"registry-vocab-index\n"
_END = b"\nend-of-index\n"
#: Bump when the file layout changes: older files are then ignored and rebuilt.
FORMAT = 3
#: Concept flags (one byte per concept id)
_CONCEPT, _DEPRECATED, _NOTATION, _GROUP = 1, 2, 4, 8


def iri_hash(iri: str) -> int:
    """A stable 64-bit hash of an IRI (Python's `hash` changes with every process)."""
    return int.from_bytes(hashlib.blake2b(iri.encode("utf-8"), digest_size=8).digest(), "little")


def _best(labels: dict[str, str], lang: str | None, fallback_lang: str | None = None) -> tuple[str | None, str | None]:
    if not labels:
        return None, None
    for wanted in (lang, fallback_lang, "en", ""):
        if wanted is None:
            continue
        if wanted in labels:
            return labels[wanted], wanted
        for tag, text in labels.items():
            if tag and lang_matches(tag, wanted):
                return text, tag
    tag = min(labels)
    return labels[tag], tag


@dataclass(frozen=True)
class Hit:
    """One matching label entry, with the key that orders it among all hits."""

    rank: int
    entry: int
    sort_key: tuple


# --- building ------------------------------------------------------------------------------------


class IndexBuilder:
    """Reads a version's concepts graph into Python lists (`read`) and writes the index file (`write`)."""

    def __init__(self, version_iri: str, graph: str):
        self.version_iri = version_iri
        self.graph = graph
        self.iris: list[str] = []
        self.ids: dict[str, int] = {}
        self.pref: list[dict[str, str]] = []
        self.notation: dict[int, str] = {}
        self.is_concept: set[int] = set()
        self.deprecated: set[int] = set()
        self.replaced_by: dict[int, list[str]] = {}
        self.types: dict[int, list[str]] = {}
        self.parents: dict[int, list[int]] = {}
        self.children: dict[int, list[int]] = {}
        self.top: list[int] = []  # while reading: the declared top concepts, first seen first
        self._top_seen: set[int] = set()
        self.groups: dict[int, list[int]] = {}
        self.member_of: dict[int, list[int]] = {}
        self.scheme_tops: dict[str, list[int]] = {}
        self.scheme_stated: dict[str, list[int]] = {}
        self.e_cid = array("i")  # compact: a million entries are not a million int objects
        self.e_kind = array("b")
        self.e_lang: list[str] = []
        self.e_text: list[str] = []

    def _cid(self, iri: str) -> int:
        cid = self.ids.get(iri)
        if cid is None:
            cid = len(self.iris)
            self.ids[iri] = cid
            self.iris.append(iri)
            self.pref.append({})
        return cid

    def _member(self, group: int, member: int) -> None:
        members = self.groups[group]
        if member not in members:
            members.append(member)
            self.member_of.setdefault(member, []).append(group)

    def _broader(self, child: int, parent: int) -> None:
        """A hierarchical link (skos:broader, or skos:narrower read the other way); a resource's
        link to itself is not kept."""
        if child == parent:
            return
        parents = self.parents.setdefault(child, [])
        if parent not in parents:
            parents.append(parent)
            self.children.setdefault(parent, []).append(child)

    def _top_concept(self, cid: int, scheme: str) -> None:
        tops = self.scheme_tops.setdefault(scheme, [])
        if cid not in tops:
            tops.append(cid)
        if cid not in self._top_seen:
            self._top_seen.add(cid)
            self.top.append(cid)

    def _finish(self) -> "IndexBuilder":
        """The top concepts in label order: the declared ones, else the concepts without a broader one."""
        top = self.top or [cid for cid in self.is_concept if cid not in self.parents]
        pref, iris = self.pref, self.iris
        self.top = sorted(top, key=lambda c: (fold(_best(pref[c], None)[0] or ""), iris[c]))
        return self

    def _label(self, cid: int, kind: int, lang: str, text: str) -> None:
        """One label (or notation) of a resource: a concept's is searched; a collection's only
        names it."""
        if cid not in self.is_concept:
            if cid in self.groups and kind == PREF:  # a collection: its label, not searched
                self.pref[cid].setdefault(lang, text)
            elif cid in self.groups and kind == NOTATION:
                self.notation.setdefault(cid, text)
            return
        if kind == PREF:
            self.pref[cid].setdefault(lang, text)
        elif kind == NOTATION:
            self.notation.setdefault(cid, text)
        self.e_cid.append(cid)
        self.e_kind.append(kind)
        self.e_lang.append(lang)
        self.e_text.append(text)

    @classmethod
    def read(cls, store, version_iri: str, graph: str) -> "IndexBuilder":
        """Read the concepts graph (a few SELECTs, results serialised as TSV).

        Results are serialised by the store in TSV and split here: on a 1M-triple vocabulary
        that is 2-3x faster than walking pyoxigraph solution objects.
        """
        index = cls(version_iri, graph)
        rows = lambda sparql: _tsv_rows(store.query(sparql, default_graph=[graph]))  # noqa: E731
        cid_of = index._cid
        for (s,) in rows(f"SELECT ?s WHERE {{ ?s a <{SKOS}Concept> }}"):
            if s[0] == "<":
                index.is_concept.add(cid_of(s[1:-1]))
        # SKOS §9 collections: Skosmos groups (their members may be concepts or collections)
        for g, m in rows(
            f"""SELECT ?g ?m WHERE {{ VALUES ?k {{ <{SKOS}Collection> <{SKOS}OrderedCollection> }} ?g a ?k
                 OPTIONAL {{ ?g <{SKOS}member> ?m }} }}"""
        ):
            if g[0] != "<":
                continue
            gid = cid_of(g[1:-1])
            index.groups.setdefault(gid, [])
            if m and m[0] == "<":
                index._member(gid, cid_of(m[1:-1]))
        ids, label = index.ids, index._label
        kinds = {f"<{p}>": k for p, k in _KIND_OF.items()}
        # plain labels, and SKOS-XL labels (Appendix A: skosxl:prefLabel/altLabel/hiddenLabel point
        # to a skosxl:Label whose skosxl:literalForm is the text), indexed alike
        for s, p, lit in rows(
            f"""SELECT ?s ?p ?l WHERE {{
                 {{ VALUES ?p {{ <{SKOS}prefLabel> <{SKOS}altLabel> <{SKOS}hiddenLabel> <{SKOS}notation> }} ?s ?p ?l }}
                 UNION
                 {{ VALUES (?xp ?p) {{ (<{SKOSXL}prefLabel> <{SKOS}prefLabel>) (<{SKOSXL}altLabel> <{SKOS}altLabel>)
                                      (<{SKOSXL}hiddenLabel> <{SKOS}hiddenLabel>) }}
                    ?s ?xp ?x . ?x <{SKOSXL}literalForm> ?l }} }}"""
        ):
            if s[0] != "<":
                continue
            cid = ids.get(s[1:-1])
            if cid is None:
                continue
            parsed = _literal(lit)
            if parsed is None:
                continue
            text, lang = parsed
            label(cid, kinds[p], lang, text)
        for c, b in rows(f"SELECT ?c ?b WHERE {{ {{ ?c <{SKOS}broader> ?b }} UNION {{ ?b <{SKOS}narrower> ?c }} }}"):
            if c[0] == "<" and b[0] == "<":
                index._broader(cid_of(c[1:-1]), cid_of(b[1:-1]))
        # the top concepts of every scheme (a version may hold several: PhySH has 19)
        for c, sc in rows(
            f"""SELECT DISTINCT ?c ?sc WHERE {{ {{ ?c <{SKOS}topConceptOf> ?sc }} UNION {{ ?sc <{SKOS}hasTopConcept> ?c }} }}"""
        ):
            if c[0] == "<" and sc[0] == "<":
                index._top_concept(cid_of(c[1:-1]), sc[1:-1])
        for c, sc in rows(f"SELECT ?c ?sc WHERE {{ ?c <{SKOS}inScheme> ?sc }}"):
            if c[0] == "<" and sc[0] == "<":
                index.scheme_stated.setdefault(sc[1:-1], []).append(cid_of(c[1:-1]))
        values = " ".join(f"<{p}>" for p in DEPRECATION_PREDICATES)
        for s, d in rows(f"SELECT ?s ?d WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?d }}"):
            parsed = _literal(d)
            if s[0] == "<" and parsed is not None and parsed[0].strip().lower() in ("true", "1"):
                index.deprecated.add(cid_of(s[1:-1]))
        values = " ".join(f"<{p}>" for p in REPLACEMENT_PREDICATES)
        for s, r in rows(f"SELECT ?s ?r WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?r }}"):
            if s[0] == "<" and r[0] == "<":
                index.replaced_by.setdefault(cid_of(s[1:-1]), []).append(r[1:-1])
        # types other than skos:Concept only (every concept has that one; `VersionIndex.types`
        # answers it for the others)
        for s, t in rows(f"SELECT ?s ?t WHERE {{ ?s a <{SKOS}Concept> ; a ?t FILTER(?t != <{SKOS}Concept>) }}"):
            if s[0] == "<" and t[0] == "<":
                index.types.setdefault(cid_of(s[1:-1]), []).append(t[1:-1])
        return index._finish()

    @classmethod
    def from_facts(cls, version_iri: str, graph: str, facts) -> "IndexBuilder":
        """The same as `read`, from what the parse of the published document collected
        (`registry.publishing.skos_facts.SkosFacts`, issue 16 "Speed and size") instead of
        SPARQL over the loaded graph: no row is read back from the store. The index answers
        the same (`tests/vocab/test_index_facts.py`); only the order of its internal ids differs."""
        from registry.publishing import skos_facts as sf

        index = cls(version_iri, graph)
        cid_of = index._cid
        keys, flags = facts.keys, facts.flags
        # which terms are IRIs (not blank nodes, not literals), as `SkosFacts.is_iri` says
        iri_terms = np.fromiter((not (k.startswith("_:") or k.startswith("\0")) for k in keys), dtype=bool,
                                count=len(keys))

        def is_iri(term: int) -> bool:
            return bool(iri_terms[term])

        def iris_among(terms: np.ndarray) -> list[int]:
            return terms[iri_terms[terms]].tolist()

        flag_array = np.frombuffer(flags, dtype=np.uint8)
        concept_terms = np.flatnonzero(flag_array & sf.CONCEPT)
        for s in iris_among(concept_terms):
            index.is_concept.add(cid_of(keys[s]))
        for g in iris_among(np.flatnonzero(flag_array & (sf.COLLECTION | sf.ORDERED))):
            index.groups.setdefault(cid_of(keys[g]), [])
        for g, m in facts.pairs(sf.MEMBER):
            if flags[g] & (sf.COLLECTION | sf.ORDERED) and is_iri(g) and is_iri(m):
                index._member(cid_of(keys[g]), cid_of(keys[m]))
        ids, label = index.ids, index._label
        langs = [tag.lower() for tag in facts.langs]
        literal_forms: dict[int, list[tuple[int, bytes]]] = {}  # SKOS-XL label resource → its literal forms
        xl_links = [(x, kind) for kind, code in ((PREF, sf.XL_PREF), (ALT, sf.XL_ALT), (HIDDEN, sf.XL_HIDDEN))
                    for x in [facts.links[code]]]
        xl_wanted = {x for (pairs, _kind) in xl_links for x in pairs[1].tolist()}

        # the literal label values, subject by subject, each once (`SkosFacts.distinct_labels`)
        label_subjects, kinds, value_langs, datatypes, off = facts.label_columns()
        rows = facts.distinct_labels()
        rows = rows[(datatypes[rows] != sf.DT_IRI) & (datatypes[rows] != sf.DT_BLANK)]
        blob = facts.l_blob
        forms = rows[kinds[rows] == sf.LITERAL_FORM]
        for i, s, lang in zip(forms.tolist(), label_subjects[forms].tolist(), value_langs[forms].tolist()):
            if s in xl_wanted:
                literal_forms.setdefault(s, []).append((lang, blob[off[i]:off[i + 1]]))
        # the other labels of the resources the index holds: a concept's are searched (entries), its
        # first prefLabel in each language and first notation name it; a collection's only name it
        # (what `_label` does, value by value, in the same order)
        cid_of_term = np.full(len(keys), -1, dtype=np.int64)
        for iri, known in ids.items():
            cid_of_term[facts.ids[iri]] = known
        rows = rows[kinds[rows] != sf.LITERAL_FORM]
        cids = cid_of_term[label_subjects[rows]]
        del cid_of_term
        is_concept = np.zeros(len(index.iris), dtype=bool)
        is_concept[list(index.is_concept)] = True
        is_group = np.zeros(len(index.iris), dtype=bool)
        is_group[list(index.groups)] = True
        naming = (kinds[rows] == PREF) | (kinds[rows] == NOTATION)
        known = cids >= 0
        concept_row = known & is_concept[np.maximum(cids, 0)]
        wanted = concept_row | (known & naming & is_group[np.maximum(cids, 0)])
        rows, cids, concept_row = rows[wanted], cids[wanted], concept_row[wanted]
        texts = [blob[a:b].decode("utf-8") for a, b in zip(off[rows].tolist(), off[rows + 1].tolist())]
        row_kinds = kinds[rows].tolist()
        row_langs = [langs[lang] for lang in value_langs[rows].tolist()]
        pref, notation = index.pref, index.notation
        for i, (c, k) in enumerate(zip(cids.tolist(), row_kinds)):
            if k == PREF:
                pref[c].setdefault(row_langs[i], texts[i])
            elif k == NOTATION:
                notation.setdefault(c, texts[i])
        entries = np.flatnonzero(concept_row).tolist()
        index.e_cid.frombytes(cids[concept_row].astype(np.int32).tobytes())
        index.e_kind.extend([row_kinds[i] for i in entries])
        index.e_lang.extend([row_langs[i] for i in entries])
        index.e_text.extend([texts[i] for i in entries])
        del rows, cids, texts, row_kinds, row_langs, entries
        for (subjects, objects), kind in xl_links:
            for s, x in zip(subjects.tolist(), objects.tolist()):
                cid = ids.get(keys[s]) if is_iri(s) else None
                if cid is not None:
                    for lang, text in literal_forms.get(x, ()):
                        label(cid, kind, langs[lang], text.decode("utf-8"))
        del literal_forms
        for c, b in list(facts.pairs(sf.BROADER)) + [(c, b) for b, c in facts.pairs(sf.NARROWER)]:
            if is_iri(c) and is_iri(b):
                index._broader(cid_of(keys[c]), cid_of(keys[b]))
        for c, sc in list(facts.pairs(sf.TOP_CONCEPT_OF)) + [(c, sc) for sc, c in facts.pairs(sf.HAS_TOP_CONCEPT)]:
            if is_iri(c) and is_iri(sc):
                index._top_concept(cid_of(keys[c]), keys[sc])
        for c, sc in facts.pairs(sf.IN_SCHEME):
            if is_iri(c) and is_iri(sc):
                index.scheme_stated.setdefault(keys[sc], []).append(cid_of(keys[c]))
        for s, _p, value, literal in sorted(facts.deprecation):
            if literal and is_iri(s) and value.strip().lower() in ("true", "1"):
                index.deprecated.add(cid_of(keys[s]))
        for s, r in facts.pairs(sf.REPLACED_BY):
            if is_iri(s) and is_iri(r):
                index.replaced_by.setdefault(cid_of(keys[s]), []).append(keys[r])
        # types other than skos:Concept, of concepts only (as `read`)
        classes = ((sf.SCHEME, SKOS + "ConceptScheme"), (sf.COLLECTION, SKOS + "Collection"),
                   (sf.ORDERED, SKOS + "OrderedCollection"))
        for s in iris_among(concept_terms[flag_array[concept_terms] & (sf.SCHEME | sf.COLLECTION | sf.ORDERED) > 0]):
            for flag, iri in classes:
                if flags[s] & flag:
                    index.types.setdefault(cid_of(keys[s]), []).append(iri)
        for s, t in sorted(facts.other_types):
            if flags[s] & sf.CONCEPT and is_iri(s):
                index.types.setdefault(cid_of(keys[s]), []).append(keys[t])
        return index._finish()

    def write(self, f: BinaryIO) -> None:
        """The index as one file: MAGIC, aligned sections, a JSON footer naming them, its length, _END."""
        w = _Writer(f)
        n = len(self.iris)
        iris = self.iris
        w.strings("iris", iris)
        hashes = np.array([iri_hash(i) for i in iris], dtype="<u8")
        order = np.argsort(hashes, kind="stable")
        w.raw("ids.hash", hashes[order])
        w.raw("ids.cid", order.astype("<i4"))
        w.strings("pref", [_PREF_JSON(p) if p else "" for p in self.pref])
        flags = bytearray(n)
        for c in self.is_concept:
            flags[c] |= _CONCEPT
        for c in self.deprecated:
            flags[c] |= _DEPRECATED
        for c in self.notation:
            flags[c] |= _NOTATION
        for c in self.groups:
            flags[c] |= _GROUP
        w.raw("flags", flags)
        w.strings("notation", [self.notation.get(c, "") for c in range(n)])
        w.lists("parents", self.parents, n)
        w.lists("children", self.children, n)
        w.lists("groups", self.groups, n)
        w.ints("groups.ids", list(self.groups))
        w.lists("member_of", self.member_of, n)
        type_table = sorted({t for ts in self.types.values() for t in ts})
        type_ids = {t: i for i, t in enumerate(type_table)}
        w.lists("types", {c: [type_ids[t] for t in ts] for c, ts in self.types.items()}, n)
        stated = []
        for i, (scheme, cids) in enumerate(sorted(self.scheme_stated.items())):
            w.ints(f"stated.{i}", cids)
            stated.append([scheme, f"stated.{i}"])
        w.ints("top", self.top)
        # label entries, and the buckets over their folded keys
        w.ints("e_cid", self.e_cid)
        w.ints("e_kind", self.e_kind, "b")
        lang_table = sorted(set(self.e_lang))
        lang_ids = {tag: i for i, tag in enumerate(lang_table)}
        w.ints("e_lang", [lang_ids[tag] for tag in self.e_lang], "H")
        text_blob, text_off = _utf8_blob(self.e_text)
        w.raw("e_text.data", text_blob)
        w.raw("e_text.off", text_off)
        keys = fold_all(self.e_text)
        key_blob, key_off = _utf8_blob(keys)
        w.raw("e_key.data", key_blob)
        w.raw("e_key.off", key_off)
        e_cid = np.frombuffer(self.e_cid, dtype=np.int32) if self.e_cid else np.zeros(0, dtype=np.int32)
        order = np.argsort(e_cid, kind="stable")  # the entries of each concept, in entry order
        starts = np.zeros(n + 1, dtype="<u8")
        np.cumsum(np.bincount(e_cid, minlength=n), out=starts[1:])
        w.raw("c_entries.off", starts)
        w.raw("c_entries.data", order.astype("<i4"))
        del order, starts
        # one table per (labels or inner words) × (prefLabels or other labels), sorted by
        # (folded key, concept IRI, then text, language and kind: two labels of one concept that
        # fold alike rank in the same order whatever order the graph was read in; entry id last):
        # the first 8 bytes of the key as a big-endian integer, the entry, the folded label's length
        # in characters, and for words where the word starts. Sorted with numpy over the keys'
        # UTF-8 bytes and the ranks of the rest (`_sorted_rows`): no Python object per row.
        key_lengths = np.fromiter((min(len(k), 65535) for k in keys), dtype=np.uint16, count=len(keys))
        del keys
        tie = _tie_ranks(iris, e_cid, (np.frombuffer(text_blob, dtype=np.uint8),
                                       np.frombuffer(text_off, dtype=np.uint64).astype(np.int64)), self.e_lang, self.e_kind)
        del text_blob, text_off
        data = np.frombuffer(key_blob, dtype=np.uint8)
        windows = _windows(data)
        offsets = np.frombuffer(key_off, dtype=np.uint64).astype(np.int64)
        kinds = np.frombuffer(self.e_kind, dtype=np.int8) if self.e_kind else np.zeros(0, dtype=np.int8)
        # the bytes that continue a UTF-8 character (to count the characters of a word's key)
        continuing = np.flatnonzero((data & 0xC0) == 0x80)
        spaces = np.flatnonzero(data == 0x20)
        entry_of_space = np.searchsorted(offsets, spaces, "right") - 1
        word_starts = spaces + 1
        del spaces
        tables = []
        for group in (0, 1):
            in_group = (kinds == PREF) if group == 0 else (kinds != PREF)
            labelled = np.flatnonzero(in_group & (offsets[1:] > offsets[:-1]))
            rows = _sorted_rows(data, windows, offsets[labelled], offsets[labelled + 1], tie[labelled])
            entry = labelled[rows]
            w.raw(f"label{group}.prefix", _heads(windows, offsets[entry], offsets[entry + 1]))
            w.raw(f"label{group}.entries", entry.astype(np.int32))
            w.raw(f"label{group}.length", key_lengths[entry])
            del labelled, rows, entry
            wanted = (in_group & (kinds != NOTATION))[entry_of_space]
            entry, begin = entry_of_space[wanted], word_starts[wanted]
            rows = _sorted_rows(data, windows, begin, offsets[entry + 1], tie[entry])
            entry, begin = entry[rows], begin[rows]
            end = offsets[entry + 1]
            w.raw(f"word{group}.prefix", _heads(windows, begin, end))
            w.raw(f"word{group}.entries", entry.astype(np.int32))
            w.raw(f"word{group}.length", key_lengths[entry])
            word_chars = (end - begin) - (np.searchsorted(continuing, end) - np.searchsorted(continuing, begin))
            w.raw(f"word{group}.start",
                  (key_lengths[entry].astype(np.int64) - word_chars).clip(0, 65535).astype(np.uint16))
            del wanted, entry, begin, rows, end, word_chars
            tables += [f"label{group}", f"word{group}"]
        w.finish({
            "format": FORMAT, "version_iri": self.version_iri, "graph": self.graph,
            "concepts": len(self.is_concept), "langs": lang_table, "types": type_table, "stated": stated,
            "scheme_tops": self.scheme_tops, "replaced_by": {str(c): r for c, r in self.replaced_by.items()},
            "tables": tables,
        })

    def to_index(self) -> "VersionIndex":
        """The index held in memory (no file: an in-memory or remote store without an index directory)."""
        out = io.BytesIO()
        self.write(out)
        return VersionIndex.open(out.getvalue())


#: `json.dumps(labels, ensure_ascii=False, separators=(",", ":"))`, without a new encoder per call
_PREF_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: the key bytes compared at once by `_sorted_rows` (longer keys equal on them are sorted in Python)
_SORT_WIDTH = 32


def _utf8_blob(values: list[str]) -> tuple[bytes, np.ndarray]:
    """The UTF-8 text of `values` one after the other, and the offsets of each (as `_Writer.strings`)."""
    blob = "".join(values).encode("utf-8")
    offsets = np.zeros(len(values) + 1, dtype="<u8")
    np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)), out=offsets[1:])
    if int(offsets[-1]) != len(blob):  # not all ASCII: lengths in bytes
        np.cumsum(np.fromiter((len(v.encode("utf-8")) for v in values), dtype=np.int64, count=len(values)),
                  out=offsets[1:])
    return blob, offsets


_MASKS = np.array([0] + [((1 << (8 * n)) - 1) << (8 * (8 - n)) for n in range(1, 9)], dtype=np.uint64)


def _windows(data: np.ndarray) -> np.ndarray:
    """Every 8 bytes of `data` from each position (a strided view over a NUL-padded copy)."""
    padded = np.concatenate((data, np.zeros(8, dtype=np.uint8)))
    return np.lib.stride_tricks.as_strided(padded, shape=(len(data) + 1, 8), strides=(1, 1), writeable=False)


def _columns(windows: np.ndarray, begin: np.ndarray, end: np.ndarray, first: int) -> np.ndarray:
    """Bytes `first` to `first + 8` of each key `data[begin:end]` (`windows` of the data), NUL-padded,
    as big-endian unsigned integers (their order is the order of the bytes)."""
    at = np.minimum(begin + first, len(windows) - 1)
    values = np.ascontiguousarray(windows[at]).view(">u8").ravel().astype(np.uint64)
    return values & _MASKS[np.clip(end - begin - first, 0, 8)]


def _heads(windows: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each key, NUL-padded, as big-endian integers (a table's `.prefix`)."""
    return _columns(windows, begin, end, 0).astype(">u8")


def _tie_ranks(iris: list[str], e_cid: np.ndarray, texts: tuple[np.ndarray, np.ndarray], langs: list[str],
               kinds: array) -> np.ndarray:
    """Each entry's rank in the order (concept IRI, text, language, kind, entry id); `texts`: the
    entries' texts as UTF-8 bytes and offsets."""
    count = len(e_cid)
    if not count:
        return np.zeros(0, dtype=np.int64)

    def ranks(values: list[str]) -> np.ndarray:
        table = {value: i for i, value in enumerate(sorted(set(values)))}
        return np.fromiter((table[v] for v in values), dtype=np.int64, count=len(values))

    def rank_of(order: np.ndarray) -> np.ndarray:
        rank = np.empty(count, dtype=np.int64)
        rank[order] = np.arange(count)
        return rank

    rest = rank_of(np.lexsort((np.arange(count), np.asarray(kinds, dtype=np.int64), ranks(langs))))
    data, offsets = texts
    text_rest = rank_of(_sorted_rows(data, _windows(data), offsets[:-1], offsets[1:], rest))
    return rank_of(np.lexsort((text_rest, ranks(iris)[e_cid])))


def _sorted_rows(data: np.ndarray, windows: np.ndarray, begin: np.ndarray, end: np.ndarray,
                 tie: np.ndarray) -> np.ndarray:
    """The order of the rows by (key bytes `data[begin:end]`, `tie`): numpy over the first
    `_SORT_WIDTH` bytes, then Python for rows equal on those whose keys are longer."""
    if not len(begin):
        return np.zeros(0, dtype=np.int64)
    columns = [_columns(windows, begin, end, first) for first in range(0, _SORT_WIDTH, 8)]
    order = np.lexsort([tie] + columns[::-1])
    long_key = (end - begin)[order] > _SORT_WIDTH
    if not long_key.any():
        return order
    same = np.ones(len(order) - 1, dtype=bool)
    for column in columns:
        ordered = column[order]
        same &= ordered[1:] == ordered[:-1]
    # runs of rows equal on the first bytes: sorted again on the whole key where one is longer
    bounds = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
    firsts, lasts = bounds[0::2], bounds[1::2]
    longs = np.concatenate(([0], np.cumsum(long_key)))
    with_long = longs[lasts + 1] > longs[firsts]  # the runs holding a longer key
    blob = data.tobytes()
    for a, b in zip(firsts[with_long].tolist(), lasts[with_long].tolist()):
        order[a:b + 1] = sorted(order[a:b + 1].tolist(), key=lambda r: (blob[begin[r]:end[r]], tie[r]))
    return order



class _Writer:
    def __init__(self, f: BinaryIO):
        self.f = f
        f.write(MAGIC)
        self.pos = len(MAGIC)
        self.sections: dict[str, list[int]] = {}

    def raw(self, name: str, data: Any) -> None:
        pad = -self.pos % 8
        if pad:
            self.f.write(b"\0" * pad)
            self.pos += pad
        view = memoryview(data).cast("B")
        self.sections[name] = [self.pos, view.nbytes]
        self.f.write(view)
        self.pos += view.nbytes

    def ints(self, name: str, values, code: str = "i") -> None:
        self.raw(name, array(code, values))

    def strings(self, name: str, values: list[str]) -> None:
        data, offsets = _utf8_blob(values)
        self.raw(name + ".data", data)
        self.raw(name + ".off", offsets)

    def lists(self, name: str, mapping: dict[int, list[int]], n: int, code: str = "i") -> None:
        offsets = array("Q", [0]) * (n + 1)
        data = array(code)
        for c in range(n):
            items = mapping.get(c)
            if items:
                data.extend(items)
            offsets[c + 1] = len(data)
        self.raw(name + ".off", offsets)
        self.raw(name + ".data", data)

    def finish(self, meta: dict) -> None:
        meta["sections"] = self.sections
        meta["data_end"] = self.pos
        footer = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        self.f.write(footer)
        self.f.write(len(footer).to_bytes(8, "little"))
        self.f.write(_END)


# --- reading (in place) ----------------------------------------------------------------------------


class _Strings:
    """A sequence of strings read in place: a UTF-8 blob and its offsets."""

    __slots__ = ("_buffer", "_base", "_data", "_off", "_n")

    def __init__(self, buffer, base: int, data: memoryview, off: memoryview):
        self._buffer, self._base, self._data, self._off = buffer, base, data, off
        self._n = len(off) - 1

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return str(self._data[self._off[i]:self._off[i + 1]], "utf-8")

    def __iter__(self) -> Iterator[str]:
        data, off = self._data, self._off
        for i in range(self._n):
            yield str(data[off[i]:off[i + 1]], "utf-8")

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def containing(self, sub: bytes) -> Iterator[int]:
        """The items that contain `sub` (one `find` in the blob per matching item)."""
        if not sub:
            yield from range(self._n)
            return
        buffer, base, off = self._buffer, self._base, self._off
        end = base + len(self._data)
        pos = buffer.find(sub, base, end)
        while pos != -1:
            i = bisect_right(off, pos - base) - 1
            if pos - base + len(sub) <= off[i + 1]:
                yield i
                pos = buffer.find(sub, base + off[i + 1], end)
            else:  # the match runs over into the next item
                pos = buffer.find(sub, pos + 1, end)


class _ReadByGet(Generic[K, V]):
    """`m[key]` and `key in m` of the compact read-only maps below, from their `get` (None: absent)."""

    __slots__ = ()

    def get(self, key: Any, default: V | None = None) -> V | None:  # any key: None unless found
        raise NotImplementedError

    def __getitem__(self, key: K) -> V:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None


class _Lists(_ReadByGet[int, list[int]]):
    """id → list of ints (CSR: offsets and data), read like the dict it was built from:
    ids without items are absent."""

    __slots__ = ("_off", "_data", "_n")

    def __init__(self, off: memoryview, data: memoryview):
        self._off, self._data, self._n = off, data, len(off) - 1

    def get(self, cid, default=None):
        if not isinstance(cid, int) or not 0 <= cid < self._n:
            return default
        a, b = self._off[cid], self._off[cid + 1]
        return self._data[a:b].tolist() if a != b else default

    def items(self) -> Iterator[tuple[int, list[int]]]:
        for cid in range(self._n):
            found = self.get(cid)
            if found is not None:
                yield cid, found


class _FlagSet:
    """The ids with one flag bit set, read like a set."""

    __slots__ = ("_flags", "_bit", "_len")

    def __init__(self, flags: memoryview, bit: int, count: int | None = None):
        self._flags, self._bit = flags, bit
        self._len = count

    def __contains__(self, cid) -> bool:
        return isinstance(cid, int) and 0 <= cid < len(self._flags) and bool(self._flags[cid] & self._bit)

    def _ids(self) -> list[int]:
        return np.flatnonzero(np.frombuffer(self._flags, dtype=np.uint8) & self._bit).tolist()

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids())

    def __len__(self) -> int:
        if self._len is None:
            self._len = len(self._ids())
        return self._len

    def __bool__(self) -> bool:
        return len(self) > 0


class _Notations:
    """id → notation, for the ids that have one."""

    __slots__ = ("_flags", "_strings")

    def __init__(self, flags: memoryview, strings: _Strings):
        self._flags, self._strings = flags, strings

    def __contains__(self, cid) -> bool:
        return isinstance(cid, int) and 0 <= cid < len(self._flags) and bool(self._flags[cid] & _NOTATION)

    def __getitem__(self, cid) -> str:
        if cid not in self:
            raise KeyError(cid)
        return self._strings[cid]

    def get(self, cid, default=None):
        return self._strings[cid] if cid in self else default


class _Groups:
    """Collection id → its member ids (possibly none), read like a dict."""

    __slots__ = ("_flags", "_lists", "_ids")

    def __init__(self, flags: memoryview, lists: _Lists, ids: memoryview):
        self._flags, self._lists, self._ids = flags, lists, ids

    def __contains__(self, cid) -> bool:
        return isinstance(cid, int) and 0 <= cid < len(self._flags) and bool(self._flags[cid] & _GROUP)

    def __getitem__(self, cid) -> list[int]:
        if cid not in self:
            raise KeyError(cid)
        return self._lists.get(cid, [])

    def get(self, cid, default=None):
        return self[cid] if cid in self else default

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids.tolist())

    def __len__(self) -> int:
        return len(self._ids)

    def __bool__(self) -> bool:
        return len(self._ids) > 0

    def items(self) -> Iterator[tuple[int, list[int]]]:
        for g in self:
            yield g, self[g]


class _Types:
    """Concept id → its rdf:types, skos:Concept first (only the others are stored)."""

    __slots__ = ("_lists", "_table", "_concepts")

    def __init__(self, lists: _Lists, table: list[str], concepts: _FlagSet):
        self._lists, self._table, self._concepts = lists, table, concepts

    def get(self, cid, default=None):
        if cid not in self._concepts:
            return default
        return [SKOS + "Concept"] + [self._table[t] for t in self._lists.get(cid, ())]


class _Prefs:
    """Concept id → {language: prefLabel} (stored as JSON text; the last few thousand decoded
    are kept: a search page reads each of its concepts' labels several times). Read only."""

    __slots__ = ("_strings", "_decoded")

    def __init__(self, strings: _Strings):
        self._strings = strings
        self._decoded: dict[int, dict[str, str]] = {}

    def __getitem__(self, cid) -> dict[str, str]:
        found = self._decoded.get(cid)
        if found is None:
            text = self._strings[cid]
            found = json.loads(text) if text else {}
            if len(self._decoded) >= 4096:
                self._decoded.clear()
            self._decoded[cid] = found
        return found

    def __len__(self) -> int:
        return len(self._strings)


class _Langs:
    __slots__ = ("_ids", "_table")

    def __init__(self, ids: memoryview, table: list[str]):
        self._ids, self._table = ids, table

    def __getitem__(self, e: int) -> str:
        return self._table[self._ids[e]]

    def __len__(self) -> int:
        return len(self._ids)


class _Ids(_ReadByGet[str, int]):
    """IRI → concept id: a binary search over the sorted 64-bit hashes of the IRIs."""

    __slots__ = ("_hashes", "_cids", "_iris")

    def __init__(self, hashes: np.ndarray, cids: memoryview, iris: _Strings):
        self._hashes, self._cids, self._iris = hashes, cids, iris

    def get(self, iri, default=None):
        if not isinstance(iri, str):
            return default
        h = np.uint64(iri_hash(iri))
        hashes = self._hashes
        i = int(np.searchsorted(hashes, h))
        while i < len(hashes) and hashes[i] == h:
            cid = self._cids[i]
            if self._iris[cid] == iri:
                return cid
            i += 1
        return default

    def __len__(self) -> int:
        return len(self._cids)


class VersionIndex:
    """One version's index, read in place from its file (`open`)."""

    version_iri: str
    graph: str
    iris: _Strings
    ids: _Ids
    pref: _Prefs
    is_concept: _FlagSet
    deprecated: _FlagSet
    notation: _Notations
    parents: _Lists
    children: _Lists
    groups: _Groups
    member_of: _Lists
    types: _Types
    replaced_by: dict[int, list[str]]
    scheme_tops: dict[str, list[int]]
    scheme_stated: dict[str, memoryview]
    top: list[int]
    e_cid: memoryview
    e_kind: memoryview
    e_lang: _Langs
    e_text: _Strings
    e_key: _Strings
    c_entries: _Lists
    _buffer: Any
    _tables: dict[str, tuple[np.ndarray, memoryview, np.ndarray, memoryview | None]]
    _descendants: OrderedDict[int, frozenset[int]]
    _members: dict[str, frozenset[int]]
    _desc_lock: threading.Lock

    @classmethod
    def build(cls, store, version_iri: str, graph: str, scheme: str | None = None) -> "VersionIndex":
        """Read the concepts graph and return its index, held in memory (see `IndexBuilder`)."""
        return IndexBuilder.read(store, version_iri, graph).to_index()

    @classmethod
    def open(cls, buffer) -> "VersionIndex":
        """The index written by `IndexBuilder.write`, in `buffer` (an mmap or bytes). Raises
        ValueError for anything that is not a whole index file of this format."""
        view = memoryview(buffer)
        size = len(view)
        tail = len(_END) + 8
        if size < len(MAGIC) + tail or view[:len(MAGIC)] != MAGIC or view[size - len(_END):] != _END:
            raise ValueError("not a whole index file")
        length = int.from_bytes(view[size - tail:size - len(_END)], "little")
        start = size - tail - length
        if start < len(MAGIC):
            raise ValueError("not a whole index file")
        meta = json.loads(bytes(view[start:start + length]))
        if meta.get("format") != FORMAT or meta.get("data_end") != start:
            raise ValueError("another format")
        sections = meta["sections"]

        def section(name: str) -> memoryview:
            offset, nbytes = sections[name]
            if offset + nbytes > start:
                raise ValueError(f"section {name} out of bounds")
            return view[offset:offset + nbytes]

        def ints(name: str, code: str = "i") -> memoryview:
            return section(name).cast(code)  # type: ignore[call-overload]  # a format code chosen at run time

        def strings(name: str) -> _Strings:
            return _Strings(buffer, sections[name + ".data"][0], section(name + ".data"), ints(name + ".off", "Q"))

        def lists(name: str) -> _Lists:
            return _Lists(ints(name + ".off", "Q"), ints(name + ".data"))

        def keys(name: str, width: int) -> np.ndarray:
            offset, nbytes = sections[name]
            return np.frombuffer(buffer, dtype=f"S{width}", count=nbytes // width, offset=offset)

        index = cls.__new__(cls)
        index._buffer = buffer
        index.version_iri = meta["version_iri"]
        index.graph = meta["graph"]
        index.iris = strings("iris")
        offset, nbytes = sections["ids.hash"]
        index.ids = _Ids(np.frombuffer(buffer, dtype="<u8", count=nbytes // 8, offset=offset), ints("ids.cid"), index.iris)
        index.pref = _Prefs(strings("pref"))
        flags = ints("flags", "B")
        index.is_concept = _FlagSet(flags, _CONCEPT, meta["concepts"])
        index.deprecated = _FlagSet(flags, _DEPRECATED)
        index.notation = _Notations(flags, strings("notation"))
        index.parents = lists("parents")
        index.children = lists("children")
        index.groups = _Groups(flags, lists("groups"), ints("groups.ids"))
        index.member_of = lists("member_of")
        index.types = _Types(lists("types"), meta["types"], index.is_concept)
        index.replaced_by = {int(c): r for c, r in meta["replaced_by"].items()}
        index.scheme_tops = meta["scheme_tops"]
        index.scheme_stated = {scheme: ints(name) for scheme, name in meta["stated"]}
        index.top = ints("top").tolist()
        index.e_cid = ints("e_cid")
        index.e_kind = ints("e_kind", "b")
        index.e_lang = _Langs(ints("e_lang", "H"), meta["langs"])
        index.e_text = strings("e_text")
        index.e_key = strings("e_key")
        index.c_entries = lists("c_entries")
        index._tables = {}
        for name in meta["tables"]:
            offset, nbytes = sections[name + ".prefix"]
            index._tables[name] = (
                np.frombuffer(buffer, dtype=">u8", count=nbytes // 8, offset=offset),
                ints(name + ".entries"),
                np.frombuffer(section(name + ".length"), dtype=np.uint16),
                ints(name + ".start", "H") if name.startswith("word") else None,
            )
        index._descendants = OrderedDict()
        index._members = {}
        index._desc_lock = threading.Lock()
        return index

    # --- reads ---------------------------------------------------------------------------------

    @property
    def concept_count(self) -> int:
        return len(self.is_concept)

    def best_label(self, cid: int, lang: str | None, fallback_lang: str | None = None) -> tuple[str | None, str | None]:
        """(prefLabel, its language) in `lang`, else `fallback_lang`, else English, else any."""
        return _best(self.pref[cid], lang, fallback_lang)

    def descendants(self, cid: int) -> frozenset[int]:
        """Every concept below `cid` (not itself), over broader / inverse narrower; cached."""
        with self._desc_lock:
            found = self._descendants.get(cid)
            if found is not None:
                self._descendants.move_to_end(cid)
                return found
        out: set[int] = set()
        children = self.children
        stack = list(children.get(cid, ()))
        while stack:
            c = stack.pop()
            if c in out:
                continue
            out.add(c)
            stack.extend(children.get(c, ()))
        found = frozenset(out)
        with self._desc_lock:
            self._descendants[cid] = found
            while len(self._descendants) > 64:
                self._descendants.popitem(last=False)
        return found

    def members(self, scheme: str) -> frozenset[int]:
        """The concepts of a concept scheme: those stating skos:inScheme it, its top concepts and
        everything below them. SKOS (§4.6.2) does not infer skos:inScheme down the hierarchy,
        but real multi-scheme thesauri rely on it: PhySH states no skos:inScheme at all, its 19
        schemes are their top concepts' subtrees. Computed on first use, then cached."""
        with self._desc_lock:
            found = self._members.get(scheme)
        if found is not None:
            return found
        out: set[int] = set(self.scheme_stated.get(scheme, ()))
        for top in self.scheme_tops.get(scheme, ()):
            out.add(top)
            out.update(self.descendants(top))
        found = frozenset(c for c in out if c in self.is_concept)
        with self._desc_lock:
            if len(self._members) >= 64:
                self._members.clear()
            self._members[scheme] = found
        return found

    def top_of(self, scheme: str | None) -> list[int]:
        """The roots of the tree of one scheme (its top concepts; failing those, its members
        without a broader member), or of the whole version with None."""
        if scheme is None:
            return self.top
        tops = self.scheme_tops.get(scheme)
        if tops:
            return sorted(tops, key=lambda c: (fold(self.best_label(c, None)[0] or ""), self.iris[c]))
        members = self.members(scheme)
        roots = [c for c in members if not any(p in members for p in self.parents.get(c, ()))]
        return sorted(roots, key=lambda c: (fold(self.best_label(c, None)[0] or ""), self.iris[c]))

    def children_of(self, cid: int) -> list[int]:
        return self.children.get(cid, [])

    # --- search --------------------------------------------------------------------------------

    def _ranked(self, q: str, mode: str) -> Iterator[Hit]:
        """Every entry matching `q`, in rank order (see module docstring).

        Per table, one `searchsorted` finds the rows whose first 8 bytes match the query's; a
        stable sort of their lengths (already in (key, IRI) order) puts them in rank order.
        Queries longer than 8 bytes are checked against the whole key."""
        n = len(q)
        qb = q.encode("utf-8")
        head = qb[:8]
        low = np.array(int.from_bytes(head.ljust(8, b"\0"), "big"), dtype=">u8")
        high = np.array(int.from_bytes(head.ljust(8, b"\xff"), "big"), dtype=">u8")
        check = len(qb) > 8
        iris, e_cid, e_key = self.iris, self.e_cid, self.e_key
        ranks = (("label0", 0, 1), ("label1", 2, 3)) + ((("word0", 4, 4), ("word1", 5, 5)) if mode != "exact" else ())
        for name, exact_rank, prefix_rank in ranks:
            prefix, entries, lengths, starts = self._tables[name]
            lo, hi = int(prefix.searchsorted(low, "left")), int(prefix.searchsorted(high, "right"))
            if lo >= hi:
                continue
            span = lengths[lo:hi]
            if starts is None and mode == "exact":
                order = np.flatnonzero(span == n)
            elif hi - lo > 1:
                order = np.argsort(span, kind="stable")
            else:
                order = np.zeros(1, dtype=np.intp)
            for start in range(0, len(order), 64):
                for j in order[start:start + 64].tolist():
                    row = lo + j
                    e = entries[row]
                    key = e_key[e]
                    if starts is None:
                        if check and not key.startswith(q):
                            continue
                        length = len(key)
                        rank = exact_rank if length == n else prefix_rank
                    else:
                        if check and not key.startswith(q, starts[row]):
                            continue
                        length, rank = len(key), exact_rank
                        if length < n + 2:
                            continue
                    yield Hit(rank, e, (rank, length, key, iris[e_cid[e]]))

    def _tie_broken(self, hit: Hit) -> tuple:
        """A hit's rank key, then its text, language and kind: the order of the tables
        (`IndexBuilder.write`), whatever order the graph was read in."""
        e = hit.entry
        return hit.sort_key + (self.e_text[e], self.e_lang[e], self.e_kind[e])

    def _ranked_within(self, q: str, mode: str, allowed: frozenset[int] | set[int]) -> Iterator[Hit]:
        """Same order as `_ranked`, computed from the entries of a small set of concepts."""
        hits = []
        n = len(q)
        iris = self.iris
        for cid in allowed:
            for e in self.c_entries.get(cid, ()):
                key = self.e_key[e]
                other = 0 if self.e_kind[e] == PREF else 2
                if key == q:
                    hits.append(Hit(other, e, (other, n, key, iris[cid])))
                elif mode == "exact":
                    continue
                elif key.startswith(q):
                    hits.append(Hit(other + 1, e, (other + 1, len(key), key, iris[cid])))
                elif self.e_kind[e] != NOTATION and (" " + q) in key:
                    rank = 4 if other == 0 else 5
                    hits.append(Hit(rank, e, (rank, len(key), key, iris[cid])))
        hits.sort(key=self._tie_broken)
        return iter(hits)

    def _scan(self, q: str, mode: str) -> Iterator[Hit]:
        """Suffix ("*x") and infix ("*x*") matches: one pass of `find` over the folded labels."""
        hits = []
        iris = self.iris
        for e in self.e_key.containing(q.encode("utf-8")):
            key = self.e_key[e]
            if (mode == "suffix" and key.endswith(q)) or (mode == "contains" and q in key):
                rank = (0 if key == q else 1) + (0 if self.e_kind[e] == PREF else 2)
                hits.append(Hit(rank, e, (rank, len(key), key, iris[self.e_cid[e]])))
        hits.sort(key=self._tie_broken)
        return iter(hits)
    def search(
        self,
        q: str,
        *,
        mode: str = "prefix",
        lang: str | None = None,
        parent: str | None = None,
        include_deprecated: bool = False,
        kinds: tuple[int, ...] = (PREF, ALT, HIDDEN, NOTATION),
        unique: bool = True,
        scheme: str | None = None,
        group: str | None = None,
        types: frozenset[str] | None = None,
    ) -> Iterator[Hit]:
        """Hits for the folded query `q`, best first, lazily (the caller slices a page).

        `mode`: prefix (label or inner-word prefix), exact, suffix, contains. `parent`: only
        concepts below that concept (an unknown parent matches nothing). `unique`: one hit per
        concept (its best-ranked label). `scheme`: only the members of that concept scheme
        (`members`). `group`: only the skos:members of that collection (Skosmos `group`).
        `types`: only concepts with one of these rdf:types (Skosmos `type`).
        """
        allowed = None
        if parent is not None:
            pid = self.ids.get(parent)
            if pid is None:
                return
            allowed = self.descendants(pid)
        if scheme is not None:
            members = self.members(scheme)
            allowed = members if allowed is None else allowed & members
        if group is not None:
            gid = self.ids.get(group)
            if gid is None or gid not in self.groups:
                return
            in_group = frozenset(self.groups[gid])
            allowed = in_group if allowed is None else allowed & in_group
        if mode in ("suffix", "contains"):
            source = self._scan(q, mode)
        elif allowed is not None and len(allowed) <= 4096:
            source = self._ranked_within(q, mode, allowed)
        else:
            source = self._ranked(q, mode)
        wanted_lang = lang.lower() if lang else None
        seen: set[int] = set()
        e_cid, e_kind, e_lang = self.e_cid, self.e_kind, self.e_lang
        deprecated, concepts = self.deprecated, self.is_concept
        for hit in source:
            e = hit.entry
            cid = e_cid[e]
            key = cid if unique else e
            if key in seen:
                continue
            if e_kind[e] not in kinds or cid not in concepts:
                continue
            if wanted_lang and e_kind[e] != NOTATION and not lang_matches(e_lang[e], wanted_lang):
                continue
            if allowed is not None and cid not in allowed:
                continue
            if not include_deprecated and cid in deprecated:
                continue
            if types is not None and types.isdisjoint(self.types.get(cid, ())):
                continue
            seen.add(key)
            yield hit
