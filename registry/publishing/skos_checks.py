"""SKOS integrity conditions and qSKOS-style quality issues (warnings) of a vocabulary.

The integrity conditions' weight is a policy (:data:`POLICIES`): by default they are warnings
that name every offending concept and the vocabulary is published, as Skosmos, SkoHub and
OntoPortal host real thesauri that break a few of them; a community may ask for ``strict`` (they
are errors, the publication is refused). What stays an error whatever the policy is what would
make the registry wrong: no concept scheme at all, or blank-node schemes and concepts (here), IRIs outside the community's
namespaces and unparsable data (`registry.publishing.service`).

Every check is one SPARQL SELECT with a LIMIT, run in the store by the ``query`` callable over
exactly the vocabulary being published (the caller binds the default graph to the staging graph),
so that checks stay fast on a 1M-triple vocabulary: nothing is copied into Python but the first
offending rows. The queries are constants: no publisher-supplied text is ever spliced into them.

A publication does not run these queries (issue 16, "Speed and size"): `check_vocabulary_facts`
answers every check from what the one parse of the document collected
(`registry.publishing.skos_facts`), with the same findings; the SPARQL checks are the reference
it is tested against (`tests/publishing/test_skos_facts.py`) and serve any graph already in a
store. Both list offenders sorted by their values (IRIs first), not in the store's order.

References:
  * SKOS Simple Knowledge Organization System Reference, W3C Recommendation 18 August 2009,
    https://www.w3.org/TR/skos-reference/ (integrity conditions S9 §4.4, S13 and S14 §5.4,
    S27 §8.4, S37 §9.4, S46 §10.4; Appendix B lists them all);
  * qSKOS quality issues, C. Mader, B. Haslhofer, A. Isaac, "Finding Quality Issues in SKOS
    Vocabularies" (TPDL 2012) and https://github.com/cmader/qSKOS/wiki/Quality-Issues .
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph

from .findings import Finding, Severity
from .skos_facts import SCHEME as SCHEME_FLAG, SkosFacts, offending_rows, sorted_rows

QueryFn = Callable[[str], "pyoxigraph.QuerySolutions"]

PREFIXES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: The full hierarchical step; :func:`hierarchy_path` drops the alternatives a vocabulary does not need.
BROADER_PATH = "(skos:broader|^skos:narrower|skos:broaderTransitive|^skos:narrowerTransitive)"
LABELS = "skos:prefLabel skos:altLabel skos:hiddenLabel"
NOTES = "skos:note skos:definition skos:scopeNote skos:example skos:historyNote skos:editorialNote skos:changeNote"
DEFAULT_COUNT_CAP = 10_000


def _term(t) -> str | None:
    if t is None:
        return None
    if isinstance(t, pyoxigraph.NamedNode):
        return t.value
    if isinstance(t, pyoxigraph.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, pyoxigraph.Literal):
        return f'"{t.value}"@{t.language}' if t.language else f'"{t.value}"'
    return str(t)


def _rows(query: QueryFn, body: str, limit: int | None) -> Iterator[dict[str, str | None]]:
    solutions = query(f"{PREFIXES}{body}" + (f"\nLIMIT {int(limit)}" if limit is not None else ""))
    names = [v.value for v in solutions.variables]
    for sol in solutions:
        yield {n: _term(sol[n]) for n in names}


@dataclass(frozen=True)
class _Check:
    code: str
    severity: Severity  # under the strict policy; integrity conditions are warnings by default
    sparql: str
    describe: str  # one offending row -> message: a str.format template over the row's variables
    what: str  # plural noun phrase for the aggregated message
    describe_fr: str  # the same in French
    what_fr: str
    focus: str = "s"
    path: str | None = None
    value: str | None = None
    always_aggregate: bool = False
    expensive: bool = False  # bounded at limit+1 rows even for warnings (no full count)
    integrity: bool = False  # a SKOS integrity condition: its weight is the policy's (see POLICIES)

    def message(self, row: dict) -> str:
        return self.describe.format_map(_Shown(row, "(none)"))

    def message_fr(self, row: dict) -> str:
        return self.describe_fr.format_map(_Shown(row, "(aucune)"))


class _Shown(dict):
    """A row's variables as the messages show them: the SKOS properties and classes of ?p, ?p1,
    ?p2, ?t as compact names (skos:altLabel), the literals of ?n and ?lang as their lexical form
    (`none` for an empty one), other terms as they are."""

    def __init__(self, row: dict, none: str):
        super().__init__(row)
        self.none = none

    def __getitem__(self, name: str) -> str:
        value = super().__getitem__(name)
        if name in ("p", "p1", "p2", "t"):
            return _lbl(value)
        if name in ("n", "lang"):
            return _plain(value) or self.none
        return value


def _plain(v: str | None) -> str:
    """The lexical form of a simple literal as rendered by :func:`_term`."""
    return v[1:-1] if v and len(v) >= 2 and v[0] == v[-1] == '"' else (v or "")


def _lbl(p: str | None) -> str:
    return p.replace(SKOS, "skos:") if p else "?"


# --- SKOS integrity conditions (warnings or errors by policy) -------------------------------------------------------------

S9 = _Check(
    "skos-S9", "error",
    "SELECT ?s WHERE { ?s a skos:ConceptScheme . ?s a skos:Concept }",
    "{s} is both a skos:ConceptScheme and a skos:Concept (SKOS S9, §4.4).",
    "resources typed both skos:ConceptScheme and skos:Concept",
    "{s} est à la fois un skos:ConceptScheme et un skos:Concept (SKOS S9, §4.4).",
    "ressources typées à la fois skos:ConceptScheme et skos:Concept",
    integrity=True,
)
"""S9 (SKOS Reference §4.4): skos:ConceptScheme is disjoint with skos:Concept."""

S13 = _Check(
    "skos-S13", "error",
    """SELECT ?s ?p1 ?p2 ?l WHERE {
  { ?s skos:altLabel ?l FILTER EXISTS { ?s skos:prefLabel ?l }
    BIND(skos:prefLabel AS ?p1) BIND(skos:altLabel AS ?p2) }
  UNION
  { ?s skos:hiddenLabel ?l BIND(skos:hiddenLabel AS ?p2)
    OPTIONAL { ?s ?p1 ?l VALUES ?p1 { skos:prefLabel skos:altLabel } }
    FILTER(BOUND(?p1)) } }""",
    "{s} has {l} as both {p1} and {p2} (SKOS S13, §5.4).",
    "labels used with two of prefLabel/altLabel/hiddenLabel",
    "{s} a {l} à la fois comme {p1} et comme {p2} (SKOS S13, §5.4).",
    "libellés employés comme deux de prefLabel/altLabel/hiddenLabel",
    path="p2", value="l", integrity=True,
)
"""S13 (SKOS Reference §5.4): skos:prefLabel, skos:altLabel and skos:hiddenLabel are pairwise
disjoint properties (the same literal cannot be two kinds of label of one resource)."""

S14 = _Check(
    "skos-S14", "error",
    """SELECT ?s ?lang (COUNT(*) AS ?n) WHERE {
  ?s skos:prefLabel ?l BIND(LCASE(LANG(?l)) AS ?lang) }
