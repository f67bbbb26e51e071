"""The `registry` command line.

Commands that change the registry run on the local embedded store (admin work: communities,
tokens, loading folders) or, with `--url` and `--token`, against a running registry over HTTP.
Progress bars appear on a terminal only; scripts get quiet output and meaningful exit codes.
"""

from __future__ import annotations

import json
import sys
import tomllib
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from registry.config import Settings
from registry.errors import RegistryError

app = typer.Typer(help="Registry of research metadata profiles (SHACL + SKOS, PROF + DCAT).", no_args_is_help=True)
community_app = typer.Typer(help="Communities (admin).", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens of communities (admin).", no_args_is_help=True)
publish_app = typer.Typer(help="Publish a profile or vocabulary version.", no_args_is_help=True)
app.add_typer(community_app, name="community")
app.add_typer(token_app, name="token")
app.add_typer(publish_app, name="publish")

StoreOpt = Annotated[Optional[str], typer.Option("--store", help="Store directory (default: $REGISTRY_STORE or ./registry-data)")]
BaseOpt = Annotated[Optional[str], typer.Option("--base-iri", help="Base of minted IRIs (default: $REGISTRY_BASE_IRI)")]
CommunityOpt = Annotated[Optional[str], typer.Option(help="Acting community (local store)")]
DraftOpt = Annotated[bool, typer.Option(help="Publish as a replaceable draft")]
UrlOpt = Annotated[Optional[str], typer.Option("--url", help="A running registry's URL; publish over HTTP instead of the local store")]
TokenOpt = Annotated[Optional[str], typer.Option("--token", envvar="REGISTRY_TOKEN", help="Bearer token (with --url)")]


def _settings(store: str | None, base_iri: str | None, **extra) -> Settings:
    values = {k: v for k, v in {"store": store, "base_iri": base_iri, **extra}.items() if v is not None}
    return Settings(**values)


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _local_registry(store: str | None, base_iri: str | None, *, read_only: bool = False):
    """The registry's services on the local store. `read_only` commands never write: no
    crash recovery, no record of the base IRI (issue 12: a listing deleted a catalog)."""
    from registry.services import Registry

    settings = _settings(store, base_iri, load_bundled=False)
    if read_only and not (settings.store_is_memory or settings.store_is_remote) and not Path(settings.store).is_dir():
        # Opening the embedded store creates its directory: a reading command must not (issue 14).
        _fail(f"no registry store at {settings.store}: nothing has been loaded there (give --store DIR of an "
              "existing store, set REGISTRY_STORE, or read a running registry with --url)")
    try:
        services = Registry.build(settings, read_only=read_only)
    except RegistryError as exc:
        _fail(exc.detail)
    try:
        if not read_only:
            services.publication.recover()
        yield services
    except RegistryError as exc:
        _print_error(exc)
        raise typer.Exit(1 if exc.status in (409, 422) else 2) from None  # the error is printed
    finally:
        services.close()


def _print_error(exc: RegistryError) -> None:
    typer.echo(f"error: {exc.detail}", err=True)
    for finding in exc.extra.get("findings") or []:
        typer.echo(f"  [{finding['severity']}] {finding['code']}: {finding['message']}", err=True)


def _progress_enabled() -> bool:
    return sys.stderr.isatty()


# --- serve -------------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
    no_bundled: Annotated[bool, typer.Option("--no-bundled", help="Do not load the bundled content into an empty store")] = False,
    forwarded_allow_ips: Annotated[
        Optional[str],
        typer.Option(
            help="Reverse proxies whose X-Forwarded-For is trusted (comma-separated; default: "
            "$FORWARDED_ALLOW_IPS or 127.0.0.1). Per-client limits then apply to the real client."
        ),
    ] = None,
    server: Annotated[
        str,
        typer.Option(
            "--server",
            help="HTTP server: granian (a Rust server, the default: faster, see benchmarks/results/sparql-options.txt) "
            "or uvicorn",
        ),
    ] = "granian",
) -> None:
    """Serve the API (and pages) on the embedded store; an empty store gets the bundled profiles."""
    from registry import serving

    if server not in serving.SERVERS:
        _fail(f"--server {server!r}: one of {', '.join(serving.SERVERS)}")
    # Issue 12: the base no longer follows --port (minted IRIs must not depend on it). A new store
    # takes --base-iri / REGISTRY_BASE_IRI or the default http://localhost:8000/; an existing store
    # keeps the base it was created under, and another one given explicitly is refused.
    settings = _settings(store, base_iri, **({"load_bundled": False} if no_bundled else {}))
    _check_base_iri(settings)
    typer.echo(f"registry on {settings.base_iri} (store: {settings.store}; {server})", err=True)
    serving.run(server, settings, host, port, forwarded_allow_ips)


