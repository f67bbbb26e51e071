"""Dataverse's own external-vocabulary script, in a real browser (issue 13, item 6).

A page served from a second origin (another port) loads jQuery and select2 (from the npm registry,
installed by .ci/test into tests/web/node/) and `../shared/data/dataverse/cvoc/skosmos.js` (with
`cvocutils.js`), with the input and display elements a Dataverse edit form and dataset page render
for a field of the `:CVocConf` the registry generated for the electron-microscopy profile (item 1):
`data-cvoc-protocol`, `data-cvoc-service-url`, `data-cvoc-vocabs`, `data-cvoc-managedfields`,
`data-cvoc-parent`, `data-cvoc-filter`, `data-cvoc-allowfreetext`, `lang` — the attributes
skosmos.js reads. Chromium (Debian's, driven by Playwright) runs it against a real registry server
(uvicorn child process on the test backend's store): the script's requests to the registry are
cross-origin, so they work only with the registry's CORS headers.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import REMOTE_BACKEND, SHARED_DATA, require_shared, start_remote_server
from tests.web.conftest import REPO, _free_port, start_live_server

CVOC = SHARED_DATA / "dataverse" / "cvoc"
NODE = REPO / "tests" / "web" / "node" / "node_modules"
SEM = "https://w3id.org/metsa/vocab/technique/sem"
FIELD = "emAcquisitionTechnique"


def _require_assets() -> None:
    require_shared(CVOC / "skosmos.js")
    if not (NODE / "jquery" / "dist" / "jquery.min.js").is_file() or not (NODE / "select2" / "dist").is_dir():
        # Like third-party data: skipped with the reason outside CI, a failure in CI (.ci/test installs them).
        message = ("jQuery and select2 are missing: run `npm install --prefix tests/web/node --no-save "
                   "jquery@3.7.1 select2@4.0.13` (.ci/test does)")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def registry_server(tmp_path_factory, request):
    """A real registry with the bundled content, on the test backend's store: on the embedded
    backend the run's `bundled_live_server` (tests/web/conftest.py; these tests only read), with
    REGISTRY_TEST_BACKEND=remote or virtuoso a server of its own on a real `oxigraph serve` or
    Virtuoso of its own."""
    if not REMOTE_BACKEND:
        yield request.getfixturevalue("bundled_live_server").url
        return
    root = tmp_path_factory.mktemp("dvregistry")
    store_server = start_remote_server(root / "store-server")
    try:
        # Start-up loads every bundled profile and vocabulary (into the store server over HTTP on the
        # remote backends): minutes on a shared CI machine, so the wait for the first answer is long.
        yield from (server.url for server in start_live_server(
            root, bundled=True, timeout=900, store=store_server.store_url))
    finally:
        store_server.stop()


def _input(entry: dict, element_id: str, lang: str, value: str) -> str:
    """The input Dataverse's edit form renders for a field managed by a :CVocConf entry."""
    attrs = {
        "type": "text", "id": element_id, "class": "form-control", "value": value, "lang": lang,
        "data-cvoc-protocol": entry["protocol"], "data-cvoc-service-url": entry["cvoc-url"],
        "data-cvoc-vocabs": json.dumps(entry["vocabs"]), "data-cvoc-managedfields": json.dumps(entry["managed-fields"]),
        "data-cvoc-parent": "", "data-cvoc-filter": entry.get("term-parent-uri", ""),
        "data-cvoc-allowfreetext": json.dumps(entry["allow-free-text"]),
    }
    return "<input " + " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items()) + ">"


def _display(entry: dict, element_id: str, lang: str, value: str) -> str:
    """The element Dataverse's dataset page renders for a stored value of such a field."""
    return (f'<span id="{element_id}" data-cvoc-protocol="{entry["protocol"]}" '
            f'data-cvoc-service-url="{html.escape(entry["cvoc-url"], quote=True)}" lang="{lang}">{html.escape(value)}</span>')


@pytest.fixture(scope="module")
def dataverse_assets():
    _require_assets()  # before the registry is started for nothing


@pytest.fixture(scope="module")
def form_url(dataverse_assets, registry_server, tmp_path_factory):
    """A second origin serving the Dataverse-like form built from the registry's cvoc.json."""
    cvoc = httpx.get(registry_server + "/profiles/electron-microscopy/versions/1.0.0/dataverse/cvoc.json", timeout=60)
    assert cvoc.status_code == 200, cvoc.text
    entry = next(e for e in cvoc.json() if e["field-name"] == FIELD)
    assert entry["cvoc-url"] == registry_server + "/"
    site = tmp_path_factory.mktemp("dvform")
    shutil.copy(NODE / "jquery" / "dist" / "jquery.min.js", site / "jquery.min.js")
    shutil.copy(NODE / "select2" / "dist" / "js" / "select2.min.js", site / "select2.min.js")
    shutil.copy(NODE / "select2" / "dist" / "css" / "select2.min.css", site / "select2.min.css")
    shutil.copy(CVOC / "cvocutils.js", site / "cvocutils.js")
    shutil.copy(CVOC / "skosmos.js", site / "skosmos.js")
    (site / "index.html").write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Dataverse edit form (test)</title>
