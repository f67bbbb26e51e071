"""The label index of one vocabulary version.

A published version's concepts graph never changes, so its index is built once (a handful of
SPARQL SELECTs over that graph, no FILTER scans) and kept, keyed by the version IRI: there is
nothing to invalidate, and every process (or API worker) that discovers the version through the
catalog builds or reuses the same thing.

Layout (all plain Python lists, ints for concepts and label entries):

* concepts: `iris[cid]`, `pref[cid]` (lang → prefLabel), `notation`, `deprecated`, `replaced_by`,
  `types`, `parents` / `children` (skos:broader and the inverse of skos:narrower), `top`;
* label entries: one per skos:prefLabel / altLabel / hiddenLabel / notation value of a concept:
  `e_cid`, `e_kind`, `e_lang`, `e_text`, `e_key` (the folded text, `normalize.fold`);
* *buckets* for ranked prefix search without sorting at query time. Entries are grouped by
  (label kind: preferred or not) and folded length; inside a bucket they are sorted by
  (folded text, concept IRI). A prefix is two bisects per bucket, and visiting buckets from the
  shortest length up yields matches already in rank order, so the first page costs
  O(buckets · log n + page) whatever the number of matches;
* *word* buckets hold, for each label, the folded text from each inner word start to the end
  ("electron energy loss spectroscopy" → "energy loss spectroscopy", "loss spectroscopy", …),
  grouped by the label's folded length: a prefix on them is a match on a word inside a label.

Rank classes (lower first): 0 exact prefLabel, 1 prefLabel prefix, 2 exact altLabel / hiddenLabel /
notation, 3 altLabel / hiddenLabel / notation prefix, 4 word inside a prefLabel, 5 word inside
another label. Inside a class: shorter folded label, then folded label, then concept IRI.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from registry.vocab.normalize import fold

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


@dataclass
class _Bucket:
    keys: list[str] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        return bisect_left(self.keys, prefix), bisect_left(self.keys, prefix + _TOP)

    def exact_range(self, key: str) -> tuple[int, int]:
        return bisect_left(self.keys, key), bisect_right(self.keys, key)


@dataclass(frozen=True)
class Hit:
    """One matching label entry, with the key that orders it among all hits."""

    rank: int
    entry: int
    sort_key: tuple


class VersionIndex:
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
        self.top: list[int] = []
        #: skos:Collection (and OrderedCollection) → its skos:member ids, in document order
        self.groups: dict[int, list[int]] = {}
        #: concept or collection → the collections it is a skos:member of
        self.member_of: dict[int, list[int]] = {}
        #: concept scheme IRI → its declared top concepts (skos:topConceptOf / skos:hasTopConcept)
        self.scheme_tops: dict[str, list[int]] = {}
        #: concept scheme IRI → the concepts stating skos:inScheme it
        self.scheme_stated: dict[str, list[int]] = {}
        self._members: dict[str, frozenset[int]] = {}
        self.e_cid: list[int] = []
        self.e_kind: list[int] = []
        self.e_lang: list[str] = []
        self.e_text: list[str] = []
        self.e_key: list[str] = []
        self.c_entries: dict[int, list[int]] = {}
        self._label_buckets: tuple[dict[int, _Bucket], dict[int, _Bucket]] = ({}, {})
        self._label_lengths: tuple[list[int], list[int]] = ([], [])
        self._word_buckets: tuple[dict[int, _Bucket], dict[int, _Bucket]] = ({}, {})
        self._word_lengths: tuple[list[int], list[int]] = ([], [])
        self._descendants: OrderedDict[int, frozenset[int]] = OrderedDict()
        self._desc_lock = threading.Lock()

    # --- persistence (registry.vocab.persist) -----------------------------------------------

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for transient in ("_desc_lock", "_descendants", "_members"):  # locks and caches stay in memory
            state.pop(transient, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._desc_lock = threading.Lock()
        self._descendants = OrderedDict()
        self._members = {}

    # --- building ------------------------------------------------------------------------------

    def _cid(self, iri: str) -> int:
        cid = self.ids.get(iri)
        if cid is None:
            cid = len(self.iris)
            self.ids[iri] = cid
            self.iris.append(iri)
            self.pref.append({})
        return cid

    @classmethod
    def build(cls, store, version_iri: str, graph: str, scheme: str | None) -> "VersionIndex":
        """Read the concepts graph (seven SELECTs, results serialised as TSV) and build everything.

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
            members = index.groups.setdefault(gid, [])
            if m and m[0] == "<":
                mid = cid_of(m[1:-1])
                if mid not in members:
                    members.append(mid)
                    index.member_of.setdefault(mid, []).append(gid)
        e_cid, e_kind, e_lang, e_text = index.e_cid, index.e_kind, index.e_lang, index.e_text
        ids, pref, notation = index.ids, index.pref, index.notation
        kinds = {f"<{p}>": k for p, k in _KIND_OF.items()}
        groups = index.groups
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
            kind = kinds[p]
            if cid not in index.is_concept:
                if cid in groups and kind == PREF:  # a collection: its label, not searched
                    pref[cid].setdefault(lang, text)
                elif cid in groups and kind == NOTATION:
                    notation.setdefault(cid, text)
                continue
            if kind == PREF:
                pref[cid].setdefault(lang, text)
            elif kind == NOTATION:
                notation.setdefault(cid, text)
            e_cid.append(cid)
            e_kind.append(kind)
            e_lang.append(lang)
            e_text.append(text)
        for c, b in rows(f"SELECT ?c ?b WHERE {{ {{ ?c <{SKOS}broader> ?b }} UNION {{ ?b <{SKOS}narrower> ?c }} }}"):
            if c[0] == "<" and b[0] == "<":
                ci, bi = cid_of(c[1:-1]), cid_of(b[1:-1])
                if ci == bi:
                    continue
                ps = index.parents.setdefault(ci, [])
                if bi not in ps:
                    ps.append(bi)
                    index.children.setdefault(bi, []).append(ci)
        top: list[int] = []
        seen_top: set[int] = set()
        # the top concepts of every scheme (a version may hold several: PhySH has 19)
        for c, sc in rows(
            f"""SELECT DISTINCT ?c ?sc WHERE {{ {{ ?c <{SKOS}topConceptOf> ?sc }} UNION {{ ?sc <{SKOS}hasTopConcept> ?c }} }}"""
        ):
            if c[0] == "<" and sc[0] == "<":
                cid = cid_of(c[1:-1])
                tops = index.scheme_tops.setdefault(sc[1:-1], [])
                if cid not in tops:
                    tops.append(cid)
                if cid not in seen_top:
                    seen_top.add(cid)
                    top.append(cid)
        for c, sc in rows(f"SELECT ?c ?sc WHERE {{ ?c <{SKOS}inScheme> ?sc }}"):
            if c[0] == "<" and sc[0] == "<":
                index.scheme_stated.setdefault(sc[1:-1], []).append(cid_of(c[1:-1]))
        if not top:  # no declared top concepts: the concepts without a broader one
            top = [cid for cid in index.is_concept if cid not in index.parents]
        values = " ".join(f"<{p}>" for p in DEPRECATION_PREDICATES)
        for s, d in rows(f"SELECT ?s ?d WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?d }}"):
            parsed = _literal(d)
            if s[0] == "<" and parsed is not None and parsed[0].strip().lower() in ("true", "1"):
                index.deprecated.add(cid_of(s[1:-1]))
        values = " ".join(f"<{p}>" for p in REPLACEMENT_PREDICATES)
        for s, r in rows(f"SELECT ?s ?r WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?r }}"):
            if s[0] == "<" and r[0] == "<":
                index.replaced_by.setdefault(cid_of(s[1:-1]), []).append(r[1:-1])
        for s, t in rows(f"SELECT ?s ?t WHERE {{ ?s a <{SKOS}Concept> ; a ?t }}"):
            if s[0] == "<" and t[0] == "<":
                index.types.setdefault(cid_of(s[1:-1]), []).append(t[1:-1])
        index._finish(top)
        return index

    def _finish(self, top: list[int]) -> None:
        iris = self.iris
        pref_lists: tuple[dict[int, list], dict[int, list]] = ({}, {})
        word_lists: tuple[dict[int, list], dict[int, list]] = ({}, {})
        keys = self.e_key
        cache: dict[str, str] = {}
        for e, text in enumerate(self.e_text):
            key = cache.get(text)
            if key is None:
                key = cache[text] = fold(text)
            keys.append(key)
            cid = self.e_cid[e]
            self.c_entries.setdefault(cid, []).append(e)
            if not key:
                continue
            group = 0 if self.e_kind[e] == PREF else 1
            n = len(key)
            pref_lists[group].setdefault(n, []).append((key, iris[cid], e))
            if self.e_kind[e] != NOTATION:
                space = key.find(" ")
                if space != -1:
                    words = word_lists[group].get(n)
                    if words is None:
                        words = word_lists[group][n] = []
                    iri = iris[cid]
                    while space != -1:
                        words.append((key[space + 1:], iri, e))
                        space = key.find(" ", space + 1)
        for group in (0, 1):
            for lists, buckets, lengths in (
                (pref_lists[group], self._label_buckets[group], self._label_lengths[group]),
                (word_lists[group], self._word_buckets[group], self._word_lengths[group]),
            ):
                for n, items in lists.items():
                    items.sort()
                    buckets[n] = _Bucket([k for k, _, _ in items], [e for _, _, e in items])
                lengths.extend(sorted(lists))
        self.top = sorted(top, key=lambda c: (fold(self.best_label(c, None)[0] or ""), iris[c]))

    # --- reads ---------------------------------------------------------------------------------

    @property
    def concept_count(self) -> int:
        return len(self.is_concept)

    def best_label(self, cid: int, lang: str | None, fallback_lang: str | None = None) -> tuple[str | None, str | None]:
        """(prefLabel, its language) in `lang`, else `fallback_lang`, else English, else any."""
        labels = self.pref[cid]
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

    def descendants(self, cid: int) -> frozenset[int]:
        """Every concept below `cid` (not itself), over broader / inverse narrower; cached."""
        with self._desc_lock:
            found = self._descendants.get(cid)
            if found is not None:
                self._descendants.move_to_end(cid)
                return found
        out: set[int] = set()
        stack = list(self.children.get(cid, ()))
        while stack:
            c = stack.pop()
            if c in out:
                continue
            out.add(c)
            stack.extend(self.children.get(c, ()))
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
        """Every entry matching `q`, in rank order (see module docstring)."""
        n = len(q)
        iris = self.iris
        for group, (exact_rank, prefix_rank) in enumerate(((0, 1), (2, 3))):
            buckets, lengths = self._label_buckets[group], self._label_lengths[group]
            bucket = buckets.get(n)
            if bucket is not None:
                lo, hi = bucket.exact_range(q)
                for i in range(lo, hi):
                    e = bucket.entries[i]
                    yield Hit(exact_rank, e, (exact_rank, n, q, iris[self.e_cid[e]]))
            if mode == "exact":
                continue
            for length in lengths[bisect_right(lengths, n):]:
                bucket = buckets[length]
                lo, hi = bucket.prefix_range(q)
                for i in range(lo, hi):
                    e = bucket.entries[i]
                    yield Hit(prefix_rank, e, (prefix_rank, length, bucket.keys[i], iris[self.e_cid[e]]))
        if mode == "exact":
            return
        for group, rank in ((0, 4), (1, 5)):
            buckets, lengths = self._word_buckets[group], self._word_lengths[group]
            for length in lengths[bisect_left(lengths, n + 2):]:
                bucket = buckets[length]
                lo, hi = bucket.prefix_range(q)
                for i in range(lo, hi):
                    e = bucket.entries[i]
                    yield Hit(rank, e, (rank, length, self.e_key[e], iris[self.e_cid[e]]))

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
        hits.sort(key=lambda h: h.sort_key)
        return iter(hits)

    def _scan(self, q: str, mode: str) -> Iterator[Hit]:
        """Suffix ("*x") and infix ("*x*") matches: a linear pass over the folded labels."""
        hits = []
        iris = self.iris
        for e, key in enumerate(self.e_key):
            if (mode == "suffix" and key.endswith(q)) or (mode == "contains" and q in key):
                rank = (0 if key == q else 1) + (0 if self.e_kind[e] == PREF else 2)
                hits.append(Hit(rank, e, (rank, len(key), key, iris[self.e_cid[e]])))
        hits.sort(key=lambda h: h.sort_key)
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
    ) -> Iterator[Hit]:
        """Hits for the folded query `q`, best first, lazily (the caller slices a page).

        `mode`: prefix (label or inner-word prefix), exact, suffix, contains. `parent`: only
        concepts below that concept (an unknown parent matches nothing). `unique`: one hit per
        concept (its best-ranked label). `scheme`: only the members of that concept scheme
        (`members`).
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
            seen.add(key)
            yield hit
