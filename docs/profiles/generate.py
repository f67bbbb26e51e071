"""Regenerate the generated sections of docs/profiles/<profile>.md from the bundled content.

    python docs/profiles/generate.py            # rewrite every docs/profiles/<profile>.md
    python docs/profiles/generate.py --check    # exit 1 if a page is not what the content gives

Everything above the line `<!-- generated below: python docs/profiles/generate.py -->` is written
by hand (what the profile is, its design); everything below is generated from the latest version of
the profile (shapes, JSON-LD context) and from the examples of every version, so that the tables
cannot drift from what the registry validates. tests/content/test_sources.py runs `--check`.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import tomllib

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = "<!-- generated below: python docs/profiles/generate.py -->"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
LEVEL = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


def _semver(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def versions(pid: str) -> list[str]:
    return sorted((os.path.basename(os.path.dirname(p)) for p in glob.glob(f"{ROOT}/shapes/{pid}/*/shapes.ttl")), key=_semver)


def _lang(g: rdflib.Graph, s, p, lang: str) -> str:
    for o in g.objects(s, p):
        if getattr(o, "language", None) == lang:
            return str(o).replace("|", "\\|").replace("\n", " ")
    return ""


def _curie(g: rdflib.Graph, term) -> str:
    if isinstance(term, rdflib.URIRef):
        try:
            return g.namespace_manager.normalizeUri(term)
        except Exception:  # noqa: BLE001 - an IRI without a bound prefix is shown whole
            return f"<{term}>"
    if isinstance(term, rdflib.BNode):
        alternatives = g.value(term, SH.alternativePath)
        if alternatives is not None:
            return " \\| ".join(_curie(g, x) for x in Collection(g, alternatives))
        if (term, RDF.first, None) in g:
            return " / ".join(_curie(g, x) for x in Collection(g, term))
        inner = g.value(term, SH.zeroOrMorePath)
        if inner is not None:
            return f"{_curie(g, inner)}*"
    return str(term)


def _json_keys(context: dict) -> dict[str, str]:
    prefixes = {k: v for k, v in context.items() if isinstance(v, str)}
    out = {}
    for key, value in context.items():
        iri = value.get("@id") if isinstance(value, dict) else None
        if isinstance(iri, str) and ":" in iri and not key.startswith("@"):
            prefix, _, local = iri.partition(":")
            out.setdefault(prefixes.get(prefix, prefix + ":") + local, key)
    return out


def _value(g: rdflib.Graph, ps) -> str:
    ors = g.value(ps, SH["or"])
    if ors is not None:
        return '{"value": number, "unit": QUDT unit code}'
    node = g.value(ps, SH.node)
    if node is not None:
        scheme = next((g.value(p, SH.hasValue) for p in g.objects(node, SH.property) if g.value(p, SH.path) == SKOS.inScheme), None)
        if scheme is not None:
            return f"concept code(s) of `{str(scheme).rsplit('/', 1)[1]}`"
    datatype = g.value(ps, SH.datatype)
    if datatype is not None:
        return _curie(g, datatype)
    if g.value(ps, SH.minCount) is not None and len(set(g.predicates(ps))) <= 8:
        return "(presence)"
    return ""


def fields(pid: str, version: str) -> str:
    g = rdflib.Graph().parse(f"{ROOT}/shapes/{pid}/{version}/shapes.ttl", format="turtle")
    ctx_path = f"{ROOT}/shapes/{pid}/{version}/context.jsonld"
    keys = _json_keys(json.load(open(ctx_path, encoding="utf-8"))["@context"]) if os.path.exists(ctx_path) else {}
    out = []
    owners = sorted((s for s in g.subjects(RDF.type, SH.NodeShape) if (s, SH.targetClass, None) in g or any(
        p in (SH.targetObjectsOf, SH.targetSubjectsOf) for p in g.predicates(s))), key=str)
    for owner in owners:
        props = sorted(g.objects(owner, SH.property), key=str)
        if props:
            out.append(f"\n### {_lang(g, owner, RDFS.label, 'en') or _curie(g, owner)}\n")
            out.append("| JSON key | RDF path | level | shape | rule (en) | règle (fr) | value |")
            out.append("|---|---|---|---|---|---|---|")
            for ps in props:
                path = g.value(ps, SH.path)
                key = keys.get(str(path), "") if isinstance(path, rdflib.URIRef) else ""
                out.append(f"| {'`' + key + '`' if key else ''} | `{_curie(g, path)}` | {LEVEL.get(g.value(ps, SH.severity), '')} | "
                           f"`{_curie(g, ps)}` | {_lang(g, ps, SH.description, 'en')} | {_lang(g, ps, SH.description, 'fr')} | {_value(g, ps)} |")
        if g.value(owner, SH["or"]) is not None or g.value(owner, SH.message) is not None and not props:
            out.append(f"\n**{_lang(g, owner, RDFS.label, 'en')}** (`{_curie(g, owner)}`, {LEVEL.get(g.value(owner, SH.severity), '')}): "
                       f"{_lang(g, owner, RDFS.comment, 'en')} — *{_lang(g, owner, RDFS.comment, 'fr')}*")
    return "\n".join(out)


def examples(pid: str) -> str:
    rows = ["| version | example | format | conforms | what it shows |", "|---|---|---|---|---|"]
    for version in versions(pid):
        for exp in sorted(glob.glob(f"{ROOT}/examples/{pid}/{version}/*.expected.json")):
            stem = exp[: -len(".expected.json")]
            record = next((stem + e for e in (".ttl", ".jsonld") if os.path.exists(stem + e)), None)
            if record is None:
                continue
            with open(exp, encoding="utf-8") as fh:
                data = json.load(fh)
            rel = os.path.relpath(record, f"{ROOT}/docs/profiles")
            name = os.path.basename(stem)
            description = data.get("description", "").replace("|", "\\|")
            rows.append(f"| {version} | [`{name}`]({rel}) | {record.rsplit('.', 1)[1]} | {data['conforms']} | {description} |")
    return "\n".join(rows)


def generated(pid: str) -> str:
    latest = versions(pid)[-1]
    return (f"{MARK}\n\n## Versions\n\n"
            + "\n".join(f"* `{v}`: [`shapes/{pid}/{v}/shapes.ttl`](../../shapes/{pid}/{v}/shapes.ttl)" for v in versions(pid))
            + f"\n\n## Fields (version {latest})\n{fields(pid, latest)}\n\n## Examples\n\n"
            + "Each example is validated against the profile version of its folder (`examples/<profile>/<version>/`); "
            + "*conforms* is plain pyshacl's answer with Warnings and Infos allowed.\n\n"
            + examples(pid) + "\n")


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for manifest in sorted(glob.glob(f"{ROOT}/shapes/*/profile.toml")):
        with open(manifest, "rb") as fh:
            pid = tomllib.load(fh)["id"]
        page = f"{ROOT}/docs/profiles/{pid}.md"
        with open(page, encoding="utf-8") as fh:
            text = fh.read()
        if MARK not in text:
            stale.append(f"{page}: no '{MARK}' line")
            continue
        new = text.split(MARK, 1)[0] + generated(pid)
        if new != text:
            stale.append(page)
            if not check:
                with open(page, "w", encoding="utf-8") as fh:
                    fh.write(new)
    if check and stale:
        print("out of date:", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
