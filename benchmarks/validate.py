"""Benchmark: per-record validation latency and batch throughput against vocabulary size.

For vocabularies of 10k, 100k and 1M triples (*synthetic*, generated here: one concept scheme,
concepts with fr/en prefLabels, an altLabel, a definition, a skos:broader tree of branching 10)
and for the real vocabularies of ../shared/data/vocabularies published together, the registry's
validation (real store on disk, real publication, `ValidationService`) is timed next to two
baselines, in the SAME run, on the same records and shapes:

* "plain pyshacl" = what a user would write: `pyshacl.validate(record_graph + vocabulary_graph,
  shacl_graph=shapes)` per record, i.e. the vocabulary (parsed once, not timed) copied into each
  record's data graph (timed), the shapes given as an rdflib graph (pyshacl compiles them each time);
* "in place" = a generous baseline: the vocabulary parsed once; each record added to it, validated,
  removed again (no copy).

Profile: 16 property shapes on dcat:Dataset (DCAT-like), 3 properties whose values must be
skos:Concepts in the vocabulary's scheme (sh:class + sh:node/skos:inScheme), one warning over
skos:broader*. Records: ~50 triples each, concepts picked at random.

Columns: p50 / p95 ms per record (single records, one after another: `ValidationService.validate`),
records/s of a 1,000-record batch (`ValidationService.validate_many`, what the HTTP batch path
uses: chunks of records per worker round trip); "in-process" runs pyshacl in this process,
"worker" through the registry's worker-process pool (1 worker: what one worker process sustains,
with the IPC hop and the killable time limit), baselines (a few records only at 1M triples);
ratios = baseline p50 / worker p50. The registry columns are medians over BENCH_ROUNDS rounds
(default 3), each round timing every vocabulary in turn, so that the machine's load (shared with
other jobs) falls on all sizes alike. The concept-subset cache is emptied before each round: the
single-record timings include its misses (leaf concepts are drawn at random from up to 143k
concepts, so most are misses at 1M).

Dataverse row (issue 14, item 6): at 1M vocabulary triples, a synthetic `dataverse_json` record
(create-JSON shape: title, 3 authors with affiliations, a contact, a description, 3 subjects drawn
from the 1M vocabulary, 10 keywords) goes the API's way — JSON parsed, recognised, lifted through
the citation mapping (`registry.dataverse.records`; the mapping's subject concepts pointed at the
synthetic scheme for the run), validated through the worker — next to its own lifted triples given
as N-Triples (a hand-written RDF record of the same size: parsed, validated through the same worker),
alternating record by record (each going first in turn: the second finds the record's concepts in
the concept cache), same bundle, same rounds; with the time of each stage (JSON parse + recognition,
lifting, validation; N-Triples parse, validation). Then the CPU time (`time.process_time`: the
machine is shared, wall times are noise) of each stage of a record's validation, in this process
(`cpu_stages`), for the dataverse_json records and for the rows' N-Triples records, with the SHACL
run timed before and after issue 14's speed-up on the same records in the same run (pyshacl's
generic messages for every result + a plain rdflib shapes graph vs the current engine), and the
count of records whose report views differ between the two (must be 0).

Run:  python benchmarks/validate.py > benchmarks/results/validate.txt   (about 6-10 minutes)
      BENCH_ONLY=dataverse python benchmarks/validate.py > benchmarks/results/validate-dataverse.txt
      (the Dataverse row alone)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyshacl  # noqa: E402
import rdflib  # noqa: E402

from registry.config import Settings  # noqa: E402
from registry.publishing.service import ProfileSubmission, VocabularySubmission  # noqa: E402
from registry.rdf import format_for_filename, parse_triples, to_rdflib_graph  # noqa: E402
from registry.services import Registry  # noqa: E402
from registry.validation.gather import SubsetCache  # noqa: E402
from registry.validation.pool import ValidationPool  # noqa: E402
from registry.validation.service import InProcessExecutor, ValidationService  # noqa: E402

NS = "https://w3id.org/bench/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
REAL = Path(os.environ.get("REGISTRY_SHARED_DATA") or ROOT.parent / "shared" / "data") / "vocabularies"
SINGLE = int(os.environ.get("BENCH_SINGLE", "200"))
BATCH = int(os.environ.get("BENCH_BATCH", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
random.seed(42)
LOAD_START = os.getloadavg()[0]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def synthetic(n_triples: int, tag: str) -> tuple[bytes, str, list[str]]:
    base = f"{NS}{tag}/"
    scheme = f"{base}scheme"
    per = 7
    n = max(n_triples // per, 11)
    out = [f'<{scheme}> <{RDF_TYPE}> <{SKOS}ConceptScheme> .', f'<{scheme}> <{SKOS}prefLabel> "Synthetic {tag}"@en .']
    for i in range(n):
        c = f"<{base}c{i}>"
        out.append(f"{c} <{RDF_TYPE}> <{SKOS}Concept> .")
        out.append(f"{c} <{SKOS}inScheme> <{scheme}> .")
        out.append(f'{c} <{SKOS}prefLabel> "Concept {i}"@en .')
        out.append(f'{c} <{SKOS}prefLabel> "Concept {i} (fr)"@fr .')
        out.append(f'{c} <{SKOS}altLabel> "C{i}"@en .')
        out.append(f'{c} <{SKOS}definition> "Definition of concept number {i}."@en .')
        if i < 10:
            out.append(f"{c} <{SKOS}topConceptOf> <{scheme}> .")
            out.append(f"<{scheme}> <{SKOS}hasTopConcept> {c} .")
        else:
            out.append(f"{c} <{SKOS}broader> <{base}c{(i - 10) // 10}> .")
    concepts = [f"{base}c{i}" for i in range(n)]
    return ("\n".join(out) + "\n").encode(), scheme, concepts


def shapes(schemes: list[str], top: str | None) -> bytes:
    s = [f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix skos: <{SKOS}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix b: <{NS}shapes#> .
b:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ;
  sh:property b:title, b:description, b:identifier, b:issued, b:modified, b:keyword, b:creator, b:license,
    b:theme, b:type, b:subject, b:landing, b:language, b:contact, b:distribution, b:family .
b:title sh:path dct:title ; sh:minCount 1 ; sh:datatype xsd:string ; sh:name "Title"@en, "Titre"@fr .
b:description sh:path dct:description ; sh:minCount 1 ; sh:minLength 10 .
b:identifier sh:path dct:identifier ; sh:minCount 1 ; sh:maxCount 1 ; sh:pattern "^ds-[0-9]+$" .
b:issued sh:path dct:issued ; sh:datatype xsd:date ; sh:maxCount 1 .
b:modified sh:path dct:modified ; sh:datatype xsd:date .
b:keyword sh:path dcat:keyword ; sh:minCount 1 ; sh:nodeKind sh:Literal .
b:creator sh:path dct:creator ; sh:minCount 1 ; sh:node b:Agent .
b:Agent a sh:NodeShape ; sh:property [ sh:path foaf:name ; sh:minCount 1 ] .
b:license sh:path dct:license ; sh:nodeKind sh:IRI ; sh:maxCount 1 .
b:landing sh:path dcat:landingPage ; sh:nodeKind sh:IRI .
b:language sh:path dct:language ; sh:pattern "^[a-z]{{2}}$" .
b:contact sh:path dcat:contactPoint ; sh:minCount 1 .
b:distribution sh:path dcat:distribution ; sh:node b:Distribution .
b:Distribution a sh:NodeShape ; sh:property [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] .
"""]
    for name, path, scheme in zip(("theme", "type", "subject"), ("dcat:theme", "dct:type", "dct:subject"), schemes):
        s.append(f"""b:{name} sh:path {path} ; sh:minCount 1 ; sh:class skos:Concept ; sh:node b:In{name} .
b:In{name} a sh:NodeShape ; sh:property [ sh:path skos:inScheme ; sh:hasValue <{scheme}> ] .
""")
    if top:
        s.append(f"""b:family sh:path ( dcat:theme [ sh:zeroOrMorePath skos:broader ] ) ; sh:severity sh:Warning ;
  sh:qualifiedValueShape [ sh:hasValue <{top}> ] ; sh:qualifiedMinCount 1 .
""")
    else:
        s.append("b:family sh:path dct:title ; sh:maxCount 5 .\n")
    return "".join(s).encode()


