"""A large N-Triples upload bulk-loaded in pieces of whole lines (issue 16, "Speed and size": a
publication at 1M triples within 1 GB).

pyoxigraph's `Store.bulk_load` parses a batch of up to a million quads into memory before it
writes any of them (the `BulkLoader` of Oxigraph, whose batch size pyoxigraph 0.5 does not expose):
a 1M-triple document peaks at ~880 MB in a bare process, which left the server ~40 MB over the
limit with the parse and checks beside the load (benchmarks/results/vocab.txt). N-Triples is one
statement per line and no line depends on another but through blank node labels, so the same
document loaded in pieces of whole lines of `PIECE_BYTES` each is the same graph: 324 MB peak in
a bare process for the same file, for 3% more CPU (8.8 s against 8.5 s, two runs each).

Never when the document may hold a blank node: each bulk load renames blank nodes apart (so that
loads do not merge them), and a `_:b` used in two pieces would become two nodes. Every blank node
label starts with the bytes `_:`; a document without them has none (with them in a literal or an
IRI, it loads whole: a false alarm costs memory, never meaning).
"""

from __future__ import annotations

import mmap
from pathlib import Path

#: the size of one piece (bytes of whole lines): ~270k triples of the synthetic vocabulary
PIECE_BYTES = 32 << 20


def ntriples_pieces(path: Path, piece_bytes: int = PIECE_BYTES) -> list[tuple[int, int]]:
    """The (start, end) byte ranges, each of whole lines and about `piece_bytes` long, that cover
    the N-Triples document at `path`; one range when it is small or may hold a blank node."""
    size = path.stat().st_size
    if size <= piece_bytes:
        return [(0, size)]
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b"_:") >= 0:
            return [(0, size)]
        ranges = []
        start = 0
        while size - start > piece_bytes:
            end = data.find(b"\n", start + piece_bytes - 1) + 1  # after the end of the line
            if end == 0:  # no line end after it: the rest is one line
                break
            ranges.append((start, end))
            start = end
        if start < size:
            ranges.append((start, size))
    return ranges
