"""`registry diff profile ID A B` and `registry diff vocabulary ID A B` (issue 17).

Local mode reads the store (`--store`, never writes to it); `--url` asks a running registry
(`GET /profiles/{id}/diff?from=A&to=B`). Output: `text` (default, one line per change), `json`
(the API's JSON view) or `turtle` (the change set). Exit code: 0 when the version number of B is
enough for the changes (semantic versioning), 1 when it is lower than they require, 2 on errors.

`--records DIR` (profiles, local store) validates every record file of DIR (.ttl .nt .rdf .jsonld
.json, recursively) against A and B and says which change status: "unchanged", "stops conforming"
(with B's violations) or "now conforms"; a record that stops conforming under a B that is not a
new major version also makes the exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
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
    rank = {"breaking": 0, "compatible": 1, "editorial": 2}
    for c in sorted(view["changes"], key=lambda c: rank[c["classification"]]):  # breaking first
        where = " ".join(x for x in (c.get("path") or "", f"[{c['subject']}]" if c.get("subject") else "") if x)
        what = c["kind"] + (f" {c['aspect']}" if c.get("aspect") else "") + (f"@{c['language']}" if c.get("language") else "")
        values = ""
        if c.get("added") or c.get("removed"):
            values = ": " + " ".join([f"+{v}" for v in c.get("added", [])] + [f"-{v}" for v in c.get("removed", [])])
        elif c.get("before") is not None or c.get("after") is not None:
            values = f": {_short(c.get('before'))} -> {_short(c.get('after'))}"
        lines.append(f"  [{c['classification']}] {what} {where}{values} ({c['rule']})")
    if "records" in view:
        counts: dict[str, int] = {}
        for r in view["records"]:
            key = r.get("status", "error")
            counts[key] = counts.get(key, 0) + 1
        lines.append("records: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
        for r in view["records"]:
            if r.get("status", "error") == "unchanged":
                continue
            lines.append(f"  {r['file']}: {r.get('status') or 'error: ' + str(r.get('error'))}")
            for res in r.get("results", []):
                lines.append(f"    [{res['severity']}] {res.get('field') or res.get('path')}: {res.get('message') or ''}")
    return "\n".join(lines)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


def records_impact(local, pid: str, older: str, newer: str, folder: Path) -> list[dict]:
    """Each record file of `folder` validated against both profile versions (issue 17, item 5):
    its conformance before and after, and the results of the newer version when it changed."""
    from registry.evolution.records import impact_entry
    from registry.validation.cli import RECORD_EXTENSIONS, _file_format, _InputError

    if not folder.is_dir():
        raise _UsageError(f"{folder} is not a folder")
    out = []
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lstrip(".").lower() in RECORD_EXTENSIONS
                   and not p.name.endswith(".expected.json"))  # examples/: expected results, not records
    if not files:
        raise _UsageError(f"{folder} holds no record file ({', '.join('.' + e for e in RECORD_EXTENSIONS)})")
    for path in files:
        item: dict = {"file": str(path)}
        try:
            fmt = _file_format(path, None)
            data = path.read_bytes()
            views = [local.run(data, fmt, pid, v, None, "en", False)[0] for v in (older, newer)]
        except (_InputError, RegistryError, OSError) as exc:
            item["error"] = getattr(exc, "detail", None) or str(exc)
            out.append(item)
            continue
        item.update(impact_entry([(view, error) for _, view, _, error in views]))
        out.append(item)
    return out


class _UsageError(Exception):
    pass


def _local(kind: str, sid: str, older: str, newer: str, output: str, store: str | None, base_iri: str | None,
           records: Path | None = None):
    from registry.evolution.changeset import change_set_iri, change_set_triples
    from registry.evolution.service import EvolutionService
    from registry.rdf import serialize
    from registry.validation.cli import _Local

    local = _Local(store, base_iri)
    registry = local.registry
    try:
        service = EvolutionService(registry)
        diff = service.profile_diff(sid, older, newer) if kind == "profile" else service.vocabulary_diff(sid, older, newer)
        impact = records_impact(local, sid, diff.older.version, diff.newer.version, records) if records else None
        if output == "turtle":
            import pyoxigraph as ox

            from registry.evolution.changeset import PREFIXES

            triples = change_set_triples(diff, change_set_iri(diff, registry.iris.base))
            return None, serialize(triples, ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode()
        view = diff.to_json()
        if impact is not None:
            view["records"] = impact
        return view, None
    finally:
        local.close()


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
        records: Annotated[Optional[Path], typer.Option(
            "--records", help="A folder of records: each is validated against A and B (profiles, local store)")] = None,
    ) -> None:
        if output not in ("text", "json", "turtle"):
            _fail("--format is text, json or turtle")
        if records is not None and (kind != "profile" or url or output == "turtle"):
            _fail("--records works on profiles, with the local store, in text or json")
        try:
            if url:
                view, ttl = _remote(kind, sid, older, newer, output, url)
            else:
                view, ttl = _local(kind, sid, older, newer, output, store, base_iri, records)
        except RegistryError as exc:
            _fail(exc.detail)
        except _UsageError as exc:
            _fail(str(exc))
        if ttl is not None:
            typer.echo(ttl)
            raise typer.Exit(0)
        typer.echo(json.dumps(view, indent=2, ensure_ascii=False) if output == "json" else _text(view))
        broken = [r for r in view.get("records", []) if r.get("status") == "stops conforming"]
        # a record that stops conforming is a breaking change: only a major version may do that
        honest = view["version_number_honest"] and not (broken and view["actual_increment"] != "major")
        raise typer.Exit(0 if honest else 1)

    command.__doc__ = f"What changed from {kind} version A to B, each change classified; exit 1 if B's number is too low."
    return command


diff_app.command("profile")(_command("profile"))
diff_app.command("vocabulary")(_command("vocabulary"))


def install(typer_app: typer.Typer) -> None:
    typer_app.add_typer(diff_app, name="diff")
