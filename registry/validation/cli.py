"""`registry validate FILE... --profile ID[@VERSION]`: check records before depositing them.

Against a running registry (`--url`, each file POSTed to `/validate`) or the local store
(`--store`, validation in this process). Exit code: 0 every record conforms (no sh:Violation),
1 at least one record has violations, 2 usage or input error (unreadable file, malformed record,
unknown profile...). `--format json|text|turtle` chooses the output; a progress bar is shown on a
terminal when there are several files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from registry.conneg import GRAPH_EXTENSION_NAMES, RDF_SYNTAXES
from registry.errors import RegistryError

BATCH_EXTENSIONS = {"nq": "nquads", "trig": "trig", "ndjson": "ndjson", "jsonl": "ndjson", "zip": "zip"}
RECORD_EXTENSIONS = GRAPH_EXTENSION_NAMES | {"json": "json"}
MEDIA = {syntax.name: syntax.media_type for syntax in RDF_SYNTAXES} | {
    "json": "application/json", "ndjson": "application/x-ndjson", "zip": "application/zip"}


class _InputError(Exception):
    pass


def _file_format(path: Path, forced: str | None) -> str:
    if forced:
        return forced
    ext = path.name.rsplit(".", 1)[-1].lower() if "." in path.name else ""
    fmt = RECORD_EXTENSIONS.get(ext) or BATCH_EXTENSIONS.get(ext)
    if fmt is None:
        raise _InputError(f"{path}: cannot tell the syntax from the extension; give --record-format")
    return fmt


def _ttl_has_violation(ttl: str) -> bool:
    """Whether a SHACL report in Turtle has a result of severity `sh:Violation` (SHACL §3.6.2).

    Not its `sh:conforms`: that is SHACL's reading (false for a warning too, §3.4), while the exit
    code follows the registry's (docs/validation.md)."""
    import pyoxigraph as ox

    severity = ox.NamedNode("http://www.w3.org/ns/shacl#resultSeverity")
    violation = ox.NamedNode("http://www.w3.org/ns/shacl#Violation")
    return any(q.predicate == severity and q.object == violation for q in ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE))


def _text(view: dict, name: str) -> str:
    counts = view.get("counts", {})
    state = "conforms" if view.get("conforms") else "does NOT conform"
    lines = [f"{name}: {state} ({counts.get('violation', 0)} violation(s), {counts.get('warning', 0)} warning(s), "
             f"{counts.get('info', 0)} info)"]
    for r in view.get("results", []):
        where = r.get("field") or r.get("path") or ""
        value = f" = {r['value']}" if r.get("value") else ""
        source = r.get("source") or {}
        pointer = source.get("pointer") or r.get("pointer")
        place = f"at {pointer}" if pointer else f"on {r['focus_node']}"
        if source.get("title") and source.get("title") != where:
            where = f"{where} [{source['title']}]" if where else source["title"]
        lines.append(f"  [{r['severity']}] {where}{value} ({place}): {r.get('message') or ''}")
    return "\n".join(lines)


class _Local:
    def __init__(self, store, base_iri):
        from registry.config import Settings
        from registry.services import Registry
        from registry.validation.service import InProcessExecutor, ValidationService

        values = {k: v for k, v in {"store": store, "base_iri": base_iri}.items() if v is not None}
        self.settings = Settings(load_bundled=False, **values)
        self.registry = Registry.build(self.settings, read_only=True)  # validating never writes
        self.service = ValidationService(self.registry, executor=InProcessExecutor())

    def close(self):
        self.service.close()
        self.registry.close()

    def run(self, data: bytes, fmt: str, pid, version, shapes: Path | None, lang: str, turtle: bool):
        """→ list of (name, json view | None, turtle text | None, error | None)."""
        import pyoxigraph as ox

        from registry.rdf import format_for_filename
        from registry.validation.coverage import in_language
        from registry.validation.records import BATCH_FORMATS, parse_batch, read_record
        from registry.validation.report import json_view, report_triples

        bundle = self.service.profile_bundle(pid, version) if pid else None
        if shapes is not None:
            bundle = self.service.draft_bundle(shapes.read_bytes(), format_for_filename(shapes.name), bundle)
        if bundle is None:
            raise _InputError("give --profile ID[@VERSION] or --shapes FILE")
        s = self.settings
        if fmt in BATCH_FORMATS.values():
            records = parse_batch(data, fmt, context=bundle.context, max_triples=s.max_triples_per_record,
                                  max_records=s.max_records_per_batch, max_bytes=s.max_body_bytes,
                                  dataverse=self.service.dataverse_mapping(bundle), max_depth=s.max_nesting_depth).records
            items = [(r.name, r) for r in records]
        else:
            items = [(None, read_record(data, fmt, context=bundle.context, max_triples=s.max_triples_per_record,
                                        dataverse=self.service.dataverse_mapping(bundle), max_depth=s.max_nesting_depth))]
        out = []
        for name, record in items:
            try:
                outcome = self.service.validate(bundle, record.triples, want_rdf=turtle, notes=record.notes)
            except RegistryError as exc:
                out.append((name, None, None, in_language(exc, lang).detail))
                continue
            ttl = ox.serialize(report_triples(outcome), format=ox.RdfFormat.TURTLE).decode() if turtle else None
            out.append((name, json_view(outcome, lang), ttl, None))
        return out


