"""The deployment recipe of docs/deployment.md, run for real (issue 19, item 4): Debian's nginx,
configured with `docs/deploy/nginx.conf` as committed, in front of two `registry serve` processes
on one `oxigraph serve`.

Clients are told apart by their loopback source address (127.0.0.2, 127.0.0.3, …), as real
clients are by theirs: the per-client limits must see each of them, not the proxy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from registry.config import Settings
from registry.services import Registry
from tests.conftest import STORE_SETTINGS_ENV, TEST_NAMESPACE, OxigraphServer, free_port

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "docs" / "deploy"
VOCABULARY = b"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/test/proxied/> a skos:ConceptScheme .
<https://w3id.org/test/proxied/a> a skos:Concept ; skos:inScheme <https://w3id.org/test/proxied/> ;
    skos:topConceptOf <https://w3id.org/test/proxied/> ; skos:prefLabel "Proxied concept"@en .
<https://w3id.org/test/proxied/> skos:hasTopConcept <https://w3id.org/test/proxied/a> .
"""


def _wait(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        raise pytest.UsageError("the reverse-proxy test needs Debian's nginx (.ci/test installs it)")
    for name in STORE_SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    store = OxigraphServer(location=tmp_path / "db").start()
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}/"
    processes: list[subprocess.Popen] = []
    try:
        registry = Registry.build(Settings(store=store.store_url, base_iri=public, load_bundled=False))
        registry.communities.create("test", "Test community", [TEST_NAMESPACE])
        token = registry.communities.create_token("test").token
        registry.close()

        env = {k: v for k, v in os.environ.items() if k not in STORE_SETTINGS_ENV}
        env.update(REGISTRY_STORE=store.store_url, REGISTRY_BASE_IRI=public, PYTHONPATH=str(REPO))
        nodes = []
        for i in range(2):
            port = free_port()
            log = tmp_path / f"node-{i}.log"
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "registry", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--no-bundled", "--forwarded-allow-ips", "127.0.0.1"],
                env=env, cwd=REPO, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            ))
            nodes.append(f"127.0.0.1:{port}")
            _wait(f"http://127.0.0.1:{port}/communities", processes[-1], log)

        prefix = tmp_path / "nginx"
        prefix.mkdir()
        config = (RECIPE / "nginx.conf").read_text()
        config = (
            config.replace("@PREFIX@", str(prefix))
            .replace("@UPSTREAM_SERVERS@", " ".join(f"server {node};" for node in nodes))
            .replace("@LISTEN@", f"127.0.0.1:{proxy_port}")
        )
        (prefix / "nginx.conf").write_text(config)
        shutil.copy(RECIPE / "proxy_headers.conf", prefix / "proxy_headers.conf")
        log = prefix / "error.log"
        log.touch()
        processes.append(subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=log.open("ab"),
        ))
        _wait(public + "communities", processes[-1], log)
        yield public, nodes, {"Authorization": f"Bearer {token}"}
    finally:
        for process in reversed(processes):
            _stop(process)
        store.stop()


def client_at(address: str, base: str) -> httpx.Client:
    """A client whose requests come from `address` (a loopback address of its own)."""
    return httpx.Client(base_url=base, timeout=60, transport=httpx.HTTPTransport(local_address=address))


def test_the_proxy_spreads_clients_over_both_nodes_and_keeps_each_client_on_one(deployment):
    public, nodes, _ = deployment
    served_by: dict[str, set[str]] = {}
    for i in range(2, 18):
        address = f"127.0.0.{i}"
        with client_at(address, public) as client:
            for _ in range(3):
                r = client.get("/communities")
                assert r.status_code == 200 and [c["id"] for c in r.json()] == ["test"]
                served_by.setdefault(address, set()).add(r.headers["x-registry-upstream"])
    assert all(len(upstreams) == 1 for upstreams in served_by.values()), served_by
    assert set().union(*served_by.values()) == set(nodes)


def test_a_publication_through_the_proxy_is_served_by_every_node(deployment):
    public, nodes, auth = deployment
    with client_at("127.0.0.2", public) as writer:
        r = writer.put(
            "/vocabularies/proxied/versions/1.0.0", content=VOCABULARY,
            headers={**auth, "Content-Type": "text/turtle"}, params={"title": "Proxied"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["iri"] == public + "vocabularies/proxied/1.0.0"  # minted under the public base
    for node in nodes:  # each process directly, whichever wrote
        hits = httpx.get(f"http://{node}/search", params={"q": "proxied"}, timeout=30).json()["results"]
        assert [hit["iri"] for hit in hits] == ["https://w3id.org/test/proxied/a"]


def test_per_client_limits_see_the_real_client_behind_the_proxy(deployment):
    public, _, _ = deployment
    bad = {"Authorization": "Bearer not-a-token", "Content-Type": "text/turtle"}
    with client_at("127.0.0.2", public) as attacker, client_at("127.0.0.3", public) as neighbour:
        answers = [attacker.put("/vocabularies/v/versions/1.0.0", content=b"", headers=bad).status_code for _ in range(11)]
        assert answers == [401] * 10 + [429]
        # a forged X-Forwarded-For does not give the attacker a new identity: the proxy replaces it
        forged = attacker.put("/vocabularies/v/versions/1.0.0", content=b"",
                              headers={**bad, "X-Forwarded-For": "198.51.100.9"})
        assert forged.status_code == 429
        # another client behind the same proxy is not limited
        assert neighbour.put("/vocabularies/v/versions/1.0.0", content=b"", headers=bad).status_code == 401
