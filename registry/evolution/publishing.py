"""Semantic versioning enforced at publication (issue 17, item 4).

A new published profile or vocabulary version is compared with the latest public version
before it (same rules as `GET /profiles/{id}/diff` and `GET /vocabularies/{id}/diff`). When its number is lower than its changes require (Semantic
Versioning 2.0.0 items 6-8: a breaking change in a minor or patch release, a compatible one in a
patch release) the publication is refused with 409 `version-number-too-low`, whose problem lists
those changes — unless the owner accepts it explicitly (`accept_version_number=true`). Either way
the version's metadata records the comparison:

    <new> prov:wasRevisionOf <previous> ; dct:replaces <previous> ;
          chg:changeSet <…/diff?from=previous&to=new> ; chg:requiredIncrement "major" ;
          chg:versionNumberAccepted true .          # only when accepted though too low

and the answer says what changed (`changes_since_previous`). Drafts are not checked (nothing is
promised about them); the first version of a series has nothing to be compared with.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from registry.errors import Conflict
from registry.evolution import classify
from registry.evolution.changeset import CHG, XSD, version_links
from registry.evolution.profile_diff import Source, diff_models
from registry.evolution.records import record_impact, stored_examples_impact
from registry.evolution.service import evolution
from registry.ids import SemVer
from registry.evolution.vocab_diff import diff_graphs
from registry.publishing.service import ProfileCheck, VocabularyCheck

MAX_LISTED = 200  # changes listed in a refusal (the count is always given)


def previous_public(registry, kind: str, sid: str, version: str):
    older = [v for v in registry.catalog.versions(kind, sid) if v.public and SemVer(v.version) < SemVer(version)]
    return older[-1] if older else None


def _verdict(registry, kind: str, sub, iri: str, previous, changes) -> tuple[list[tuple], dict[str, Any]]:
    """Refuse (409) a version number lower than `changes` require, unless accepted; otherwise the
    metadata triples that record the comparison and the answer's `changes_since_previous`."""
    required = classify.required_increment(changes, previous.version)
    actual = classify.actual_increment(previous.version, sub.version)
    too_low = classify.insufficient_changes(changes, previous.version, sub.version)
    plural = "profiles" if kind == "profile" else "vocabularies"
    change_set = f"{registry.iris.base}{plural}/{sub.id}/diff?from={previous.version}&to={sub.version}"
    summary = {
        "previous_version": previous.version,
        "summary": classify.summary(changes),
        "required_increment": required,
        "actual_increment": actual,
        "version_number_honest": not too_low,
        "change_set": change_set,
    }
    if too_low and not sub.accept_version_number:
        raise Conflict(
            f"{kind} {sub.id} {sub.version}: {len(too_low)} change(s) since {previous.version} require a new "
            f"{required} version, but {sub.version} is a {actual} increment. Publish a {required} version, or "
            "accept this number explicitly (accept_version_number=true, recorded in the version's metadata)",
            code="version-number-too-low",
            previous_version=previous.version,
            required_increment=required,
            actual_increment=actual,
            changes=[c.to_json() for c in too_low[:MAX_LISTED]],
            changes_count=len(too_low),
        )
    # (subject term, predicate IRI text, object term), as the publication service writes them
    meta: list[tuple] = [(ox.NamedNode(s), p, o) for s, p, o in version_links(iri, previous.iri, change_set)]
    v = ox.NamedNode(iri)
    meta.append((v, CHG + "requiredIncrement", ox.Literal(required or "none")))
    if too_low:
        meta.append((v, CHG + "versionNumberAccepted", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))))
        summary["version_number_accepted"] = True
    return meta, {"changes_since_previous": summary}


def profile_check(registry, check: ProfileCheck) -> tuple[list[tuple], dict[str, Any]]:
    sub = check.submission
    previous = previous_public(registry, "profile", sub.id, sub.version) if sub.status == "published" else None
    if previous is None:
        return [], {}
    service = evolution(registry)
    old = service.profile_model(previous)
    new = service.submission_model(Source(sub.id, sub.version, check.iri), check.triples, check.base, check.pins)
    changes = diff_models(old, new, lambda a, b: service.vocabulary_change(a, b, check.staged_graphs))
    return _verdict(registry, "profile", sub, check.iri, previous, changes)


def vocabulary_check(registry, check: VocabularyCheck) -> tuple[list[tuple], dict[str, Any]]:
    sub = check.submission
    previous = previous_public(registry, "vocabulary", sub.id, sub.version) if sub.status == "published" else None
    if previous is None or previous.graph is None:
        return [], {}
    changes, _ = diff_graphs(registry.store, previous.graph, check.graph, check.scheme or previous.scheme)
    return _verdict(registry, "vocabulary", sub, check.iri, previous, changes)


def install(registry) -> None:
    """Enforce semantic versioning on every publication of this registry (API, CLI, load)."""
    registry.publication.profile_checks.append(lambda check: profile_check(registry, check))
    registry.publication.vocabulary_checks.append(lambda check: vocabulary_check(registry, check))
    registry.publication.observers.append(lambda result: after_publication(registry, result))


def after_publication(registry, result) -> None:
    """After a profile version is published (committed): its normalised model is kept in the
    store (`registry.evolution.model_store`: its first diff is fast), and the example records of
    the previous public version are validated against it (`registry.evolution.records`): which
    change status, in the answer (`examples_impact`) and in its metadata (its page)."""
    if result.kind != "profile" or result.status not in ("published", "deprecated"):
        return
    info = registry.catalog.version("profile", result.id, result.version)
    evolution(registry).keep_profile_model(info)
    previous = previous_public(registry, "profile", result.id, result.version)
    if previous is None:
        return
    impact = stored_examples_impact(registry, result.id, previous, info)
    if impact is not None:
        record_impact(registry, info.iri, impact)
        result.extra["examples_impact"] = impact
