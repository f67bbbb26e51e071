"""Field tables in words, for people who do not read RDF (issue 15, items 1 and 2).

`registry.profile_fields` reads what the SHACL shapes say; this module says it the way a researcher
writes it, in French or English:

* `value_texts(field, lang)`: node kinds (`sh:IRI`, `sh:BlankNodeOrIRI`…), datatypes
  (`rdf:langString`, `xsd:gYear`…) and recognised `sh:pattern`s become words and an example value
  ("an e-mail address, e.g. mailto:jane@lab.fr"); a pattern it does not recognise stays available;
* `unit_lines(field, lang)`: QUDT units become symbols and ranges read as people write them
  ("1 fA – 200 µA" for `unit:A` with `1e-15 ≤ x ≤ 0.0002`), with French number typography
  (narrow no-break space between thousands, decimal comma);
* `cardinality_text(field, lang)`: "exactly 1", "1 or more"…;
* `field_anchor(group_key, path)`: the stable HTML id of a field's row on the profile page, which
  other pages (concept pages, validation reports) link to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from registry.profile_fields import Field, curie
from registry.web.i18n import Translator

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
QUDT_UNIT = "http://qudt.org/vocab/unit/"

#: datatype IRI → (message key, example value or None); the example is the same in both languages
#: except for texts with a language tag (`value.example.*`).
DATATYPES: dict[str, tuple[str, str | None]] = {
    XSD + "string": ("value.text", None),
    XSD + "normalizedString": ("value.text", None),
    RDF_NS + "langString": ("value.lang_text", "@lang"),
    RDF_NS + "HTML": ("value.text", None),
    XSD + "gYear": ("value.year", "2024"),
    XSD + "gYearMonth": ("value.year_month", "2024-03"),
    XSD + "date": ("value.date", "2024-03-15"),
    XSD + "dateTime": ("value.date_time", "2024-03-15T14:30:00Z"),
    XSD + "dateTimeStamp": ("value.date_time", "2024-03-15T14:30:00Z"),
    XSD + "time": ("value.time", "14:30:00"),
    XSD + "duration": ("value.duration", "PT1H30M"),
    XSD + "boolean": ("value.boolean", "true"),
    XSD + "integer": ("value.integer", "42"),
    XSD + "int": ("value.integer", "42"),
    XSD + "long": ("value.integer", "42"),
    XSD + "short": ("value.integer", "42"),
    XSD + "nonNegativeInteger": ("value.integer_non_negative", "42"),
    XSD + "positiveInteger": ("value.integer_positive", "42"),
    XSD + "decimal": ("value.number", "2.5"),
    XSD + "double": ("value.number", "2.5"),
    XSD + "float": ("value.number", "2.5"),
    XSD + "anyURI": ("value.web_address", "https://example.org/"),
    XSD + "language": ("value.language_tag", "fr"),
}

#: `sh:nodeKind` (as `fields.curie` writes it) → (message key, example)
NODE_KINDS: dict[str, tuple[str, str | None]] = {
    "sh:IRI": ("value.iri", "https://example.org/thing/1"),
    "sh:BlankNodeOrIRI": ("value.item_or_link", None),
    "sh:BlankNode": ("value.item", None),
    "sh:Literal": ("value.literal", None),
    "sh:IRIOrLiteral": ("value.link_or_text", None),
    "sh:BlankNodeOrLiteral": ("value.item_or_text", None),
}

#: recognised `sh:pattern`s: (what the regular expression mentions, message key, example value)
PATTERNS: list[tuple[re.Pattern, str, str]] = [
    (re.compile(r"^\^?mailto:"), "value.email", "mailto:jane@lab.fr"),
    (re.compile(r"orcid\\?\.org"), "value.orcid", "https://orcid.org/0000-0002-1825-0097"),
    (re.compile(r"ror\\?\.org"), "value.ror", "https://ror.org/02feahw73"),
    (re.compile(r"doi\\?\.org.*handle|handle.*doi\\?\.org"), "value.doi_or_handle", "https://doi.org/10.5281/zenodo.1234567"),
    (re.compile(r"doi\\?\.org"), "value.doi", "https://doi.org/10.5281/zenodo.1234567"),
    (re.compile(r"publications\\?\.europa\\?\.eu/resource/authority/language"), "value.eu_language",
     "http://publications.europa.eu/resource/authority/language/FRA"),
]


@dataclass
class ValueText:
    """One way of giving the value: words, an example, and the technical term they replace."""

    words: str
    example: str | None = None
    technical: str | None = None  # the datatype / node kind / regular expression, for the curious


def _example(example: str | None, t: Translator) -> str | None:
    if example == "@lang":
        return t("value.example.lang_text")
    return example


def pattern_text(pattern: str, t: Translator) -> ValueText:
    for probe, key, example in PATTERNS:
        if probe.search(pattern):
            return ValueText(t(key), example, pattern)
    return ValueText(t("value.pattern"), None, pattern)


def value_texts(f: Field, lang: str) -> list[ValueText]:
    """The kinds of value a field takes, in words (schemes, classes, `sh:in` lists are shown apart)."""
    t = Translator(lang)
    out: list[ValueText] = []
    recognised_pattern = f.pattern is not None and any(p.search(f.pattern) for p, _, _ in PATTERNS)
    if f.pattern is not None:
        out.append(pattern_text(f.pattern, t))
    for dt in f.datatypes:
        if dt in DATATYPES:
            key, example = DATATYPES[dt]
            out.append(ValueText(t(key), _example(example, t), curie(dt)))
        else:
            out.append(ValueText(t("value.datatype", d=curie(dt)), None, dt))
    if f.units:
        out.append(ValueText(t("value.quantity"), None, None))
    elif not (f.schemes or f.datatypes or f.classes or f.values or recognised_pattern) and f.node_kind:
        key, example = NODE_KINDS.get(f.node_kind, ("value.node_kind", None))
        out.append(ValueText(t(key, k=f.node_kind), example, f.node_kind))
    return out


#: the sentence the bundled shapes end a quantity's description with ("Allowed unit and range:
#: 1e-15–0.0002 A; …"): the unit column says it in words, so the page leaves it out
RANGE_SENTENCE = re.compile(r"\s*(Allowed units? and ranges?|Unités et intervalles admis)\s*:[^\n]*$")


def help_text(f: Field, lang: str) -> str:
    """The field's description, without the technical list of units and ranges when the unit
    column shows them."""
    text = f.help(lang)
    return RANGE_SENTENCE.sub("", text).strip() if f.units else text


def cardinality_text(f: Field, lang: str) -> str:
    t = Translator(lang)
    low, high = f.min_count or 0, f.max_count
    if high is None:
        return t("card.at_least", n=low)
    if low == high:
        return t("card.exactly", n=low)
    if low == 0:
        return t("card.at_most", n=high)
    return t("card.between", a=low, b=high)


# --- numbers and units ----------------------------------------------------------------------------

#: QUDT unit local name → (symbol of the SI unit, power of ten): ranges are shown with the SI
#: prefix people use for the magnitude ("200 µA", not "0.0002 A")
SCALED_UNITS: dict[str, tuple[str, int]] = {
    "A": ("A", 0), "MilliA": ("A", -3), "MicroA": ("A", -6), "NanoA": ("A", -9), "PicoA": ("A", -12), "FemtoA": ("A", -15),
    "V": ("V", 0), "MilliV": ("V", -3), "KiloV": ("V", 3), "MegaV": ("V", 6),
    "M": ("m", 0), "CentiM": ("m", -2), "MilliM": ("m", -3), "MicroM": ("m", -6), "NanoM": ("m", -9), "PicoM": ("m", -12),
    "SEC": ("s", 0), "MilliSEC": ("s", -3), "MicroSEC": ("s", -6), "NanoSEC": ("s", -9), "PicoSEC": ("s", -12),
    "HZ": ("Hz", 0), "KiloHZ": ("Hz", 3), "MegaHZ": ("Hz", 6), "GigaHZ": ("Hz", 9),
    "PA": ("Pa", 0), "MilliPA": ("Pa", -3), "KiloPA": ("Pa", 3),
    "J": ("J", 0), "MilliJ": ("J", -3), "MicroJ": ("J", -6), "NanoJ": ("J", -9), "PicoJ": ("J", -12),
    "RAD": ("rad", 0), "MilliRAD": ("rad", -3), "MicroRAD": ("rad", -6),
    "EV": ("eV", 0), "KiloEV": ("eV", 3),
    "W": ("W", 0), "MilliW": ("W", -3),
}
#: the SI prefixes each unit is written with (a dwell time reads "1000 s", not "1 ks")
PREFIX_RANGE: dict[str, tuple[int, int]] = {
    "A": (-15, 0), "V": (-3, 6), "m": (-12, 0), "s": (-12, 0), "Hz": (0, 9), "Pa": (-12, 6), "J": (-15, 0),
    "rad": (-6, 0), "eV": (0, 6), "W": (-12, 3),
}
PREFIXES = {-15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}
#: units shown as they are: (symbol, whether a space separates it from the number)
FIXED_UNITS: dict[str, tuple[str, bool]] = {
    "DEG": ("°", False), "DEG_C": ("°C", True), "K": ("K", True), "ANGSTROM": ("Å", True),
    "PERCENT": ("%", True), "FRACTION": ("", False), "UNITLESS": ("", False), "NUM": ("", False),
    "MilliBAR": ("mbar", True), "BAR": ("bar", True), "TORR": ("Torr", True), "MilliTORR": ("mTorr", True),
    "DEG_F": ("°F", True), "MIN": ("min", True), "HR": ("h", True), "DAY": ("d", True), "L": ("L", True),
    "MilliL": ("mL", True), "MicroL": ("µL", True), "GM": ("g", True), "MilliGM": ("mg", True),
}
NBSP = "\u00a0"
NNBSP = "\u202f"  # French thousands separator and space before "%"
MINUS = "\u2212"


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_number(value: Decimal, lang: str) -> str:
    """`Decimal("1000000000")` → "1 000 000 000" (fr, narrow no-break spaces) / "1,000,000,000" (en);
    `Decimal("-1.5")` → "−1,5" (fr) / "−1.5" (en). Four-digit integers stay ungrouped (SI brochure);
    very small or very large numbers are written with a power of ten ("7,5 × 10⁻¹⁵")."""
    value = value.normalize()
    if value != 0 and (abs(value) < Decimal("0.0001") or abs(value) >= Decimal("1e12")):
        exponent = value.adjusted()
        mantissa = format_number(value.scaleb(-exponent), lang)
        return f"{mantissa}{NBSP}×{NBSP}10{str(exponent).translate(SUPERSCRIPT)}"
    text = format(abs(value), "f")
    whole, _, fraction = text.partition(".")
    if len(whole) > 4:
        sep = NNBSP if lang == "fr" else ","
        groups: list[str] = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = sep.join(groups)
    out = whole + (("," if lang == "fr" else ".") + fraction if fraction else "")
    return (MINUS if value < 0 else "") + out


def _with_unit(number: str, symbol: str, spaced: bool, lang: str) -> str:
    if not symbol:
        return number
    if symbol == "%":
        return number + (NNBSP + "%" if lang == "fr" else "%")
    return number + (NBSP if spaced else "") + symbol


def quantity_text(value: Decimal, unit: str | None, lang: str) -> str:
    """A value in `unit` (a QUDT unit IRI or None), as people write it: `1e-15` A → "1 fA"."""
    number, symbol, spaced = quantity_parts(value, unit, lang)
    return _with_unit(number, symbol, spaced, lang)


def quantity_parts(value: Decimal, unit: str | None, lang: str) -> tuple[str, str, bool]:
    """(number, unit symbol, whether a space separates them) of a value in `unit`."""
    local = unit[len(QUDT_UNIT):] if unit and unit.startswith(QUDT_UNIT) else None
    if local in SCALED_UNITS:
        base, power = SCALED_UNITS[local]
        low, high = PREFIX_RANGE.get(base, (0, 0))
        si = value.scaleb(power)
        exponent = 0
        if si != 0:
            exponent = (si.adjusted() // 3) * 3
            exponent = max(low, min(high, exponent))
        return format_number(si.scaleb(-exponent), lang), PREFIXES[exponent] + base, True
    if local in FIXED_UNITS:
        symbol, spaced = FIXED_UNITS[local]
        return format_number(value, lang), symbol, spaced
    return format_number(value, lang), curie(unit) if unit else "", True


def unit_symbol(unit: str) -> str:
    """`unit:MicroA` → "µA"; a unit it does not know: its short name."""
    local = unit[len(QUDT_UNIT):] if unit.startswith(QUDT_UNIT) else None
    if local in SCALED_UNITS:
        base, power = SCALED_UNITS[local]
        return PREFIXES.get(power, "") + base if power in PREFIXES else {-2: "c"}.get(power, "") + base
    if local in FIXED_UNITS:
        return FIXED_UNITS[local][0] or local.lower()
    return curie(unit)


def range_words(rng: dict[str, str], unit: str | None, lang: str) -> str:
    """A SHACL range (`minInclusive`…) in words: "1 fA – 200 µA", "more than 0 K", "up to 90°"."""
    t = Translator(lang)

    def q(key: str) -> tuple[str, str, bool] | None:
        value = _decimal(rng[key]) if key in rng else None
        return quantity_parts(value, unit, lang) if value is not None else None

    low_parts, low_open = q("minInclusive"), False
    if low_parts is None and q("minExclusive") is not None:
        low_parts, low_open = q("minExclusive"), True
    high_parts, high_open = q("maxInclusive"), False
    if high_parts is None and q("maxExclusive") is not None:
        high_parts, high_open = q("maxExclusive"), True
    low = _with_unit(*low_parts, lang) if low_parts else None
    high = _with_unit(*high_parts, lang) if high_parts else None
    if low_parts and high_parts and not (low_open or high_open):
        # "0 – 200 mrad", "10 – 300 K": the unit once when both ends share it, or the low end is 0
        same = low_parts[1] == high_parts[1] and low_parts[2]
        if same or low_parts[0] == "0":
            low = low_parts[0]
    if low is not None and high is not None:
        key = {(False, False): "range.between", (True, False): "range.above_up_to",
               (False, True): "range.from_below", (True, True): "range.above_below"}[(low_open, high_open)]
        return t(key, a=low, b=high)
    if low is not None:
        return t("range.above" if low_open else "range.at_least", a=low)
    if high is not None:
        return t("range.below" if high_open else "range.up_to", b=high)
    return ""


@dataclass
class UnitLine:
    units: list[tuple[str, str]]  # (unit IRI, symbol)
    range: str


def unit_lines(f: Field, lang: str) -> list[UnitLine]:
    """The units a field accepts and their ranges; units whose ranges read the same are one line
    ("A, mA, µA, nA, pA, fA: 1 fA – 200 µA")."""
    pairs = [(unit, rng) for unit, rng in f.unit_ranges] or [(unit, f.range) for unit in f.units]
    lines: list[UnitLine] = []
    for unit, rng in pairs:
        text = range_words(rng, unit, lang)
        line = next((line for line in lines if line.range == text), None)
        if line is None:
            lines.append(line := UnitLine([], text))
        if all(u != unit for u, _ in line.units):
            line.units.append((unit, unit_symbol(unit)))
    return lines


def plain_range(f: Field, lang: str) -> str:
    """The range of a field without unit ("0 – 1 000 000 000")."""
    return "" if f.units else range_words(f.range, None, lang)


# --- anchors --------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", "".join(ch if ch.isalnum() else "-" for ch in text)).strip("-")


def _local(text: str) -> str:
    """The last word of an IRI, a CURIE or an `objects of` group key: `dcat:contactPoint` → `contactPoint`."""
    return re.split(r"[#/: ]", text.rstrip("#/"))[-1] or text


def field_anchor(group_key: str, path: str) -> str:
    """The HTML id of a field's row, `f-<kind of object>-<property>` (`f-Dataset-title`,
    `f-contactPoint-hasEmail`): from the group's target class or `objects of` property and the
    field's path, so it stays the same across versions and whatever the order of the rows.
    A complex path (`^dct:isPartOf`) keeps its punctuation as dashes."""
    path_part = _local(path) if path.startswith(("http://", "https://", "urn:")) else _slug(curie(path))
    return "f-" + _slug(_local(group_key)) + "-" + _slug(path_part)
