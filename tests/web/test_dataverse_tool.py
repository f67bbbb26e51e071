"""The Dataverse external tool "Check against <profile>" (issue 14, item 5), in chromium.

A local HTTP server stands in for a Dataverse site (Dataverse cannot run here): it answers the
signed callback and the dataset-version API with the real recorded JSON of
../shared/data/dataverse/records (draft.datasetJson.json through a signed URL, cars.datasetJson.json
as a published version by persistent id), with CORS as Dataverse sends it. The tool page, served
by a real registry (uvicorn, bundled profiles), runs in the browser, reads from that site, posts
to /validate and shows the report in the localeCode's language. Every request the fake site gets
is recorded: all come from the browser, none from the registry server.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import SHARED_DATA, require_shared

RECORDS = SHARED_DATA / "dataverse" / "records"
SIGNATURE = "5f1a2b3c"  # what the fake site checks on its signed URLs
PID = "doi:10.5072/FK2/CY7BWA"


class FakeDataverse:
    """Replays recorded Dataverse answers; remembers every request (path, user agent)."""

    def __init__(self):
        self.draft = json.loads(require_shared(RECORDS / "draft.datasetJson.json").read_text())["datasetVersion"]
        self.published = json.loads(require_shared(RECORDS / "cars.datasetJson.json").read_text())["datasetVersion"]
        self.requests: list[tuple[str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server's hook
                site.requests.append((self.path, self.headers.get("User-Agent", "")))
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                signed = query.get("token") == [SIGNATURE]
                if url.path == "/api/v1/tools/callback" and signed:
                    return self._send(200, {"status": "OK", "data": {
                        "queryParameters": {"siteUrl": site.url, "datasetPid": PID, "datasetId": "42",
                                            "datasetVersion": ":draft", "localeCode": "fr"},
                        "signedUrls": [{"name": "getDatasetVersionMetadata", "httpMethod": "GET", "timeOut": 10,
                                        "signedUrl": f"{site.url}/api/v1/datasets/42/versions/:draft?until=2099-01-01T00:00:00"
                                                     f"&user=depositor&method=GET&token={SIGNATURE}"}]}})
                if url.path == "/api/v1/datasets/42/versions/:draft" and signed:
                    return self._send(200, {"status": "OK", "data": site.draft})
                if url.path == "/api/datasets/:persistentId/versions/1.0" and query.get("persistentId") == [PID]:
                    return self._send(200, {"status": "OK", "data": site.published})
                return self._send(401 if "versions/:draft" in url.path or "callback" in url.path else 404,
                                  {"status": "ERROR", "message": "not found or not allowed"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dataverse_site():
    with FakeDataverse() as site:
        yield site


def _results(page) -> list[dict]:
    items = page.locator("#dv-results li")
    out = []
    for i in range(items.count()):
        item = items.nth(i)
        pointer = item.locator("code.pointer")
        value = item.locator("code.value")
        out.append({
            "severity": item.get_attribute("data-severity"),
            "field": item.locator(".field-name").inner_text(),
            "pointer": pointer.inner_text() if pointer.count() else None,
            "value": value.inner_text() if value.count() else None,
            "text": item.inner_text(),
        })
    return out


def test_manifest_is_a_dataset_tool_with_a_signed_call(bundled_live_server):
    manifest = httpx.get(bundled_live_server.url + "/profiles/research-dataset/dataverse/external-tool.json").json()
    assert manifest["scope"] == "dataset" and manifest["types"] == ["explore"]
    assert manifest["toolUrl"] == bundled_live_server.url + "/dataverse/check/research-dataset"
    params = {k: v for item in manifest["toolParameters"]["queryParameters"] for k, v in item.items()}
    assert params == {"siteUrl": "{siteUrl}", "datasetPid": "{datasetPid}", "datasetId": "{datasetId}",
                      "datasetVersion": "{datasetVersion}", "localeCode": "{localeCode}"}
    assert manifest["allowedApiCalls"] == [{"name": "getDatasetVersionMetadata", "httpMethod": "GET",
                                            "urlTemplate": "/api/v1/datasets/{datasetId}/versions/{datasetVersion}",
                                            "timeOut": 10}]
    assert httpx.get(bundled_live_server.url + "/profiles/no-such-profile/dataverse/external-tool.json").status_code == 404


def test_draft_through_the_signed_callback_in_french(bundled_live_server, dataverse_site, browser, shot):
    callback = base64.b64encode(f"{dataverse_site.url}/api/v1/tools/callback?token={SIGNATURE}".encode()).decode()
    expected = httpx.post(bundled_live_server.url + "/validate", params={"profile": "research-dataset", "lang": "fr"},
                          json=dataverse_site.draft, timeout=60).json()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{bundled_live_server.url}/dataverse/check/research-dataset?callback={callback}")
        page.locator("#dv-report").wait_for()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert "le vérifie selon le profil research-dataset" in page.locator("#dv-intro").inner_text()
        verdict = page.locator("#dv-verdict")
        assert "ne sont PAS conformes au profil research-dataset" in verdict.inner_text()
        assert "ko" in verdict.get_attribute("class")
        results = _results(page)
        # the bare version the API gives has no dataset-level publisher (and no publication year: a draft)
        assert len(results) == len(expected["results"]) == 7
        title = next(r for r in results if r["pointer"] == "/metadataBlocks/citation/fields/0/value")
        assert title["severity"] == "Violation" and title["value"] == "Draft Dataset" and title["field"] == "Titre"
        assert "Un titre avec étiquette de langue est obligatoire" in title["text"]
        description = next(r for r in results if r["pointer"] == "/metadataBlocks/citation/fields/3/value/0/dsDescriptionValue/value")
        assert "(dans Description)" in description["text"]
        assert "Avertissement" in {r["text"].split(" ")[0] for r in results}
        assert {r["severity"] for r in results} == {"Violation", "Warning", "Info"}
        shot(page, "dataverse-tool-draft-fr")
    finally:
        context.close()
    # every request to the Dataverse site came from the browser (the registry never fetches)
    paths = [p for p, _ in dataverse_site.requests]
    assert paths[0].startswith("/api/v1/tools/callback") and paths[1].startswith("/api/v1/datasets/42/versions/:draft")
    assert all("Chrome" in agent for _, agent in dataverse_site.requests)


def test_published_dataset_by_site_url_and_pid_in_english(bundled_live_server, dataverse_site, browser, shot):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{bundled_live_server.url}/dataverse/check/research-dataset?siteUrl={dataverse_site.url}"
                  f"&datasetPid={PID}&datasetVersion=1.0&localeCode=en")
        page.locator("#dv-report").wait_for()
        assert "do NOT conform to the profile research-dataset" in page.locator("#dv-verdict").inner_text()
        results = _results(page)
        by_pointer = {r["pointer"]: r for r in results}
        assert by_pointer["/metadataBlocks/citation/fields/0/value"]["value"] == "Cars"
        assert by_pointer["/metadataBlocks/citation/fields/0/value"]["field"] == "Title"
        assert {r["severity"] for r in results} == {"Violation", "Warning", "Info"}
        assert len(results) == len(httpx.post(bundled_live_server.url + "/validate", params={"profile": "research-dataset"},
                                              json=dataverse_site.published, timeout=60).json()["results"])
        assert page.locator("#dv-problem").is_hidden()
        shot(page, "dataverse-tool-published-en")
    finally:
        context.close()
    assert [p.split("?")[0] for p, _ in dataverse_site.requests] == ["/api/datasets/:persistentId/versions/1.0"]


def test_a_bad_signature_is_an_error_on_the_page(bundled_live_server, dataverse_site, browser):
    callback = base64.b64encode(f"{dataverse_site.url}/api/v1/tools/callback?token=forged".encode()).decode()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{bundled_live_server.url}/dataverse/check/research-dataset?callback={callback}&localeCode=en")
        problem = page.locator("#dv-problem")
        problem.wait_for()
        assert "Could not read" in problem.inner_text() and "401" in problem.inner_text()
        assert page.locator("#dv-report").is_hidden()
    finally:
        context.close()
