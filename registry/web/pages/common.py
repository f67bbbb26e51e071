"""What every page shares: the Jinja2 environment, the language, CSRF, rendering, errors.

CSRF (issue 12, item 5; OWASP CSRF Prevention Cheat Sheet). A form POST is accepted only when

1. its `Origin` header (fallback: the origin of `Referer`) is the server's own origin — the
   request's scheme and Host, or the origin of `base_iri`; a request with neither header is
   refused (browsers send `Origin` on every POST; the community area is a browser UI, API
   clients use bearer tokens and no cookies), and
2. its `csrf` field equals the token of the session: when signed in, HMAC-SHA256 keyed with the
   session's secret (the bearer token in the HttpOnly session cookie, which no other site can
   read or guess), so a cookie planted by another site cannot produce it; before sign-in, a
   random value also sent as a cookie (double submit), which only guards the sign-in form
   together with (1).

Over HTTPS the cookies are `__Host-` prefixed (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain),
so neither a sibling sub-domain nor a plain-HTTP response can set them.
"""

from __future__ import annotations

from registry.http import parse_accept

import functools
import gzip
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from registry.errors import RegistryError
from registry.iri_schemes import is_web_link
from registry.web import i18n
from registry.profile_fields import curie

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
CSRF_COOKIE = "csrf"
SESSION_COOKIE = "registry_token"  # the community session (community.py): the bearer token, HttpOnly
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
    """Served over HTTPS: the request's scheme, which uvicorn takes from `X-Forwarded-Proto` only
    when the proxy is trusted (`--forwarded-allow-ips`, `registry serve --forwarded-allow-ips`);
    the header from anyone else is ignored."""
    return request.url.scheme == "https"


def cookie_name(request: Request, name: str) -> str:
    """`__Host-{name}` over HTTPS (browsers refuse the prefix without Secure), else `name`."""
    return "__Host-" + name if is_https(request) else name


def set_cookie(response, request: Request, name: str, value: str, **options) -> None:
    """A cookie under `cookie_name`, Secure over HTTPS, Path=/ (the `__Host-` rules)."""
    response.set_cookie(cookie_name(request, name), value, path="/", secure=is_https(request), **options)


def delete_cookie(response, request: Request, name: str) -> None:
    response.delete_cookie(cookie_name(request, name), path="/", secure=is_https(request))


def session_secret(request: Request) -> str | None:
    """The community session's secret (its bearer token), from the session cookie."""
    return request.cookies.get(cookie_name(request, SESSION_COOKIE)) or None


def _anonymous_csrf(request: Request) -> str:
    token = request.cookies.get(cookie_name(request, CSRF_COOKIE))
    if not token or len(token) != 43:
        token = secrets.token_urlsafe(32)
    return token


