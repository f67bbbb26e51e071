"""Where a validation result is in the text the user sent (issue 15, item 6).

One mechanism for every syntax, plugged in as `RecordNotes.locate` (see `coverage.RecordNotes`):
a result gets `source` facts —

* `line`: the 1-based line of the record where the offending triple is written (Turtle, N-Triples,
  RDF/XML: the first line, at or after the line of its subject, that names the property and the
  value; JSON, JSON-LD: the line where the value at `pointer` starts);
* `pointer`: the JSON Pointer (RFC 6901) of the value in a JSON / JSON-LD record;
* `value_text`: the value as the user wrote it — a literal's lexical form, or for a blank node the
  text between its brackets (`[ qudt:unit unit:KiloV ; qudt:numericValue 5000.0 ]`), never an
  internal `_:fe07…` label;
* `focus`: how to find the focus node when it is a blank node: the named node it hangs from
  (`root`), the properties followed from there (`path`), its types and a label;
* `focus_types`: the focus node's `rdf:type`s (which kind of object, hence which field table of
  the profile page, the result is about);
* `via`: for a result without `sh:path` (a whole-object rule: `sh:node`, SPARQL constraints), the
  property by which its focus node is reached, so the result is filed under that field, and
  `via_types`, the types of the node it is reached from.

Positions are found by reading the text, not by the parsers (pyoxigraph reports no positions of
triples): an IRI is recognised written in full or as a prefixed name with the same local name. When
nothing matches, the fact is left out rather than guessed wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from registry.validation.coverage import json_pointer

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = (
    "http://www.w3.org/2000/01/rdf-schema#label", "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel", "http://xmlns.com/foaf/0.1/name", "https://schema.org/name",
    "http://schema.org/name",
)
LINE_FORMATS = ("turtle", "ntriples", "rdfxml")
JSON_FORMATS = ("json", "jsonld")
MAX_TEXT = 2_000_000  # larger records are validated but not located (the scan is per result)
MAX_PARENT_DEPTH = 12


def _key(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _local(iri: str) -> str:
    return re.split(r"[#/:]", iri.rstrip("/#"))[-1] if iri else iri


class Graph:
    """The record's triples indexed for describing nodes: parents (first triple pointing at a
    blank node), types, labels, literal values."""

    def __init__(self, triples: list[ox.Triple]):
        self.parent: dict[str, tuple[str, str]] = {}
        self.types: dict[str, list[str]] = {}
        self.labels: dict[str, str] = {}
        self.objects: dict[str, list[tuple[str, Any]]] = {}
        for t in triples:
            s, p, o = _key(t.subject), t.predicate.value, t.object
            self.objects.setdefault(s, []).append((p, o))
            if isinstance(o, ox.BlankNode):
                self.parent.setdefault(_key(o), (s, p))
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                self.types.setdefault(s, []).append(o.value)
            elif p in LABELS and isinstance(o, ox.Literal):
                self.labels.setdefault(s, o.value)

    def chain(self, node: str) -> list[tuple[str, str]]:
        """[(parent, property), …] from the outermost named (or parentless) node down to `node`."""
        out: list[tuple[str, str]] = []
        seen = {node}
        while node.startswith("_:") and node in self.parent and len(out) < MAX_PARENT_DEPTH:
            parent, prop = self.parent[node]
            if parent in seen:
                break
            seen.add(parent)
            out.append((parent, prop))
            node = parent
        return list(reversed(out))

    def describe(self, node: str) -> dict[str, Any] | None:
        if not node or not node.startswith("_:"):
            return None
        chain = self.chain(node)
        out: dict[str, Any] = {"path": [p for _, p in chain]}
        if chain and not chain[0][0].startswith("_:"):
            out["root"] = chain[0][0]
        if node in self.types:
            out["types"] = self.types[node]
        if node in self.labels:
            out["label"] = self.labels[node]
        return out

    def summary(self, node: str) -> str:
        """A blank node's own values, written out (when its text could not be found)."""
        parts = []
        for p, o in self.objects.get(node, [])[:6]:
            if p == RDF_TYPE:
                continue
            parts.append(o.value if isinstance(o, ox.Literal) else _local(o.value) if isinstance(o, ox.NamedNode) else "[…]")
        return " ".join(parts) if parts else "[ ]"


# --- line-based syntaxes (Turtle, N-Triples, RDF/XML) ---------------------------------------------


PREFIX_DECLARATION = re.compile(r"(?:@prefix|\bprefix)\s+([A-Za-z][\w.-]*|):\s*<([^>\s]*)>|xmlns:([A-Za-z][\w.-]*)=[\"']([^\"']*)[\"']",
                                re.IGNORECASE)


