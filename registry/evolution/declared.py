"""Validate against the version a record declares (issue 17, item 6).

A record may say which profile version it follows: `<dataset> dct:conformsTo <{base}profiles/{id}/{version}>`
(DCMI Terms `conformsTo`; DCAT 3 section 6.6.2 uses it for "a standard to which the described
resource conforms"). When no profile is given, the record is validated against that version;
when one is given and the record declares another, the given one is used and a warning says so.

* no declared registry profile version: nothing to choose (the caller asks for a profile);
* several different ones: 422 `declared-profile-ambiguous`;
* one the registry does not know: 422 `declared-profile-unknown`;
* a draft: 422 `declared-profile-draft` (drafts are not public);
* a deprecated one: validated, with a `declared-profile-deprecated` warning naming the latest.

`dct:conformsTo` values outside the registry's profiles (other standards) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from registry.errors import InvalidInput

DCT_CONFORMS_TO = "http://purl.org/dc/terms/conformsTo"


@dataclass
class Declared:
    """What the record declares, and what validation should say about it."""

    iri: str | None = None
    id: str | None = None
    version: str | None = None
    status: str | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"iri": self.iri, "id": self.id, "version": self.version, "status": self.status}


def declared_iris(triples: list[ox.Triple], base: str) -> list[str]:
    """Profile version IRIs of this registry that the record names with dct:conformsTo."""
    prefix = base + "profiles/"
    found = []
    for t in triples:
        if t.predicate.value == DCT_CONFORMS_TO and isinstance(t.object, ox.NamedNode):
            iri = t.object.value
            if iri.startswith(prefix) and iri not in found:
                found.append(iri)
    return found


def resolve(registry, triples: list[ox.Triple]) -> Declared | None:
    """The declared version to validate against (no profile given), or None if none is declared."""
    iris = declared_iris(triples, registry.iris.base)
    if not iris:
        return None
    if len(iris) > 1:
        raise InvalidInput(
            f"the record declares {len(iris)} profile versions with dct:conformsTo ({', '.join(iris[:5])}); "
            "say which to validate against with profile=ID&version=X.Y.Z",
            code="declared-profile-ambiguous", declared=iris[:20],
        )
    info = registry.catalog.version_by_iri(iris[0])
    if info is None or info.kind != "profile":
        raise InvalidInput(
            f"the record declares dct:conformsTo <{iris[0]}>, which is not a profile version of this registry",
            code="declared-profile-unknown", declared=iris[0],
        )
    if info.status == "draft":
        raise InvalidInput(
            f"the record declares dct:conformsTo <{iris[0]}>, a draft (drafts are not public): "
            "validate against a published version with profile=ID&version=X.Y.Z",
            code="declared-profile-draft", declared=iris[0],
        )
    declared = Declared(info.iri, info.id, info.version, info.status)
    if info.status == "deprecated":
        latest = registry.catalog.latest(registry.catalog.versions("profile", info.id))
        declared.warnings.append({
            "code": "declared-profile-deprecated",
            "message": f"the record declares {info.id} {info.version}, which is deprecated"
                       + (f"; the latest version is {latest.version}" if latest is not None and latest.status == "published" else ""),
            "declared": info.iri,
        })
    return declared


def disagreement(registry, triples: list[ox.Triple], used_iri: str) -> Declared | None:
    """A profile was given: a warning when the record declares another profile version."""
    iris = declared_iris(triples, registry.iris.base)
    if not iris or used_iri in iris:
        return None
    declared = Declared(iris[0])
    declared.warnings.append({
        "code": "declared-profile-differs",
        "message": f"the record declares dct:conformsTo <{', '.join(iris)}>, but it was validated against <{used_iri}> "
                   "as asked",
        "declared": iris,
        "validated_against": used_iri,
    })
    return declared
