"""FastAPI dependencies: the registry services and the acting community."""

from __future__ import annotations

from typing import Optional, Annotated

from fastapi import Depends, Path, Request

from registry.catalog import Community
from registry.errors import Unauthorized
from registry.ids import ID_PATTERN, SEMVER_PATTERN
from registry.services import Registry


def get_registry(request: Request) -> Registry:
    return request.app.state.registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def get_community(request: Request, registry: RegistryDep) -> Community:
    """The community a write acts for, from `Authorization: Bearer <token>`."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    client = client_key(request)
    registry.auth_limiter.check(client)
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("this operation needs a bearer token (Authorization: Bearer <token>)", code="token-missing")
        return registry.communities.authenticate(token.strip())
    except Unauthorized:
        registry.auth_limiter.failed(client)
        raise


def get_reader(request: Request, registry: RegistryDep) -> Community | None:
    """The community reading, when the request carries a bearer token (a wrong token is a 401);
    None for anonymous readers. Owners see their drafts (issue 15 item 9)."""
    if not request.headers.get("authorization"):
        return None
    return get_community(request, registry)


CommunityDep = Annotated[Community, Depends(get_community)]
ReaderDep = Annotated[Optional[Community], Depends(get_reader)]
IdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, description="lower-case letters, digits, inner hyphens")]
VersionPath = Annotated[str, Path(pattern=SEMVER_PATTERN, max_length=64, description="a semantic version, e.g. 1.0.0")]
