"""Domain errors. Raised anywhere below the web layer, mapped to application/problem+json once
(`registry.web.errors`), and to exit codes and messages once in the CLI."""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    """Base class. `status` is the HTTP status the web layer answers with; `code` is stable."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        body = {
            "type": f"https://w3id.org/profile-registry/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        body.update({k: _clip(v) for k, v in self.extra.items() if v is not None})
        body["detail"] = _clip(body["detail"])
        return body


# Security (issue 7): details and findings quote the offending input (an IRI, a value). A 10 MB
# IRI must not come back as a 10 MB problem (or 20 MB, quoted twice): every string is clipped.
MAX_QUOTED = 1000


def _clip(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_QUOTED else value[:MAX_QUOTED] + f"… ({len(value)} characters)"
    if depth > 20:
        return value
    if isinstance(value, dict):
        return {k: _clip(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clip(v, depth + 1) for v in value]
    return value


class InvalidInput(RegistryError):
    status = 422
    code = "invalid-input"
    title = "Invalid input"


class RdfSyntaxError(RegistryError):
    """Malformed RDF; carries the line and column the parser reported."""

    status = 400
    code = "rdf-syntax"
    title = "Malformed RDF"

    def __init__(self, detail: str, *, line: int | None = None, column: int | None = None, **extra: Any):
        super().__init__(detail, line=line, column=column, **extra)
        self.line = line
        self.column = column


class UnsupportedFormat(RegistryError):
    status = 415
    code = "unsupported-media-type"
    title = "Unsupported media type"


class NotAcceptable(RegistryError):
    """None of the representations the request accepts is available (RFC 9110 §15.5.7)."""

    status = 406
    code = "not-acceptable"
    title = "Not acceptable"


class PayloadTooLarge(RegistryError):
    status = 413
    code = "payload-too-large"
    title = "Payload too large"


class NotFound(RegistryError):
    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(RegistryError):
    status = 409
    code = "conflict"
    title = "Conflict"


class CheckFailed(RegistryError):
    """A publication was refused by the publish-time checks; `findings` lists why."""

    status = 422
    code = "checks-failed"
    title = "The publication did not pass the registry's checks"


class Unauthorized(RegistryError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"


class Forbidden(RegistryError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class TooManyRequests(RegistryError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"


class StoreUnavailable(RegistryError):
    status = 503
    code = "store-unavailable"
    title = "Store unavailable"