def record(i: int, pools: list[list[str]]) -> bytes:
    r = f"<https://example.org/records/{i}>"
    lines = [f"{r} <{RDF_TYPE}> <http://www.w3.org/ns/dcat#Dataset> .",
             f'{r} <http://purl.org/dc/terms/title> "Dataset {i}" .',
             f'{r} <http://purl.org/dc/terms/title> "Jeu de données {i}"@fr .',
             f'{r} <http://purl.org/dc/terms/description> "A synthetic dataset description number {i}." .',
             f'{r} <http://purl.org/dc/terms/identifier> "ds-{i}" .',
             f'{r} <http://purl.org/dc/terms/issued> "2024-01-{1 + i % 28:02d}"^^<http://www.w3.org/2001/XMLSchema#date> .',
             f'{r} <http://purl.org/dc/terms/modified> "2024-02-01"^^<http://www.w3.org/2001/XMLSchema#date> .',
             f'{r} <http://purl.org/dc/terms/license> <https://creativecommons.org/licenses/by/4.0/> .',
             f'{r} <http://www.w3.org/ns/dcat#landingPage> <https://example.org/landing/{i}> .',
             f'{r} <http://purl.org/dc/terms/language> "{"en" if i % 7 else "eng"}" .',
             f'{r} <http://www.w3.org/ns/dcat#contactPoint> <https://example.org/contact/{i % 13}> .']
    for k in range(10):
        lines.append(f'{r} <http://www.w3.org/ns/dcat#keyword> "keyword {k} of {i}" .')
    for k in range(3):
        a = f"<https://example.org/records/{i}#creator{k}>"
        lines += [f"{r} <http://purl.org/dc/terms/creator> {a} .", f"{a} <{RDF_TYPE}> <http://xmlns.com/foaf/0.1/Person> ."]
        if (i + k) % 11:
            lines.append(f'{a} <http://xmlns.com/foaf/0.1/name> "Person {k}" .')
        lines.append(f'{a} <http://xmlns.com/foaf/0.1/mbox> <mailto:p{k}@example.org> .')
    for k in range(3):
        d = f"<https://example.org/records/{i}#dist{k}>"
        lines += [f"{r} <http://www.w3.org/ns/dcat#distribution> {d} .", f"{d} <{RDF_TYPE}> <http://www.w3.org/ns/dcat#Distribution> .",
                  f"{d} <http://www.w3.org/ns/dcat#accessURL> <https://example.org/files/{i}/{k}> .",
                  f'{d} <http://purl.org/dc/terms/format> "text/csv" .']
    for pred, pool in zip(("http://www.w3.org/ns/dcat#theme", "http://purl.org/dc/terms/type", "http://purl.org/dc/terms/subject"), pools):
        lines.append(f"{r} <{pred}> <{random.choice(pool)}> .")
        if i % 17 == 0:
            lines.append(f"{r} <{pred}> <https://example.org/not-a-concept/{i}> .")
    return ("\n".join(lines) + "\n").encode()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def time_registry(service: ValidationService, bundle, recs: list[list], n_single: int):
    # warm-up (shapes compiled, caches filled)
    for triples in recs[:5]:
        service.validate(bundle, triples)
    times = []
    for triples in recs[:n_single]:
        t = time.perf_counter()
        service.validate(bundle, triples)
        times.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    for outcome in service.validate_many(bundle, recs[:BATCH]):
        if isinstance(outcome, Exception):
            raise outcome
    rate = min(BATCH, len(recs)) / (time.perf_counter() - t)
    return pct(times, 0.5), pct(times, 0.95), rate


