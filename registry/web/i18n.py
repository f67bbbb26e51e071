"""The pages' languages: French and English.

The language of a page is, in order: `?lang=fr|en` (which also sets the `lang` cookie), the `lang`
cookie, the best match in Accept-Language, English. Messages live in `MESSAGES` below, one entry per
key with both languages side by side (a test checks that every key has both); templates call
`t("key", name=value)` which formats with `str.format`.

Plurals: a key with `.one` / `.other` variants is called as `t.n("key", count, ...)` (`{n}` is the
count): French takes the singular for 0 and 1, English for 1 only (CLDR plural rules).

French typography: French texts get a narrow no-break space (U+202F) before `:`, `;`, `?`, `!` and
inside « », applied to the message's own text (not to the values formatted into it: IRIs, codes),
so the table below can be written with ordinary spaces.
"""

from __future__ import annotations

import re

from registry.http import best_language

from starlette.requests import Request

LANGUAGES = ("en", "fr")
DEFAULT = "en"
COOKIE = "lang"

MESSAGES: dict[str, dict[str, str]] = {
    # layout
    "colon": {"en": ":", "fr": " :"},
    "site.name": {"en": "Metadata profile registry", "fr": "Registre de profils de métadonnées"},
    "site.tagline": {
        "en": "Research metadata profiles (SHACL) and vocabularies (SKOS), published by communities.",
        "fr": "Profils de métadonnées de recherche (SHACL) et vocabulaires (SKOS), publiés par les communautés.",
    },
    "nav.label": {"en": "Main menu", "fr": "Menu principal"},
    "nav.home": {"en": "Home", "fr": "Accueil"},
    "nav.profiles": {"en": "Profiles", "fr": "Profils"},
    "nav.vocabularies": {"en": "Vocabularies", "fr": "Vocabulaires"},
    "nav.validate": {"en": "Validate", "fr": "Valider"},
    "nav.query": {"en": "Query", "fr": "Interroger"},
    "nav.community": {"en": "Community area", "fr": "Espace communauté"},
    "nav.api": {"en": "API", "fr": "API"},
    "skip": {"en": "Skip to content", "fr": "Aller au contenu"},
    "lang.switch": {"en": "Français", "fr": "English"},
    "lang.switch_label": {"en": "Lire cette page en français", "fr": "Read this page in English"},
    "breadcrumb": {"en": "Breadcrumb", "fr": "Fil d'Ariane"},
    "footer.api": {"en": "Every page is a view of the API: ask for JSON or RDF with the Accept header.",
                   "fr": "Chaque page est une vue de l'API : demandez du JSON ou du RDF avec l'en-tête Accept."},
    # home
    "home.title": {"en": "What the registry holds", "fr": "Ce que contient le registre"},
    "home.communities": {"en": "communities", "fr": "communautés"},
    "home.profiles": {"en": "profiles", "fr": "profils"},
    "home.vocabularies": {"en": "vocabularies", "fr": "vocabulaires"},
    "home.concepts": {"en": "concepts", "fr": "concepts"},
    "home.search": {"en": "Search profiles and concepts", "fr": "Rechercher des profils et des concepts"},
    "home.do": {"en": "What you can do", "fr": "Que faire ici"},
    "home.do.validate": {"en": "Validate a metadata record against a profile", "fr": "Valider une fiche de métadonnées selon un profil"},
    "home.do.query": {"en": "Query everything with SPARQL", "fr": "Tout interroger en SPARQL"},
    "home.do.browse": {"en": "Browse the profiles and their fields", "fr": "Parcourir les profils et leurs champs"},
    "home.do.vocab": {"en": "Browse the vocabularies", "fr": "Parcourir les vocabulaires"},
    "home.do.publish": {"en": "Publish a profile or a vocabulary (communities)", "fr": "Publier un profil ou un vocabulaire (communautés)"},
    # search
    "search.label": {"en": "Search", "fr": "Rechercher"},
    "search.placeholder": {"en": "e.g. microscopy, tension…", "fr": "ex. microscopie, tension…"},
    "search.button": {"en": "Search", "fr": "Rechercher"},
    "search.title": {"en": "Search", "fr": "Recherche"},
    "search.results_for": {"en": "Results for “{q}”", "fr": "Résultats pour « {q} »"},
    "search.profiles": {"en": "Profiles", "fr": "Profils"},
    "search.concepts": {"en": "Concepts", "fr": "Concepts"},
    "search.none": {"en": "Nothing found.", "fr": "Aucun résultat."},
    "search.hint": {"en": "Type at least 2 characters; suggestions appear as you type (arrow keys to choose).",
                    "fr": "Saisissez au moins 2 caractères ; des suggestions s'affichent (flèches pour choisir)."},
    "search.suggestions": {"en": "{n} suggestions", "fr": "{n} suggestions"},
    "search.in_vocabulary": {"en": "in {v}", "fr": "dans {v}"},
    # profiles
    "profiles.title": {"en": "Profiles", "fr": "Profils"},
    "profiles.intro": {"en": "Each profile is a SHACL shapes graph, versioned; a profile may extend another one.",
                       "fr": "Chaque profil est un graphe de formes SHACL, versionné ; un profil peut en étendre un autre."},
    "profiles.none": {"en": "No profile has been published yet.", "fr": "Aucun profil n'a encore été publié."},
    "col.profile": {"en": "Profile", "fr": "Profil"},
    "col.community": {"en": "Community", "fr": "Communauté"},
    "col.latest": {"en": "Latest version", "fr": "Dernière version"},
    "col.extends": {"en": "Extends", "fr": "Étend"},
    "col.versions": {"en": "Versions", "fr": "Versions"},
    "profile.version": {"en": "Version {v}", "fr": "Version {v}"},
    "profile.extends": {"en": "Profile of", "fr": "Profil de"},
    "profile.iri": {"en": "IRI", "fr": "IRI"},
    "profile.status": {"en": "Status", "fr": "Statut"},
    "profile.issued": {"en": "Issued", "fr": "Publié le"},
    "profile.modified": {"en": "Modified", "fr": "Modifié le"},
    "profile.community": {"en": "Community", "fr": "Communauté"},
    "profile.fields": {"en": "Fields", "fr": "Champs"},
    "profile.fields_intro": {
        "en": "Generated from the SHACL shapes of this version and of the profiles it extends.",
        "fr": "Généré à partir des formes SHACL de cette version et des profils qu'elle étend.",
    },
    "profile.no_fields": {"en": "This profile declares no fields.", "fr": "Ce profil ne déclare aucun champ."},
    "profile.history": {"en": "Version history", "fr": "Historique des versions"},
    "profile.downloads": {"en": "Downloads", "fr": "Téléchargements"},
    "profile.download_shapes": {"en": "SHACL shapes", "fr": "Formes SHACL"},
    "profile.download_description": {"en": "PROF/DCAT description", "fr": "Description PROF/DCAT"},
    "profile.download_context": {"en": "JSON-LD context", "fr": "Contexte JSON-LD"},
    "community.dataverse": {"en": "Import a Dataverse metadata block", "fr": "Importer un bloc de métadonnées Dataverse"},
    "community.dataverse_help": {
        "en": "A block TSV (as loaded by /api/admin/datasetfield/load) and its .properties files (block.properties "
              "in English, block_fr.properties in French…) become a draft profile with one vocabulary per "
              "controlled field, checked like any upload.",
        "fr": "Un bloc TSV (tel que chargé par /api/admin/datasetfield/load) et ses fichiers .properties "
              "(bloc.properties en anglais, bloc_fr.properties en français…) deviennent un profil brouillon avec un "
              "vocabulaire par champ contrôlé, vérifié comme tout dépôt.",
    },
    "community.dataverse_tsv": {"en": "Block (.tsv)", "fr": "Bloc (.tsv)"},
    "community.dataverse_properties": {"en": "Translations (.properties, several allowed)",
                                       "fr": "Traductions (.properties, plusieurs possibles)"},
    "community.dataverse_import": {"en": "Import the block", "fr": "Importer le bloc"},
    "community.dataverse_version": {"en": "Version of the imported profile", "fr": "Version du profil importé"},
    "community.dataverse_draft": {
        "en": "Dataverse block {block} imported as the draft profile {id} {v}: {n} fields, {m} vocabularies.",
        "fr": "Bloc Dataverse {block} importé comme profil brouillon {id} {v} : {n} champs, {m} vocabulaires.",
    },
    "profile.dataverse": {"en": "Install in Dataverse", "fr": "Installer dans Dataverse"},
    "profile.dataverse_intro": {
        "en": "This version as the Dataverse metadata block {block}: the block, its English and French strings, "
              "the external-vocabulary configuration (:CVocConf) and a report of what Dataverse cannot express. "
              "An administrator installs it with four API calls:",
        "fr": "Cette version comme bloc de métadonnées Dataverse {block} : le bloc, ses libellés anglais et français, "
              "la configuration des vocabulaires externes (:CVocConf) et un rapport de ce que Dataverse ne sait pas "
              "exprimer. Un administrateur l'installe en quatre appels d'API :",
    },
    "profile.validate_with": {"en": "Validate a record with this version", "fr": "Valider une fiche avec cette version"},
    "profile.vocabularies": {"en": "Vocabularies used", "fr": "Vocabulaires utilisés"},
    "profile.target": {"en": "Applies to", "fr": "S'applique à"},
    "profile.target.objects": {"en": "Applies to the values of", "fr": "S'applique aux valeurs de"},
    "profile.target.subjects": {"en": "Applies to everything that has", "fr": "S'applique à tout ce qui a"},
    "group.objects": {"en": "Values of {p}", "fr": "Valeurs de {p}"},
    "group.subjects": {"en": "Things with {p}", "fr": "Ce qui a {p}"},
    "profile.deprecated_note": {"en": "This version is deprecated.", "fr": "Cette version est dépréciée."},
    "profile.draft_note": {"en": "This version is a draft, visible to its community only.",
                           "fr": "Cette version est un brouillon, visible de sa seule communauté."},
    "field.label": {"en": "Field", "fr": "Champ"},
    "field.description": {"en": "Description", "fr": "Description"},
    "field.property": {"en": "Property", "fr": "Propriété"},
    "field.requirement": {"en": "Obligation", "fr": "Obligation"},
    "field.cardinality": {"en": "Cardinality", "fr": "Cardinalité"},
    "field.values": {"en": "Values", "fr": "Valeurs"},
    "field.unit_range": {"en": "Unit and range", "fr": "Unité et plage"},
    "field.origin": {"en": "From", "fr": "Origine"},
    "field.inherited_from": {"en": "inherited from {p}", "fr": "hérité de {p}"},
    "field.refines": {"en": "refines {p}", "fr": "précise {p}"},
    "field.own": {"en": "this profile", "fr": "ce profil"},
    "field.vocabulary": {"en": "concept from {v}", "fr": "concept de {v}"},
    "field.one_of": {"en": "one of", "fr": "parmi"},
    "field.class": {"en": "instance of {c}", "fr": "instance de {c}"},
    "field.see": {"en": "see {g}", "fr": "voir {g}"},
    "field.pattern": {"en": "pattern", "fr": "motif"},
    "req.required": {"en": "required", "fr": "obligatoire"},
    "req.recommended": {"en": "recommended", "fr": "recommandé"},
    "req.optional": {"en": "optional", "fr": "facultatif"},
    # field tables in words (registry/web/fieldtext.py, issue 15 items 1-2)
    "field.eg": {"en": "e.g.", "fr": "p. ex."},
    "field.technical": {"en": "technical form", "fr": "forme technique"},
    "field.units": {"en": "Units", "fr": "Unités"},
    "fields.filter": {"en": "Show", "fr": "Afficher"},
    "fields.filter.required": {"en": "Required ({n})", "fr": "Obligatoires ({n})"},
    "fields.filter.recommended": {"en": "Required and recommended ({n})", "fr": "Obligatoires et recommandés ({n})"},
    "fields.filter.all": {"en": "All ({n})", "fr": "Tous ({n})"},
    "fields.filter.apply": {"en": "Apply", "fr": "Appliquer"},
    "fields.filter.none": {"en": "No field of this kind of object at this level.",
                           "fr": "Aucun champ de ce type d'objet à ce niveau."},
    "value.text": {"en": "a text", "fr": "un texte"},
    "value.lang_text": {"en": "a text with its language", "fr": "un texte avec sa langue"},
    "value.example.lang_text": {"en": "\"Structure of the ribosome\"@en", "fr": "\"Structure du ribosome\"@fr"},
    "value.year": {"en": "a year", "fr": "une année"},
    "value.year_month": {"en": "a year and month", "fr": "une année et un mois"},
    "value.date": {"en": "a date (year-month-day)", "fr": "une date (année-mois-jour)"},
    "value.date_time": {"en": "a date and time", "fr": "une date et une heure"},
    "value.time": {"en": "a time of day", "fr": "une heure"},
    "value.duration": {"en": "a duration", "fr": "une durée"},
    "value.boolean": {"en": "yes or no (true or false)", "fr": "oui ou non (true ou false)"},
    "value.integer": {"en": "a whole number", "fr": "un nombre entier"},
    "value.integer_non_negative": {"en": "a whole number, 0 or more", "fr": "un nombre entier positif ou nul"},
    "value.integer_positive": {"en": "a whole number, 1 or more", "fr": "un nombre entier strictement positif"},
    "value.number": {"en": "a number (decimal point)", "fr": "un nombre (avec un point décimal)"},
    "value.web_address": {"en": "a web address", "fr": "une adresse web"},
    "value.language_tag": {"en": "a language code", "fr": "un code de langue"},
    "value.datatype": {"en": "a value of type {d}", "fr": "une valeur de type {d}"},
    "value.iri": {"en": "a link (web identifier)", "fr": "un lien (identifiant web)"},
    "value.item_or_link": {"en": "an item described in the record, or a link to it",
                           "fr": "un élément décrit dans la fiche, ou un lien vers lui"},
    "value.item": {"en": "an item described in the record", "fr": "un élément décrit dans la fiche"},
    "value.literal": {"en": "a text or a value", "fr": "un texte ou une valeur"},
    "value.link_or_text": {"en": "a link or a text", "fr": "un lien ou un texte"},
    "value.item_or_text": {"en": "an item described in the record, or a text",
                           "fr": "un élément décrit dans la fiche, ou un texte"},
    "value.node_kind": {"en": "a value of kind {k}", "fr": "une valeur de nature {k}"},
    "value.quantity": {"en": "a quantity: a number and its unit (qudt:numericValue, qudt:hasUnit)",
                       "fr": "une grandeur : un nombre et son unité (qudt:numericValue, qudt:hasUnit)"},
    "value.email": {"en": "an e-mail address", "fr": "une adresse e-mail"},
    "value.orcid": {"en": "an ORCID identifier", "fr": "un identifiant ORCID"},
    "value.ror": {"en": "a ROR identifier (organisation)", "fr": "un identifiant ROR (organisme)"},
    "value.doi": {"en": "a DOI link", "fr": "un lien DOI"},
    "value.doi_or_handle": {"en": "a DOI or Handle link", "fr": "un lien DOI ou Handle"},
    "value.eu_language": {"en": "a language of the EU list of languages",
                          "fr": "une langue de la liste des langues de l'UE"},
    "value.pattern": {"en": "a text of a set form", "fr": "un texte de forme imposée"},
    "card.at_least": {"en": "{n} or more", "fr": "{n} ou plus"},
    "card.exactly": {"en": "exactly {n}", "fr": "exactement {n}"},
    "card.at_most": {"en": "at most {n}", "fr": "au plus {n}"},
    "card.between": {"en": "{a} to {b}", "fr": "de {a} à {b}"},
    "range.between": {"en": "{a} – {b}", "fr": "{a} – {b}"},
    "range.above_up_to": {"en": "more than {a}, up to {b}", "fr": "plus de {a}, jusqu'à {b}"},
    "range.from_below": {"en": "{a} to less than {b}", "fr": "de {a} à moins de {b}"},
    "range.above_below": {"en": "more than {a} and less than {b}", "fr": "plus de {a} et moins de {b}"},
    "range.above": {"en": "more than {a}", "fr": "plus de {a}"},
    "range.at_least": {"en": "{a} or more", "fr": "{a} ou plus"},
    "range.below": {"en": "less than {b}", "fr": "moins de {b}"},
    "range.up_to": {"en": "up to {b}", "fr": "jusqu'à {b}"},
    "status.published": {"en": "published", "fr": "publiée"},
    "status.deprecated": {"en": "deprecated", "fr": "dépréciée"},
    "status.draft": {"en": "draft", "fr": "brouillon"},
    "col.version": {"en": "Version", "fr": "Version"},
    "col.status": {"en": "Status", "fr": "Statut"},
    "col.issued": {"en": "Issued", "fr": "Publiée le"},
    "col.modified": {"en": "Modified", "fr": "Modifiée le"},
    "col.actions": {"en": "Actions", "fr": "Actions"},
    "current": {"en": "(this version)", "fr": "(cette version)"},
    # vocabularies
    "vocabs.title": {"en": "Vocabularies", "fr": "Vocabulaires"},
    "vocabs.intro": {"en": "SKOS concept schemes whose concepts profiles use as allowed values.",
                     "fr": "Schémas de concepts SKOS dont les concepts servent de valeurs autorisées aux profils."},
    "vocabs.none": {"en": "No vocabulary has been published yet.", "fr": "Aucun vocabulaire n'a encore été publié."},
    "col.vocabulary": {"en": "Vocabulary", "fr": "Vocabulaire"},
    "col.concepts": {"en": "Concepts", "fr": "Concepts"},
    "vocab.tree": {"en": "Concepts", "fr": "Concepts"},
    "vocab.expand_all": {"en": "Expand all", "fr": "Tout déplier"},
    "vocab.collapse_all": {"en": "Collapse all", "fr": "Tout replier"},
    "vocab.scheme": {"en": "Concept scheme", "fr": "Schéma de concepts"},
    "vocab.groups": {"en": "Groups (collections)", "fr": "Groupes (collections)"},
    "vocab.group_members.one": {"en": "{n} member", "fr": "{n} membre"},
    "vocab.group_members.other": {"en": "{n} members", "fr": "{n} membres"},
    "vocab.schemes": {"en": "Concept schemes", "fr": "Schémas de concepts"},
    "vocab.all_schemes": {"en": "All schemes", "fr": "Tous les schémas"},
    "vocab.show_scheme": {"en": "Show", "fr": "Afficher"},
    "vocab.findings": {"en": "Findings of the publication checks", "fr": "Constats des vérifications de publication"},
    "vocab.findings_summary.one": {
        "en": "{n} warning (the vocabulary is published as it is; see docs/vocabularies.md)",
        "fr": "{n} avertissement (le vocabulaire est publié tel quel ; voir docs/vocabularies.md)",
    },
    "vocab.findings_summary.other": {
        "en": "{n} warnings (the vocabulary is published as it is; see docs/vocabularies.md)",
        "fr": "{n} avertissements (le vocabulaire est publié tel quel ; voir docs/vocabularies.md)",
    },
    "vocab.search": {"en": "Search this vocabulary", "fr": "Rechercher dans ce vocabulaire"},
    "vocab.download": {"en": "Download the concepts", "fr": "Télécharger les concepts"},
    "vocab.no_concepts": {"en": "No concepts.", "fr": "Aucun concept."},
    "vocab.truncated": {"en": "Only the first {n} concepts are shown; use the search.",
                        "fr": "Seuls les {n} premiers concepts sont affichés ; utilisez la recherche."},
    "concept.title": {"en": "Concept", "fr": "Concept"},
    "concept.pref": {"en": "Preferred labels", "fr": "Libellés préférentiels"},
    "concept.alt": {"en": "Alternative labels", "fr": "Libellés alternatifs"},
    "concept.definition": {"en": "Definition", "fr": "Définition"},
    "concept.notation": {"en": "Notation", "fr": "Notation"},
    "concept.broader": {"en": "Broader", "fr": "Plus générique"},
    "concept.narrower": {"en": "Narrower", "fr": "Plus spécifiques"},
    "concept.related": {"en": "Related", "fr": "Associés"},
    "concept.history": {"en": "Versions of the vocabulary", "fr": "Versions du vocabulaire"},
    "concept.history.version": {"en": "Version", "fr": "Version"},
    "concept.history.label": {"en": "Label", "fr": "Libellé"},
    "concept.history.changes": {"en": "Changes", "fr": "Changements"},
    "concept.history.absent": {"en": "(not in this version)", "fr": "(absent de cette version)"},
    "concept.change.added": {"en": "added", "fr": "ajouté"},
    "concept.change.relabelled": {"en": "relabelled", "fr": "renommé"},
    "concept.change.deprecated": {"en": "deprecated", "fr": "obsolète"},
    "concept.change.undeprecated": {"en": "no longer deprecated", "fr": "de nouveau en usage"},
    "concept.change.removed": {"en": "removed", "fr": "retiré"},
    "concept.groups": {"en": "Groups (collections)", "fr": "Groupes (collections)"},
    "concept.mapping.exactMatch": {"en": "Same as", "fr": "Identique à"},
    "concept.mapping.closeMatch": {"en": "Close to", "fr": "Proche de"},
    "concept.mapping.broadMatch": {"en": "Broader, elsewhere", "fr": "Plus générique, ailleurs"},
    "concept.mapping.narrowMatch": {"en": "Narrower, elsewhere", "fr": "Plus spécifique, ailleurs"},
    "concept.mapping.relatedMatch": {"en": "Related, elsewhere", "fr": "Associé, ailleurs"},
    "concept.used_by": {"en": "Profile fields that use this vocabulary", "fr": "Champs de profils qui utilisent ce vocabulaire"},
    "concept.used_by_intro": {"en": "These fields take their values from {v}.", "fr": "Ces champs prennent leurs valeurs dans {v}."},
    "communities.title": {"en": "Communities", "fr": "Communautés"},
    "communities.intro": {"en": "The communities that publish profiles and vocabularies here.",
                          "fr": "Les communautés qui publient ici des profils et des vocabulaires."},
    "communities.none": {"en": "No community yet.", "fr": "Aucune communauté pour l'instant."},
    "communities.id": {"en": "Identifier", "fr": "Identifiant"},
    "communities.namespaces": {"en": "Namespaces", "fr": "Espaces de noms"},
    "communities.profiles": {"en": "Profiles ({n})", "fr": "Profils ({n})"},
    "communities.vocabularies": {"en": "Vocabularies ({n})", "fr": "Vocabulaires ({n})"},
    "communities.no_profiles": {"en": "No published profile.", "fr": "Aucun profil publié."},
    "communities.no_vocabularies": {"en": "No published vocabulary.", "fr": "Aucun vocabulaire publié."},
    "concept.mappings": {"en": "Mappings", "fr": "Alignements"},
    "concept.in_scheme": {"en": "In vocabulary", "fr": "Dans le vocabulaire"},
    "concept.iri": {"en": "IRI", "fr": "IRI"},
    # validate
    "validate.title": {"en": "Validate a record", "fr": "Valider une fiche"},
    "validate.intro": {
        "en": "Check a metadata record (Turtle, JSON-LD or plain JSON) against a profile version. Nothing is stored.",
        "fr": "Vérifiez une fiche de métadonnées (Turtle, JSON-LD ou JSON) selon une version de profil. Rien n'est conservé.",
    },
    "validate.profile": {"en": "Profile and version", "fr": "Profil et version"},
    "validate.latest": {"en": "latest", "fr": "dernière"},
    "validate.format": {"en": "Format of the record", "fr": "Format de la fiche"},
    "validate.format.auto": {"en": "from the file name (or Turtle)", "fr": "d'après le nom du fichier (ou Turtle)"},
    "validate.record": {"en": "Record (paste it here)", "fr": "Fiche (collez-la ici)"},
    "validate.file": {"en": "…or upload a file", "fr": "…ou déposez un fichier"},
    "validate.submit": {"en": "Validate", "fr": "Valider"},
    "validate.report": {"en": "Validation report", "fr": "Rapport de validation"},
    "validate.conforms": {"en": "The record conforms to {p}.", "fr": "La fiche est conforme à {p}."},
    "validate.not_conforms": {"en": "The record does not conform to {p}.", "fr": "La fiche n'est pas conforme à {p}."},
    "count.violation.one": {"en": "{n} violation", "fr": "{n} violation"},
    "count.violation.other": {"en": "{n} violations", "fr": "{n} violations"},
    "count.warning.one": {"en": "{n} warning", "fr": "{n} avertissement"},
    "count.warning.other": {"en": "{n} warnings", "fr": "{n} avertissements"},
    "count.info.one": {"en": "{n} note", "fr": "{n} remarque"},
    "count.info.other": {"en": "{n} notes", "fr": "{n} remarques"},
    "validate.value": {"en": "Value", "fr": "Valeur"},
    "validate.focus": {"en": "Node", "fr": "Nœud"},
    "validate.message": {"en": "Message", "fr": "Message"},
    "validate.severity": {"en": "Severity", "fr": "Gravité"},
    "validate.other": {"en": "Other results", "fr": "Autres résultats"},
    "validate.download": {"en": "Download the report", "fr": "Télécharger le rapport"},
    "validate.download_json": {"en": "JSON", "fr": "JSON"},
    "validate.download_ttl": {"en": "Turtle (SHACL report)", "fr": "Turtle (rapport SHACL)"},
    "validate.error": {"en": "The record could not be validated", "fr": "La fiche n'a pas pu être validée"},
    "validate.empty": {"en": "Paste a record or choose a file.", "fr": "Collez une fiche ou choisissez un fichier."},
    "validate.nothing": {"en": "Nothing in this record was checked: it is not a conforming record.",
                         "fr": "Rien dans cette fiche n'a été vérifié : ce n'est pas une fiche conforme."},
    "dvcheck.title": {"en": "Check a Dataverse dataset before deposit", "fr": "Vérifier un jeu de données Dataverse avant dépôt"},
    "dvcheck.intro": {"en": "This page reads the dataset from the Dataverse site in your browser and checks it against the profile {p}. Nothing is kept.",
                      "fr": "Cette page lit le jeu de données sur le site Dataverse depuis votre navigateur et le vérifie selon le profil {p}. Rien n'est conservé."},
    "dvcheck.loading": {"en": "Reading the dataset from Dataverse…", "fr": "Lecture du jeu de données sur Dataverse…"},
    "dvcheck.noscript": {"en": "This check runs in your browser: turn JavaScript on.", "fr": "Cette vérification s'exécute dans votre navigateur : activez JavaScript."},
    "validate.source_field": {"en": "Field in the record", "fr": "Champ de la fiche"},
    "validate.pointer": {"en": "Place in the JSON", "fr": "Emplacement dans le JSON"},
    "validate.accepted": {"en": "Accepted formats: Turtle, N-Triples, RDF/XML, JSON-LD, and plain JSON for a profile that has a JSON-LD context.",
                          "fr": "Formats acceptés : Turtle, N-Triples, RDF/XML, JSON-LD, et JSON simple pour un profil qui a un contexte JSON-LD."},
    "validate.unsupported_format": {"en": "This record is {f}, which is not an accepted format: convert it to RDF first.",
                                    "fr": "Cette fiche est en {f}, qui n'est pas un format accepté : convertissez-la d'abord en RDF."},
    "validate.format.yaml": {"en": "YAML", "fr": "YAML"},
    "validate.format.xml": {"en": "plain XML (not RDF/XML: no rdf:RDF namespace)", "fr": "XML simple (pas du RDF/XML : sans espace de noms rdf:RDF)"},
    "validate.format.json": {"en": "plain JSON without a JSON-LD context", "fr": "JSON simple sans contexte JSON-LD"},
    "validate.syntax": {"en": "The record is not valid {f}.", "fr": "La fiche n'est pas du {f} valide."},
    "validate.at": {"en": "Line {l}, column {c}", "fr": "Ligne {l}, colonne {c}"},
    "validate.at_line": {"en": "Line {l}", "fr": "Ligne {l}"},
    "validate.parser_says": {"en": "Parser message:", "fr": "Message de l’analyseur :"},
    "validate.problem.unsupported-record-format": {"en": "This format is not accepted.", "fr": "Ce format n'est pas accepté."},
    "validate.problem.json-syntax": {"en": "The record is not valid JSON.", "fr": "La fiche n'est pas du JSON valide."},
    "validate.problem.invalid-json-record": {"en": "The record must be a JSON object or array.", "fr": "La fiche doit être un objet ou un tableau JSON."},
    "validate.problem.too-deep": {"en": "The record is nested too deeply.", "fr": "La fiche est imbriquée trop profondément."},
    "validate.problem.too-many-triples": {"en": "The record is too large (too many triples).", "fr": "La fiche est trop grande (trop de triplets)."},
    "validate.problem.payload-too-large": {"en": "The record is too large.", "fr": "La fiche est trop grande."},
    "validate.problem.missing-profile": {"en": "Choose a profile.", "fr": "Choisissez un profil."},
    "validate.problem.version-not-found": {"en": "This profile version does not exist.", "fr": "Cette version du profil n'existe pas."},
    "validate.problem.not-found": {"en": "This profile does not exist.", "fr": "Ce profil n'existe pas."},
    "validate.problem.validation-busy": {"en": "The server is busy validating other records: try again in a few seconds.",
                                         "fr": "Le serveur valide d'autres fiches : réessayez dans quelques secondes."},
    "validate.problem.shutting-down": {"en": "The server is restarting: try again in a moment.", "fr": "Le serveur redémarre : réessayez dans un instant."},
    "validate.problem.not-dataverse": {"en": "This JSON is not a Dataverse dataset export.", "fr": "Ce JSON n'est pas un export de jeu de données Dataverse."},
    "validate.problem.draft-shapes-rejected": {"en": "The draft shapes were refused.", "fr": "Les formes brouillon ont été refusées."},
    "validate.looks_for": {"en": "The profile looks for", "fr": "Le profil cherche"},
    "validate.unmapped": {"en": "JSON keys the profile does not know", "fr": "Clés JSON inconnues du profil"},
    "validate.record_types": {"en": "Types found in the record", "fr": "Types trouvés dans la fiche"},
    "validate.unavailable": {"en": "Validation is not available on this server yet.",
                             "fr": "La validation n'est pas encore disponible sur ce serveur."},
    "severity.Violation": {"en": "violation", "fr": "violation"},
    "severity.Warning": {"en": "warning", "fr": "avertissement"},
    "severity.Info": {"en": "note", "fr": "remarque"},
    # query
    "query.title": {"en": "Query with SPARQL", "fr": "Interroger en SPARQL"},
    "query.intro": {
        "en": "The default graph is the union of everything published. Choose an example or write your own query.",
        "fr": "Le graphe par défaut est l'union de tout ce qui est publié. Choisissez un exemple ou écrivez votre requête.",
    },
    "query.examples": {"en": "Example queries", "fr": "Exemples de requêtes"},
    "query.endpoint": {"en": "Endpoint", "fr": "Point d'accès"},
    "query.editor": {"en": "SPARQL query", "fr": "Requête SPARQL"},
    "query.run": {"en": "Run the query", "fr": "Lancer la requête"},
    "query.results": {"en": "Results", "fr": "Résultats"},
    "query.versions_note": {
        "en": "Each published version of a profile or vocabulary is its own graph, and the default graph is "
              "their union: a concept kept in two versions comes back twice. For the latest versions only, "
              "use the example “Concepts of the latest version of each vocabulary” (dcat:hasCurrentVersion "
              "in the catalog graph), or the endpoint /sparql/latest.",
        "fr": "Chaque version publiée d'un profil ou d'un vocabulaire est un graphe, et le graphe par défaut est "
              "leur union : un concept présent dans deux versions revient deux fois. Pour les dernières versions "
              "seulement, prenez l'exemple « Concepts de la dernière version de chaque vocabulaire » "
              "(dcat:hasCurrentVersion dans le graphe du catalogue), ou le point d'accès /sparql/latest.",
    },
    "query.loading": {"en": "Loading the query editor…", "fr": "Chargement de l'éditeur de requêtes…"},
    "query.editor_failed": {"en": "The query editor could not be loaded; reload the page.",
                            "fr": "L'éditeur de requêtes n'a pas pu être chargé ; rechargez la page."},
    "query.fallback": {"en": "The interactive editor needs JavaScript; this form works without it.",
                       "fr": "L'éditeur interactif demande JavaScript ; ce formulaire fonctionne sans."},
    "query.unavailable": {"en": "The SPARQL endpoint is not available on this server yet.",
                          "fr": "Le point d'accès SPARQL n'est pas encore disponible sur ce serveur."},
    "query.error": {"en": "The query failed", "fr": "La requête a échoué"},
    "q.profiles": {"en": "Profiles and their latest version", "fr": "Les profils et leur dernière version"},
    "q.concepts": {"en": "Concepts whose French label starts with “micro”", "fr": "Concepts dont le libellé français commence par « micro »"},
    "q.fields": {"en": "Fields (property shapes) of every profile", "fr": "Champs (formes de propriétés) de tous les profils"},
    "q.vocabs": {"en": "Vocabularies and their number of concepts", "fr": "Vocabulaires et leur nombre de concepts"},
    "q.latest": {"en": "Concepts of the latest version of each vocabulary",
                 "fr": "Concepts de la dernière version de chaque vocabulaire"},
    "q.top": {"en": "Top concepts of each concept scheme", "fr": "Concepts de tête de chaque schéma"},
    # community
    "community.title": {"en": "Community area", "fr": "Espace communauté"},
    "community.intro": {
        "en": "Communities publish and maintain their profiles and vocabularies here. Sign in with a token issued by the registry's administrators.",
        "fr": "Les communautés publient et maintiennent ici leurs profils et vocabulaires. Connectez-vous avec un jeton délivré par l'administration du registre.",
    },
    "community.token": {"en": "Token", "fr": "Jeton"},
    "community.token_help": {"en": "The token is kept in a cookie for this browser session only.",
                             "fr": "Le jeton est conservé dans un cookie pour cette session du navigateur seulement."},
    "community.sign_in": {"en": "Sign in", "fr": "Se connecter"},
    "community.sign_out": {"en": "Sign out", "fr": "Se déconnecter"},
    "community.signed_in": {"en": "Signed in as {c}", "fr": "Connecté en tant que {c}"},
    "community.bad_token": {"en": "This token is not valid.", "fr": "Ce jeton n'est pas valide."},
    "community.upload": {"en": "Upload a new version", "fr": "Déposer une nouvelle version"},
    "community.kind": {"en": "Kind", "fr": "Nature"},
    "community.kind.profile": {"en": "Profile (SHACL shapes)", "fr": "Profil (formes SHACL)"},
    "community.kind.vocabulary": {"en": "Vocabulary (SKOS)", "fr": "Vocabulaire (SKOS)"},
    "community.id": {"en": "Identifier", "fr": "Identifiant"},
    "community.id_help": {"en": "lower-case letters, digits and hyphens, e.g. metsa-sem",
                          "fr": "minuscules, chiffres et tirets, ex. metsa-sem"},
    "community.version": {"en": "Version", "fr": "Version"},
    "community.version_help": {"en": "semantic version, e.g. 1.1.0", "fr": "version sémantique, ex. 1.1.0"},
    "community.title_en": {"en": "Title (English)", "fr": "Titre (anglais)"},
    "community.title_fr": {"en": "Title (French)", "fr": "Titre (français)"},
    "community.description_en": {"en": "Description (English)", "fr": "Description (anglais)"},
    "community.description_fr": {"en": "Description (French)", "fr": "Description (français)"},
    "community.is_profile_of": {"en": "Profile of (optional)", "fr": "Profil de (facultatif)"},
    "community.is_profile_of_help": {"en": "id or id@version of the base profile", "fr": "id ou id@version du profil de base"},
    "community.file": {"en": "File (Turtle, N-Triples, RDF/XML, JSON-LD)", "fr": "Fichier (Turtle, N-Triples, RDF/XML, JSON-LD)"},
    "community.context": {"en": "JSON-LD context (optional, profiles)", "fr": "Contexte JSON-LD (facultatif, profils)"},
    "community.check": {"en": "Check", "fr": "Vérifier"},
    "community.check_help": {
        "en": "The upload is checked and kept as a draft, invisible to the public, until you confirm.",
        "fr": "Le dépôt est vérifié et gardé comme brouillon, invisible du public, jusqu'à votre confirmation.",
    },
    "community.checks": {"en": "Check results", "fr": "Résultats des vérifications"},
    "community.errors": {"en": "Errors", "fr": "Erreurs"},
    "community.warnings": {"en": "Warnings", "fr": "Avertissements"},
    "community.no_findings": {"en": "No errors and no warnings.", "fr": "Ni erreur ni avertissement."},
    "community.refused": {"en": "The upload was refused: fix the errors and upload again.",
                          "fr": "Le dépôt a été refusé : corrigez les erreurs et déposez à nouveau."},
    "community.draft_ready": {"en": "{k} {id} {v} passed the checks and is saved as a draft.",
                              "fr": "{k} {id} {v} a passé les vérifications et est enregistré comme brouillon."},
    "community.confirm": {"en": "Confirm and publish", "fr": "Confirmer et publier"},
    "community.confirm_help": {"en": "A published version is immutable.", "fr": "Une version publiée est immuable."},
    "community.published": {"en": "{k} {id} {v} is published.", "fr": "{k} {id} {v} est publié."},
    "community.deprecated": {"en": "{k} {id} {v} is deprecated.", "fr": "{k} {id} {v} est déprécié."},
    "community.deprecate": {"en": "Deprecate", "fr": "Déprécier"},
    "community.deprecate_label": {"en": "Deprecate {id} {v}", "fr": "Déprécier {id} {v}"},
    "community.publish_label": {"en": "Publish {id} {v}", "fr": "Publier {id} {v}"},
    "community.publish": {"en": "Publish", "fr": "Publier"},
    "community.owner_actions": {"en": "For your community", "fr": "Pour votre communauté"},
    "community.validate_draft": {"en": "Validate a record against this version", "fr": "Valider une fiche selon cette version"},
    "community.back": {"en": "Back to the community area", "fr": "Retour à l'espace communauté"},
    "community.delete": {"en": "Delete", "fr": "Supprimer"},
    "community.delete_label": {"en": "Delete the draft {id} {v}", "fr": "Supprimer le brouillon {id} {v}"},
    "community.draft_deleted": {"en": "{k} {id} {v}: the draft is deleted.", "fr": "{k} {id} {v} : le brouillon est supprimé."},
    "community.yours": {"en": "Your profiles and vocabularies", "fr": "Vos profils et vocabulaires"},
    "community.none": {"en": "Nothing published yet.", "fr": "Rien de publié pour l'instant."},
    "community.failed": {"en": "The operation failed", "fr": "L'opération a échoué"},
    "community.kind_label.profile": {"en": "Profile", "fr": "Profil"},
    "community.kind_label.vocabulary": {"en": "Vocabulary", "fr": "Vocabulaire"},
    "community.session_expired": {"en": "Your session has expired; sign in again.",
                                  "fr": "Votre session a expiré ; reconnectez-vous."},
    # errors
    "error.title": {"en": "Error", "fr": "Erreur"},
    "error.not_found": {"en": "Not found", "fr": "Introuvable"},
    "error.back": {"en": "Back to the home page", "fr": "Retour à l'accueil"},
    "error.csrf": {"en": "The form has expired; reload the page and try again.",
                   "fr": "Le formulaire a expiré ; rechargez la page et réessayez."},
    "error.cross_origin": {"en": "This form was not sent from this site's own pages; it was refused.",
                           "fr": "Ce formulaire n'a pas été envoyé depuis les pages de ce site ; il a été refusé."},
    # profile evolution (registry/evolution, issue 17)
    "diff.title": {"en": "Changes from {a} to {b}", "fr": "Changements de {a} à {b}"},
    "diff.link": {"en": "changes", "fr": "changements"},
    "diff.col_changes": {"en": "Changes", "fr": "Changements"},
    "diff.required": {"en": "These changes require a new {inc} version.", "fr": "Ces changements demandent une nouvelle version {inc}."},
    "diff.no_changes": {"en": "No change.", "fr": "Aucun changement."},
    "diff.honest": {"en": "The version number matches the changes (semantic versioning).", "fr": "Le numéro de version correspond aux changements (versionnage sémantique)."},
    "diff.dishonest": {"en": "The version number is lower than the changes require (semantic versioning).", "fr": "Le numéro de version est plus bas que ne le demandent les changements (versionnage sémantique)."},
    "diff.class.breaking": {"en": "Breaking", "fr": "Incompatibles"},
    "diff.class.compatible": {"en": "Compatible", "fr": "Compatibles"},
    "diff.class.editorial": {"en": "Editorial", "fr": "Rédactionnels"},
    "diff.col_kind": {"en": "Change", "fr": "Changement"},
    "diff.col_where": {"en": "Where", "fr": "Où"},
    "diff.col_before": {"en": "Before", "fr": "Avant"},
    "diff.col_after": {"en": "After", "fr": "Après"},
    "diff.col_rule": {"en": "Rule", "fr": "Règle"},
    "diff.download": {"en": "This change set as", "fr": "Ces changements en"},
    "diff.since": {"en": "Changes", "fr": "Changements"},
    "diff.accepted": {"en": "The owner accepted this version number although it is lower than the changes since the previous version require (semantic versioning).", "fr": "Le propriétaire a accepté ce numéro de version bien qu'il soit plus bas que ne le demandent les changements depuis la version précédente (versionnage sémantique)."},
}