<link rel="stylesheet" href="select2.min.css">
<script src="jquery.min.js"></script>
<script src="select2.min.js"></script>
<script src="cvocutils.js"></script>
<script src="skosmos.js"></script>
</head><body>
<div id="view">{_display(entry, "show-en", "en", SEM)} {_display(entry, "show-fr", "fr", SEM)}</div>
<div class="form-group" id="edit-stored"><div class="col-sm-9">{_input(entry, "stored", "fr", SEM)}</div></div>
<div class="form-group" id="edit-new"><div class="col-sm-9">{_input(entry, "new", "en", "")}</div></div>
</body></html>""", encoding="utf-8")
    port = _free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/index.html"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture
def form(browser, form_url, registry_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    registry_calls: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("request", lambda request: registry_calls.append(request.url) if request.url.startswith(registry_server) else None)
    tab.goto(form_url)
    tab.errors = errors
    tab.registry_calls = registry_calls
    yield tab
    context.close()


def test_a_stored_term_is_displayed_with_its_label_in_english_and_french(form):
    for element, label in (("#show-en", "Scanning electron microscopy"), ("#show-fr", "Microscopie électronique à balayage")):
        link = form.locator(f"{element} a")
        link.wait_for()
        assert link.inner_text() == label
        assert link.get_attribute("href") == SEM
    # In the edit form, the stored IRI shows as its label (French here) in select2's selection.
    # (skosmos.js puts a hidden vocabulary selector first, then the term selector in .cvoc-term.)
    term = "#edit-stored .cvoc-term .select2-selection__rendered"
    form.wait_for_function(f"() => document.querySelector({json.dumps(term)})"
                           f" && document.querySelector({json.dumps(term)}).textContent.includes('Microscopie')")
    assert f"Microscopie électronique à balayage, {SEM}" in form.locator(term).inner_text()
    assert form.eval_on_selector("#stored", "e => e.value") == SEM
    assert any("/rest/v1/data?uri=" in url for url in form.registry_calls)  # cross-origin, through CORS
    assert form.errors == []


def test_typing_a_prefix_offers_concepts_and_choosing_one_stores_its_iri(form):
    form.locator("#edit-new .cvoc-term .select2-selection").click()
    search = form.locator(".select2-container--open .select2-search__field")
    search.wait_for()
    search.type("scann", delay=50)
    option = form.locator(".select2-results__option", has_text=f"Scanning electron microscopy, {SEM}")
    option.wait_for()
    offered = form.locator(".select2-results__option").all_inner_texts()
    assert any(text.startswith("Scanning transmission electron microscopy") for text in offered)
    assert all("scan" in text.lower() for text in offered)
    option.click()
    form.wait_for_function(f"() => document.querySelector('#new').value === {json.dumps(SEM)}")
    assert "Scanning electron microscopy" in form.locator("#edit-new .cvoc-term .select2-selection__rendered").inner_text()
    searches = [url for url in form.registry_calls if "/rest/v1/search?" in url]
    assert searches and all("vocab=technique" in url and "query=scann" in url for url in searches[-1:])
    assert form.errors == []


def test_cli_export_block_from_a_running_registry(registry_server, tmp_path):
    """`registry dataverse export-block --url`: the same files as the routes, named by the block."""
    from typer.testing import CliRunner

    from registry.cli import app

    out = tmp_path / "block"
    result = CliRunner().invoke(app, ["dataverse", "export-block", "electron-microscopy@1.0.0", "--url", registry_server,
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["cvoc.json", "electronMicroscopy.properties", "electronMicroscopy.tsv",
                                                    "electronMicroscopy_fr.properties", "report.txt"]
    served = httpx.get(registry_server + "/profiles/electron-microscopy/versions/1.0.0/dataverse/block.tsv", timeout=60)
    assert (out / "electronMicroscopy.tsv").read_bytes() == served.content
    # Without a version: the latest published one, as the registry lists them.
    versions = httpx.get(registry_server + "/profiles/atom-probe/versions", timeout=60).json()
    latest = max((v["version"] for v in versions), key=lambda v: tuple(int(x) for x in v.split(".")))
    result = CliRunner().invoke(app, ["dataverse", "export-block", "atom-probe", "--url", registry_server, "-o", str(tmp_path / "ap")])
    assert result.exit_code == 0, result.output
    assert f"atom-probe {latest}" in (tmp_path / "ap" / "report.txt").read_text()
    refused = CliRunner().invoke(app, ["dataverse", "export-block", "research-dataset", "--url", registry_server,
                                       "-o", str(tmp_path / "rd")])
    assert refused.exit_code == 1 and "citation" in refused.output