def _check_base_iri(settings: Settings) -> None:
    """Open the store once to pin / check its base IRI, so that a mismatch is a clear message
    before the server starts (the app checks again when it opens the store)."""
    from registry.baseiri import pin_base_iri
    from registry.store import open_store

    try:
        store = open_store(settings)
    except RegistryError as exc:
        _fail(exc.detail)
    try:
        pin_base_iri(store, settings)
    except RegistryError as exc:
        _fail(exc.detail)
    finally:
        store.close()


# --- communities and tokens --------------------------------------------------------------------


@community_app.command("create")
def community_create(
    cid: Annotated[str, typer.Argument(help="Community id, e.g. metsa")],
    name: Annotated[str, typer.Option(help="Display name")],
    namespace: Annotated[list[str], typer.Option(help="IRI namespace the community owns (repeatable)")],
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
) -> None:
    """Create a community that owns one or more IRI namespaces."""
    with _local_registry(store, base_iri) as services:
        community = services.communities.create(cid, name, namespace)
        typer.echo(json.dumps(community.to_json(), indent=2))


@community_app.command("skos-integrity")
def community_skos_integrity(
    cid: Annotated[str, typer.Argument(help="Community id")],
    policy: Annotated[str, typer.Argument(help="warn (default: SKOS integrity findings are warnings) or strict (refuse)")],
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
) -> None:
    """Set the weight of the SKOS integrity conditions (S9, S13, S14, S27, S37, S46) for the
    community's vocabularies."""
    with _local_registry(store, base_iri) as services:
        community = services.communities.set_skos_integrity(cid, policy)
        typer.echo(json.dumps(community.to_json(), indent=2))


@community_app.command("list")
def community_list(store: StoreOpt = None, base_iri: BaseOpt = None) -> None:
    with _local_registry(store, base_iri, read_only=True) as services:
        typer.echo(json.dumps([c.to_json() for c in services.catalog.communities()], indent=2))


@token_app.command("create")
def token_create(
    cid: Annotated[str, typer.Argument(help="Community id")],
    label: Annotated[str, typer.Option(help="What the token is for")] = "",
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
) -> None:
    """Issue a bearer token for a community. It is printed once and stored hashed."""
    with _local_registry(store, base_iri) as services:
        issued = services.communities.create_token(cid, label)
        typer.echo(f"token id: {issued.id}", err=True)
        typer.echo(issued.token)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="Token id (the part before the dot)")], store: StoreOpt = None, base_iri: BaseOpt = None) -> None:
    with _local_registry(store, base_iri) as services:
        services.communities.revoke_token(token_id.partition(".")[0])
        typer.echo(f"revoked {token_id.partition('.')[0]}")


@token_app.command("list")
def token_list(cid: Annotated[Optional[str], typer.Argument()] = None, store: StoreOpt = None, base_iri: BaseOpt = None) -> None:
    with _local_registry(store, base_iri, read_only=True) as services:
        typer.echo(json.dumps(services.communities.tokens(cid), indent=2))


# --- publishing --------------------------------------------------------------------------------


