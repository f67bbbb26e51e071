"""The validation report as files people keep (issue 15, item 7): CSV and PDF, in the page's language.

Both are made from the API's JSON report (registry/validation/report.py) and list the same rows as
the page: severity, field, where in the record (line or JSON Pointer), the focus node as the page
describes it, the value as written, the message. The PDF is drawn with fpdf2 (pure Python): with
DejaVu Sans when the system has it (every character of both languages), else with the PDF core
font Helvetica, whose Latin-1 covers French once a few typographic characters are spelt out.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from registry.web import i18n
from registry.profile_fields import curie

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
FONT_CANDIDATES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"))
LATIN1_SPELLING = {"œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "–": "-", "—": "-",
                   "≤": "<=", "≥": ">=", "\u202f": " ", "›": ">", "→": "->"}


def severity_label(t: i18n.Translator, severity: str) -> str:
    return t("severity." + severity) if severity in SEVERITY_ORDER else severity


def focus_text(result: dict[str, Any]) -> str:
    """The focus node as the page shows it: an IRI, or for a blank node the named node it hangs
    from and the properties followed (`<root> › dcat:distribution › (dcat:Distribution)`)."""
    focus = result.get("focus_node") or ""
    described = (result.get("source") or {}).get("focus")
    if not focus.startswith("_:"):
        return focus
    if not described:
        return ""
    parts = [curie(described["root"])] if described.get("root") else []
    parts += [curie(p) for p in described.get("path", [])]
    if described.get("label"):
        parts.append(f"« {described['label']} »")
    elif described.get("types"):
        parts.append("(" + ", ".join(curie(x) for x in described["types"]) + ")")
    return " › ".join(parts)


def value_text(result: dict[str, Any]) -> str:
    value = result.get("value")
    if value is None:
        return ""
    written = (result.get("source") or {}).get("value_text")
    if value.startswith("_:"):
        return written or ""
    return value


def where_text(t: i18n.Translator, result: dict[str, Any]) -> str:
    source = result.get("source") or {}
    parts = []
    if source.get("line"):
        parts.append(t("validate.at_line", l=source["line"]))
    pointer = source.get("pointer") if source.get("pointer") is not None else result.get("pointer")
    if pointer:
        parts.append(pointer)
    return " — ".join(parts)


def rows(report: dict[str, Any], t: i18n.Translator) -> list[list[str]]:
    """Header + one row per result, violations first (as the page orders them)."""
    header = [t("validate.severity"), t("validate.field"), t("validate.where"), t("validate.focus"),
              t("validate.value"), t("validate.message")]
    out = [header]
    results = sorted(report.get("results") or [], key=lambda r: SEVERITY_ORDER.get(r.get("severity", ""), 3))
    for r in results:
        field = r.get("field") or (curie(r["path"]) if r.get("path") else t("validate.other"))
        out.append([severity_label(t, r.get("severity", "")), field, where_text(t, r), focus_text(r), value_text(r),
                    r.get("message") or ""])
    return out


def csv_bytes(report: dict[str, Any], t: i18n.Translator) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerows(rows(report, t))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM: spreadsheet programs then read UTF-8


def _font_path() -> Path | None:
    return next((p for p in FONT_CANDIDATES if p.is_file()), None)


def pdf_bytes(report: dict[str, Any], t: i18n.Translator, profile_label: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    font_file = _font_path()
    if font_file is not None:
        pdf.add_font("body", "", str(font_file))
        family = "body"

        def clean(text: str) -> str:
            return text
    else:
        family = "helvetica"

        def clean(text: str) -> str:
            for char, spelt in LATIN1_SPELLING.items():
                text = text.replace(char, spelt)
            return text.encode("latin-1", "replace").decode("latin-1")

    pdf.set_title(clean(t("validate.report")))
    pdf.set_lang(t.lang)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 10, gap: float = 1.5) -> None:
        pdf.set_font(family, size=size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, size * 0.5, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(t("validate.report"), 16, 3)
    conforms = report.get("conforms")
    para(t("validate.conforms" if conforms else "validate.not_conforms", p=profile_label), 12)
    counts = report.get("counts") or {}
    para(t("validate.counts", v=counts.get("violation", 0), w=counts.get("warning", 0), i=counts.get("info", 0)), 10, 4)
    table = rows(report, t)
    header = table[0]
    for row in table[1:]:
        pdf.set_draw_color(200, 200, 200)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(1.5)
        para(f"{row[0].upper()} — {row[1]}", 11, 0.5)
        para(row[5], 10, 0.5)
        for label, text in zip(header[2:5], row[2:5]):
            if text:
                para(f"{label}{t('colon')} {text}", 9, 0.3)
        pdf.ln(2)
    return bytes(pdf.output())
