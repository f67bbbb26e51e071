"""Content negotiation by profile for the linked-data routes (by media type: `registry.conneg`).

* by profile (W3C "Content Negotiation by Profile", https://www.w3.org/TR/dx-prof-conneg/):
  `?_profile=` wins over `Accept-Profile`; `?_profile=alt` lists the representations; the
  response says which profile it conforms to in `Link: <…>; rel="profile"` and
  `Content-Profile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from registry.errors import NotAcceptable

@dataclass(frozen=True)
class Profile:
    """A representation of a resource, identified by a profile IRI and a short token."""

    token: str
    iri: str
    label: str
    media_types: tuple[str, ...]


def parse_accept_profile(value: str | None) -> list[str]:
    """`Accept-Profile: <urn:a>;q=0.5, <urn:b>` → [urn:b, urn:a] (q-ordered, IRIs or tokens)."""
    items = []
    for order, part in enumerate((value or "").split(",")):
        part = part.strip()
        if not part:
            continue
        head, *params = part.split(";")
        head = head.strip()
        if head.startswith("<") and head.endswith(">"):
            head = head[1:-1]
        q = 1.0
        for param in params:
            name, _, val = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        if q > 0:
            items.append((-q, order, head))
    return [head for _, _, head in sorted(items)]


def choose_profile(request, profiles: list[Profile]) -> Profile | str:
    """The profile to answer with (first of `profiles` by default), or "alt".

    An unknown `?_profile=` is a 400-like 406; an unknown `Accept-Profile` falls back to the
    default (the header is a preference, the query parameter a demand).
    """
    by_key = {p.token: p for p in profiles} | {p.iri: p for p in profiles}
    token = request.query_params.get("_profile")
    if token:
        if token == "alt":
            return "alt"
        for candidate in token.split(","):
            candidate = candidate.strip()
            if candidate in by_key:
                return by_key[candidate]
        raise NotAcceptable(
            f"unknown profile {token!r}; available: " + ", ".join(f"{p.token} <{p.iri}>" for p in profiles) + ", alt",
            code="profile-not-available",
        )
    for wanted in parse_accept_profile(request.headers.get("accept-profile")):
        if wanted in by_key:
            return by_key[wanted]
    return profiles[0]


def profile_headers(profile: Profile) -> dict[str, str]:
    return {
        "Link": f'<{profile.iri}>; rel="profile"',
        "Content-Profile": f"<{profile.iri}>",
        "Vary": "Accept, Accept-Profile",
    }


def alternate_url(url: str, token: str, media: str | None = None) -> str:
    """The URL of one representation: `url` (which may have a query already, e.g. `/resource?iri=`)
    with `_profile` and `_mediatype` added, percent-encoded (RFC 3986 §2.1: a raw `+` in a query
    is read back as a space by form decoding, so `application/ld+json` is written `…%2Bjson`)."""
    params = {"_profile": token} | ({"_mediatype": media} if media else {})
    return url + ("&" if "?" in url else "?") + urlencode(params)


def alternates_link(url: str, profiles: list[Profile]) -> str:
    """A Link header listing every representation (rel="alternate" with format and profile)."""
    parts = []
    for profile in profiles:
        for media in profile.media_types:
            parts.append(
                f'<{alternate_url(url, profile.token, media)}>; rel="alternate"; '
                f'type="{media}"; profile="{profile.iri}"'
            )
    return ", ".join(parts)
