"""What the SKOS checks and the search index need of a vocabulary, collected during the one parse
of the document that the IRI checks already make (issue 16, "Speed and size").

Run as SPARQL over the loaded graph, the fifteen SKOS checks cost more CPU than the bulk load of a
1M-triple vocabulary (~20 s against 16 s), and reading labels and links back for the search index
another ~10 s: every row is decoded again from the store's dictionary. The parse beside the bulk
load (`registry.publishing.iri_scan`) already sees every triple; this module keeps, in compact
structures, the few things the checks and the index look at:

* every term is interned once (`SkosFacts.ids`: key → integer id; an IRI is its own key, a blank
  node ``_:label``, a literal object of a link predicate ``\\0`` + its N-Triples form), with one
  byte of flags per term (its SKOS classes, "has a note", "seen as a subject");
* label values (prefLabel, altLabel, hiddenLabel, notation, skosxl:literalForm) as parallel
  integer arrays (subject, kind, language, datatype) and one UTF-8 blob with offsets;
* links (broader, narrower, related, top concepts, inScheme, mapping properties, skos:member,
  SKOS-XL labels, dct:isReplacedBy) as arrays of (subject id, object id) pairs, deduplicated at
  the end like the store deduplicates triples;
* the rare rest as short lists (types other than the SKOS classes, deprecation flags, notes
  without a language tag).

`registry.publishing.skos_checks.check_vocabulary_facts` answers every check from these, with
the findings the SPARQL checks give (`tests/publishing/test_skos_facts.py` compares both on the
real vocabularies), and `registry.vocab.index.IndexBuilder.from_facts` builds the search index.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyoxigraph as ox

SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
#: the deprecation predicates the index reads (`registry.vocab.index.DEPRECATION_PREDICATES`)
DEPRECATION = (
    OWL_DEPRECATED,
    "https://physh.org/rdf/2018/01/01/core#deprecated",
    "http://publications.europa.eu/ontology/authority/deprecated",
)
NOTE_PREDICATES = tuple(SKOS + n for n in (
    "note", "definition", "scopeNote", "example", "historyNote", "editorialNote", "changeNote"))

# label kinds (the values of `SkosFacts.l_kind`); the first four are `registry.vocab.index`'s
PREF, ALT, HIDDEN, NOTATION, LITERAL_FORM = 0, 1, 2, 3, 4
LABEL_PREDICATES = (SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel", SKOS + "notation",
                    SKOSXL + "literalForm")
# link predicates (keys of `SkosFacts.links`)
BROADER, NARROWER, BROADER_T, NARROWER_T, RELATED, TOP_CONCEPT_OF, HAS_TOP_CONCEPT, IN_SCHEME = range(8)
EXACT, BROAD_MATCH, NARROW_MATCH, RELATED_MATCH, MEMBER, XL_PREF, XL_ALT, XL_HIDDEN, REPLACED_BY = range(8, 17)
LINK_PREDICATES = (
    SKOS + "broader", SKOS + "narrower", SKOS + "broaderTransitive", SKOS + "narrowerTransitive",
    SKOS + "related", SKOS + "topConceptOf", SKOS + "hasTopConcept", SKOS + "inScheme",
    SKOS + "exactMatch", SKOS + "broadMatch", SKOS + "narrowMatch", SKOS + "relatedMatch", SKOS + "member",
    SKOSXL + "prefLabel", SKOSXL + "altLabel", SKOSXL + "hiddenLabel", "http://purl.org/dc/terms/isReplacedBy",
)
_TYPE, _NOTE, _DEPRECATION = 100, 101, 102
#: predicate IRI → what the collector does with its triples
PREDICATE_CODES: dict[str, int] = {
    **{p: i for i, p in enumerate(LINK_PREDICATES)},
    **{p: 20 + i for i, p in enumerate(LABEL_PREDICATES)},
    RDF_TYPE: _TYPE,
    **{p: _NOTE for p in NOTE_PREDICATES},
    **{p: _DEPRECATION for p in DEPRECATION},
}
# term flags (one byte per term id)
CONCEPT, SCHEME, COLLECTION, ORDERED, HAS_NOTE, SUBJECT = 1, 2, 4, 8, 16, 32
_CLASS_FLAGS = {SKOS + "Concept": CONCEPT, SKOS + "ConceptScheme": SCHEME, SKOS + "Collection": COLLECTION,
                SKOS + "OrderedCollection": ORDERED}
# datatypes of label values that are not literals (`SkosFacts.l_dt`)
DT_IRI, DT_BLANK = 0xFFFF, 0xFFFE


class SkosFacts:
    """Filled triple by triple (`add`), then `finish`ed; read by the checks and the index builder."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.keys: list[str] = []
        self.flags = bytearray()
        self._literal_text: dict[int, str] = {}  # literal term id → its rendering as a check row shows it
        # label values
        self.l_s = array("i")
        self.l_kind = array("b")
        self.l_lang = array("H")
        self.l_dt = array("H")
        self.l_off = array("Q", [0])
        self.l_blob: bytearray | bytes = bytearray()
        self.langs: list[str] = [""]
        self._lang_ids: dict[str, int] = {"": 0}
        self.datatypes: list[str] = [XSD_STRING, RDF_LANG_STRING]
        self._dt_ids: dict[str, int] = {XSD_STRING: 0, RDF_LANG_STRING: 1}
        # links: code → flat (subject, object) pairs; after `finish`, (subjects, objects) numpy arrays
        self._pairs: list[array] = [array("i") for _ in LINK_PREDICATES]
        self.links: list[tuple[np.ndarray, np.ndarray]] = []
        self.other_types: set[tuple[int, int]] = set()  # (subject, type) for types other than the SKOS classes
        self.deprecation: set[tuple[int, int, str, bool]] = set()  # (subject, predicate index, STR(value), is literal)
        self.notes_without_lang: set[tuple[int, str, int]] = set()  # (subject, predicate, literal id)
        self.triples = 0
        self._distinct: np.ndarray | None = None  # `distinct_labels`, once computed

    # --- collecting --------------------------------------------------------------------------------

    def intern(self, key: str) -> int:
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.keys)
            self.keys.append(key)
            self.flags.append(0)
        return i

    def term_id(self, term) -> int:
        t = type(term)
        if t is ox.NamedNode:
            return self.intern(term.value)
        if t is ox.BlankNode:
            return self.intern("_:" + term.value)
        i = self.intern("\0" + str(term))
        if type(term) is ox.Literal and i not in self._literal_text:
            self._literal_text[i] = _render_literal(term)
        return i

    def add(self, code: int, predicate: str, sid: int, o, oid: int | None) -> None:
        """One triple whose predicate's code (`PREDICATE_CODES[predicate]`) is `code`, subject id
        `sid`, object `o` (and its id when already interned, else None)."""
        if code < 20:
            pairs = self._pairs[code]
            pairs.append(sid)
            pairs.append(self.term_id(o) if oid is None else oid)
        elif code < 100:
            self._label(code - 20, sid, o)
        elif code == _TYPE:
            if type(o) is ox.NamedNode:
                flag = _CLASS_FLAGS.get(o.value)
                if flag is not None:
                    self.flags[sid] |= flag
                else:
                    self.other_types.add((sid, self.intern(o.value) if oid is None else oid))
        elif code == _NOTE:
            self.flags[sid] |= HAS_NOTE
            if type(o) is ox.Literal and not o.language:
                self.notes_without_lang.add((sid, predicate, self.term_id(o)))
        elif code == _DEPRECATION:
            literal = type(o) is ox.Literal
            if literal or type(o) is ox.NamedNode:
                self.deprecation.add((sid, DEPRECATION.index(predicate), o.value, literal))

    def _label(self, kind: int, sid: int, o) -> None:
        t = type(o)
        if t is ox.Literal:
            lang = o.language or ""
            lid = self._lang_ids.get(lang)
            if lid is None:
                lid = self._lang_ids[lang] = len(self.langs)
                self.langs.append(lang)
            if lang:
                dt = 1
            else:
                datatype = o.datatype.value
                dt = self._dt_ids.get(datatype, -1)
                if dt == -1:
                    dt = self._dt_ids[datatype] = len(self.datatypes)
                    self.datatypes.append(datatype)
            text = o.value
        else:
            lid, dt = 0, (DT_IRI if t is ox.NamedNode else DT_BLANK)
            text = o.value if t is ox.NamedNode else "_:" + o.value
        self.l_s.append(sid)
        self.l_kind.append(kind)
        self.l_lang.append(lid)
        self.l_dt.append(dt)
        self.l_blob += text.encode("utf-8")
        self.l_off.append(len(self.l_blob))

    def finish(self) -> None:
        """Deduplicate the links (a document may state a triple twice; the store keeps it once)."""
        for pairs in self._pairs:
            flat = np.frombuffer(pairs, dtype=np.int32) if len(pairs) else np.zeros(0, dtype=np.int32)
            keyed = np.unique((flat[0::2].astype(np.int64) << 32) | flat[1::2].astype(np.int64))
            self.links.append(((keyed >> 32).astype(np.int32), (keyed & 0xFFFFFFFF).astype(np.int32)))
        self._pairs = []
        self.l_blob = bytes(self.l_blob)  # slices of bytes are bytes: hashable, one copy fewer

    def clear(self) -> None:
        """Free everything (the facts are used once: by the checks, then the index build)."""
        self.__init__()  # type: ignore[misc]

    # --- reading -----------------------------------------------------------------------------------

    def render(self, tid: int) -> str:
        """A term as the SPARQL checks' rows show it (`skos_checks._term`)."""
        text = self._literal_text.get(tid)
        return text if text is not None else self.keys[tid]

    def is_iri(self, tid: int) -> bool:
        key = self.keys[tid]
        return not (key.startswith("_:") or key.startswith("\0"))

    def with_flag(self, flag: int) -> Iterator[int]:
        """The term ids with `flag` set."""
        flags = np.frombuffer(self.flags, dtype=np.uint8)
        return iter(np.flatnonzero(flags & flag).tolist())

    def pairs(self, code: int) -> Iterator[tuple[int, int]]:
        s, o = self.links[code]
        return zip(s.tolist(), o.tolist())

    def subjects_of(self, *codes: int) -> set[int]:
        return {x for c in codes for x in self.links[c][0].tolist()}

    def objects_of(self, *codes: int) -> set[int]:
        return {x for c in codes for x in self.links[c][1].tolist()}

    def label_text(self, i: int) -> str:
        return bytes(self.l_blob[self.l_off[i]:self.l_off[i + 1]]).decode("utf-8")

    def label_term(self, i: int) -> str:
        """Label value `i` as the SPARQL checks' rows show it."""
        text, dt = self.label_text(i), self.l_dt[i]
        if dt in (DT_IRI, DT_BLANK):
            return text
        lang = self.langs[self.l_lang[i]]
        return f'"{text}"@{lang}' if lang else f'"{text}"'

    def label_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The label values as numpy arrays: (subject, kind, language id, datatype id, offsets
        into `l_blob`, one more than values)."""

        def column(values: array, dtype) -> np.ndarray:
            return np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype=dtype)

        return (column(self.l_s, np.int32), column(self.l_kind, np.int8), column(self.l_lang, np.uint16),
                column(self.l_dt, np.uint16), column(self.l_off, np.uint64).astype(np.int64))

    def distinct_labels(self) -> np.ndarray:
        """The indexes of the label values, subject by subject (in document order for each), each
        value once (same subject, kind, language, datatype and text: the store keeps a triple once)."""
        if self._distinct is not None:
            return self._distinct
        subjects, kinds, langs, dts, off = self.label_columns()
        count = len(subjects)
        keep = np.ones(count, dtype=bool)
        if count > 1:
            # two values can only be the same if they agree on all but their text, its length included
            length = off[1:] - off[:-1]
            columns = (subjects, kinds, langs, dts, length)
            order = np.lexsort((np.arange(count),) + columns[::-1])
            same = np.ones(count - 1, dtype=bool)
            for c in columns:
                ordered = c[order]
                same &= ordered[1:] == ordered[:-1]
            if same.any():
                blob = self.l_blob
                edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
                for a, b in zip(edges[0::2].tolist(), edges[1::2].tolist()):
                    seen: set[bytes] = set()
                    for i in sorted(order[a:b + 1].tolist()):  # the first of equal values is kept
                        text = bytes(blob[off[i]:off[i + 1]])
                        if text in seen:
                            keep[i] = False
                        seen.add(text)
        by_subject = np.argsort(subjects, kind="stable")
        self._distinct = by_subject[keep[by_subject]]
        return self._distinct

    def labels_by_subject(self) -> Iterator[tuple[int, list[tuple[int, int, int, bytes, int]]]]:
        """(subject id, its distinct label values as (kind, language id, datatype id, UTF-8 text,
        value index)), subject by subject, each value once (as the store keeps a triple once)."""
        subjects_list, kinds, langs, dts, off = self.l_s, self.l_kind, self.l_lang, self.l_dt, self.l_off
        blob = self.l_blob if isinstance(self.l_blob, bytes) else bytes(self.l_blob)
        current = -1
        values: list[tuple[int, int, int, bytes, int]] = []
        for i in self.distinct_labels().tolist():
            s = subjects_list[i]
            if s != current:
                if values:
                    yield current, values
                current, values = s, []
            values.append((kinds[i], langs[i], dts[i], blob[off[i]:off[i + 1]], i))
        if values:
            yield current, values


def _render_literal(lit: ox.Literal) -> str:
    return f'"{lit.value}"@{lit.language}' if lit.language else f'"{lit.value}"'


# --- the SKOS checks' offending rows, from the facts -------------------------------------------------

#: Unicode White_Space, what `\s` matches in the store's regular expressions (Rust `regex`)
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
      "\u2028\u2029\u202f\u205f\u3000"
_LABEL_IRIS = LABEL_PREDICATES[:3]


_BAD_WHITESPACE = re.compile(f"^[{_WS}]|[{_WS}]\\Z|[{_WS}][{_WS}]")
"""REGEX(STR(?l), "^\\s|\\s$|\\s\\s") of `skos_checks.WHITESPACE` (`\\Z`: Python's `$` also matches
before a final newline)."""


class _Hierarchy:
    """One hierarchical step, child → parents: skos:broader, inverse skos:narrower,
    skos:broaderTransitive and inverse skos:narrowerTransitive (`skos_checks.BROADER_PATH`)."""

    def __init__(self, facts: SkosFacts):
        children = [facts.links[BROADER][0], facts.links[NARROWER][1], facts.links[BROADER_T][0], facts.links[NARROWER_T][1]]
        parents = [facts.links[BROADER][1], facts.links[NARROWER][0], facts.links[BROADER_T][1], facts.links[NARROWER_T][0]]
        child = np.concatenate(children)
        parent = np.concatenate(parents)
        self.edges = (child, parent)
        order = np.argsort(child, kind="stable")
        child, parent = child[order], parent[order]
        nodes, starts = np.unique(child, return_index=True)
        ends = np.append(starts[1:], len(child))
        # node → its parents: parent[first[node]:last[node]] (compact arrays, not a dict of tuples:
        # the checks run beside the bulk load, whose memory peaks at the same time)
        size = int(nodes[-1]) + 1 if len(nodes) else 0
        first, last = np.zeros(size, dtype=np.int32), np.zeros(size, dtype=np.int32)
        first[nodes], last[nodes] = starts, ends
        self.nodes = nodes
        self.first, self.last = array("i", first.tobytes()), array("i", last.tobytes())
        self.parent = array("i", parent.astype(np.int32).tobytes())

    def _not_peeled(self) -> set[int]:
        """The nodes left once nodes without a child or without a parent are taken away, again
        and again: a node on a cycle has both, so every one is left (and in a hierarchy without
        cycles, none: Tarjan's walk below then visits nothing)."""
        child, parent = self.edges
        if not len(child):
            return set()
        size = int(max(child.max(), parent.max())) + 1
        alive = np.ones(len(child), dtype=bool)
        for _round in range(64):  # a hierarchy deeper than 128 levels: Tarjan walks what is left
            c, p = child[alive], parent[alive]
            has_parent = np.zeros(size, dtype=bool)
            has_parent[c] = True
            has_child = np.zeros(size, dtype=bool)
            has_child[p] = True
            keep = has_parent[p] & has_child[c]  # both ends can still be on a cycle
            if keep.all():
                break
            alive[np.flatnonzero(alive)[~keep]] = False
        return set(np.concatenate((child[alive], parent[alive])).tolist())

    def parents(self, node: int) -> list[int]:
        if node >= len(self.first):
            return []
        a, b = self.first[node], self.last[node]
        return self.parent[a:b].tolist() if b > a else []

    def reaches(self, start: int, target: int) -> bool:
        """`start` {H}+ `target`: one or more steps up from `start` reach `target`."""
        seen: set[int] = set()
        stack = self.parents(start)
        while stack:
            node = stack.pop()
            if node == target:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(self.parents(node))
        return False

    def on_cycles(self) -> list[int]:
        """Nodes `s` with `s {H} ?b . ?b {H}* s`: on a cycle (strongly connected components of
        more than one node, or a node that is its own parent); iterative Tarjan."""
        index: dict[int, int] = {}
        low: dict[int, int] = {}
        on_stack: set[int] = set()
        stack: list[int] = []
        found: list[int] = []
        counter = 0
        cyclic = self._not_peeled()
        for root in self.nodes.tolist():
            if root in index or root not in cyclic:
                continue
            work = [(root, 0)]
            while work:
                node, i = work.pop()
                if i == 0:
                    index[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack.add(node)
                parents = self.parents(node)
                recurse = False
                while i < len(parents):
                    nxt = parents[i]
                    i += 1
                    if nxt not in index:
                        work.append((node, i))
                        work.append((nxt, 0))
                        recurse = True
                        break
                    if nxt in on_stack:
                        low[node] = min(low[node], index[nxt])
                if recurse:
                    continue
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in self.parents(node):
                        found.extend(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return found


#: UTF-8 encodings of `_WS`
_WS_BYTES = [ch.encode("utf-8") for ch in _WS]
_ASCII_WS = np.zeros(256, dtype=bool)
_ASCII_WS[[w[0] for w in _WS_BYTES if len(w) == 1]] = True


def _white_space_pairs(data: np.ndarray, block: int = 1 << 20) -> np.ndarray:
    """Where two white space characters (`_WS`) follow each other in the UTF-8 bytes `data`
    (looked at a block at a time: a few MB of temporary arrays whatever the size)."""
    found = []
    for lo in range(0, len(data), block):
        part = data[lo:lo + block + 8]  # a pair starting in the block may end after it
        length = np.zeros(len(part) + 4, dtype=np.uint8)  # of the white space character starting there, or 0
        length[:len(part)][_ASCII_WS[part]] = 1
        last = len(part) - 1
        for encoded in _WS_BYTES:  # the multi-byte ones (U+0085, U+00A0, U+1680, U+2000…U+3000)
            if len(encoded) > 1:
                at = np.flatnonzero(part == encoded[0])
                for k in range(1, len(encoded)):
                    at = at[part[np.minimum(at + k, last)] == encoded[k]]
                    at = at[at + k <= last]
                length[at] = len(encoded)
        starts = np.flatnonzero(length[:min(block, len(part))])
        found.append(lo + starts[length[starts + length[starts]] > 0])
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _bad_whitespace(blob: bytes | bytearray, off: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The values among `rows` that start or end with white space or hold two white space
    characters in a row (`_BAD_WHITESPACE`): numpy picks the candidates (an ASCII white space or
    a non-ASCII byte at either end, a pair found in the blob), the regex decides."""
    rows = rows[off[rows + 1] > off[rows]]
    if not len(rows):
        return rows
    data = np.frombuffer(blob, dtype=np.uint8)
    first, last = data[off[rows]], data[off[rows + 1] - 1]
    candidate = _ASCII_WS[first] | (first >= 0x80) | _ASCII_WS[last] | (last >= 0x80)
    paired = _white_space_pairs(data)
    if len(paired):
        holding = np.searchsorted(off, paired, "right") - 1
        candidate |= np.isin(rows, holding)
    found = [i for i in rows[candidate].tolist() if _BAD_WHITESPACE.search(blob[off[i]:off[i + 1]].decode("utf-8"))]
    return np.array(found, dtype=np.int64)


def _listed(rows: np.ndarray, subjects: np.ndarray, kinds: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """(value index, subject, kind) of each of `rows`."""
    return zip(rows.tolist(), subjects[rows].tolist(), kinds[rows].tolist())


def _runs(rows: np.ndarray, columns: tuple[np.ndarray, ...]) -> Iterator[np.ndarray]:
    """The groups of two or more of `rows` equal on every one of `columns`."""
    if len(rows) < 2:
        return
    order = rows[np.lexsort(tuple(c[rows] for c in columns[::-1]))]
    same = np.ones(len(order) - 1, dtype=bool)
    for c in columns:
        ordered = c[order]
        same &= ordered[1:] == ordered[:-1]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
    for a, b in zip(edges[0::2].tolist(), edges[1::2].tolist()):
        yield order[a:b + 1]


def offending_rows(facts: SkosFacts) -> dict[str, list[dict[str, str | None]]]:
    """check code → the rows its SPARQL query (`registry.publishing.skos_checks`) would select
    over the loaded graph, each once, sorted."""
    r = facts.render
    flags = facts.flags
    rows: dict[str, list[Any]] = {}  # check code → its rows (dicts of str, or None for an unbound column)
    flag_array = np.frombuffer(flags, dtype=np.uint8)
    concepts = np.flatnonzero(flag_array & CONCEPT)  # numpy arrays, not sets: checked beside the load

    def listed(ids: np.ndarray) -> list[dict[str, str | None]]:
        return [{"s": r(s)} for s in ids.tolist()]

    # the types
    rows["skos-S9"] = listed(concepts[flag_array[concepts] & SCHEME > 0])
    s37 = []
    for s in facts.with_flag(COLLECTION | ORDERED):
        for flag, cls in ((CONCEPT, SKOS + "Concept"), (SCHEME, SKOS + "ConceptScheme")):
            if flags[s] & flag:
                s37.append({"s": r(s), "t": cls})
    rows["skos-S37"] = s37
    rows["skos-blank-node"] = [{"s": r(s)} for s in facts.with_flag(CONCEPT | SCHEME) if facts.keys[s].startswith("_:")]

    # the labels (prefLabel, altLabel, hiddenLabel), each value once: numpy selects the few values
    # that can offend, Python looks at those only
    subjects, kinds, langs, dts, off = facts.label_columns()
    values = facts.distinct_labels()
    values = values[kinds[values] <= HIDDEN]
    blob = facts.l_blob
    label_term = facts.label_term
    literal = values[(dts[values] != DT_IRI) & (dts[values] != DT_BLANK)]
    no_lang = [{"s": r(s), "p": _LABEL_IRIS[k], "l": label_term(i)}
               for i, s, k in _listed(literal[langs[literal] == 0], subjects, kinds)]
    whitespace = [{"s": r(s), "p": _LABEL_IRIS[k], "l": label_term(i)}
                  for i, s, k in _listed(_bad_whitespace(blob, off, literal), subjects, kinds)]
    # S13: one value under two of the label properties of a subject (same language, datatype and
    # text; candidates: same subject, language, datatype and length)
    s13 = []
    pairs = ((PREF, ALT), (PREF, HIDDEN), (ALT, HIDDEN))
    for run in _runs(values, (subjects, langs, dts, off[1:] - off[:-1])):
        if len(set(kinds[run].tolist())) < 2:
            continue
        by_kind: tuple[dict, dict, dict] = ({}, {}, {})
        for i in run.tolist():
            by_kind[kinds[i]].setdefault(bytes(blob[off[i]:off[i + 1]]), i)
        for first, second in pairs:
            for text, i in by_kind[second].items():
                if text in by_kind[first]:
                    s13.append({"s": r(int(subjects[i])), "p1": _LABEL_IRIS[first], "p2": _LABEL_IRIS[second],
                                "l": label_term(i)})
    # S14: two prefLabels in one language (IRI and blank-node values: one group of their own)
    pref = values[kinds[values] == PREF]
    with_pref = np.unique(subjects[pref])
    lowered = {tag.lower() for tag in facts.langs}
    tag_ids = {tag: i for i, tag in enumerate(sorted(lowered))}
    tag_of = np.array([tag_ids[tag.lower()] for tag in facts.langs], dtype=np.int64)
    tags = np.where((dts[pref] == DT_IRI) | (dts[pref] == DT_BLANK), -1, tag_of[langs[pref]])
    grouped, counts = np.unique(np.stack([subjects[pref].astype(np.int64), tags]), axis=1, return_counts=True) \
        if len(pref) else (np.zeros((2, 0), dtype=np.int64), np.zeros(0, dtype=np.int64))
    tag_names = sorted(lowered)
    s14 = [{"s": r(s), "lang": None if tag < 0 else f'"{tag_names[tag]}"', "n": f'"{n}"'}
           for s, tag, n in zip(grouped[0][counts > 1].tolist(), grouped[1][counts > 1].tolist(),
                                counts[counts > 1].tolist())]
    for s, predicate, lit in facts.notes_without_lang:
        no_lang.append({"s": r(s), "p": predicate, "l": r(lit)})
    rows["skos-S13"], rows["skos-S14"] = s13, s14
    rows["qskos-label-whitespace"], rows["qskos-missing-language-tag"] = whitespace, no_lang
    rows["qskos-missing-preflabel"] = listed(concepts[~np.isin(concepts, with_pref)])
    del subjects, kinds, langs, dts, off, values, literal, pref, with_pref, tags, grouped, counts

    # the links
    hierarchy = _Hierarchy(facts)
    rows["skos-S27"] = [{"s": r(s), "o": r(o)} for s, o in facts.pairs(RELATED)
                        if hierarchy.reaches(s, o) or hierarchy.reaches(o, s)]
    rows["qskos-cyclic-hierarchy"] = [{"s": r(s)} for s in hierarchy.on_cycles()]
    del hierarchy
    s46 = []
    exact = list(facts.pairs(EXACT))
    if exact:
        for code in (BROAD_MATCH, NARROW_MATCH, RELATED_MATCH):
            mapped = set(facts.pairs(code))
            for s, o in exact:
                if (s, o) in mapped or (o, s) in mapped:
                    s46.append({"s": r(s), "p": LINK_PREDICATES[code], "o": r(o)})
    rows["skos-S46"] = s46
    links = facts.links

    def among(ids: np.ndarray, subjects_of: tuple[int, ...], objects_of: tuple[int, ...] = ()) -> np.ndarray:
        """Which of `ids` are the subject of one of the links `subjects_of` or the object of one
        of `objects_of`."""
        found = np.zeros(len(ids), dtype=bool)
        for code in subjects_of:
            found |= np.isin(ids, links[code][0])
        for code in objects_of:
            found |= np.isin(ids, links[code][1])
        return found

    rows["qskos-orphan-concept"] = listed(concepts[~among(
        concepts, (BROADER, NARROWER, TOP_CONCEPT_OF, RELATED, BROADER_T, NARROWER_T),
        (BROADER, NARROWER, HAS_TOP_CONCEPT, RELATED, BROADER_T, NARROWER_T))])
    rows["concept-not-in-scheme"] = listed(concepts[~among(concepts, (IN_SCHEME, TOP_CONCEPT_OF), (HAS_TOP_CONCEPT,))])
    rows["qskos-undocumented-concept"] = listed(concepts[flag_array[concepts] & HAS_NOTE == 0])
    tops = facts.subjects_of(TOP_CONCEPT_OF) | facts.objects_of(HAS_TOP_CONCEPT)
    rows["qskos-top-concept-with-broader"] = (
        [{"s": r(s), "o": r(o)} for s, o in facts.pairs(BROADER) if s in tops]
        + [{"s": r(s), "o": r(o)} for o, s in facts.pairs(NARROWER) if s in tops])
    replaced = facts.subjects_of(REPLACED_BY)
    rows["deprecated-without-replacement"] = [
        {"s": r(s)} for s, p, value, _ in facts.deprecation if p == 0 and value in ("true", "1") and s not in replaced]
    for name, found in rows.items():
        rows[name] = sorted_rows({tuple(row.items()): row for row in found}.values())
    return rows


def sorted_rows(rows) -> list[dict[str, str | None]]:
    """Check rows in the order their offenders are listed: by their values, in column order."""
    return sorted(rows, key=lambda row: tuple(v or "" for v in row.values()))
