"""The HTTP servers `registry serve` runs the app under: granian (the default, an HTTP server written
in Rust; benchmarks/results/sparql-options.txt) or uvicorn (`--server uvicorn`).

Both serve the same app the same way: one application process on the embedded store (the store
admits one writer process), HTTP/1.1 with keep-alive, the ASGI lifespan (features started once and
closed once), graceful stop on SIGTERM / SIGINT, no access log, and the client address taken from
`X-Forwarded-For` when the peer is a trusted proxy (`--forwarded-allow-ips`): uvicorn's own
`ProxyHeadersMiddleware` in both, so the per-client limits see the same client whichever server.

granian runs the app in a worker process that its main process supervises (the main process
relays SIGTERM and waits for the lifespan's shutdown). Its worker builds the app from the same
settings (`granian_app`, given through the environment: the CLI's store, base IRI and bundled
flag, the rest is the environment already) and dies with the main process: a `kill -9` of
`registry serve` must not leave an orphan holding the store's lock (Linux `PR_SET_PDEATHSIG`).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal

from registry.config import Settings

SERVERS = ("granian", "uvicorn")
#: uvicorn's default trust when neither the flag nor $FORWARDED_ALLOW_IPS says otherwise
DEFAULT_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
# how the `registry serve` process hands its choices to granian's worker process
_FORWARDED_ENV = "REGISTRY_SERVE_FORWARDED_ALLOW_IPS"
_PARENT_ENV = "REGISTRY_SERVE_PARENT_PID"
#: the longest request head granian reads (bytes): a GET query at the guard's limit of 256 KiB
#: characters, percent-encoded, fits (uvicorn/httptools sets no limit of its own)
MAX_HEAD_BYTES = 1024 * 1024


def trusted_proxies(forwarded_allow_ips: str | None) -> str:
    return forwarded_allow_ips or os.environ.get("FORWARDED_ALLOW_IPS") or DEFAULT_FORWARDED_ALLOW_IPS


def run(server: str, settings: Settings, host: str, port: int, forwarded_allow_ips: str | None) -> None:
    """Serve the app until SIGTERM / SIGINT (blocking)."""
    if server == "uvicorn":
        import uvicorn

        from registry.web.app import create_app

        uvicorn.run(
            create_app(settings, settle_garbage=True),
            host=host,
            port=port,
            access_log=False,
            log_level="info",
            proxy_headers=True,
            forwarded_allow_ips=trusted_proxies(forwarded_allow_ips),
        )
        return
    if server != "granian":
        raise ValueError(f"unknown server {server!r}: one of {', '.join(SERVERS)}")
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    # granian starts its worker with the default start method, fork on Linux; but this process has
    # opened the store (the CLI's base IRI check) and RocksDB's background threads do not survive a
    # fork: a forked worker hung in its first snapshot (a checkpoint waiting for them). Spawned, the
    # worker opens the store afresh.
    multiprocessing.set_start_method("spawn", force=True)
    os.environ.update(
        {
            "REGISTRY_STORE": settings.store,
            "REGISTRY_BASE_IRI": settings.base_iri,
            "REGISTRY_LOAD_BUNDLED": "true" if settings.load_bundled else "false",
            _FORWARDED_ENV: trusted_proxies(forwarded_allow_ips),
            _PARENT_ENV: str(os.getpid()),
        }
    )
    Server(
        "registry.serving:granian_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=1,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=False,
        backlog=2048,
        http1_settings=HTTP1Settings(max_buffer_size=MAX_HEAD_BYTES),
        log_level=LogLevels.info,
        log_access=False,
    ).serve()


def served_app():
    """The app as `registry serve` builds it, for another server to run (`uvicorn --factory
    registry.serving:served_app`, gunicorn's `'registry.serving:served_app()'`; docs/deployment.md):
    settings from the environment, and the start-up's garbage collected before the server accepts
    connections (`create_app(settle_garbage=True)`), which `create_app` alone leaves to the first
    requests."""
    from registry.web.app import create_app

    return create_app(Settings(), settle_garbage=True)


def granian_app():
    """The app in granian's worker process (`Server(..., factory=True)` calls it there)."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    _die_with(int(os.environ.get(_PARENT_ENV, "0")))
    return ProxyHeadersMiddleware(served_app(), trusted_hosts=os.environ.get(_FORWARDED_ENV) or DEFAULT_FORWARDED_ALLOW_IPS)


def _die_with(parent: int) -> None:
    """SIGKILL this process when `parent` (granian's main process) ends (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent and os.getppid() != parent:  # the parent ended before the line above took effect
        os._exit(1)
