"""Default result messages in English and French, per SHACL constraint component.

SHACL §3.6.2.4 (`sh:resultMessage`): a shape's own `sh:message` values are used as they are
(pyshacl copies every language); when a shape has none, the registry writes a message from the
constraint component (SHACL §4) and its parameters, in the languages below, meant to be shown next
to a form field (the field's label, `sh:name`, is given separately). Choice order is documented in
`registry.validation.report.pick_message`.
"""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import SH

LANGUAGES = ("en", "fr")

_SH = str(SH)


def _short(term) -> str:
    if term is None:
        return "?"
    if isinstance(term, Literal):
        return str(term)
    text = str(term)
    for sep in ("#", "/"):
        if sep in text.rstrip(sep):
            tail = text.rstrip(sep).rsplit(sep, 1)[1]
            if tail:
                return tail
    return text


def _list(graph, head) -> str:
    from registry.publishing.references import rdf_list_items

    return ", ".join(_short(x) for x in rdf_list_items(graph, head)[:10])


# component local name → (parameter, en template, fr template); {p} = parameter value, {v} = value
_TEMPLATES: dict[str, tuple[str | None, str, str]] = {
    "MinCountConstraintComponent": ("minCount", "At least {p} value(s) required.", "Au moins {p} valeur(s) requise(s)."),
    "MaxCountConstraintComponent": ("maxCount", "At most {p} value(s) allowed.", "Au plus {p} valeur(s) autorisée(s)."),
    "ClassConstraintComponent": ("class", "The value {v} must be a {p}.", "La valeur {v} doit être de type {p}."),
    "DatatypeConstraintComponent": ("datatype", "The value {v} must be of datatype {p}.", "La valeur {v} doit être du type de données {p}."),
    "NodeKindConstraintComponent": ("nodeKind", "The value {v} must be a {p}.", "La valeur {v} doit être de nature {p}."),
    "InConstraintComponent": ("in", "The value {v} is not one of the allowed values ({p}).", "La valeur {v} ne fait pas partie des valeurs permises ({p})."),
    "HasValueConstraintComponent": ("hasValue", "The value {p} is required.", "La valeur {p} est requise."),
    "PatternConstraintComponent": ("pattern", "The value {v} does not match the expected format ({p}).", "La valeur {v} ne respecte pas le format attendu ({p})."),
    "MinLengthConstraintComponent": ("minLength", "The value must have at least {p} characters.", "La valeur doit avoir au moins {p} caractères."),
    "MaxLengthConstraintComponent": ("maxLength", "The value must have at most {p} characters.", "La valeur doit avoir au plus {p} caractères."),
    "MinInclusiveConstraintComponent": ("minInclusive", "The value {v} must be at least {p}.", "La valeur {v} doit être supérieure ou égale à {p}."),
    "MaxInclusiveConstraintComponent": ("maxInclusive", "The value {v} must be at most {p}.", "La valeur {v} doit être inférieure ou égale à {p}."),
    "MinExclusiveConstraintComponent": ("minExclusive", "The value {v} must be greater than {p}.", "La valeur {v} doit être strictement supérieure à {p}."),
    "MaxExclusiveConstraintComponent": ("maxExclusive", "The value {v} must be less than {p}.", "La valeur {v} doit être strictement inférieure à {p}."),
    "LanguageInConstraintComponent": ("languageIn", "The value {v} must be in one of these languages: {p}.", "La valeur {v} doit être dans l'une de ces langues : {p}."),
    "UniqueLangConstraintComponent": (None, "Give at most one value per language.", "Donnez au plus une valeur par langue."),
    "NodeConstraintComponent": ("node", "The value {v} does not have the expected structure.", "La valeur {v} n'a pas la structure attendue."),
    "ClosedConstraintComponent": (None, "The property of value {v} is not allowed here.", "La propriété de valeur {v} n'est pas autorisée ici."),
    "EqualsConstraintComponent": ("equals", "The values must equal those of {p}.", "Les valeurs doivent être égales à celles de {p}."),
    "DisjointConstraintComponent": ("disjoint", "The value {v} must not also be a value of {p}.", "La valeur {v} ne doit pas être aussi une valeur de {p}."),
    "LessThanConstraintComponent": ("lessThan", "The value {v} must be less than the values of {p}.", "La valeur {v} doit être inférieure aux valeurs de {p}."),
    "LessThanOrEqualsConstraintComponent": ("lessThanOrEquals", "The value {v} must be at most the values of {p}.", "La valeur {v} doit être inférieure ou égale aux valeurs de {p}."),
    "OrConstraintComponent": (None, "The value {v} matches none of the allowed alternatives.", "La valeur {v} ne correspond à aucune des possibilités permises."),
    "XoneConstraintComponent": (None, "The value {v} must match exactly one of the alternatives.", "La valeur {v} doit correspondre à exactement une des possibilités."),
    "AndConstraintComponent": (None, "The value {v} does not meet all the conditions.", "La valeur {v} ne remplit pas toutes les conditions."),
    "NotConstraintComponent": (None, "The value {v} matches a form that is not allowed.", "La valeur {v} correspond à une forme interdite."),
    "QualifiedMinCountConstraintComponent": ("qualifiedMinCount", "At least {p} value(s) of the expected kind required.", "Au moins {p} valeur(s) du type attendu requise(s)."),
    "QualifiedMaxCountConstraintComponent": ("qualifiedMaxCount", "At most {p} value(s) of the expected kind allowed.", "Au plus {p} valeur(s) du type attendu autorisée(s)."),
    "SPARQLConstraintComponent": (None, "The value {v} breaks a rule of the profile.", "La valeur {v} enfreint une règle du profil."),
}


