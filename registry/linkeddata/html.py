"""A minimal server-rendered HTML view of a resource (one function, to be replaced by the web UI's
Jinja2 templates)."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

import pyoxigraph as ox

from registry.iri_schemes import is_web_link
from registry.linkeddata.conneg import alternate_url


def _term(term, base: str) -> str:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if not is_web_link(iri):  # javascript:, data:, mailto:...: text, never a link (issue 12)
            return f'<span class="iri">{escape(iri)}</span>'
        href = iri if iri.startswith(base) else "/resource?iri=" + quote(iri, safe="")
        return f'<a href="{escape(href, quote=True)}">{escape(iri)}</a>'
    if isinstance(term, ox.Literal):
        lang = f' <small lang="{escape(term.language)}">@{escape(term.language)}</small>' if term.language else ""
        return f"{escape(term.value)}{lang}"
    return escape(str(term))


def render_resource(url: str, profile, profiles, triples) -> str:
    parts = url.split("/", 3)
    base = "/".join(parts[:3]) + "/" if len(parts) >= 3 else url
    rows = "\n".join(
        f"<tr><td>{_term(t.subject, base)}</td><td>{_term(t.predicate, base)}</td><td>{_term(t.object, base)}</td></tr>"
        for t in sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    )
    links = " · ".join(
        f'<a href="{escape(alternate_url(url, p.token), quote=True)}">{escape(p.label)}</a>' for p in profiles
    )
    formats = " · ".join(
        f'<a href="{escape(alternate_url(url, profile.token, m), quote=True)}">{m}</a>'
        for m in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
                  "application/n-quads", "application/trig")
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(url)}</title>
<link rel="stylesheet" href="/static/css/resource.css">
</head><body>
<h1>{escape(url)}</h1>
<p>Profile: {escape(profile.label)} &lt;{escape(profile.iri)}&gt;. Also: {links} · <a href="{escape(alternate_url(url, "alt"), quote=True)}">all representations</a></p>
<p>Download: {formats}</p>
<table><thead><tr><th>subject</th><th>predicate</th><th>object</th></tr></thead><tbody>
{rows}
</tbody></table>
</body></html>
"""