def csrf_token(request: Request) -> str:
    """The token the page's forms carry (see the module docstring)."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        secret = session_secret(request)
        if secret:
            token = hmac.new(secret.encode(), b"registry-ui-csrf", hashlib.sha256).hexdigest()
        else:
            token = _anonymous_csrf(request)
        request.state.csrf = token
    return token


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def own_origins(request: Request) -> set[str]:
    """The origins a form of this server is posted from: the request's (scheme and Host) and the
    registry's base IRI's."""
    scheme = "https" if is_https(request) else request.url.scheme
    origins = {f"{scheme}://{(request.headers.get('host') or request.url.netloc).lower()}"}
    base = _origin(request.app.state.settings.base_iri)
    if base:
        origins.add(base)
    return origins


def csrf_refusal(request: Request, form) -> str | None:
    """None when a state-changing form POST may proceed, else the i18n key of why not."""
    origin = request.headers.get("origin")
    sender = _origin(origin) if origin and origin != "null" else None
    if origin is None:
        sender = _origin(request.headers.get("referer"))
    if sender is None or sender not in own_origins(request):
        return "error.cross_origin"
    sent = form.get("csrf") or ""
    if not isinstance(sent, str) or not sent:
        return "error.csrf"
    expected = csrf_token(request)
    if not session_secret(request) and request.cookies.get(cookie_name(request, CSRF_COOKIE)) != expected:
        return "error.csrf"  # double submit: the cookie must be there
    return None if hmac.compare_digest(expected.encode(), sent.encode()) else "error.csrf"


def lang_url(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = lang
    return request.url.path + "?" + urlencode(params)


def ui(path: str = "", **params) -> str:
    """A UI link: ui("profiles", "x") style paths are written by callers; this adds the query."""
    url = UI + ("/" + path.lstrip("/") if path else "")
    query = {k: v for k, v in params.items() if v is not None}
    return url + ("?" + urlencode(query) if query else "")


def accepts_gzip(request: Request) -> bool:
    """Whether the client's Accept-Encoding takes gzip (RFC 9110 §12.5.3; `gzip;q=0` refuses it)."""
    for item in request.headers.get("accept-encoding", "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(q) > 0
            except ValueError:
                return False
    return False


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = i18n.request_language(request)
    t = i18n.Translator(lang)
    registry = request.app.state.registry
    ctx = {
        "finding_text": functools.partial(finding_text, t),
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
    html = _env.get_template(template).render(**ctx).encode("utf-8")
    headers = {"Vary": "Accept, Accept-Language, Cookie, Accept-Encoding"}
    # Pages are rendered whole, so they are compressed here (not by a middleware, which would also
    # hold back the streamed answers: NDJSON batches, SPARQL results). A profile's field tables are
    # ~100 kB of HTML and ~15 kB gzipped: every page stays under 100 kB transferred (issue 15).
    if len(html) > 1024 and accepts_gzip(request):
        html = gzip.compress(html, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    response = HTMLResponse(html, status_code=status, headers=headers)
    secure = is_https(request)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    if not session_secret(request) and request.cookies.get(cookie_name(request, CSRF_COOKIE)) != ctx["csrf"]:
        set_cookie(response, request, CSRF_COOKIE, ctx["csrf"], httponly=True, samesite="strict")
    response.headers["Content-Language"] = lang
    return response


def localized_problem(t: i18n.Translator, status: int, detail: str, code: str | None, line=None, column=None) -> dict:
    """{"detail": a sentence in the page's language, "original": the registry's own (English)
    detail when the sentence replaced it, "at": line/column}. English pages keep the detail as is."""
    out: dict = {"detail": detail, "original": None, "code": code}
    if line:
        out["at"] = t("validate.at", l=line, c=column) if column else t("validate.at_line", l=line)
    if t.lang == "en" or not code:
        return out
    if f"error.code.{code}" in i18n.MESSAGES:
        out.update(detail=t(f"error.code.{code}"), original=detail)
    elif f"error.status.{status}" in i18n.MESSAGES:
        out.update(detail=t(f"error.status.{status}"), original=detail)
    return out


def finding_text(t: i18n.Translator, finding: dict) -> dict:
    """A publication check's finding in the page's language: {"text", "original"}. Its own French
    message when it has one, else the sentence of its code (`finding.*`) with the checker's English
    message as "original" (shown marked as English)."""
    messages = finding.get("messages") or {}
    if messages.get(t.lang):  # the checks' own French messages get French typography too
        text = messages[t.lang]
        return {"text": i18n.french_typography(text) if t.lang == "fr" else text, "original": finding.get("original")}
    message = str(finding.get("message") or "")
    key = f"finding.{finding.get('code')}"
    if t.lang != "en" and key in i18n.MESSAGES:
        return {"text": t(key), "original": message}
    return {"text": message, "original": None}


def error_page(request: Request, status: int, detail: str, title_key: str = "error.title",
               code: str | None = None) -> HTMLResponse:
    """The HTML error page. The registry's details are English sentences for API clients: the page
    says what happened in its own language from the error's `code` (`error.code.*`), else from its
    status (`error.status.*`) followed by the detail marked as English (issue 15 item 4)."""
    t = i18n.Translator(i18n.request_language(request))
    # no code: the caller's detail is already in the page's language
    problem = localized_problem(t, status, detail, code)
    original = problem["original"] if code not in ("not-found",) and not str(code or "").endswith("-not-found") else None
    return render(request, "error.html", status=status, title_key=title_key, detail=problem["detail"],
                  original_detail=original, status_code=status)


def html_errors(handler):
    """Registry errors raised by a page handler become an HTML error page, not problem+json."""

    @functools.wraps(handler)
    def wrapper(request: Request, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except RegistryError as exc:
            key = "error.not_found" if exc.status == 404 else "error.title"
            return error_page(request, exc.status, exc.detail, key, exc.code)

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
