"""The base IRI a store was created under, pinned in the store itself (issue 12, item 2).

Every IRI the registry mints, graph names included, starts with the base (`IriScheme`). Opening a
store under another base made its catalog graph look like an orphan: `registry community list`
with the default base dropped the catalog of a store served on port 50999, and the next
`registry serve` refused to start. So:

* the base is recorded in the system graph when a store is created
  (`<urn:registry:store> reg:baseIri <base>`), on the embedded and the remote store alike;
* a store created before this record existed gets it from its catalog graph's name;
* a command, or the server, given another base explicitly (`--base-iri`, `REGISTRY_BASE_IRI`) is
  refused with both IRIs named; without one, it adopts the store's base;
* `registry rebase --to IRI` (`rebase`) is the only way to move a store: one SPARQL update that
  renames every graph and rewrites every IRI under the old base, so it happens whole or not at all.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from registry.errors import RegistryError
from registry.namespaces import REG, SYSTEM_GRAPH

STORE_SUBJECT = "urn:registry:store"
BASE_PREDICATE = str(REG.baseIri)
_CATALOG_GRAPH = re.compile(r"^(https?://.+/)catalog$")


class BaseIriMismatch(RegistryError):
    status = 409
    code = "base-iri-mismatch"
    title = "The store was created under another base IRI"


def recorded_base(store) -> str | None:
    """The base recorded in the store's system graph, if any."""
    rows = store.select(
        "SELECT ?b WHERE { $s $p ?b } LIMIT 2",
        bindings={"s": ox.NamedNode(STORE_SUBJECT), "p": ox.NamedNode(BASE_PREDICATE)},
        default_graph=[SYSTEM_GRAPH],
    )
    return rows[0]["b"].value if rows else None


def inferred_base(store) -> str | None:
    """The base of a store created before the base was recorded: its catalog graph's name."""
    bases = {m.group(1) for g in store.graph_names() if (m := _CATALOG_GRAPH.match(g))}
    if len(bases) > 1:
        raise BaseIriMismatch(
            "the store holds catalogs under several base IRIs (" + ", ".join(sorted(bases)) + "); "
            "it cannot be opened safely", bases=sorted(bases),
        )
    return bases.pop() if bases else None


def _record(store, base: str) -> None:
    with store.writing():
        store.commit(insert=[ox.Quad(ox.NamedNode(STORE_SUBJECT), ox.NamedNode(BASE_PREDICATE), ox.NamedNode(base),
                                     ox.NamedNode(SYSTEM_GRAPH))])


def pin_base_iri(store, settings, *, read_only: bool = False) -> str:
    """Check (and on a new store record) the base IRI; return the base to use.

    `settings.base_iri` counts as chosen when it was given (argument or `REGISTRY_BASE_IRI`);
    otherwise the store's own base is adopted and written back into `settings`. `read_only`
    commands never write, not even the record of a legacy store's base.
    """
    explicit = "base_iri" in settings.model_fields_set
    wanted = settings.base_iri
    recorded = recorded_base(store)
    current = recorded or inferred_base(store)
    if current is None:  # a new store: the base chosen now is the store's for good
        if not read_only:
            _record(store, wanted)
        return wanted
    if explicit and current != wanted:
        raise BaseIriMismatch(
            f"the store {settings.store} was created under the base IRI {current} and cannot be opened under "
            f"{wanted}: every IRI and graph name in it starts with {current}. Run without --base-iri / "
            f"REGISTRY_BASE_IRI to use {current}, or move the store with `registry rebase --to {wanted}` "
            "(see docs/deployment.md)",
            store_base=current, requested_base=wanted,
        )
    if recorded is None and not read_only:
        _record(store, current)
    settings.base_iri = current
    return current


RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"