def _remote(url: str, data: bytes, fmt: str, pid, version, shapes: Path | None, lang: str, turtle: bool):
    import httpx

    params = {k: v for k, v in {"profile": pid, "version": version, "format": fmt, "lang": lang}.items() if v}
    headers = {"Accept": "text/turtle" if turtle and fmt not in BATCH_EXTENSIONS.values() else "application/json"}
    if shapes is not None:
        files = {"record": ("record", data, MEDIA[fmt]), "shapes": (shapes.name, shapes.read_bytes(), "text/turtle")}
        response = httpx.post(f"{url.rstrip('/')}/validate", params=params, files=files, headers=headers, timeout=600)
    else:
        response = httpx.post(f"{url.rstrip('/')}/validate", params=params, content=data,
                              headers={**headers, "Content-Type": MEDIA[fmt]}, timeout=600)
    if response.status_code >= 400:
        try:
            problem = response.json()
        except ValueError:
            problem = {"detail": response.text}
        raise _InputError(f"{response.status_code}: {problem.get('detail')}")
    if response.headers.get("content-type", "").startswith("application/x-ndjson"):
        out = []
        for line in response.text.splitlines():
            item = json.loads(line)
            if "summary" in item:
                continue
            if "error" in item:
                out.append((item["record"], None, None, item["error"].get("detail")))
            else:
                out.append((item["record"], item, None, None))
        return out
    if turtle:
        return [(None, None, response.text, None)]
    return [(None, response.json(), None, None)]


def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Record files (.ttl .nt .rdf .jsonld .json) or batches (.nq .trig .ndjson .zip)")],
    profile: Annotated[Optional[str], typer.Option("--profile", "-p", help="Profile id, optionally @version")] = None,
    shapes: Annotated[Optional[Path], typer.Option(help="Draft shapes (Turtle) to try before publishing")] = None,
    output: Annotated[str, typer.Option("--format", help="json, text or turtle")] = "text",
    record_format: Annotated[Optional[str], typer.Option(help="Syntax of the files (default: from the extension)")] = None,
    lang: Annotated[str, typer.Option(help="Language of the messages (fr, en)")] = "en",
    url: Annotated[Optional[str], typer.Option("--url", help="A running registry (default: the local store)")] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="Store directory (local mode)")] = None,
    base_iri: Annotated[Optional[str], typer.Option("--base-iri", help="Base of minted IRIs (local mode)")] = None,
) -> None:
    """Validate records against a profile (or draft shapes); exit 0 conforms, 1 violations, 2 errors."""
    if output not in ("json", "text", "turtle"):
        typer.echo("error: --format is json, text or turtle", err=True)
        raise typer.Exit(2)
    if not profile and shapes is None:
        typer.echo("error: give --profile ID[@VERSION] (or --shapes FILE)", err=True)
        raise typer.Exit(2)
    pid, _, version = (profile or "").partition("@")
    pid, version = pid or None, version or None
    turtle = output == "turtle"
    local = None
    worst = 0
    collected: list[dict] = []
    try:
        if not url:
            try:
                local = _Local(store, base_iri)
            except RegistryError as exc:
                typer.echo(f"error: {exc.detail}", err=True)
                raise typer.Exit(2) from None  # the error is printed
        progress = None
        if len(files) > 1 and sys.stderr.isatty():
            from rich.progress import Progress

            progress = Progress(transient=True)
            progress.start()
            task = progress.add_task("validating", total=len(files))
        for path in files:
            try:
                fmt = _file_format(path, record_format)
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise _InputError(f"{path}: {exc.strerror or exc}") from None
                if local is not None:
                    items = local.run(data, fmt, pid, version, shapes, lang, turtle)
                else:
                    items = _remote(url, data, fmt, pid, version, shapes, lang, turtle)
            except (_InputError, RegistryError) as exc:
                detail = exc.detail if isinstance(exc, RegistryError) else str(exc)
                typer.echo(f"error: {path}: {detail}", err=True)
                worst = 2
                items = []
            for name, view, ttl, error in items:
                label = f"{path}#{name}" if name else str(path)
                if error is not None:
                    typer.echo(f"error: {label}: {error}", err=True)
                    worst = 2
                    continue
                if view is not None and not view.get("conforms") and worst < 1:
                    worst = 1
                if ttl is not None and view is None and worst < 1 and _ttl_has_violation(ttl):
                    worst = 1
                if output == "json":
                    collected.append({"file": label, **(view or {})})
                elif output == "text":
                    typer.echo(_text(view, label))
                else:
                    if ttl is None and view is not None:
                        typer.echo(f"# {label}: conforms={view['conforms']} (RDF report not available for batch items over HTTP)")
                    else:
                        typer.echo(f"# {label}\n{ttl}")
            if progress is not None:
                progress.update(task, advance=1, description=str(path.name))
        if progress is not None:
            progress.stop()
        if output == "json":
            typer.echo(json.dumps(collected[0] if len(collected) == 1 else collected, indent=2, ensure_ascii=False))
    finally:
        if local is not None:
            local.close()
    raise typer.Exit(worst)


def install(typer_app: typer.Typer) -> None:
    typer_app.command("validate")(validate_command)
