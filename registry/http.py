"""HTTP header parsing shared by every part (content negotiation, languages).

RFC 9110 section 12.5: Accept, Accept-Language and friends are comma-separated lists of values
with optional parameters, weighted by `q`.
"""

from __future__ import annotations

MAX_ITEMS = 50  # a header with thousands of items is someone's attack, not a preference


def parse_media_type(value: str | None) -> tuple[str, dict[str, str]]:
    """`application/x-www-form-urlencoded; charset=UTF-8` → (type, {"charset": "utf-8"})."""
    if not value:
        return "", {}
    head, *params = value.split(";")
    out = {}
    for param in params:
        name, _, val = param.partition("=")
        out[name.strip().lower()] = val.strip().strip('"').lower()
    return head.strip().lower(), out


def parse_accept(accept: str | None) -> list[tuple[str, float, int]]:
    """A q-weighted header → [(value, q, position)], most preferred first (RFC 9110 12.5.1):
    higher q first, then more specific media ranges (`type/sub` before `type/*` before `*/*`),
    then the order written. Values are lower-cased; items with q=0 are kept (they refuse)."""
    items = []
    for order, item in enumerate((accept or "").split(",")[:MAX_ITEMS]):
        value, params = parse_media_type(item)
        if not value:
            continue
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        specificity = 0 if value in ("*/*", "*") else 1 if value.endswith("/*") else 2
        items.append((value, q, order, specificity))
    items.sort(key=lambda x: (-x[1], -x[3], x[2]))
    return [(value, q, order) for value, q, order, _ in items]


def best_language(accept_language: str | None, available: tuple[str, ...] | frozenset[str], default: str | None) -> str | None:
    """The first of `available` (primary subtags) the client accepts, else `default`
    (RFC 9110 12.5.4; `*` takes the default)."""
    for tag, q, _ in parse_accept(accept_language):
        if q <= 0:
            continue
        primary = tag.split("-")[0]
        if primary in available:
            return primary
        if primary == "*":
            return default
    return default