def time_plain(vocab_graph: rdflib.Graph, shapes_graph: rdflib.Graph, recs: list[list], n: int):
    """What a user would write: the record plus the whole vocabulary as the data graph."""
    times = []
    for triples in recs[:n]:
        t = time.perf_counter()
        data = rdflib.Graph()
        data += vocab_graph  # the merge (copy) is part of the cost
        for x in triples:
            data.add((rdflib_term(x.subject), rdflib_term(x.predicate), rdflib_term(x.object)))
        pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", advanced=False,
                         do_owl_imports=False, allow_warnings=True, allow_infos=True)
        del data
        times.append((time.perf_counter() - t) * 1000)
    return pct(times, 0.5), pct(times, 0.95), 1000 / statistics.mean(times)


def time_baseline(vocab_graph: rdflib.Graph, shapes_graph: rdflib.Graph, recs: list[list], n: int):
    times = []
    for triples in recs[:n]:
        t = time.perf_counter()
        added = [(rdflib_term(x.subject), rdflib_term(x.predicate), rdflib_term(x.object)) for x in triples]
        for tr in added:
            vocab_graph.add(tr)
        pyshacl.validate(vocab_graph, shacl_graph=shapes_graph, inference="none", advanced=False,
                         do_owl_imports=False, allow_warnings=True, allow_infos=True, inplace=True)
        for tr in added:
            vocab_graph.remove(tr)
        times.append((time.perf_counter() - t) * 1000)
    return pct(times, 0.5), pct(times, 0.95), 1000 / statistics.mean(times)


def rdflib_term(term):
    from registry.rdf import to_rdflib_term

    return to_rdflib_term(term)


