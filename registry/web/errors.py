"""Every error leaves the API as `application/problem+json` (RFC 9457), mapped here once."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.errors import RegistryError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("registry")


def problem(status: int, title: str, detail: str, code: str, headers: dict | None = None, **extra) -> JSONResponse:
    body = {
        "type": f"https://w3id.org/profile-registry/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_from(exc: RegistryError) -> JSONResponse:
    body = exc.to_problem()
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    if "retry_after" in exc.extra:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    return JSONResponse(body, status_code=exc.status, media_type=PROBLEM_JSON, headers=headers or None)


def _is_page(request: Request) -> bool:
    """A browser asking for one of the pages for people (`/ui/...`): it gets the HTML error page, in
    its language, rather than problem+json (issue 15 item 4)."""
    if not request.url.path.startswith("/ui/") or getattr(request.app.state, "registry", None) is None:
        return False
    from registry.web.pages.common import wants_html

    return wants_html(request)


async def _html_error(request: Request, status: int, detail: str, code: str):
    from fastapi.concurrency import run_in_threadpool

    from registry.web.pages.common import error_page

    title = "error.not_found" if status == 404 else "error.title"
    return await run_in_threadpool(error_page, request, status, detail, title, code)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RegistryError)
    async def _registry_error(request: Request, exc: RegistryError):
        return problem_from(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        if _is_page(request):
            return await _html_error(request, 422, "invalid request", "invalid-request")
        errors = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()))
            errors.append({"location": loc, "message": err.get("msg", "")})
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5])
        return problem(422, "Invalid request", detail or "invalid request", "invalid-request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        codes = {404: "not-found", 405: "method-not-allowed", 406: "not-acceptable", 413: "payload-too-large"}
        if exc.status_code == 404 and _is_page(request):
            return await _html_error(request, 404, str(exc.detail), "not-found")
        return problem(
            exc.status_code,
            str(exc.detail) if isinstance(exc.detail, str) else "Error",
            str(exc.detail),
            codes.get(exc.status_code, "http-error"),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "the registry hit an unexpected error; it has been logged", "internal-error")
