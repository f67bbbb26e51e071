"""The query page: YASGUI (vendored under registry/web/static/yasgui/, nothing from a CDN).

One function renders it, so the web UI (Jinja2 templates) can replace it later. No inline script
or style (issue 12: the pages' CSP has no 'unsafe-inline'): the page's script and style are
`sparql-page.js` / `sparql-page.css` beside YASGUI, the examples a JSON data block (not run).
"""

from __future__ import annotations

import json
from html import escape

from registry.sparql.description import EXAMPLE_QUERIES

YASGUI_VERSION = "4.6.2"  # @zazuko/yasgui from the npm registry (MIT); see registry/web/static/yasgui/README.md


def query_page(endpoint_path: str, static_path: str, options) -> str:
    examples = json.dumps([{"name": n, "query": q} for n, q in EXAMPLE_QUERIES]).replace("</", "<\\/")
    buttons = "\n".join(
        f'<li><button type="button" data-example="{i}">{escape(name)}</button></li>'
        for i, (name, _) in enumerate(EXAMPLE_QUERIES)
    )
    first = escape(EXAMPLE_QUERIES[0][1])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL query — profile registry</title>
<link rel="stylesheet" href="{static_path}yasgui.min.css">
<link rel="stylesheet" href="{static_path}sparql-page.css">
</head>
<body>
<header>
<h1>SPARQL query</h1>
<p>Endpoint <code>{escape(endpoint_path)}</code> (SPARQL 1.1 Protocol, read-only). The default graph is the
union of every published graph. Limits: {options.timeout_s:g} s per query, {options.max_rows} rows,
{options.per_client} queries at a time per client; SERVICE and updates are refused.</p>
<h2>Examples</h2>
<ul class="examples">
{buttons}
</ul>
</header>
<main id="yasgui" data-endpoint="{escape(endpoint_path, quote=True)}"></main>
<script type="application/json" id="sparql-examples">{examples}</script>
<noscript>
<form method="get" action="{escape(endpoint_path)}">
<textarea name="query" rows="12" cols="100">{first}</textarea><br>
<button type="submit">Run</button>
</form>
</noscript>
<script src="{static_path}yasgui.min.js"></script>
<script src="{static_path}sparql-page.js"></script>
</body>
</html>
"""