def has_default_message(component) -> bool:
    """Whether the registry writes its own message (`default_messages`) for results of this
    constraint component, so that pyshacl's generic message is never shown for them."""
    text = str(component) if component is not None else ""
    return text.startswith(_SH) and text[len(_SH):] in _TEMPLATES


def default_messages(graph, shape, component, value) -> dict[str, str]:
    """{"en": ..., "fr": ...} for a result of `component` raised by `shape`; {} if unknown."""
    if not has_default_message(component):
        return {}
    entry = _TEMPLATES.get(str(component)[len(_SH):])
    if entry is None:
        return {}
    param, en, fr = entry
    p = ""
    if param is not None:
        term = graph.value(shape, URIRef(_SH + param))
        p = _list(graph, term) if param in ("in", "languageIn") and term is not None else _short(term)
    v = "" if value is None else (f"« {value} »" if isinstance(value, Literal) else _short(value))
    return {
        "en": " ".join(en.format(p=p, v=v.replace("«", '"').replace("»", '"')).split()),
        "fr": " ".join(fr.format(p=p, v=v).split()),
    }


def deprecated_messages(concept: str, replacements: list[tuple[str, dict[str, str]]]) -> dict[str, str]:
    """Messages of the registry's deprecated-concept warning, naming the replacement(s)."""
    if not replacements:
        return {
            "en": f"The concept <{concept}> is deprecated in its vocabulary; choose another concept.",
            "fr": f"Le concept <{concept}> est obsolète dans son vocabulaire ; choisissez-en un autre.",
        }

    def names(lang: str) -> str:
        parts = []
        for iri, labels in replacements:
            label = labels.get(lang) or labels.get("en") or labels.get("") or next(iter(labels.values()), None)
            parts.append(f"« {label} » <{iri}>" if label and lang == "fr" else f'"{label}" <{iri}>' if label else f"<{iri}>")
        return ", ".join(parts)

    return {
        "en": f"The concept <{concept}> is deprecated; use {names('en')} instead.",
        "fr": f"Le concept <{concept}> est obsolète ; utilisez plutôt {names('fr')}.",
    }