def negotiate(accept_language: str | None) -> str | None:
    """The best of LANGUAGES for an Accept-Language header (q-values honoured), or None."""
    return best_language(accept_language, tuple(LANGUAGES), None)


def request_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return negotiate(request.headers.get("accept-language")) or DEFAULT


NARROW_NBSP = "\u202f"
_BEFORE_PUNCTUATION = re.compile(r"[ \u00a0]+([:;?!»])")
_AFTER_GUILLEMET = re.compile(r"«[ \u00a0]+")


def french_typography(text: str) -> str:
    """A narrow no-break space before `:`, `;`, `?`, `!`, `»` and after `«` (French rules)."""
    text = _BEFORE_PUNCTUATION.sub(NARROW_NBSP + r"\1", text)
    return _AFTER_GUILLEMET.sub("«" + NARROW_NBSP, text)


def plural_form(lang: str, n: int) -> str:
    """CLDR cardinal plural category: French "one" for 0 and 1, English for 1 only."""
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


class Translator:
    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else DEFAULT

    def __call__(self, key: str, **values) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            text = key
        elif entry.get(self.lang):
            text = entry[self.lang]
            if self.lang == "fr":
                text = french_typography(text)
        else:
            text = entry.get(DEFAULT) or key
        return text.format(**values) if values else text

    def n(self, key: str, count: int, **values) -> str:
        """A message with plural variants (`key.one`, `key.other`), `{n}` = count."""
        form = plural_form(self.lang, int(count))
        return self(f"{key}.{form}", n=count, **values)

    def pick(self, values: dict[str, str] | None, default: str = "") -> str:
        """A language map's text in this language, else English, else untagged, else any."""
        if not values:
            return default
        for key in (self.lang, DEFAULT, ""):
            if values.get(key):
                return values[key]
        return next(iter(values.values()), default)
