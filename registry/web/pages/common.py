"""What every page shares: the Jinja2 environment, the language, CSRF, rendering, errors."""

from __future__ import annotations

from registry.http import parse_accept

import functools
import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from registry.errors import RegistryError
from registry.iri_schemes import is_web_link
from registry.web import i18n
from registry.web.fields import curie

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
CSRF_COOKIE = "csrf"
UI = "/ui"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(("html", "xml")),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_env.filters["curie"] = curie
_env.tests["web_link"] = is_web_link  # `iri is web_link`: only http(s) IRIs become links (macros.iri_link)


def env() -> jinja2.Environment:
    return _env


def is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def csrf_token(request: Request) -> str:
    token = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE)
        if not token or len(token) != 43:
            token = secrets.token_urlsafe(32)
        request.state.csrf = token
    return token


def check_csrf(request: Request, form) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    sent = form.get("csrf") or ""
    return bool(cookie) and isinstance(sent, str) and hmac.compare_digest(cookie, sent)


def lang_url(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = lang
    return request.url.path + "?" + urlencode(params)


def ui(path: str = "", **params) -> str:
    """A UI link: ui("profiles", "x") style paths are written by callers; this adds the query."""
    url = UI + ("/" + path.lstrip("/") if path else "")
    query = {k: v for k, v in params.items() if v is not None}
    return url + ("?" + urlencode(query) if query else "")


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = i18n.request_language(request)
    t = i18n.Translator(lang)
    registry = request.app.state.registry
    ctx = {
        "request": request,
        "lang": lang,
        "other_lang": "fr" if lang == "en" else "en",
        "t": t,
        "pick": t.pick,
        "csrf": csrf_token(request),
        "lang_url": functools.partial(lang_url, request),
        "ui": ui,
        "base": registry.iris.base,
        "path": request.url.path,
        "signed_in": getattr(request.state, "community", None),
    }
    ctx.update(context)
    html = _env.get_template(template).render(**ctx)
    response = HTMLResponse(html, status_code=status, headers={"Vary": "Accept, Accept-Language, Cookie"})
    secure = is_https(request)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    if request.cookies.get(CSRF_COOKIE) != ctx["csrf"]:
        response.set_cookie(CSRF_COOKIE, ctx["csrf"], httponly=True, samesite="strict", secure=secure)
    response.headers["Content-Language"] = lang
    return response


def error_page(request: Request, status: int, detail: str, title_key: str = "error.title") -> HTMLResponse:
    return render(request, "error.html", status=status, title_key=title_key, detail=detail, status_code=status)


def html_errors(handler):
    """Registry errors raised by a page handler become an HTML error page, not problem+json."""

    @functools.wraps(handler)
    def wrapper(request: Request, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except RegistryError as exc:
            key = "error.not_found" if exc.status == 404 else "error.title"
            return error_page(request, exc.status, exc.detail, key)

    return wrapper


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML to JSON (browsers)."""
    accept = request.headers.get("accept", "")
    best_html = best_json = -1.0
    for media, q, _ in parse_accept(accept):
        if media in ("text/html", "application/xhtml+xml"):
            best_html = max(best_html, q)
        elif media in ("application/json", "application/ld+json"):
            best_json = max(best_json, q)
    if best_html < 0 and best_json < 0:
        return "*/*" in accept or not accept
    return best_html >= best_json


def has_path(app, path: str) -> bool:
    """Whether another part of the registry serves `path` (routers are optional extensions)."""
    if any(getattr(route, "path", None) == path for route in app.routes):
        return True
    try:
        return path in app.openapi().get("paths", {})
    except Exception:  # noqa: BLE001 - a broken schema must not break a page
        return False