def declared_prefixes(text: str) -> list[tuple[str, str]]:
    """(prefix, namespace) declared in Turtle (`@prefix`, `PREFIX`) or RDF/XML (`xmlns:p`)."""
    out = []
    for m in PREFIX_DECLARATION.finditer(text[:200_000]):
        out.append((m.group(1), m.group(2)) if m.group(2) is not None else (m.group(3), m.group(4)))
    return out


def _prefixed_forms(iri: str, prefixes: list[tuple[str, str]]) -> list[str]:
    """Regular expressions of the IRI's prefixed names: by the declared prefixes when one covers its
    namespace, else any prefix with the same local name."""
    forms = [re.escape(p) + ":" + re.escape(iri[len(ns):]) for p, ns in prefixes
             if ns and iri.startswith(ns) and re.fullmatch(r"[\w.-]+", iri[len(ns):])]
    if forms:
        return forms
    local = _local(iri)
    return [r"(?:[A-Za-z][\w.-]*)?:" + re.escape(local)] if local else []


def _iri_pattern(iri: str, prefixes: list[tuple[str, str]]) -> re.Pattern:
    """The IRI written in full, or as one of its prefixed names (Turtle, RDF/XML element names)."""
    options = [re.escape(iri)] + [r"(?<![\w.:-])" + form + r"(?![\w-])" for form in _prefixed_forms(iri, prefixes)]
    return re.compile("|".join(options))


def _subject_pattern(iri: str, prefixes: list[tuple[str, str]]) -> re.Pattern:
    """The IRI where a statement about it starts: first on its line (Turtle, N-Triples) or as the
    `rdf:about` of an RDF/XML element."""
    written = ["<" + re.escape(iri) + ">"] + [form + r"(?![\w-])" for form in _prefixed_forms(iri, prefixes)]
    return re.compile(r"^\s*(?:" + "|".join(written) + r")|about=[\"']" + re.escape(iri) + r"[\"']")


class LineIndex:
    def __init__(self, text: str, graph: Graph):
        self.lines = text.splitlines()
        self.graph = graph
        self.prefixes = declared_prefixes(text)
        self._subject_lines: dict[str, int | None] = {}
        self._patterns: dict[str, re.Pattern] = {}

    def _pattern(self, iri: str) -> re.Pattern:
        if iri not in self._patterns:
            self._patterns[iri] = _iri_pattern(iri, self.prefixes)
        return self._patterns[iri]

    def _find(self, start: int, *tests: Callable[[str], Any]) -> int | None:
        for number in range(max(start, 1), len(self.lines) + 1):
            line = self.lines[number - 1]
            if all(test(line) for test in tests):  # a match object or a bool
                return number
        return None

    def node_line(self, node: str) -> int | None:
        """The line where a node is first written (a blank node: the line of the triple pointing at it)."""
        if node in self._subject_lines:
            return self._subject_lines[node]
        self._subject_lines[node] = None  # cycles
        if node.startswith("_:"):
            parent = self.graph.parent.get(node)
            line = self.triple_line(parent[0], parent[1], None) if parent else None
        else:
            line = self._find(1, _subject_pattern(node, self.prefixes).search) or self._find(1, self._pattern(node).search)
        self._subject_lines[node] = line
        return line

    def triple_line(self, focus: str, path: str | None, value: str | None, literal: bool = False) -> int | None:
        start = self.node_line(focus) or 1
        if not path:
            return start
        has_path = self._pattern(path).search
        if value is not None and not value.startswith("_:"):
            has_value = (lambda line: value in line) if literal else self._pattern(value).search
            found = self._find(start, has_path, has_value) or self._find(start, has_value)
            if found:
                return found
        return self._find(start, has_path) or start

    def bracket_text(self, line: int | None, path: str) -> str | None:
        """The `[ … ]` written after the property on `line` (an inline blank node; it may go on
        over a few lines), its white space collapsed."""
        if not line:
            return None
        text = "\n".join(self.lines[line - 1:line + 11])
        match = self._pattern(path).search(text)
        open_at = text.find("[", match.end() if match else 0)
        if open_at < 0 or text[(match.end() if match else 0):open_at].strip():
            return None
        depth = 0
        for i in range(open_at, min(len(text), open_at + 600)):
            depth += {"[": 1, "]": -1}.get(text[i], 0)
            if depth == 0:
                return " ".join(text[open_at:i + 1].split())
        return None


# --- JSON, JSON-LD: JSON Pointers and the line each value starts on -------------------------------


