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


def install(app: typer.Typer) -> None:
    app.add_typer(dataverse_app, name="dataverse")