_REBASE = """
DELETE { GRAPH ?g { ?s ?p ?o } }
INSERT { GRAPH ?g2 { ?s2 ?p2 ?o2 } }
WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), $old) || (isIRI(?s) && STRSTARTS(STR(?s), $old))
         || STRSTARTS(STR(?p), $old) || (isIRI(?o) && STRSTARTS(STR(?o), $old)))
  BIND(IF(STRSTARTS(STR(?g), $old), IRI(CONCAT($new, STRAFTER(STR(?g), $old))), ?g) AS ?g2)
  BIND(IF(isIRI(?s) && STRSTARTS(STR(?s), $old), IRI(CONCAT($new, STRAFTER(STR(?s), $old))), ?s) AS ?s2)
  BIND(IF(STRSTARTS(STR(?p), $old), IRI(CONCAT($new, STRAFTER(STR(?p), $old))), ?p) AS ?p2)
  BIND(IF(isIRI(?o) && STRSTARTS(STR(?o), $old), IRI(CONCAT($new, STRAFTER(STR(?o), $old))), ?o) AS ?o2)
}
"""


def rebase(store, settings, new_base: str) -> dict:
    """Move every graph name and IRI under the store's base to `new_base`, in one SPARQL update
    (SPARQL 1.1 Update §3.1.3 DELETE/INSERT: one request, applied whole or not at all)."""
    from registry.config import normalise_base_iri

    try:
        new_base = normalise_base_iri(new_base)  # the same rule as the setting
    except ValueError as exc:
        raise BaseIriMismatch(f"--to {new_base!r}: {exc}", code="invalid-base-iri") from None
    old = recorded_base(store) or inferred_base(store)
    if old is None:
        raise BaseIriMismatch("the store is empty: nothing to move (its base is chosen when it is created)")
    if old == new_base:
        return {"from": old, "to": new_base, "graphs": 0, "moved": False}
    with store.writing():
        taken = sorted(g for g in store.graph_names()
                       if g.startswith(new_base) and not g.startswith(old) and store.count(g) > 0)
        if taken:
            raise BaseIriMismatch(f"the store already has graphs under {new_base} ({taken[0]}…): refusing to merge")
        moving = sorted(g for g in store.graph_names() if g.startswith(old))
        # IRIs written inside JSON literals (rdf:JSON: the profile models kept by
        # registry.evolution, JSON-LD contexts) move too; rewritten first, under their old subjects
        json_rows = store.select(
            "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isLiteral(?o) && DATATYPE(?o) = $json "
            "&& CONTAINS(STR(?o), $old)) } }",
            bindings={"json": ox.NamedNode(RDF_JSON), "old": ox.Literal(old)},
        )
        json_ops = "".join(
            f"DELETE DATA {{ GRAPH $jg{i} {{ $js{i} $jp{i} $jo{i} }} }} ;\n"
            f"INSERT DATA {{ GRAPH $jg{i} {{ $js{i} $jp{i} $jn{i} }} }} ;\n"
            for i in range(len(json_rows))
        )
        json_terms: dict[str, ox.NamedNode | ox.Literal] = {}
        for i, row in enumerate(json_rows):
            json_terms.update({
                f"jg{i}": row["g"], f"js{i}": row["s"], f"jp{i}": row["p"], f"jo{i}": row["o"],
                f"jn{i}": ox.Literal(row["o"].value.replace(old, new_base), datatype=ox.NamedNode(RDF_JSON)),
            })
        # Oxigraph keeps a named graph once its triples are gone: the old names are dropped too
        drops = "".join(f";\nDROP SILENT GRAPH $graph{i}" for i in range(len(moving)))
        update = (
            json_ops + "DELETE WHERE { GRAPH $system { $store $pin ?b } } ;\n" + _REBASE + drops
            + ";\nINSERT DATA { GRAPH $system { $store $pin $newiri } }"
        )
        store.update(store.bind(update, {
            "old": ox.Literal(old), "new": ox.Literal(new_base), "newiri": ox.NamedNode(new_base),
            "system": ox.NamedNode(SYSTEM_GRAPH), "store": ox.NamedNode(STORE_SUBJECT),
            "pin": ox.NamedNode(BASE_PREDICATE),
            **{f"graph{i}": ox.NamedNode(g) for i, g in enumerate(moving)},
            **json_terms,
        }))
        graphs = len(moving)
    store.flush()
    return {"from": old, "to": new_base, "graphs": graphs, "moved": True}