def json_value_lines(text: str) -> dict[str, int]:
    """JSON Pointer → the 1-based line where that value starts (the text is well-formed JSON: the
    parser read it already)."""
    out: dict[str, int] = {}
    n = len(text)
    pos = 0
    line = 1

    def skip() -> None:
        nonlocal pos, line
        while pos < n and text[pos] in " \t\r\n":
            if text[pos] == "\n":
                line += 1
            pos += 1

    def string() -> str:
        nonlocal pos
        end = pos + 1
        while end < n and text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        raw = text[pos:end + 1]
        pos = end + 1
        try:
            return json.loads(raw)
        except ValueError:
            return raw[1:-1]

    def value(pointer: str, depth: int) -> None:
        nonlocal pos
        skip()
        if pos >= n or depth > 200:
            return
        out[pointer] = line
        c = text[pos]
        if c in "{[":  # an object's members, or an array's items
            close = "}" if c == "{" else "]"
            pos += 1
            index = 0
            while True:
                skip()
                if pos >= n or text[pos] == close:
                    pos += 1
                    return
                if text[pos] == ",":
                    pos += 1
                    continue
                if c == "{":
                    key = string()
                    skip()
                    pos += 1  # ':'
                    member = pointer + json_pointer([key])
                else:
                    member = f"{pointer}/{index}"
                    index += 1
                value(member, depth + 1)
        elif c == '"':
            string()
        else:
            while pos < n and text[pos] not in ",]} \t\r\n":
                pos += 1

    value("", 0)
    return out