def main_dataverse() -> None:
    """BENCH_ONLY=dataverse: the dataverse_json row alone (the 1M vocabulary published, then the
    dataverse_json records and their N-Triples twins alternating through the worker), without the
    other rows' pyshacl baselines (which take half an hour at 1M)."""
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="bench-validate-")
    settings = Settings(store=workdir + "/store", base_iri="https://registry.example.org/", load_bundled=False,
                        validation_timeout_s=60)
    registry = Registry.build(settings)
    community = registry.communities.create("bench", "Benchmark", ["http://", "https://"])
    log("== 1M: generating and publishing")
    data, scheme, concepts = synthetic(1_000_000, "1m")
    t = time.perf_counter()
    registry.publication.publish_vocabulary(community, VocabularySubmission(
        id="syn-1m", version="1.0.0", source=data, format=ox.RdfFormat.N_TRIPLES))
    publish_s = time.perf_counter() - t
    del data
    triples = registry.catalog.version("vocabulary", "syn-1m", "1.0.0").triples
    registry.publication.publish_profile(community, ProfileSubmission(
        id="bench-1m", version="1.0.0", shapes=shapes([scheme] * 3, concepts[0]), format=ox.RdfFormat.TURTLE))
    pool = ValidationPool(1)
    viapool = ValidationService(registry, executor=pool)
    dataverse = time_dataverse(viapool, viapool.profile_bundle("bench-1m"), f"{NS}1m/")
    dataverse["cpu"] = cpu_stage_rows(viapool, viapool.profile_bundle("bench-1m"), f"{NS}1m/", concepts)
    pool.close()
    registry.close()
    print("# dataverse_json record validation at 1M vocabulary triples (benchmarks/validate.py, BENCH_ONLY=dataverse)")
    print(f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; pyshacl {pyshacl.__version__}, "
          f"rdflib {rdflib.__version__}, pyoxigraph {ox.__version__}")
    print(f"# vocabulary: synthetic, {triples:,} triples (generated by the benchmark), published in {publish_s:.0f} s; "
          f"profile: the benchmark's DCAT-like profile; {ROUNDS} rounds, concept cache emptied before each; the "
          "baseline (the same triples as N-Triples) measured in the same run, record by record")
    report([], time.time() - started, (), dataverse)


def main() -> None:
    if os.environ.get("BENCH_ONLY") == "dataverse":
        main_dataverse()
        return
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="bench-validate-")
    settings = Settings(store=workdir + "/store", base_iri="https://registry.example.org/", load_bundled=False,
                        validation_timeout_s=60)
    registry = Registry.build(settings)
    # the real vocabularies are in other people's namespaces: one community owns http(s) for the run
    community = real_community = registry.communities.create("bench", "Benchmark", ["http://", "https://"])
    pool = ValidationPool(1)
    inproc = ValidationService(registry, executor=InProcessExecutor())
    viapool = ValidationService(registry, executor=pool)
    rows = []
    todo = []
    cases = [("10k", 10_000, 20), ("100k", 100_000, 5), ("1M", 1_000_000, 3)]
    only = os.environ.get("BENCH_SIZES")
    if only:
        cases = [c for c in cases if c[0] in only.split(",")]
    for label, size, baseline_n in cases:
        log(f"== {label}: generating and publishing")
        data, scheme, concepts = synthetic(size, label.lower())
        t = time.perf_counter()
        registry.publication.publish_vocabulary(community, VocabularySubmission(
            id=f"syn-{label.lower()}", version="1.0.0", source=data, format=ox.RdfFormat.N_TRIPLES))
        publish_s = time.perf_counter() - t
        info = registry.catalog.version("vocabulary", f"syn-{label.lower()}", "1.0.0")
        registry.publication.publish_profile(community, ProfileSubmission(
            id=f"bench-{label.lower()}", version="1.0.0", shapes=shapes([scheme] * 3, concepts[0]), format=ox.RdfFormat.TURTLE))
        recs = [parse_triples(record(i, [concepts] * 3), ox.RdfFormat.N_TRIPLES) for i in range(max(BATCH, SINGLE))]
        rows.append(measure(label, info.triples, publish_s, registry, inproc, viapool, f"bench-{label.lower()}",
                            recs, data, ox.RdfFormat.N_TRIPLES, baseline_n))
        todo.append((rows[-1], f"bench-{label.lower()}", recs))
        del data
    # the real vocabularies, published together
    log("== real vocabularies")
    real_schemes: list[tuple[str, list[str]]] = []
    real_files = []
    skipped: list[str] = []
    total = 0
    for path in sorted(REAL.glob("*")):
        vid = "real-" + path.stem.replace("_", "-").lower().replace(".", "-")
        try:
            registry.publication.publish_vocabulary(real_community, VocabularySubmission(
                id=vid, version="1.0.0", source=path.read_bytes(), format=format_for_filename(path.name), name=path.name))
        except Exception as exc:  # noqa: BLE001 - a vocabulary the checks refuse is reported and skipped
            findings = getattr(exc, "extra", {}).get("findings") or []
            why = "; ".join(sorted({f["code"] for f in findings if f["severity"] == "error"}))
            log(f"   {path.name}: not published ({getattr(exc, 'detail', exc)}: {why})")
            skipped.append(f"{path.name} ({why or type(exc).__name__})")
            continue
        info = registry.catalog.version("vocabulary", vid, "1.0.0")
        total += info.triples or 0
        real_files.append(path)
        rows_ = registry.store.select(
            f"SELECT ?c ?s WHERE {{ ?c <{SKOS}inScheme> ?s }} LIMIT 5000", default_graph=[info.graph])
        by_scheme: dict[str, list[str]] = {}
        for row in rows_:
            by_scheme.setdefault(row["s"].value, []).append(row["c"].value)
        if by_scheme:
            s, cs = max(by_scheme.items(), key=lambda kv: len(kv[1]))
            real_schemes.append((s, cs))
    if len(real_schemes) >= 1:
        chosen = sorted(real_schemes, key=lambda x: -len(x[1]))[:3]
        while len(chosen) < 3:
            chosen.append(chosen[0])
        registry.publication.publish_profile(real_community, ProfileSubmission(
            id="bench-real", version="1.0.0", shapes=shapes([s for s, _ in chosen], None), format=ox.RdfFormat.TURTLE))
        recs = [parse_triples(record(i, [cs for _, cs in chosen]), ox.RdfFormat.N_TRIPLES) for i in range(max(BATCH, SINGLE))]
        rows.append(measure(f"real ({len(real_files)} files)", total, None, registry, inproc, viapool, "bench-real", recs,
                            real_files, None, 3))
        todo.append((rows[-1], "bench-real", recs))
    # the registry's timings: ROUNDS rounds, each over every vocabulary in turn (so the load of the
    # machine, shared with other jobs, falls on all sizes alike); medians over the rounds
    for k in range(ROUNDS):
        for row, pid, recs in todo:
            log(f"== round {k + 1}/{ROUNDS}: {row['label']}")
            for prefix, service in (("i", inproc), ("w", viapool)):
                service.subsets = SubsetCache()  # cold concept cache each round (a new profile version's first records)
                p50, p95, rate = time_registry(service, service.profile_bundle(pid), recs, SINGLE)
                row.setdefault(prefix + "_rounds", []).append((p50, p95, rate))
    dataverse = None
    big = next(((row, pid) for row, pid, _recs in todo if row["label"] == "1M"), None)
    if big is not None:
        dataverse = time_dataverse(viapool, viapool.profile_bundle(big[1]), f"{NS}1m/")
    for row, _pid, _recs in todo:
        for prefix in ("i", "w"):
            rounds = row[prefix + "_rounds"]
            row[prefix + "p50"] = statistics.median(r[0] for r in rounds)
            row[prefix + "p95"] = statistics.median(r[1] for r in rounds)
            row[prefix + "rate"] = statistics.median(r[2] for r in rounds)
    pool.close()
    registry.close()
    report(rows, time.time() - started, skipped, dataverse)


