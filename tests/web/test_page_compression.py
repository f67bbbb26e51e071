"""Pages are sent gzipped to clients that accept it (issue 15: every page but the SPARQL page under
100 kB transferred; the bundled profiles' field tables are ~100 kB of HTML), and as they are to
clients that do not. Streamed answers (NDJSON batches, SPARQL) are not compressed by this."""

from __future__ import annotations

import gzip

PAGE = "/ui/profiles/electron-microscopy/2.0.0?lang=fr"


def test_a_big_page_is_gzipped_for_a_client_that_accepts_it(bundled_client):
    with bundled_client.stream("GET", PAGE, headers={"Accept-Encoding": "gzip, deflate"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["vary"]
    html = gzip.decompress(raw).decode("utf-8")
    assert "<table" in html and 'lang="fr"' in html
    assert len(raw) < len(html.encode()) / 4  # what goes on the wire

    plain = bundled_client.get(PAGE, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == html  # the same page

    refused = bundled_client.get(PAGE, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
