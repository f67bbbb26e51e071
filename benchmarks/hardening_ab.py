"""A/B of the request paths issue 12 ("Hardening II") touched: record validation and vocabulary
search over HTTP, the registry before the issue against the registry now, interleaved.

Why an A/B: issue 12 asks that nothing it adds cost more than 5% on the validation and search
benchmarks, and this machine is shared (its load moves every absolute figure by more than 5%). Two
real servers run side by side (`registry serve`, embedded store, bundled content): A from the commit
before the issue's work (default b438b95, read with `git archive`, so nothing in the checkout
moves), B from this checkout. Each round sends the same requests to A then B (the order flips every
round); the figures are medians over rounds, and the ratio B/A is what the 5% budget is about.

What is timed, per request, from a keep-alive client:
* search: `GET /vocabularies/technique/search?q=<prefix>` over the bundled technique vocabulary;
* validation: `POST /validate?profile=electron-microscopy&version=1.0.0` of a real example record
  (Turtle, `examples/electron-microscopy/1.0.0/kit-sem-sceo5.ttl`), the version both servers hold.

B also holds what other issues added since A (new profile versions, the persisted search index):
the ratio is an upper bound of issue 12's cost, not its exact share.

Run:  python benchmarks/hardening_ab.py [REV] > benchmarks/results/hardening_ab.txt
"""

from __future__ import annotations

import io
import os
import platform
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
REV = sys.argv[1] if len(sys.argv) > 1 else "b438b95"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
SEARCHES = 200
VALIDATIONS = 60
PREFIXES = ["tr", "sc", "el", "mi", "ato", "ener", "spec", "dif", "tom", "cryo", "ho", "fo"]
RECORD = ROOT / "examples/electron-microscopy/1.0.0/kit-sem-sceo5.ttl"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def source_of(rev: str, into: Path) -> Path:
    """The package at `rev`, unpacked (no worktree, nothing in this checkout changes)."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into


class Server:
    def __init__(self, name: str, source: Path, workdir: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(source)}
        env.pop("REGISTRY_STORE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "registry", "serve", "--port", str(self.port), "--store", str(workdir / "store")],
            cwd=source, env=env, stdout=subprocess.DEVNULL, stderr=(workdir / "server.log").open("wb"),
        )
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(self.url + "/vocabularies/technique", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {(workdir / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        self.client = httpx.Client(base_url=self.url, timeout=60)

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def time_searches(server: Server) -> list[float]:
    out = []
    for n in range(SEARCHES):
        q = PREFIXES[n % len(PREFIXES)]
        start = time.perf_counter()
        r = server.client.get("/vocabularies/technique/search", params={"q": q})
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, (server.name, r.status_code, r.text[:300])
    return out


def time_validations(server: Server, record: bytes) -> list[float]:
    out = []
    for _ in range(VALIDATIONS):
        start = time.perf_counter()
        r = server.client.post("/validate", params={"profile": "electron-microscopy", "version": "1.0.0"},
                               content=record, headers={"Content-Type": "text/turtle", "Accept": "application/json"})
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200 and r.json()["conforms"] is True, (server.name, r.status_code, r.text[:300])
    return out


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    record = RECORD.read_bytes()
    with tempfile.TemporaryDirectory(prefix="hardening-ab-") as tmp:
        tmp_path = Path(tmp)
        before_src = source_of(REV, tmp_path / "before-src")
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        servers = {"before": Server("before", before_src, tmp_path / "a"), "after": Server("after", ROOT, tmp_path / "b")}
        try:
            for server in servers.values():  # warm-up: caches, worker pools, first index load
                time_searches(server)
                time_validations(server, record)
            rounds: dict[str, dict[str, list[tuple[float, float]]]] = {n: {"search": [], "validate": []} for n in servers}
            for i in range(ROUNDS):
                order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
                for name in order:
                    s = time_searches(servers[name])
                    v = time_validations(servers[name], record)
                    rounds[name]["search"].append((statistics.median(s), p(s, 0.95)))
                    rounds[name]["validate"].append((statistics.median(v), p(v, 0.95)))
        finally:
            for server in servers.values():
                server.stop()
    load = os.getloadavg()[0]
    print(f"# Issue 12 A/B: HTTP search and validation, before ({REV}) vs after (this checkout), interleaved")
    print(f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; {ROUNDS} rounds of "
          f"{SEARCHES} searches + {VALIDATIONS} validations per server, order flipped every round; "
          f"load average (1 min) at the end {load:.1f}")
    print(f"{'path':<10} {'before p50/p95 ms':>20} {'after p50/p95 ms':>20} {'after/before p50':>18} {'p95':>6}")
    for path in ("search", "validate"):
        b50 = statistics.median(r[0] for r in rounds["before"][path])
        b95 = statistics.median(r[1] for r in rounds["before"][path])
        a50 = statistics.median(r[0] for r in rounds["after"][path])
        a95 = statistics.median(r[1] for r in rounds["after"][path])
        print(f"{path:<10} {b50:>10.2f} / {b95:>7.2f} {a50:>10.2f} / {a95:>7.2f} {a50 / b50:>17.3f}x {a95 / b95:>5.2f}x")
    for path in ("search", "validate"):
        per_round = [a[0] / b[0] for a, b in zip(rounds["after"][path], rounds["before"][path])]
        print(f"per-round p50 ratio after/before, {path}: " + ", ".join(f"{r:.2f}" for r in per_round)
              + f" (median {statistics.median(per_round):.3f}x)")
    print("budget (issue 12): after/before p50 <= 1.05x")


if __name__ == "__main__":
    main()