def dataverse_record(i: int, n_concepts: int) -> bytes:
    """A synthetic dataverse_json create document (the shape of ../shared/data/dataverse/records/
    dataset-create-new.json), values invented for the benchmark."""
    def prim(name, value):
        return {"typeName": name, "multiple": False, "typeClass": "primitive", "value": value}

    authors = [{"authorName": prim("authorName", f"Person {k}, Given"), "authorAffiliation": prim("authorAffiliation", f"Lab {k}")}
               for k in range(3)]
    fields = [
        prim("title", f"Dataset {i}"),
        {"typeName": "author", "multiple": True, "typeClass": "compound", "value": authors},
        {"typeName": "datasetContact", "multiple": True, "typeClass": "compound",
         "value": [{"datasetContactName": prim("datasetContactName", "Contact, A"),
                    "datasetContactEmail": prim("datasetContactEmail", f"contact{i}@example.org")}]},
        {"typeName": "dsDescription", "multiple": True, "typeClass": "compound",
         "value": [{"dsDescriptionValue": prim("dsDescriptionValue", f"A synthetic dataset description number {i}.")}]},
        {"typeName": "subject", "multiple": True, "typeClass": "controlledVocabulary",
         "value": [f"c{random.randrange(n_concepts)}" for _ in range(3)]},
        {"typeName": "keyword", "multiple": True, "typeClass": "compound",
         "value": [{"keywordValue": prim("keywordValue", f"keyword {k} of {i}")} for k in range(10)]},
    ]
    document = {"datasetVersion": {"license": {"name": "CC0 1.0", "uri": "http://creativecommons.org/publicdomain/zero/1.0"},
                                   "metadataBlocks": {"citation": {"fields": fields, "displayName": "Citation Metadata"}}}}
    return json.dumps(document).encode()