def _manifest(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@publish_app.command("profile")
def publish_profile(
    path: Annotated[Path, typer.Argument(help="A version folder shapes/<id>/<X.Y.Z>/ (profile.toml beside it), or a shapes file")],
    pid: Annotated[Optional[str], typer.Option("--id", help="Profile id (default: from profile.toml)")] = None,
    version: Annotated[Optional[str], typer.Option(help="Version (default: the folder name)")] = None,
    is_profile_of: Annotated[Optional[str], typer.Option(help="Base profile id[@version]")] = None,
    community: CommunityOpt = None,
    draft: DraftOpt = False,
    examples: Annotated[Optional[Path], typer.Option(
        "--examples", help="A folder of example records (.ttl .nt .rdf .jsonld) to publish with the version")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
) -> None:
    """Publish a profile version (shapes + optional context.jsonld, example records)."""
    from registry.bundled import _lang_map
    from registry.publishing.service import ProfileSubmission, examples_in_folder
    from registry.rdf import format_for_filename

    shapes_path = path / "shapes.ttl" if path.is_dir() else path
    if not shapes_path.is_file():
        _fail(f"{shapes_path} not found")
    manifest = _manifest(shapes_path.parent.parent / "profile.toml") if path.is_dir() else {}
    pid = pid or manifest.get("id")
    version = version or (path.name if path.is_dir() else None)
    if not pid or not version:
        _fail("give --id and --version (or a version folder with profile.toml beside it)")
    context_path = shapes_path.parent / "context.jsonld"
    context = json.loads(context_path.read_text(encoding="utf-8")) if path.is_dir() and context_path.is_file() else None
    base = is_profile_of or manifest.get("is_profile_of")
    status = "draft" if draft else "published"
    title, description = _lang_map(manifest.get("title")), _lang_map(manifest.get("description"))
    if examples is not None and not examples.is_dir():
        _fail(f"--examples {examples}: not a folder")
    records = examples_in_folder(examples) if examples is not None else []
    if url:
        metadata = {"title": title, "description": description, "is_profile_of": base, "status": status}
        files: list[tuple[str, tuple[str, bytes, str]]] = [("shapes", (shapes_path.name, shapes_path.read_bytes(), "text/turtle"))]
        if context is not None:
            files.append(("context", ("context.jsonld", json.dumps(context).encode(), "application/ld+json")))
        files += [("example", (f"{r.name}.{r.format.file_extension}", r.data, r.format.media_type)) for r in records]
        _http_publish(f"{url.rstrip('/')}/profiles/{pid}/versions/{version}", token, files, metadata)
        return
    with _local_registry(store, base_iri) as services:
        acting = services.catalog.community(community or manifest.get("community", {}).get("id", ""))
        result = services.publication.publish_profile(
            acting,
            ProfileSubmission(
                id=pid, version=version, shapes=shapes_path.read_bytes(), format=format_for_filename(shapes_path.name),
                title=title, description=description, is_profile_of=base, status=status, context=context,
                example_records=records,
            ),
        )
        typer.echo(json.dumps(result.to_json(), indent=2))


@publish_app.command("vocabulary")
def publish_vocabulary(
    path: Annotated[Path, typer.Argument(help="A SKOS file vocabularies/<id>/<X.Y.Z>.ttl (vocabulary.toml beside it)")],
    vid: Annotated[Optional[str], typer.Option("--id", help="Vocabulary id (default: from vocabulary.toml)")] = None,
    version: Annotated[Optional[str], typer.Option(help="Version (default: the file name)")] = None,
    community: CommunityOpt = None,
    draft: DraftOpt = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
) -> None:
    """Publish a vocabulary version (any size: the file is streamed into the store)."""
    from registry.bundled import _lang_map
    from registry.publishing.service import VocabularySubmission
    from registry.rdf import format_for_filename

    if not path.is_file():
        _fail(f"{path} not found")
    manifest = _manifest(path.parent / "vocabulary.toml")
    vid = vid or manifest.get("id")
    version = version or path.name[: -len(path.suffix)]
    if not vid:
        _fail("give --id (or put vocabulary.toml beside the file)")
    status = "draft" if draft else "published"
    title, description = _lang_map(manifest.get("title")), _lang_map(manifest.get("description"))
    fmt = format_for_filename(path.name)
    if url:
        from registry.conneg import GRAPH_OUTPUT_FORMATS

        media = next(m for m, f in GRAPH_OUTPUT_FORMATS.items() if f == fmt)
        _http_publish_stream(f"{url.rstrip('/')}/vocabularies/{vid}/versions/{version}", token, path, media,
                             {"title": next(iter(title.values()), None), "status": status})
        return
    with _local_registry(store, base_iri) as services:
        acting = services.catalog.community(community or manifest.get("community", {}).get("id", ""))
        submission = VocabularySubmission(
            id=vid, version=version, source=path, format=fmt, title=title, description=description, status=status, name=str(path)
        )
        with _phase(f"publishing {vid} {version} ({path.stat().st_size / 1e6:.1f} MB): load, checks, commit"):
            result = services.publication.publish_vocabulary(acting, submission)
        typer.echo(json.dumps(result.to_json(), indent=2))


@contextmanager
def _phase(description: str):
    """An indeterminate progress bar with elapsed time, on a terminal only."""
    if not _progress_enabled():
        yield
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True) as bar:
        bar.add_task(description, total=None)
        yield


def _http_publish(url: str, token: str | None, files: dict | list, metadata: dict) -> None:
    import httpx

    if not token:
        _fail("--token (or $REGISTRY_TOKEN) is needed with --url")
    response = httpx.put(url, files=files, data={"metadata": json.dumps(metadata)}, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    _http_outcome(response)


def _http_publish_stream(url: str, token: str | None, path: Path, media: str, params: dict) -> None:
    import httpx

    if not token:
        _fail("--token (or $REGISTRY_TOKEN) is needed with --url")

    def chunks():
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                yield block

    with _phase(f"uploading {path.name}"):
        response = httpx.put(url, content=chunks(), params={k: v for k, v in params.items() if v}, timeout=3600,
                             headers={"Authorization": f"Bearer {token}", "Content-Type": media})
    _http_outcome(response)


def _http_outcome(response) -> None:
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text}
    if response.status_code >= 400:
        typer.echo(f"error {response.status_code}: {body.get('detail')}", err=True)
        for finding in body.get("findings") or []:
            typer.echo(f"  [{finding['severity']}] {finding['code']}: {finding['message']}", err=True)
        raise typer.Exit(1 if response.status_code in (409, 422) else 2)
    typer.echo(json.dumps(body, indent=2))


# --- load and export ---------------------------------------------------------------------------


@app.command()
def load(
    folder: Annotated[Path, typer.Argument(help="Folder with shapes/ and vocabularies/ (see docs/layout.md)")],
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
) -> None:
    """Publish a folder of profiles and vocabularies. Idempotent: a second load changes nothing."""
    from registry.bundled import load_folder, plan_folder

    with _local_registry(store, base_iri) as services:
        if _progress_enabled():
            from rich.progress import Progress

            total = len(plan_folder(folder))
            with Progress(transient=True) as bar:
                task = bar.add_task("loading", total=total)

                def step(label: str) -> None:
                    bar.update(task, advance=1, description=label)

                report = load_folder(services, folder, progress=step)
        else:
            report = load_folder(services, folder)
        typer.echo(json.dumps(report.to_json(), indent=2))


@app.command()
def export(
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: stdout)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="nquads or trig")] = "nquads",
    include_drafts: Annotated[bool, typer.Option(help="Also export draft versions")] = False,
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
) -> None:
    """Export the registry as a dataset (one named graph per artifact version + the catalog)."""
    import pyoxigraph as ox

    formats = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
    if fmt not in formats:
        _fail("--format is nquads or trig")
    with _local_registry(store, base_iri, read_only=True) as services:
        graphs = sorted(services.catalog.referenced_graphs()) if include_drafts else services.catalog.public_graphs()
        if output:
            with output.open("wb") as out:
                services.store.dump(out, formats[fmt], graphs)
        else:
            services.store.dump(sys.stdout.buffer, formats[fmt], graphs)
            sys.stdout.buffer.flush()


@app.command()
def rebase(
    to: Annotated[str, typer.Option("--to", help="The new base IRI, e.g. https://registry.example.org/")],
    store: StoreOpt = None,
) -> None:
    """Move the store to another base IRI: every graph name and IRI under the old base, in one
    update (all or nothing). Stop the server first; see docs/deployment.md."""
    from registry.baseiri import rebase as move
    from registry.store import open_store

    settings = _settings(store, None)
    opened = open_store(settings)
    try:
        outcome = move(opened, settings, to)
    except RegistryError as exc:
        _fail(exc.detail)
    finally:
        opened.close()
    typer.echo(json.dumps(outcome, indent=2))


def _install_extensions() -> None:
    """Commands that live with their feature (e.g. `validate` in registry.validation.cli)."""
    from registry.features import CLI_FEATURES, feature_modules

    for module in feature_modules(CLI_FEATURES):
        module.install(app)


_install_extensions()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
