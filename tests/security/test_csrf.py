"""Issue 12, item 5: CSRF in the community area.

The community area accepted any 43-character `csrf` cookie as the secret and never checked
`Origin`: with a planted cookie and `Origin: http://evil.example`, a request deprecated a profile.
Now (registry/web/pages/common.py): `Origin` (fallback `Referer`) must be the server's own origin,
a POST with neither is refused, and the form token is bound to the signed-in session (HMAC keyed
with the session's secret), so a planted cookie proves nothing. Over HTTPS the cookies are
`__Host-` prefixed. Every refusal is checked by reading the catalog back and comparing the store.
"""

from __future__ import annotations

import lxml.html
import pytest
from fastapi.testclient import TestClient

HTML = {"Accept": "text/html"}
SAME = "http://testserver"
EVIL = "http://evil.example"
SHAPES = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://w3id.org/test/shapes/S> a sh:NodeShape ; sh:targetClass <https://w3id.org/test/Thing> ;
    sh:property [ sh:path <https://w3id.org/test/p> ; sh:minCount 1 ] .
"""
PLANTED = "A" * 43  # the attack: any 43-character value was taken as the secret


def status_of(client, pid: str = "victim", version: str = "1.0.0") -> str:
    """The version's status as the catalog holds it (read back from the store)."""
    return client.app.state.registry.catalog.version("profile", pid, version, include_drafts=True).status


@pytest.fixture
def victim(client):
    """A published profile of the test community, and a browser signed in as that community."""
    r = client.put("/profiles/victim/versions/1.0.0", content=SHAPES,
                   headers={"Content-Type": "text/turtle", **client.actors.test})
    assert r.status_code == 201, r.text
    assert status_of(client) == "published"
    client.cookies.set("registry_token", client.actors.test_token)
    return client


def form_token(client, url: str = "/ui/community") -> str:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200, r.text[:300]
    return lxml.html.fromstring(r.text).xpath("//input[@name='csrf']")[0].get("value")


def deprecate(client, csrf: str, **headers):
    return client.post("/ui/community/status", headers={**HTML, **headers},
                       data={"csrf": csrf, "kind": "profile", "id": "victim", "version": "1.0.0", "status": "deprecated"})


def assert_refused(response, snapshot_before, client, snapshot):
    assert response.status_code == 403, response.text[:300]
    assert status_of(client) == "published"
    assert snapshot(client) == snapshot_before


def test_planted_cookie_from_another_origin_is_refused(victim, snapshot):
    """The attack of the issue, as it was reported."""
    before = snapshot(victim)
    victim.cookies.set("csrf", PLANTED)
    response = deprecate(victim, PLANTED, Origin=EVIL)
    assert_refused(response, before, victim, snapshot)
    assert "not sent from this site" in lxml.html.fromstring(response.text).text_content()


def test_planted_cookie_is_refused_even_from_our_origin(victim, snapshot):
    """Suppose the Origin check were bypassed: the token is bound to the session, so a planted
    cookie (and its copy in the form) is not a valid token."""
    before = snapshot(victim)
    victim.cookies.set("csrf", PLANTED)
    assert_refused(deprecate(victim, PLANTED, Origin=SAME), before, victim, snapshot)


def test_another_sessions_token_is_refused(victim, snapshot):
    """A token obtained by the attacker in their own session (here: the other community's) does
    not work in the victim's session."""
    before = snapshot(victim)
    victim.cookies.set("registry_token", victim.actors.other_token)
    attacker_token = form_token(victim)
    victim.cookies.set("registry_token", victim.actors.test_token)
    assert attacker_token != form_token(victim)
    assert_refused(deprecate(victim, attacker_token, Origin=SAME), before, victim, snapshot)


@pytest.mark.parametrize("headers", [
    {},  # neither Origin nor Referer: refused (documented policy)
    {"Origin": "null"},  # sandboxed frame, data: URL, privacy-stripped
    {"Origin": EVIL, "Referer": SAME + "/ui/community"},  # Origin wins over Referer
    {"Referer": EVIL + "/page"},
    {"Origin": "http://testserver.evil.example"},
    {"Origin": "https://testserver"},  # another scheme is another origin
    {"Origin": "http://testserver:8080"},
])
def test_foreign_or_missing_origin_refused_with_a_valid_token(victim, snapshot, headers):
    before = snapshot(victim)
    assert_refused(deprecate(victim, form_token(victim), **headers), before, victim, snapshot)


@pytest.mark.parametrize("headers", [{"Origin": SAME}, {"Referer": SAME + "/ui/community?lang=en"}])
def test_legitimate_form_flow(client, headers):
    """Sign in through the form, then deprecate through the form: works with Origin, or with a
    same-origin Referer when the browser sends no Origin."""
    r = client.put("/profiles/victim/versions/1.0.0", content=SHAPES,
                   headers={"Content-Type": "text/turtle", **client.actors.test})
    assert r.status_code == 201, r.text
    anonymous = form_token(client)
    r = client.post("/ui/community/sign-in", data={"csrf": anonymous, "token": client.actors.test_token},
                    headers={**HTML, **headers}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    session = form_token(client)
    assert session != anonymous  # the token changes with the session
    response = deprecate(client, session, **headers)
    assert response.status_code == 200, response.text[:500]
    assert status_of(client) == "deprecated"
    # sign out: the session cookie goes, and its token no longer works
    r = client.post("/ui/community/sign-out", data={"csrf": session}, headers={**HTML, **headers}, follow_redirects=False)
    assert r.status_code == 303
    assert "registry_token" not in client.cookies
    r = client.post("/ui/community/status", headers={**HTML, **headers},
                    data={"csrf": session, "kind": "profile", "id": "victim", "version": "1.0.0", "status": "published"})
    assert r.status_code in (401, 403)
    assert status_of(client) == "deprecated"


def test_forwarded_proto_only_from_a_trusted_proxy(client):
    """`X-Forwarded-Proto: https` from a client that is not a trusted proxy changes nothing (the
    TestClient is not behind uvicorn's proxy-headers middleware: its header is not trusted)."""
    r = client.get("/ui/community", headers={**HTML, "X-Forwarded-Proto": "https"})
    cookies = r.headers.get_list("set-cookie")
    assert any(c.startswith("csrf=") for c in cookies) and not any(c.startswith("__Host-") for c in cookies)


def test_https_behind_a_trusted_proxy_live(tmp_path, server_factory):
    """A real uvicorn (trusting 127.0.0.1 as its proxy, the default) told `X-Forwarded-Proto:
    https`: the cookies are `__Host-` and Secure, and the form's own origin is https."""
    import httpx

    from tests.security.conftest import make_community

    store = tmp_path / "store"
    token = make_community(store)
    server = server_factory(store).start()
    proxied = {**HTML, "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        r = http.get("/ui/community", headers=proxied)
        csrf = [c for c in r.headers.get_list("set-cookie") if c.startswith("__Host-csrf=")]
        assert csrf and "Secure" in csrf[0] and "Path=/" in csrf[0], r.headers.get_list("set-cookie")
        anonymous = lxml.html.fromstring(r.text).xpath("//input[@name='csrf']")[0].get("value")
        host = server.url.split("://", 1)[1]
        # the client talks plain HTTP to the server (TLS ends at the "proxy"): send the Secure cookie by hand
        proxied["Cookie"] = f"__Host-csrf={anonymous}"
        r = http.post("/ui/community/sign-in", data={"csrf": anonymous, "token": token},
                      headers={**proxied, "Origin": f"http://{host}"}, follow_redirects=False)
        assert r.status_code == 403  # the page was served as https: an http Origin is another origin
        r = http.post("/ui/community/sign-in", data={"csrf": anonymous, "token": token},
                      headers={**proxied, "Origin": f"https://{host}"}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        session = [c for c in r.headers.get_list("set-cookie") if c.startswith("__Host-registry_token=")]
        assert session and "Secure" in session[0] and "HttpOnly" in session[0]


def test_https_uses_host_prefixed_cookies(app_with_actors):
    """Over HTTPS: `__Host-` cookies, Secure, Path=/, no Domain; a plain-named session cookie
    (which a plain-HTTP response or a sibling domain could have set) is ignored."""
    app, actors = app_with_actors
    with TestClient(app, base_url="https://testserver") as https:
        r = https.get("/ui/community", headers=HTML)
        csrf_cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("__Host-csrf=")]
        assert csrf_cookie, r.headers.get_list("set-cookie")
        attributes = {a.strip().split("=")[0].lower() for a in csrf_cookie[0].split(";")[1:]}
        assert {"secure", "path", "httponly"} <= attributes and "domain" not in attributes
        assert "Path=/;" in csrf_cookie[0] + ";"
        token = lxml.html.fromstring(r.text).xpath("//input[@name='csrf']")[0].get("value")
        r = https.post("/ui/community/sign-in", data={"csrf": token, "token": actors.test_token},
                       headers={**HTML, "Origin": "https://testserver"}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        session = [h for h in r.headers.get_list("set-cookie") if h.startswith("__Host-registry_token=")]
        assert session and "Secure" in session[0] and "HttpOnly" in session[0] and "Path=/;" in session[0] + ";"
        assert "Signed in as Test community" in https.get("/ui/community", headers=HTML).text
        https.cookies.clear()
        https.cookies.set("registry_token", actors.test_token)  # a cookie without the prefix
        assert "Signed in as" not in https.get("/ui/community", headers=HTML).text