def time_twin(service: ValidationService, bundle, text: bytes, out: list) -> None:
    """The N-Triples twin of a dataverse_json record: parse + validate, the same worker."""
    t0 = time.perf_counter()
    parsed = parse_triples(text, ox.RdfFormat.N_TRIPLES)
    t1 = time.perf_counter()
    service.validate(bundle, parsed)
    t2 = time.perf_counter()
    out.append(((t2 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000))


def time_dataverse(service: ValidationService, bundle, concepts_base: str):
    """(dataverse_json p50/p95 ms, same triples as N-Triples p50/p95 ms, triples per record, rounds)."""
    import dataclasses

    from registry.dataverse.records import lift, load_mapping, recognise

    citation = load_mapping()
    mapping = dataclasses.replace(citation, lift={**citation.lift, "subject": {
        "property": "http://purl.org/dc/terms/subject", "value": "concept", "concepts": concepts_base}})
    n_concepts = 1_000_000 // 7
    documents = [dataverse_record(i, n_concepts) for i in range(SINGLE)]
    lifted = [lift(json.loads(d), "dataverse_json", mapping)[0] for d in documents]
    as_nt = [ox.serialize(t, format=ox.RdfFormat.N_TRIPLES) for t in lifted]
    rounds = []
    for k in range(ROUNDS):
        log(f"== dataverse_json round {k + 1}/{ROUNDS}")
        service.subsets = SubsetCache()
        for d in documents[:5]:
            service.validate(bundle, lift(json.loads(d), "dataverse_json", mapping)[0])
        dv, nt = [], []
        for i, (document, text) in enumerate(zip(documents, as_nt)):
            # a record and its twin reach the same concepts: whichever goes second finds them in the
            # concept cache, so the two go first in turn
            if i % 2:
                time_twin(service, bundle, text, nt)
            t0 = time.perf_counter()
            parsed = json.loads(document)
            kind = recognise(parsed)
            t1 = time.perf_counter()
            triples, notes = lift(parsed, kind, mapping)
            t2 = time.perf_counter()
            service.validate(bundle, triples, notes=notes)
            t3 = time.perf_counter()
            dv.append(((t3 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000))
            if not i % 2:
                time_twin(service, bundle, text, nt)
        totals_dv, totals_nt = [d[0] for d in dv], [n[0] for n in nt]
        rounds.append((pct(totals_dv, 0.5), pct(totals_dv, 0.95), pct(totals_nt, 0.5), pct(totals_nt, 0.95),
                       pct([d[1] for d in dv], 0.5), pct([d[2] for d in dv], 0.5), pct([d[3] for d in dv], 0.5),
                       pct([n[1] for n in nt], 0.5), pct([n[2] for n in nt], 0.5)))
    medians = tuple(statistics.median(r[i] for r in rounds) for i in range(9))
    return {"dv": medians[:2], "nt": medians[2:4], "stages": medians[4:],
            "triples": statistics.median(len(t) for t in lifted), "rounds": rounds}


def cpu_stages(service: ValidationService, bundle, records: list[list]) -> dict:
    """CPU time (`time.process_time`, not wall: the machine is shared) of each stage of one
    record's validation, run in this process: what the API process does (vocabulary subset with a
    cold concept cache, focus-node check, encoding for the worker) and what the worker does
    (data graph, SHACL run, result dicts), the SHACL run timed twice per record on the same data:
    "before" = every pyshacl generic message written and a plain rdflib shapes graph (the code
    before issue 14's speed-up), "after" = the current code; each record takes turns going
    first. The two must give the same report views (`report.result_view`, en and fr)."""
    from registry.validation import engine
    from registry.validation.coverage import focus_nodes
    from registry.validation.gather import vocabulary_subset
    from registry.validation.report import result_view

    after = engine.CompiledShapes.from_tuples(bundle.shapes_triples)
    before = engine.CompiledShapes(engine.graph_from_tuples(bundle.shapes_triples, rdflib.Graph()))
    cache = SubsetCache()
    clock = time.process_time
    stages: dict[str, list[float]] = {k: [] for k in ("gather", "focus", "encode", "graph", "before", "after")}
    different = 0

    def shacl(compiled, all_messages: bool, data) -> tuple[float, list]:
        engine.ALL_GENERIC_MESSAGES = all_messages
        try:
            graph = engine.graph_from_tuples(data)
            t = clock()
            result = engine.validate(compiled, graph)
            spent = (clock() - t) * 1000
        finally:
            engine.ALL_GENERIC_MESSAGES = False
        return spent, [result_view(r, lang) for r in result["results"] for lang in ("en", "fr")]

    for warm in records[:5]:
        data = engine.encode_triples_ox(warm)
        shacl(after, False, data)
        shacl(before, True, data)
    for i, triples in enumerate(records):
        t0 = clock()
        subset = vocabulary_subset(service.store, bundle, triples, cache)
        t1 = clock()
        focus_nodes(bundle.targets, triples, subset)
        t2 = clock()
        data = engine.encode_triples_ox(triples) + engine.encode_triples_ox(subset)
        t3 = clock()
        engine.graph_from_tuples(data)
        t4 = clock()
        for which in (("after", "before") if i % 2 else ("before", "after")):
            spent, views = shacl(after if which == "after" else before, which == "before", data)
            stages[which].append(spent)
            if which == "before":
                views_before = views
            else:
                views_after = views
        different += views_before != views_after
        for key, a, b in (("gather", t0, t1), ("focus", t1, t2), ("encode", t2, t3), ("graph", t3, t4)):
            stages[key].append((b - a) * 1000)
    return {"p50": {k: statistics.median(v) for k, v in stages.items()}, "different": different, "n": len(records)}


def cpu_stage_rows(service: ValidationService, bundle, concepts_base: str, concepts: list[str]) -> list:
    """`cpu_stages` for the dataverse_json records (lifted) and for the N-Triples records of the
    vocabulary rows (`record`: IRI nodes, ~48 triples), at 1M."""
    import dataclasses

    from registry.dataverse.records import lift, load_mapping

    log("== CPU time per stage, before / after (in process)")
    citation = load_mapping()
    mapping = dataclasses.replace(citation, lift={**citation.lift, "subject": {
        "property": "http://purl.org/dc/terms/subject", "value": "concept", "concepts": concepts_base}})
    lifted = [lift(json.loads(dataverse_record(i, len(concepts))), "dataverse_json", mapping)[0] for i in range(SINGLE)]
    plain = [parse_triples(record(i, [concepts] * 3), ox.RdfFormat.N_TRIPLES) for i in range(SINGLE)]
    return [("dataverse_json (lifted)", cpu_stages(service, bundle, lifted)),
            ("N-Triples records of the rows above", cpu_stages(service, bundle, plain))]


def measure(label, triples, publish_s, registry, inproc, viapool, pid, recs, vocab, fmt, baseline_n):
    bundle_i = inproc.profile_bundle(pid)
    log("   baseline: parsing the vocabulary with rdflib")
    t = time.perf_counter()
    graph = rdflib.Graph()
    if isinstance(vocab, list):
        for path in vocab:
            to_rdflib_graph(ox.parse(path.read_bytes(), format=format_for_filename(path.name)), graph)
    else:
        to_rdflib_graph(ox.parse(vocab, format=fmt), graph)
    load_s = time.perf_counter() - t
    shapes_graph = bundle_i.shapes_graph
    log(f"   baseline in place: {baseline_n} records")
    bp50, bp95, brate = time_baseline(graph, shapes_graph, recs, baseline_n)
    plain_n = max(2, baseline_n // 2) if triples and triples >= 500_000 else baseline_n
    log(f"   baseline plain pyshacl (record + vocabulary copied): {plain_n} records")
    pp50, pp95, prate = time_plain(graph, shapes_graph, recs, plain_n)
    del graph
    return dict(label=label, triples=triples, publish_s=publish_s, bp50=bp50, bp95=bp95, brate=brate, baseline_n=baseline_n, load_s=load_s,
                pp50=pp50, pp95=pp95, prate=prate, plain_n=plain_n,
                subset=len(vocabulary_subset_of(inproc, bundle_i, recs[0])))


def vocabulary_subset_of(service, bundle, triples):
    from registry.validation.gather import vocabulary_subset

    return vocabulary_subset(service.store, bundle, triples)


def report(rows, elapsed, skipped=(), dataverse=None) -> None:
    if rows:  # (BENCH_ONLY=dataverse prints its own header)
        print("# Record validation: registry vs plain pyshacl (benchmarks/validate.py)")
        print(f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; pyshacl {pyshacl.__version__}, "
              f"rdflib {rdflib.__version__}, pyoxigraph {ox.__version__}")
        print(f"# registry columns: median over {ROUNDS} rounds, each round over every vocabulary in turn, concept cache "
              "emptied before each (cold)")
        print(f"# records: ~{sum(1 for _ in record(1, [['x']] * 3).splitlines())} triples; {SINGLE} single records timed, "
              f"batch of {BATCH} (validate_many); baselines measured in the same run: plain pyshacl = record + whole vocabulary "
              "copied into one data graph per record (copy timed); in place = vocabulary parsed once, record added and removed")
        print("# synthetic vocabularies are generated by the benchmark; 'real' = ../shared/data/vocabularies that the "
              "publish checks accept, published together (attribution: see ../shared/data/README.md)")
        print()
        head = (f"{'vocabulary':<16}{'triples':>10} | {'in-process p50/p95 ms':>21} {'rec/s':>6} | {'worker p50/p95 ms':>17} "
                f"{'rec/s':>6} | {'plain pyshacl p50/p95 ms (n)':>29} | {'in place p50/p95 ms (n)':>24} | "
                f"{'plain/worker':>12} {'in place/worker':>15} | subset")
        print(head)
        print("-" * len(head))
        for r in rows:
            print(f"{r['label']:<16}{r['triples'] or 0:>10,} | {r['ip50']:>9.1f} /{r['ip95']:>9.1f} {r['irate']:>6.0f} | "
                  f"{r['wp50']:>7.1f} /{r['wp95']:>7.1f} {r['wrate']:>6.0f} | {r['pp50']:>12,.0f} /{r['pp95']:>9,.0f} ({r['plain_n']:>2}) | "
                  f"{r['bp50']:>8,.0f} /{r['bp95']:>7,.0f} ({r['baseline_n']:>2}) | "
                  f"{r['pp50'] / r['wp50']:>11,.0f}x {r['bp50'] / r['wp50']:>14.1f}x | {r['subset']}")
        print()
    syn = [r for r in rows if not r["label"].startswith("real")]
    if len(syn) >= 2:
        flat_w = max(r["wp50"] for r in syn) / min(r["wp50"] for r in syn)
        flat_i = max(r["ip50"] for r in syn) / min(r["ip50"] for r in syn)
        print(f"flatness 10k→1M (max p50 / min p50): worker {flat_w:.2f}x, in-process {flat_i:.2f}x (target ≤ 1.5x)")
    for r in rows:
        print(f"rounds {r['label']}: worker p50/p95 ms, rec/s = "
              + "; ".join(f"{a:.1f}/{b:.1f}, {c:.0f}" for a, b, c in r.get("w_rounds", [])))
    big = next((r for r in rows if r["label"] == "1M"), None)
    if big:
        ok = big["wp50"] <= 10 and big["wp95"] <= 20
        print(f"targets at 1M (worker path, the one the API uses): p50 {big['wp50']:.1f} ms (≤ 10), p95 {big['wp95']:.1f} ms (≤ 20): "
              f"{'met' if ok else 'MISSED'}; batch {big['wrate']:.0f} rec/s per worker process (≥ 150): "
              f"{'met' if big['wrate'] >= 150 else 'MISSED'}")
    if dataverse:
        (dp50, dp95), (np50, np95) = dataverse["dv"], dataverse["nt"]
        print()
        print(f"dataverse_json at 1M vocabulary triples (worker path; {SINGLE} records of ~{dataverse['triples']:.0f} triples "
              "once lifted, alternating with the same triples as N-Triples, each going first in turn):")
        print(f"  dataverse_json (parse + recognise + lift + validate) p50 / p95 ms: {dp50:.1f} / {dp95:.1f}")
        print(f"  same triples as N-Triples (parse + validate)          p50 / p95 ms: {np50:.1f} / {np95:.1f}")
        print(f"  ratio dataverse_json / N-Triples (p50): {dp50 / np50:.2f}x; target p50 ≤ 10 ms: "
              f"{'met' if dp50 <= 10 else 'MISSED'}")
        js, lf, va, np_, nv = dataverse["stages"]
        print(f"  where the time goes (p50 ms per stage): dataverse_json = JSON parse + recognise {js:.2f} + lift {lf:.2f} "
              f"+ validate {va:.1f}; N-Triples = parse {np_:.2f} + validate {nv:.1f}")
        print("  rounds (dv p50/p95, nt p50/p95): " + "; ".join(f"{r[0]:.1f}/{r[1]:.1f}, {r[2]:.1f}/{r[3]:.1f}"
                                                             for r in dataverse["rounds"]))
        for label, cpu in dataverse.get("cpu", []):
            c = cpu["p50"]
            print(f"  CPU ms per stage, p50 over {cpu['n']} records, in this process ({label}): API side = vocabulary "
                  f"subset {c['gather']:.2f} + focus check {c['focus']:.2f} + encoding {c['encode']:.2f}; worker side = "
                  f"data graph {c['graph']:.2f} + SHACL run {c['after']:.2f} (before the speed-up, same records, same "
                  f"run: {c['before']:.2f}; ratio {c['before'] / c['after']:.2f}x); report views that differ: "
                  f"{cpu['different']}")
    for r in rows:
        if r["publish_s"]:
            print(f"publish {r['label']}: {r['publish_s']:.1f} s (load + checks); rdflib parse for the baseline: {r['load_s']:.1f} s")
    if skipped:
        print("real vocabularies refused by the publish checks (not in the 'real' row): " + ", ".join(skipped))
    print(f"load average (1 min) at the start / end of the run: {LOAD_START:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"total run time {elapsed:.0f} s")


if __name__ == "__main__":
    # no options (the knobs are environment variables, above): --help prints this text and runs nothing
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