def _scalar_text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("@value", value.get("@id", "")))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class JsonIndex:
    """Finds a node's JSON object and a property's value in a (plain or JSON-LD) JSON document by
    the same keys the context maps: a key is taken for a property when it is the IRI, a compact
    IRI or a term with the same local name."""

    def __init__(self, document: Any, text: str, graph: Graph):
        self.document = document
        self.graph = graph
        self.lines = json_value_lines(text)
        self.objects: list[tuple[str, dict]] = []
        self._walk(document, "")

    def _walk(self, value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            self.objects.append((pointer, value))
            for k, v in value.items():
                self._walk(v, pointer + json_pointer([k]))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self._walk(v, f"{pointer}/{i}")

    @staticmethod
    def _is_property(key: str, iri: str) -> bool:
        return key == iri or (not key.startswith("@") and _local(key) == _local(iri))

    @staticmethod
    def _names(obj: dict, iri: str) -> bool:
        ident = obj.get("@id", obj.get("id"))
        return isinstance(ident, str) and (ident == iri or (":" in ident and _local(ident) == _local(iri) and
                                                            iri.endswith(ident.split(":", 1)[1])))

    def node_pointer(self, node: str) -> str | None:
        if not node.startswith("_:"):
            for pointer, obj in self.objects:
                if self._names(obj, node):
                    return pointer
            return "" if isinstance(self.document, dict) and len(self.objects) and not self.graph.parent.get(node) else None
        parent = self.graph.parent.get(node)
        if parent is None:
            return "" if isinstance(self.document, dict) else None
        at = self.node_pointer(parent[0])
        if at is None:
            return None
        own = {o.value for _, o in self.graph.objects.get(node, []) if isinstance(o, ox.Literal)}
        candidates = [p for p in self._values(at, parent[1]) if isinstance(self._get(p), dict)]
        for p in candidates:  # the object whose own scalar values are the blank node's literals
            obj = self._get(p)
            if own and own <= {_scalar_text(v) for v in obj.values() if not isinstance(v, (dict, list))} | \
                    {_scalar_text(x) for v in obj.values() if isinstance(v, list) for x in v if not isinstance(x, list)}:
                return p
        return candidates[0] if candidates else None

    def get(self, pointer: str) -> Any:
        try:
            return self._get(pointer)
        except (KeyError, IndexError, ValueError, TypeError):
            return None

    def _get(self, pointer: str) -> Any:
        value = self.document
        for part in pointer.split("/")[1:] if pointer else []:
            part = part.replace("~1", "/").replace("~0", "~")
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value

    def _values(self, at: str, prop: str) -> list[str]:
        obj = self._get(at)
        if not isinstance(obj, dict):
            return []
        for key, value in obj.items():
            if self._is_property(key, prop):
                base = at + json_pointer([key])
                return [f"{base}/{i}" for i in range(len(value))] if isinstance(value, list) else [base]
        return []

    def pointer(self, focus: str, path: str | None, value: str | None) -> str | None:
        at = self.node_pointer(focus)
        if at is None or not path:
            return at
        values = self._values(at, path)
        if value is not None and not value.startswith("_:"):
            for p in values:
                v = self._get(p)
                if not isinstance(v, (dict, list)) and _scalar_text(v) == value or \
                        isinstance(v, dict) and (_scalar_text(v) == value or self._names(v, value)) or \
                        isinstance(v, str) and ":" in v and _local(v) == _local(value):
                    return p
        if value is not None and value.startswith("_:"):
            node = self.node_pointer(value)
            if node is not None:
                return node
        return values[0] if values else at


# --- the locator ----------------------------------------------------------------------------------


def with_lines(locate: Callable[[dict], dict | None], data: bytes) -> Callable[[dict], dict | None]:
    """A locator giving JSON Pointers (the Dataverse one) with the line each pointer starts on."""
    try:
        lines = json_value_lines(data.decode("utf-8-sig")) if len(data) <= MAX_TEXT else {}
    except UnicodeDecodeError:
        lines = {}

    def locate_with_line(result: dict[str, Any]) -> dict[str, Any] | None:
        found = locate(result)
        if found and found.get("pointer") is not None and found["pointer"] in lines and "line" not in found:
            found = dict(found, line=lines[found["pointer"]])
        return found

    return locate_with_line


def locator(data: bytes, fmt: str, triples: list[ox.Triple], document: Any = None) -> Callable[[dict], dict | None] | None:
    """`RecordNotes.locate` for a record sent as text (see the module docstring), or None when
    the syntax or size does not allow it."""
    if len(data) > MAX_TEXT or fmt not in LINE_FORMATS + JSON_FORMATS:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    built: dict[str, Any] = {}

    def indexes() -> tuple[Graph, LineIndex | None, JsonIndex | None]:
        # built on the first result only: a record that conforms costs nothing here
        if not built:
            graph = Graph(triples)
            built["graph"] = graph
            built["lines"] = LineIndex(text, graph) if fmt in LINE_FORMATS else None
            doc = document
            if fmt in JSON_FORMATS and doc is None:
                try:
                    doc = json.loads(text)
                except ValueError:
                    doc = None
            built["json"] = JsonIndex(doc, text, graph) if fmt in JSON_FORMATS and doc is not None else None
        return built["graph"], built["lines"], built["json"]

    def locate(result: dict[str, Any]) -> dict[str, Any] | None:
        graph, line_index, json_index = indexes()
        if line_index is None and json_index is None:
            return None
        focus, path, value = result.get("focus_node") or "", result.get("path"), result.get("value")
        if path and path.startswith("<"):
            path = None  # a complex path (sequence, inverse…): written as SHACL, not located
        literal = bool(result.get("value_is_literal", value is not None and not _looks_like_node(value, graph)))
        out: dict[str, Any] = {}
        if line_index is not None:
            line = line_index.triple_line(focus, path, value, literal)
            if line:
                out["line"] = line
            if value and value.startswith("_:"):
                # the value's own brackets: after the result's property, or (a whole-object rule on the
                # node itself) after the property that holds it, on the line of that triple
                holder = path or (graph.parent.get(value) or (None, None))[1]
                written = line_index.bracket_text(line_index.node_line(value) if not path else line, holder) if holder else None
                out["value_text"] = written or graph.summary(value)
        elif json_index is not None:
            pointer = json_index.pointer(focus, path, value)
            if pointer is not None:
                out["pointer"] = pointer
                if pointer in json_index.lines:
                    out["line"] = json_index.lines[pointer]
            if value and value.startswith("_:"):
                written = json_index.get(pointer) if pointer else None
                out["value_text"] = (_compact_json(written) if isinstance(written, (dict, list)) else None) or graph.summary(value)
        described = graph.describe(focus)
        if described:
            out["focus"] = described
        if graph.types.get(focus):
            out["focus_types"] = graph.types[focus]
        if not path and focus in graph.parent:
            parent, out["via"] = graph.parent[focus]
            if graph.types.get(parent):
                out["via_types"] = graph.types[parent]
        return out or None

    return locate


def _compact_json(value: Any) -> str | None:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= 300 else None


def _looks_like_node(value: str, graph: Graph) -> bool:
    return value.startswith("_:") or value in graph.objects or bool(re.match(r"^[a-zA-Z][\w+.-]*:[^\s]*$", value))


# --- publication checks (issue 15, item 11) --------------------------------------------------------


def locate_findings(data: bytes, line_based: bool, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The publication checks' findings (`Finding.to_json()`) with the `line` of the uploaded file
    where each is: the line naming its property and value at or after the first line of its focus
    (an IRI), else the line of the focus itself. Blank-node focuses carry the checker's own labels,
    not the file's: they get a line only from their property and value. Same reading as `locator`."""
    if not line_based or len(data) > MAX_TEXT:
        return findings
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return findings
    index = LineIndex(text, Graph([]))
    out = []
    for finding in findings:
        focus, path = finding.get("focus") or "", finding.get("path")
        value = str(finding["value"]) if finding.get("value") is not None else None
        line = None
        if focus and not focus.startswith("_:"):
            line = index.triple_line(focus, path, value, literal=value is not None and not _looks_like_node(value, index.graph))
        elif path and value and not value.startswith("_:"):
            literal = not _looks_like_node(value, index.graph)
            has_value = (lambda text_line, v=value[:60]: v in text_line) if literal else index._pattern(value).search
            line = index._find(1, index._pattern(path).search, has_value)
        out.append(dict(finding, line=line) if line else finding)
    return out
