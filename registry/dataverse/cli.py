"""`registry dataverse ...`: Dataverse metadata blocks from and to profiles (issue 13).

* `check-block FILE.tsv [--properties FILE]...`: the checks of `registry.dataverse.check`; exit 0
  when the block has no error (warnings are printed), 1 when it has errors, 2 on a usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

dataverse_app = typer.Typer(help="Dataverse metadata blocks: check, export a profile, import a block.",
                            no_args_is_help=True)

PropertiesOpt = Annotated[Optional[list[Path]], typer.Option(
    "--properties", help="A .properties bundle of the block (repeatable; language from the file name)")]


@dataverse_app.command("check-block")
def check_block_command(
    tsv: Annotated[Path, typer.Argument(help="The block TSV, as loaded by /api/admin/datasetfield/load")],
    properties: PropertiesOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Problems as a JSON array")] = False,
) -> None:
    """Check a metadata block as Dataverse's loader and its guide would; every problem with its line
    and column."""
    from registry.dataverse.check import check_files, errors

    for path in [tsv, *(properties or [])]:
        if not path.is_file():
            typer.echo(f"error: {path}: no such file", err=True)
            raise typer.Exit(2)
    block, problems = check_files(tsv, properties or [])
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            typer.echo(str(problem), err=problem.severity == "error")
        found = errors(problems)
        summary = (f"{tsv.name}: block {block.name!r}, {len(block.fields)} fields, {len(block.values)} "
                   f"controlled values: " if block else f"{tsv.name}: ")
        typer.echo(summary + (f"{len(found)} error(s)" if found else "passes") +
                   f", {len(problems) - len(found)} warning(s)")
    raise typer.Exit(1 if errors(problems) else 0)


StoreOpt = Annotated[Optional[str], typer.Option("--store", help="Store directory (default: $REGISTRY_STORE or ./registry-data)")]
BaseOpt = Annotated[Optional[str], typer.Option("--base-iri", help="Base of minted IRIs (default: $REGISTRY_BASE_IRI)")]
UrlOpt = Annotated[Optional[str], typer.Option("--url", help="A running registry's URL: download the files it exports")]


def _split_ref(reference: str) -> tuple[str, str | None]:
    pid, _, version = reference.partition("@")
    return pid, version or None


@dataverse_app.command("export-block")
def export_block_command(
    profile: Annotated[str, typer.Argument(help="PROFILE or PROFILE@VERSION (default: the latest published)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to write the files into")],
    store: StoreOpt = None,
    base_iri: BaseOpt = None,
    url: UrlOpt = None,
) -> None:
    """Write DIR/<block>.tsv, <block>.properties, <block>_fr.properties, cvoc.json and report.txt."""
    pid, version = _split_ref(profile)
    if url:
        written = _download_block(url, pid, version, output)
    else:
        from registry.cli import _local_registry
        from registry.dataverse.export import export_block

        with _local_registry(store, base_iri, read_only=True) as services:  # exporting reads only
            written = export_block(services, pid, version).write(output)
    for path in written:
        typer.echo(str(path))


def _download_block(url: str, pid: str, version: str | None, output: Path) -> list[Path]:
    import httpx

    from registry.dataverse.export import FILES

    base = url.rstrip("/")
    with httpx.Client(timeout=60.0) as client:
        if version is None:
            response = client.get(f"{base}/profiles/{pid}/versions")
            _http_ok(response)
            from registry.ids import SemVer

            version = max((v["version"] for v in response.json() if v.get("status") == "published"),
                          key=SemVer, default=None)
            if version is None:
                typer.echo(f"error: no published version of {pid}", err=True)
                raise typer.Exit(1)
        files = {}
        for generic in FILES:
            response = client.get(f"{base}/profiles/{pid}/versions/{version}/dataverse/{generic}")
            _http_ok(response)
            disposition = response.headers.get("content-disposition", "")
            name = disposition.split("filename=")[-1].strip('"') if "filename=" in disposition else generic
            files[Path(name).name] = response.content
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        (output / name).write_bytes(content)
        written.append(output / name)
    return written


def _http_ok(response) -> None:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text[:500]
        typer.echo(f"error {response.status_code}: {detail}", err=True)
        raise typer.Exit(1 if response.status_code in (404, 409, 422) else 2)


@dataverse_app.command("import-block")
def import_block_command(
    tsv: Annotated[Path, typer.Argument(help="The block TSV")],
    community: Annotated[str, typer.Option("--community", help="Community id of the profile (created by load if new)")],
    namespace: Annotated[str, typer.Option("--namespace", help="The community's namespace IRI (ends in / or #)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory of the `registry load` folder to write")],
    properties: PropertiesOpt = None,
    version: Annotated[str, typer.Option("--version", help="Version of the profile and its vocabularies")] = "1.0.0",
    draft: Annotated[bool, typer.Option("--draft", help="Mark the profile and vocabularies as drafts")] = False,
) -> None:
    """Write a `registry load` folder: a profile expressing every field of the block and one SKOS
    vocabulary per controlled-vocabulary field (docs/dataverse.md, "Import")."""
    from registry.dataverse.block import BlockFormatError, load_block_text, read_block
    from registry.dataverse.importer import import_block, write_import
    from registry.errors import RegistryError

    for path in [tsv, *(properties or [])]:
        if not path.is_file():
            typer.echo(f"error: {path}: no such file", err=True)
            raise typer.Exit(2)
    try:
        text = load_block_text(read_block(tsv), properties or [])
        files = import_block(text, community=community, namespace=namespace, version=version,
                             status="draft" if draft else "published")
        written = write_import(files, output)
    except BlockFormatError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None  # the problems are printed
    except RegistryError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1 if error.status in (409, 422) else 2) from None  # the error is printed
    for path in written:
        typer.echo(str(path))


def install(app: typer.Typer) -> None:
    app.add_typer(dataverse_app, name="dataverse")
