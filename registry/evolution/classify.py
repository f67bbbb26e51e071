"""Classification of the changes between two versions, and what the version number must say.

Every change found by a diff (`profile_diff`, `vocab_diff`) carries the id of the rule that
classified it. A rule says *why*: the question is always the one of the issue — may a record that
conformed to the older version stop conforming to the newer one?

* **breaking**: yes, it may (a new required field, a tightened constraint, a removed concept...);
* **compatible**: no record that conformed stops conforming, but some that did not may now
  conform, or the profile says more (new optional field, loosened constraint, added concept);
* **editorial**: nothing a validator checks changes (names, descriptions, messages, labels).

"Conforms" is the registry's definition (docs/validation.md): no result of severity `sh:Violation`
(SHACL 1.0 section 2.1.4, the registry validates with `allow_warnings`). So a constraint whose
results are only `sh:Warning` or `sh:Info` can never break a record.

Semantic Versioning 2.0.0 (https://semver.org/ sections 6-8): a breaking change needs a new major
version, a compatible one a new minor version, an editorial one a new patch version. Before 1.0.0
(section 4) anything may change: the registry then asks a breaking change for a new minor version.
The rules are listed in `RULES` (and in docs/evolution.md, checked by a test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.ids import SemVer

BREAKING = "breaking"
COMPATIBLE = "compatible"
EDITORIAL = "editorial"
CLASSES = (BREAKING, COMPATIBLE, EDITORIAL)
_RANK = {EDITORIAL: 1, COMPATIBLE: 2, BREAKING: 3}


@dataclass(frozen=True)
class Rule:
    id: str
    classification: str
    reason: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        # --- profiles: fields (property shapes by owning shape and path) -----------------------
        Rule("field-added-required", BREAKING,
             "A new field with sh:minCount >= 1 at severity Violation: a record without it conformed "
             "before and does not now."),
        Rule("field-added-optional", COMPATIBLE,
             "A new field that is not required (no sh:minCount, or below severity Violation): a record "
             "that does not use the property still conforms. (A record that already used the property "
             "with values the new field refuses would not: check real records with the examples or "
             "`registry diff --records`.)"),
        Rule("field-removed", COMPATIBLE,
             "A field and its constraints are gone: nothing a record conformed to can fail now."),
        Rule("field-removed-closed", BREAKING,
             "A field is removed from a closed shape (sh:closed true): its property is no longer "
             "allowed there, so a record that used it stops conforming."),
        # --- profiles: shapes and targets ----------------------------------------------------------
        Rule("shape-added-targeted", BREAKING,
             "A new node shape with targets and node-level constraints at severity Violation: the "
             "focus nodes it selects may fail them."),
        Rule("shape-added", COMPATIBLE,
             "A new node shape that selects no focus node by itself or imposes nothing at severity "
             "Violation; its fields are classified on their own."),
        Rule("shape-removed", COMPATIBLE,
             "A shape and its constraints are gone: nothing a record conformed to can fail now."),
        Rule("target-added", BREAKING,
             "A new target makes a shape that imposes Violation-level constraints apply to more "
             "focus nodes, which may fail them."),
        Rule("target-added-harmless", COMPATIBLE,
             "A new target on a shape that imposes nothing at severity Violation."),
        Rule("target-removed", COMPATIBLE,
             "Fewer focus nodes are validated: nothing that conformed can fail now."),
        # --- profiles: constraints -----------------------------------------------------------------
        Rule("constraint-tightened", BREAKING,
             "The constraint accepts fewer values than before (higher minimum, lower maximum, fewer "
             "allowed values, an added datatype, class, pattern, SPARQL constraint...) at severity "
             "Violation: a value that conformed may not now."),
        Rule("constraint-changed", BREAKING,
             "The constraint was replaced by one that is neither provably looser nor tighter (another "
             "datatype, class, pattern, vocabulary or SPARQL query; a path widened to an alternative "
             "path, whose new values now meet the field's constraints) at severity Violation: a value "
             "that conformed may not now."),
        Rule("constraint-loosened", COMPATIBLE,
             "The constraint accepts every value it accepted before, and more (lower minimum, higher "
             "maximum, more allowed values, a constraint removed)."),
        Rule("constraint-below-violation", COMPATIBLE,
             "The constraint's results are sh:Warning or sh:Info before and after: they never make a "
             "record non-conforming."),
        Rule("severity-raised", BREAKING,
             "The severity became sh:Violation: results that were warnings or information now make "
             "the record non-conforming."),
        Rule("severity-lowered", COMPATIBLE,
             "The severity is no longer sh:Violation: its results no longer make a record "
             "non-conforming."),
        Rule("severity-changed-below-violation", COMPATIBLE,
             "sh:Warning <-> sh:Info: neither makes a record non-conforming."),
        Rule("text-changed", EDITORIAL,
             "Names, descriptions, messages, labels, comments, order and groups: what people read, "
             "not what a validator checks."),
        Rule("base-profile-changed", EDITORIAL,
             "The version is a profile of another base version. The base's own changes are listed "
             "as entries of their own, each classified by these rules."),
        # --- vocabularies (concepts) and the vocabulary versions a profile pins --------------------
        Rule("concept-added", COMPATIBLE,
             "A new concept is one more allowed value: every value allowed before still is."),
        Rule("concept-removed", BREAKING,
             "A concept is no longer in the scheme: a record using it stops conforming to a profile "
             "that requires values from this vocabulary."),
        Rule("concept-deprecated", COMPATIBLE,
             "The concept is still in the scheme (owl:deprecated, dct:isReplacedBy tell users to move "
             "on), so records using it still conform."),
        Rule("concept-undeprecated", COMPATIBLE,
             "A deprecated concept is in use again: nothing is refused that was accepted."),
        Rule("concept-moved", COMPATIBLE,
             "The concept's place in the hierarchy (skos:broader) changed. The registry checks "
             "membership of the scheme, not the hierarchy, so no record stops conforming."),
        Rule("hierarchy-changed", COMPATIBLE,
             "skos:narrower or skos:hasTopConcept lists changed (the other side of concepts added, "
             "removed or moved): the registry checks membership of the scheme, not the hierarchy."),
        Rule("concept-relabelled", EDITORIAL,
             "A label (skos:prefLabel, altLabel, hiddenLabel) changed in one language: what people "
             "read and search, not what is validated."),
        Rule("documentation-changed", EDITORIAL,
             "Definitions, notes, examples and other statements about a concept or the scheme that "
             "neither validation nor the hierarchy uses."),
        Rule("concept-notation-changed", COMPATIBLE,
             "skos:notation changed: the concept IRI (what records hold) is the same, but systems "
             "that map codes (e.g. Dataverse controlled values) see a different code."),
        Rule("concept-mapping-changed", COMPATIBLE,
             "A mapping (skos:exactMatch, closeMatch, broadMatch, narrowMatch, relatedMatch) changed: "
             "links to other vocabularies, not what is validated."),
        Rule("vocabulary-version-breaking", BREAKING,
             "The profile pins a newer version of a vocabulary it requires values from, and that "
             "vocabulary version has breaking changes (concepts removed)."),
        Rule("vocabulary-version-compatible", COMPATIBLE,
             "The profile pins a newer version of a vocabulary whose changes are compatible "
             "(concepts added, deprecated, moved, re-coded)."),
        Rule("vocabulary-version-editorial", EDITORIAL,
             "The profile pins a newer version of a vocabulary whose changes are editorial only."),
    )
}


@dataclass
class Change:
    """One difference between two versions, classified by one rule."""

    kind: str  # e.g. field-added, constraint, severity, target-added, concept-removed...
    rule: str
    aspect: str = ""  # cardinality, datatype, range, vocabulary, name... ('' for added/removed)
    subject: str = ""  # the shape (profile) or concept (vocabulary) IRI, or a blank node's key
    owner: str | None = None  # profile: the node shape owning the field
    path: str | None = None  # profile: the field's path (IRI or SPARQL path text)
    constraint: str | None = None  # profile: the SHACL term(s), e.g. sh:minCount
    source: str | None = None  # profile: id of the profile (in the isProfileOf chain) defining it
    language: str | None = None
    before: Any = None
    after: Any = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def classification(self) -> str:
        return RULES[self.rule].classification

    @property
    def reason(self) -> str:
        return RULES[self.rule].reason

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "classification": self.classification,
            "rule": self.rule,
            "reason": self.reason,
        }
        for key in ("aspect", "subject", "owner", "path", "constraint", "source", "language"):
            value = getattr(self, key)
            if value:
                out[key] = value
        out["before"] = self.before
        out["after"] = self.after
        if self.detail:
            out.update(self.detail)
        return out


def worst(classifications) -> str | None:
    """The strongest classification among some (breaking > compatible > editorial), None if none."""
    best = None
    for c in classifications:
        if best is None or _RANK[c] > _RANK[best]:
            best = c
    return best


def summary(changes: list[Change]) -> dict[str, int]:
    counts = {c: 0 for c in CLASSES}
    for change in changes:
        counts[change.classification] += 1
    return counts


def required_increment(changes: list[Change], older: str) -> str | None:
    """'major', 'minor', 'patch' or None (no change): what SemVer asks of the version after `older`.

    Before 1.0.0 (SemVer section 4) a breaking change asks a new minor version."""
    strongest = worst(c.classification for c in changes)
    if strongest is None:
        return None
    if strongest == BREAKING:
        return "minor" if SemVer(older).major == 0 else "major"
    return "minor" if strongest == COMPATIBLE else "patch"


def actual_increment(older: str, newer: str) -> str | None:
    """Which part of the version number grew from `older` to `newer` (None: not greater)."""
    a, b = SemVer(older), SemVer(newer)
    if not b > a:
        return None
    if b.major != a.major:
        return "major"
    if b.minor != a.minor:
        return "minor"
    return "patch"  # patch, or only the pre-release part


_INCREMENT_RANK = {None: 0, "patch": 1, "minor": 2, "major": 3}


def honest(changes: list[Change], older: str, newer: str) -> bool:
    """True when `newer` is at least the version the changes since `older` require."""
    return _INCREMENT_RANK[actual_increment(older, newer)] >= _INCREMENT_RANK[required_increment(changes, older)]


def insufficient_changes(changes: list[Change], older: str, newer: str) -> list[Change]:
    """The changes that ask more than the increment from `older` to `newer` gives."""
    given = _INCREMENT_RANK[actual_increment(older, newer)]
    major_zero = SemVer(older).major == 0

    def needs(change: Change) -> int:
        c = change.classification
        if c == BREAKING:
            return _INCREMENT_RANK["minor" if major_zero else "major"]
        return _INCREMENT_RANK["minor" if c == COMPATIBLE else "patch"]

    return [c for c in changes if needs(c) > given]
