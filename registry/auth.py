"""Communities and their bearer tokens.

A token is `<id>.<secret>`; only SHA-256 of the secret is stored (the secret has 256 bits of
entropy, so a slow password hash adds nothing), in the system graph that nothing exposes.
Tokens are shown once, at creation, and can be revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

import pyoxigraph as ox

from registry.catalog import Catalog, Community, now_literal
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized
from registry.ids import check_id
from registry.publishing.references import has_dot_segment
from registry.namespaces import DCTERMS, FOAF, REG, RDF, SPARQL_PREFIXES, SYSTEM_GRAPH, IriScheme, node as _n
from registry.store.base import RegistryStore



@dataclass
class IssuedToken:
    id: str
    community: str
    token: str  # shown once


class FailedAuthLimiter:
    """Slows down token guessing: after `limit` failures from one client within `window` seconds,
    further attempts get 429 until the window passes."""

    def __init__(self, limit: int = 10, window: float = 60.0):
        self.limit = limit
        self.window = window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if time.monotonic() - t < self.window]
            self._failures[client] = recent
            if len(recent) >= self.limit:
                raise TooManyRequests(
                    "too many failed authentication attempts; try again later",
                    code="auth-rate-limited",
                    retry_after=int(self.window),
                )

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, []).append(time.monotonic())


class Communities:
    """Admin operations on communities and tokens, and token checks for writes."""

    def __init__(self, store: RegistryStore, iris: IriScheme):
        self.store = store
        self.iris = iris
        self.catalog = Catalog(store, iris)

    def create(self, cid: str, name: str, namespaces: list[str]) -> Community:
        check_id(cid, "community id")
        if not name or len(name) > 300:
            raise InvalidInput("a community needs a name of at most 300 characters")
        if not namespaces:
            raise InvalidInput("a community needs at least one namespace IRI")
        nodes = []
        for ns in namespaces:
            try:
                node = ox.NamedNode(ns)
            except ValueError:
                raise InvalidInput(f"namespace {ns!r} is not a valid IRI", code="invalid-namespace") from None
            if not ns.startswith(("http://", "https://")) or not ns.endswith(("/", "#")):
                raise InvalidInput(f"namespace {ns!r} must be an http(s) IRI ending with / or #", code="invalid-namespace")
            if has_dot_segment(ns):  # issue 12: it would name another namespace once resolved
                raise InvalidInput(f"namespace {ns!r} has a '.' or '..' path segment (RFC 3986 §5.2.4)",
                                   code="invalid-namespace")
            nodes.append(node)
        with self.store.writing():
            existing = {c.id: c for c in self.catalog.communities()}
            if cid in existing:
                if sorted(existing[cid].namespaces) == sorted(namespaces) and existing[cid].name == name:
                    return existing[cid]
                raise Conflict(f"community {cid!r} already exists with other details", code="community-exists")
            for other in existing.values():
                for ns in namespaces:
                    for theirs in other.namespaces:
                        if ns.startswith(theirs) or theirs.startswith(ns):
                            raise Conflict(
                                f"namespace {ns} overlaps {theirs}, owned by community {other.id!r}",
                                code="namespace-taken",
                            )
            c = _n(self.iris.community(cid))
            g = _n(self.iris.catalog)
            quads = [
                ox.Quad(c, _n(RDF.type), _n(FOAF.Organization), g),
                ox.Quad(c, _n(DCTERMS.identifier), ox.Literal(cid), g),
                ox.Quad(c, _n(FOAF.name), ox.Literal(name), g),
                ox.Quad(c, _n(DCTERMS.created), now_literal(), g),
            ] + [ox.Quad(c, _n(REG.namespace), ox.Literal(ns), g) for ns in namespaces]
            self.store.commit(insert=quads)
        return self.catalog.community(cid)

    def set_skos_integrity(self, cid: str, policy: str) -> Community:
        """The weight of the SKOS integrity conditions for a community's vocabularies: "warn"
        (default: warnings, the vocabulary is published) or "strict" (errors: refused)."""
        from registry.publishing.skos_checks import POLICIES

        if policy not in POLICIES:
            raise InvalidInput(f"SKOS integrity policy {policy!r}: use one of {', '.join(POLICIES)}",
                               code="invalid-skos-integrity")
        with self.store.writing():
            community = self.catalog.community(cid)
            c, g, p = _n(community.iri), _n(self.iris.catalog), _n(REG.skosIntegrity)
            old = [ox.Quad(c, p, ox.Literal(community.skos_integrity), g)] if community.skos_integrity != "warn" else []
            new = [ox.Quad(c, p, ox.Literal(policy), g)] if policy != "warn" else []
            if old != new:
                self.store.commit(delete=old, insert=new)
        return self.catalog.community(cid)

    def create_token(self, cid: str, label: str = "") -> IssuedToken:
        community = self.catalog.community(cid)
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        t = _n(self.iris.token(token_id))
        g = _n(SYSTEM_GRAPH)
        with self.store.writing():
            self.store.commit(
                insert=[
                    ox.Quad(t, _n(RDF.type), _n(REG.Token), g),
                    ox.Quad(t, _n(REG.community), _n(community.iri), g),
                    ox.Quad(t, _n(REG.secretHash), ox.Literal(_hash(secret)), g),
                    ox.Quad(t, _n(DCTERMS.created), now_literal(), g),
                    ox.Quad(t, _n(DCTERMS.description), ox.Literal(label[:200]), g),
                ]
            )
        return IssuedToken(token_id, cid, f"{token_id}.{secret}")

    def revoke_token(self, token_id: str) -> None:
        if not token_id or len(token_id) != 16 or not all(ch in "0123456789abcdef" for ch in token_id):
            raise NotFound(f"no token {token_id!r}", code="token-not-found")
        t = _n(self.iris.token(token_id))
        with self.store.writing():
            if not self.store.ask("ASK { $t ?p ?o }", bindings={"t": t}, default_graph=[SYSTEM_GRAPH]):
                raise NotFound(f"no token {token_id!r}", code="token-not-found")
            self.store.commit(insert=[ox.Quad(t, _n(REG.revoked), now_literal(), _n(SYSTEM_GRAPH))])

    def tokens(self, cid: str | None = None) -> list[dict]:
        rows = self.store.select(
            SPARQL_PREFIXES
            + """SELECT ?t ?c ?created ?revoked WHERE { ?t a reg:Token ; reg:community ?c ; dct:created ?created .
                 OPTIONAL { ?t reg:revoked ?revoked } } ORDER BY ?created""",
            default_graph=[SYSTEM_GRAPH],
        )
        ids = {c.iri: c.id for c in self.catalog.communities()}
        out = []
        for row in rows:
            community = ids.get(row["c"].value)
            if cid and community != cid:
                continue
            out.append(
                {
                    "id": row["t"].value.rsplit(":", 1)[-1],
                    "community": community,
                    "created": row["created"].value,
                    "revoked": row["revoked"].value if "revoked" in row else None,
                }
            )
        return out

    def authenticate(self, token: str | None) -> Community:
        """The community a bearer token acts for; `Unauthorized` if missing, unknown or revoked."""
        if not token:
            raise Unauthorized("this operation needs a bearer token (Authorization: Bearer <token>)", code="token-missing")
        token_id, _, secret = token.partition(".")
        if len(token_id) != 16 or not secret or len(secret) > 100 or not all(ch in "0123456789abcdef" for ch in token_id):
            raise Unauthorized("the token is not valid", code="token-invalid")
        rows = self.store.select(
            SPARQL_PREFIXES
            + "SELECT ?hash ?c ?revoked WHERE { $t reg:secretHash ?hash ; reg:community ?c . OPTIONAL { $t reg:revoked ?revoked } }",
            bindings={"t": _n(self.iris.token(token_id))},
            default_graph=[SYSTEM_GRAPH],
        )
        if not rows or not hmac.compare_digest(rows[0]["hash"].value, _hash(secret)):
            raise Unauthorized("the token is not valid", code="token-invalid")
        if "revoked" in rows[0]:
            raise Unauthorized("the token has been revoked", code="token-revoked")
        community_iri = rows[0]["c"].value
        for community in self.catalog.communities():
            if community.iri == community_iri:
                return community
        raise Unauthorized("the token's community no longer exists", code="token-invalid")


def require_owner(community: Community, owner_iri: str | None, what: str) -> None:
    if owner_iri is not None and owner_iri != community.iri:
        raise Forbidden(f"{what} belongs to another community", code="not-owner")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
