"""`registry diff profile ID A B` and `registry diff vocabulary ID A B` (issue 17).

Local mode reads the store (`--store`, never writes to it); `--url` asks a running registry
(`GET /profiles/{id}/diff?from=A&to=B`). Output: `text` (default, one line per change), `json`
(the API's JSON view) or `turtle` (the change set). Exit code: 0 when the version number of B is
enough for the changes (semantic versioning), 1 when it is lower than they require, 2 on errors.
"""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from registry.errors import RegistryError

diff_app = typer.Typer(help="What changed between two versions (classified: breaking, compatible, editorial).",
                       no_args_is_help=True)

OutputOpt = Annotated[str, typer.Option("--format", help="text, json or turtle")]
UrlOpt = Annotated[Optional[str], typer.Option("--url", help="A running registry (default: the local store)")]
StoreOpt = Annotated[Optional[str], typer.Option("--store", help="Store directory (local mode)")]
BaseOpt = Annotated[Optional[str], typer.Option("--base-iri", help="Base of minted IRIs (local mode)")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _text(view: dict) -> str:
    lines = [
        f"{view['kind']} {view['id']}: {view['from']['version']} -> {view['to']['version']}: "
        + ", ".join(f"{n} {c}" for c, n in view["summary"].items())
        + f"; requires a {view['required_increment'] or 'no'} increment, "
        + f"got {view['actual_increment'] or 'none'}"
        + ("" if view["version_number_honest"] else " (LOWER THAN REQUIRED)")
    ]
    for c in view["changes"]:
        where = " ".join(x for x in (c.get("path") or "", f"[{c['subject']}]" if c.get("subject") else "") if x)
        what = c["kind"] + (f" {c['aspect']}" if c.get("aspect") else "") + (f"@{c['language']}" if c.get("language") else "")
        values = ""
        if c.get("added") or c.get("removed"):
            values = ": " + " ".join([f"+{v}" for v in c.get("added", [])] + [f"-{v}" for v in c.get("removed", [])])
        elif c.get("before") is not None or c.get("after") is not None:
            values = f": {_short(c.get('before'))} -> {_short(c.get('after'))}"
        lines.append(f"  [{c['classification']}] {what} {where}{values} ({c['rule']})")
    return "\n".join(lines)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


def _local(kind: str, sid: str, older: str, newer: str, output: str, store: str | None, base_iri: str | None):
    from registry.config import Settings
    from registry.evolution.changeset import change_set_iri, change_set_triples
    from registry.evolution.service import EvolutionService
    from registry.rdf import serialize
    from registry.services import Registry

    values = {k: v for k, v in {"store": store, "base_iri": base_iri}.items() if v is not None}
    registry = Registry.build(Settings(load_bundled=False, **values))
    try:
        service = EvolutionService(registry)
        diff = service.profile_diff(sid, older, newer) if kind == "profile" else service.vocabulary_diff(sid, older, newer)
        if output == "turtle":
            import pyoxigraph as ox

            from registry.evolution.changeset import PREFIXES

            triples = change_set_triples(diff, change_set_iri(diff, registry.iris.base))
            return None, serialize(triples, ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode()
        return diff.to_json(), None
    finally:
        registry.close()


def _remote(kind: str, sid: str, older: str, newer: str, output: str, url: str):
    import httpx

    plural = "profiles" if kind == "profile" else "vocabularies"
    accept = "text/turtle" if output == "turtle" else "application/json"
    response = httpx.get(f"{url.rstrip('/')}/{plural}/{sid}/diff", params={"from": older, "to": newer},
                         headers={"Accept": accept}, timeout=600)
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text
        _fail(f"{response.status_code}: {detail}")
    return (None, response.text) if output == "turtle" else (response.json(), None)


def _command(kind: str):
    def command(
        sid: Annotated[str, typer.Argument(metavar="ID", help="The profile or vocabulary id")],
        older: Annotated[str, typer.Argument(metavar="A", help="The older version")],
        newer: Annotated[str, typer.Argument(metavar="B", help="The newer version")],
        output: OutputOpt = "text",
        url: UrlOpt = None,
        store: StoreOpt = None,
        base_iri: BaseOpt = None,
    ) -> None:
        if output not in ("text", "json", "turtle"):
            _fail("--format is text, json or turtle")
        try:
            if url:
                view, ttl = _remote(kind, sid, older, newer, output, url)
            else:
                view, ttl = _local(kind, sid, older, newer, output, store, base_iri)
        except RegistryError as exc:
            _fail(exc.detail)
        if ttl is not None:
            typer.echo(ttl)
            raise typer.Exit(0)
        typer.echo(json.dumps(view, indent=2, ensure_ascii=False) if output == "json" else _text(view))
        raise typer.Exit(0 if view["version_number_honest"] else 1)

    command.__doc__ = f"What changed from {kind} version A to B, each change classified; exit 1 if B's number is too low."
    return command


diff_app.command("profile")(_command("profile"))
diff_app.command("vocabulary")(_command("vocabulary"))


def install(typer_app: typer.Typer) -> None:
    typer_app.add_typer(diff_app, name="diff")