GROUP BY ?s ?lang HAVING (COUNT(*) > 1)""",
    "{s} has {n} skos:prefLabel values in language {lang} (SKOS S14, §5.4).",
    "resources with two prefLabels in one language",
    "{s} a {n} valeurs de skos:prefLabel dans la langue {lang} (SKOS S14, §5.4).",
    "ressources ayant deux prefLabel dans une même langue",
    path=SKOS + "prefLabel", value="lang", integrity=True,
)
"""S14 (SKOS Reference §5.4): a resource has no more than one value of skos:prefLabel per
language tag (tags compared case-insensitively, BCP 47)."""

S27 = _Check(
    "skos-S27", "error",
    """SELECT ?s ?o WHERE {
  ?s skos:related ?o .
  { ?s {H}+ ?o } UNION { ?o {H}+ ?s } }""",
    "{s} is skos:related to {o}, which is also one of its broader or narrower concepts (SKOS S27, §8.4).",
    "related concepts that are also hierarchically linked",
    "{s} est skos:related à {o}, qui est aussi l'un de ses concepts génériques ou spécifiques (SKOS S27, §8.4).",
    "concepts associés qui sont aussi liés hiérarchiquement",
    path=SKOS + "related", value="o", integrity=True,
)
"""S27 (SKOS Reference §8.4): skos:related is disjoint with skos:broaderTransitive. Since
skos:related is symmetric (S23) and skos:narrower the inverse of skos:broader (S25), the
transitive closure is walked both ways over broader, inverse narrower and the explicit
transitive properties."""

S37 = _Check(
    "skos-S37", "error",
    """SELECT ?s ?t WHERE {
  VALUES ?k { skos:Collection skos:OrderedCollection } ?s a ?k .
  VALUES ?t { skos:Concept skos:ConceptScheme } ?s a ?t }""",
    "{s} is a skos:Collection and also a {t} (SKOS S37, §9.4).",
    "collections typed as concept or concept scheme",
    "{s} est une skos:Collection et aussi un {t} (SKOS S37, §9.4).",
    "collections typées comme concept ou schéma de concepts",
    value="t", integrity=True,
)
"""S37 (SKOS Reference §9.4): skos:Collection is disjoint with each of skos:Concept and
skos:ConceptScheme (skos:OrderedCollection is a sub-class of skos:Collection, S29)."""

S46 = _Check(
    "skos-S46", "error",
    """SELECT ?s ?p ?o WHERE {
  ?s skos:exactMatch ?o .
  VALUES ?p { skos:broadMatch skos:narrowMatch skos:relatedMatch }
  { ?s ?p ?o } UNION { ?o ?p ?s } }""",
    "{s} skos:exactMatch {o} but they are also linked by {p} (SKOS S46, §10.4).",
    "exact matches that are also broad/narrow/related matches",
    "{s} skos:exactMatch {o}, mais ils sont aussi liés par {p} (SKOS S46, §10.4).",
    "alignements exacts qui sont aussi des alignements génériques, spécifiques ou associatifs",
    path="p", value="o", integrity=True,
)
"""S46 (SKOS Reference §10.4): skos:exactMatch is disjoint with each of skos:broadMatch and
skos:relatedMatch (exactMatch and relatedMatch are symmetric, narrowMatch the inverse of
broadMatch, S44-S45, so both directions are checked)."""

BLANK_NODE = _Check(
    "skos-blank-node", "error",
    "SELECT ?s WHERE { VALUES ?t { skos:ConceptScheme skos:Concept } ?s a ?t FILTER(isBlank(?s)) }",
    "{s} is a concept scheme or concept without an IRI (a blank node): records, profiles and "
    "other vocabularies can only point at concepts by IRI: give it one.",
    "concept schemes and concepts that are blank nodes",
    "{s} est un schéma de concepts ou un concept sans IRI (un nœud anonyme) : les enregistrements, "
    "profils et autres vocabulaires ne désignent un concept que par son IRI : donnez-lui en une.",
    "schémas de concepts et concepts qui sont des nœuds anonymes",
)
"""Registry rule (issue 12: a blank-node scheme made the publication fail with a 500): concept
schemes and concepts must be IRIs, since a record can only reference a concept, and a profile a
scheme (`skos:inScheme`), by IRI."""

# --- Warnings: quality issues ----------------------------------------------------------------------

MISSING_PREFLABEL = _Check(
    "qskos-missing-preflabel", "warning",
    "SELECT ?s WHERE { ?s a skos:Concept FILTER NOT EXISTS { ?s skos:prefLabel ?l } }",
    "Concept {s} has no skos:prefLabel.",
    "concepts without skos:prefLabel",
    "Le concept {s} n'a pas de skos:prefLabel.",
    "concepts sans skos:prefLabel",
)
"""qSKOS "Missing Labels" (ml): a concept without a preferred label."""

ORPHAN = _Check(
    "qskos-orphan-concept", "warning",
    """SELECT ?s WHERE { ?s a skos:Concept
  FILTER NOT EXISTS { ?s skos:broader ?x }
  FILTER NOT EXISTS {
  ?s skos:narrower|^skos:broader|^skos:narrower|skos:topConceptOf|^skos:hasTopConcept
     |skos:related|^skos:related|skos:broaderTransitive|skos:narrowerTransitive
     |^skos:broaderTransitive|^skos:narrowerTransitive ?y } }""",
    "Concept {s} is an orphan: no broader, narrower, related or top-concept link.",
    "orphan concepts (no broader/narrower/related/top-concept link)",
    "Le concept {s} est orphelin : aucun lien générique, spécifique, associatif ni de tête.",
    "concepts orphelins (aucun lien générique, spécifique, associatif ni de tête)",
)
"""qSKOS "Orphan Concepts" (oc): a concept with no hierarchical or associative relation and not
a top concept of a scheme."""

CYCLE = _Check(
    "qskos-cyclic-hierarchy", "warning",
    "SELECT ?s WHERE { ?s {H} ?b . ?b {H}* ?s }",
    "Concept {s} is its own broader concept (cycle in the broader hierarchy).",
    "concepts on broader cycles",
    "Le concept {s} est son propre générique (cycle dans la hiérarchie).",
    "concepts sur des cycles de la hiérarchie",
    expensive=True,
)
"""qSKOS "Cyclic Hierarchical Relations" (chr); SKOS Reference §8.6.7 notes that a cycle
in skos:broaderTransitive is not inconsistent but is a problem for most applications."""

WHITESPACE = _Check(
    "qskos-label-whitespace", "warning",
    f"""SELECT ?s ?p ?l WHERE {{ VALUES ?p {{ {LABELS} }} ?s ?p ?l
  FILTER(isLiteral(?l) && REGEX(STR(?l), "^\\\\s|\\\\s$|\\\\s\\\\s")) }}""",
    "{p} {l} of {s} has leading, trailing or repeated whitespace.",
    "labels with leading, trailing or repeated whitespace",
    "{p} {l} de {s} a des espaces au début, à la fin ou répétés.",
    "libellés avec des espaces au début, à la fin ou répétés",
    path="p", value="l",
)
"""qSKOS label syntax issues ("Extra whitespace in labels", in the spirit of "Empty Labels" (el)
and "Unprintable Characters in Labels" (ucil))."""

NOT_IN_SCHEME = _Check(
    "concept-not-in-scheme", "warning",
    # one NOT EXISTS over a UNION (same concepts as two NOT EXISTS, a third less CPU at 1M triples)
    """SELECT ?s WHERE { ?s a skos:Concept
  FILTER NOT EXISTS { { VALUES ?in { skos:inScheme skos:topConceptOf } ?s ?in ?x } UNION { ?y skos:hasTopConcept ?s } } }""",
    "Concept {s} is in no concept scheme (no skos:inScheme or skos:topConceptOf).",
    "concepts in no concept scheme",
    "Le concept {s} n'est dans aucun schéma (ni skos:inScheme ni skos:topConceptOf).",
    "concepts dans aucun schéma de concepts",
)
"""SKOS Reference §4 (Concept Schemes) and qSKOS "Omitted Top Concepts"/scheme membership:
every concept of a published vocabulary should state skos:inScheme."""

NO_LANG = _Check(
    "qskos-missing-language-tag", "warning",
    f"""SELECT ?s ?p ?l WHERE {{ VALUES ?p {{ {LABELS} {NOTES} }} ?s ?p ?l
  FILTER(isLiteral(?l) && LANG(?l) = "") }}""",
    "{p} {l} of {s} has no language tag.",
    "labels or notes without a language tag",
    "{p} {l} de {s} n'a pas d'étiquette de langue.",
    "libellés ou notes sans étiquette de langue",
    path="p", value="l",
)
"""qSKOS "Omitted or Invalid Language Tags" (oilt); invalid tags are already refused by the
parser (BCP 47)."""

UNDOCUMENTED = _Check(
    "qskos-undocumented-concept", "warning",
    # one NOT EXISTS over every note property (a VALUES join): the same concepts as "no
    # definition and no other note", 4x less CPU than a property-path alternative (1M triples)
    f"""SELECT ?s WHERE {{ ?s a skos:Concept
  FILTER NOT EXISTS {{ VALUES ?note {{ {NOTES} }} ?s ?note ?d }} }}""",
    "Concept {s} has no definition, scope note or other note.",
    "concepts without documentation (skos:definition, skos:scopeNote or other skos:note)",
    "Le concept {s} n'a ni définition, ni note d'application, ni autre note.",
    "concepts sans documentation (skos:definition, skos:scopeNote ou autre skos:note)",
    always_aggregate=True,
)
"""qSKOS "Undocumented Concepts" (uc): no skos:note nor any of its sub-properties (§7)."""

TOP_WITH_BROADER = _Check(
    "qskos-top-concept-with-broader", "warning",
    """SELECT ?s ?o WHERE { { ?s skos:topConceptOf ?scheme } UNION { ?scheme skos:hasTopConcept ?s }
  ?s skos:broader|^skos:narrower ?o }""",
    "Top concept {s} has a broader concept {o}.",
    "top concepts that have broader concepts",
    "Le concept de tête {s} a un concept générique {o}.",
    "concepts de tête ayant des concepts génériques",
    value="o",
)
"""qSKOS "Top Concepts Having Broader Concepts" (tchbc)."""

DEPRECATED = _Check(
    "deprecated-without-replacement", "warning",
    """SELECT ?s WHERE { ?s owl:deprecated ?d FILTER(STR(?d) IN ("true", "1"))
  FILTER NOT EXISTS { ?s dct:isReplacedBy ?r } }""",
    "{s} is owl:deprecated but has no dct:isReplacedBy (for information).",
    "deprecated resources without dct:isReplacedBy",
    "{s} est owl:deprecated mais n'a pas de dct:isReplacedBy (pour information).",
    "ressources obsolètes sans dct:isReplacedBy",
)
"""Deprecation practice (SKOS Primer §4.6 / OWL 2 owl:deprecated, DCMI dct:isReplacedBy): a
deprecated concept should point to its replacement. Informational."""

INTEGRITY_CHECKS = (S9, S13, S14, S27, S37, S46)
WARNING_CHECKS = (MISSING_PREFLABEL, ORPHAN, CYCLE, WHITESPACE, NOT_IN_SCHEME, NO_LANG, UNDOCUMENTED,
                  TOP_WITH_BROADER, DEPRECATED)


def _field(row: dict, spec: str | None) -> str | None:
    if spec is None:
        return None
    return row.get(spec) if spec in row else spec  # a variable name, or a constant IRI


def _dedupe_key(check: _Check, row: dict) -> tuple:
    return tuple(sorted((k, v or "") for k, v in row.items()))


def hierarchy_path(query: QueryFn) -> str:
    """The SPARQL path of one hierarchical step (child to parent) that this vocabulary needs.

    skos:narrower is the inverse of skos:broader (S25) and skos:broaderTransitive its transitive
    super-property (S22-S24). Walking ``^skos:narrower`` and the transitive properties doubles or
    quadruples the cost of closures, so they are only included when the vocabulary states a
    narrower link without the matching broader, or uses the transitive properties at all."""
    alternatives = ["skos:broader"]
    probes = (
        ("^skos:narrower", "SELECT ?a WHERE { ?a skos:narrower ?b FILTER NOT EXISTS { ?b skos:broader ?a } }"),
        ("skos:broaderTransitive", "SELECT ?a WHERE { ?a skos:broaderTransitive ?b }"),
        ("^skos:narrowerTransitive", "SELECT ?a WHERE { ?a skos:narrowerTransitive ?b }"),
    )
    for step, probe in probes:
        if next(iter(_rows(query, probe, 1)), None) is not None:
            alternatives.append(step)
    return alternatives[0] if len(alternatives) == 1 else "(" + "|".join(alternatives) + ")"


def _plan(check: _Check, limit: int, count_cap: int, policy: str) -> tuple[Severity, int, bool, int]:
    """(severity, rows listed, bounded, rows read at most) of one check under a policy."""
    severity: Severity = check.severity
    if check.integrity:
        # An integrity condition names every offender (real thesauri break a few, each worth
        # fixing upstream), up to the count cap; its weight is the policy's.
        severity = "error" if policy == "strict" else "warning"
        limit = max(limit, count_cap) if severity == "warning" else limit
    bounded = severity == "error" or check.expensive or check.integrity
    cap = limit + 1 if bounded else max(count_cap, limit) + 1
    return severity, limit, bounded, cap


def _run_check(query: QueryFn, check: _Check, limit: int, count_cap: int,
               hierarchy: str = BROADER_PATH, policy: str = "warn") -> list[Finding]:
    severity, limit, bounded, cap = _plan(check, limit, count_cap, policy)
    # Every offending row is read and sorted, so that the offenders listed (the first ones when
    # there are more than `cap`) do not depend on the store's order: the reference the checks
    # from the parse (`check_vocabulary_facts`) are compared with.
    distinct = {_dedupe_key(check, row): row for row in _rows(query, check.sparql.replace("{H}", hierarchy), None)}
    return _findings(check, sorted_rows(distinct.values())[:cap], severity, limit, bounded, cap)


def _findings(check: _Check, rows: list[dict], severity: Severity, limit: int, bounded: bool, cap: int) -> list[Finding]:
    """The findings of a check from its offending rows (at most `cap`, each once)."""
    more = len(rows) > limit if bounded else len(rows) >= cap
    if check.integrity or severity == "error" or (not check.always_aggregate and len(rows) <= limit):
        findings = [
            Finding(severity, check.code, check.message(r), focus=_field(r, check.focus),
                    path=_field(r, check.path), value=_field(r, check.value), message_fr=check.message_fr(r))
            for r in rows[:limit]
        ]
        if len(rows) > limit:
            findings.append(Finding(severity, check.code,
                                    f"(and more) Only the first {limit} {check.what} are listed.",
                                    message_fr=f"(et d'autres) Seuls les {limit} premiers sont listés : {check.what_fr}."))
        return findings
    if not rows:
        return []
    count = f"more than {cap - 1}" if more else str(len(rows))
    count_fr = f"plus de {cap - 1}" if more else str(len(rows))
    examples = ", ".join(str(r[check.focus]) for r in rows[:5])
    return [Finding(severity, check.code,
                    f"{count} {check.what}, e.g. {examples}.", value=count,
                    message_fr=f"{count_fr} {check.what_fr}, par exemple {examples}.")]


#: The weight of the SKOS integrity conditions (S9, S13, S14, S27, S37, S46). ``warn`` (default):
#: reported as warnings naming every offender, the vocabulary is published (real thesauri such as
#: UNESCO and GEMET break a few). ``strict``: each one is an error and the publication is refused.
POLICIES = ("warn", "strict")


def check_scheme_count(query: QueryFn) -> list[Finding]:
    """Registry rule: a published vocabulary holds at least one skos:ConceptScheme (SKOS Reference
    §4), so that a profile can point at it with ``skos:inScheme``. Several schemes in one version
    (PhySH's 19 facets) are fine."""
    schemes = [r["s"] for r in _rows(query, "SELECT ?s WHERE { ?s a skos:ConceptScheme }", 1)]
    if schemes:
        return []
    message = "The vocabulary has no skos:ConceptScheme; it must have at least one."
    message_fr = "Le vocabulaire n'a aucun skos:ConceptScheme ; il lui en faut au moins un."
    # Say what the document is instead (e.g. QUDT units: resources typed qudt:Unit, no SKOS), and
    # what to do: the registry hosts SKOS concept schemes (docs/vocabularies.md, "Non-SKOS lists").
    kinds = [(r["t"], _plain(r["n"])) for r in _rows(
        query, "SELECT ?t (COUNT(?s) AS ?n) WHERE { ?s a ?t FILTER(isIRI(?t)) } GROUP BY ?t ORDER BY DESC(?n) ?t", 3)]
    if kinds and not any(t == SKOS + "Concept" for t, _ in kinds):
        held = ", ".join(f"{n} resources typed {t}" for t, n in kinds)
        held_fr = ", ".join(f"{n} ressources de type {t}" for t, n in kinds)
        message = (f"The document is not a SKOS vocabulary: no skos:ConceptScheme, and it holds {held}. "
                   "The registry hosts SKOS concept schemes. To check such IRIs in records, constrain them in "
                   "the profile's shapes (sh:pattern on their namespace, or sh:in with the allowed IRIs), or "
                   "publish a SKOS concept scheme of the entries your community uses (each one a skos:Concept "
                   "with skos:inScheme and a skos:prefLabel).")
        message_fr = (f"Le document n'est pas un vocabulaire SKOS : aucun skos:ConceptScheme, et il contient {held_fr}. "
                      "Le registre héberge des schémas de concepts SKOS. Pour vérifier ces IRI dans les fiches, "
                      "contraignez-les dans les formes du profil (sh:pattern sur leur espace de noms, ou sh:in "
                      "avec les IRI permises), ou publiez un schéma de concepts SKOS des entrées qu'utilise votre "
                      "communauté (chacune un skos:Concept avec skos:inScheme et un skos:prefLabel).")
    return [Finding("error", "vocabulary-scheme-count", message, value="0", message_fr=message_fr)]


def check_vocabulary(query: QueryFn, *, limit_per_check: int = 20,
                     count_cap: int = DEFAULT_COUNT_CAP, policy: str = "warn") -> list[Finding]:
    """All SKOS checks of a vocabulary: the scheme rule, the SKOS integrity conditions (S9, S13,
    S14, S27, S37, S46; warnings or errors by ``policy``, see :data:`POLICIES`), then quality
    warnings. ``query(sparql)`` runs a SELECT over exactly the vocabulary.

    Integrity findings list every offender up to ``count_cap`` (under ``strict``: the first
    ``limit_per_check``, then one "(and more)" finding). A quality warning with more than
    ``limit_per_check`` hits (and the undocumented-concepts warning always) becomes a single
    finding with the number of hits, counted up to ``count_cap``.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown SKOS integrity policy {policy!r}")
    findings = check_scheme_count(query)
    hierarchy = hierarchy_path(query)
    checks = (BLANK_NODE,) + INTEGRITY_CHECKS + WARNING_CHECKS  # BLANK_NODE: an error whatever the policy
    # Each check is one read-only query, and pyoxigraph releases the GIL while it runs: two
    # threads use both cores (a 1M-triple vocabulary's checks take about half the time).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="skos-check") as pool:
        results = pool.map(
            lambda check: _run_check(query, check, limit_per_check, count_cap, hierarchy, policy), checks
        )
        for found in results:  # in the order of `checks`: errors first, stable output
            findings.extend(found)
    return findings


def check_vocabulary_facts(facts: SkosFacts, query: QueryFn, *, limit_per_check: int = 20,
                           count_cap: int = DEFAULT_COUNT_CAP, policy: str = "warn") -> list[Finding]:
    """`check_vocabulary` answered from what the parse of the document collected
    (`registry.publishing.skos_facts`) instead of SPARQL over the loaded graph: the same
    findings (offenders listed in IRI order, where the store listed them in its own order).
    ``query`` only serves the message of a document with no concept scheme at all."""
    if policy not in POLICIES:
        raise ValueError(f"unknown SKOS integrity policy {policy!r}")
    if next(facts.with_flag(SCHEME_FLAG), None) is not None:
        findings: list[Finding] = []
    else:
        findings = check_scheme_count(query)
    rows = offending_rows(facts)
    for check in (BLANK_NODE,) + INTEGRITY_CHECKS + WARNING_CHECKS:
        severity, limit, bounded, cap = _plan(check, limit_per_check, count_cap, policy)
        findings.extend(_findings(check, rows[check.code][:cap], severity, limit, bounded, cap))
        del rows[check.code]
    return findings
