"""What the vendors' answer form holds, shared by its XLSX and DOCX writers and by the import.

Pure functions over the plain TenderDocument (docs/RENDERING.md): no ORM, no heavy library. A
requirement is identified by its article number ("3.2", the number the annex prints and freezes at
publication); every article that is eliminatory or scored, or that asks a question, gets a row.
"""

import datetime
import math
import re

from django.utils.translation import gettext

from organizations.formatting import format_date_words, format_number

ELIMINATORY = "mandatory"
SCORED = "scored"
# Roadmap statuses: the code stored on the bid → the label the vendor picks (per language).
ROADMAP_STATUSES = ("native", "roadmap", "not_planned")


def compliance_choices(language, *, eliminatory=False, deferrable=False):
    """The drop-down values: Oui / Non, and « Partiel » only for a requirement that may be delivered
    later (`deferrable`, never an eliminatory one): anything else is met or not (L2152-2)."""
    choices = ("Yes", "No", "Partial") if language == "en" else ("Oui", "Non", "Partiel")
    return choices if deferrable and not eliminatory else choices[:2]


def partial_label(language):
    return compliance_choices(language, deferrable=True)[2]


def direction_label(direction):
    """« au plus » for a ceiling (lower is better), « au moins » for a floor, "" otherwise (active language)."""
    if direction == "max":
        return gettext("au plus")
    if direction == "min":
        return gettext("au moins")
    return ""


# Dates: shown in words in the form's language, read in the forms people type.
DATE_EXAMPLE = datetime.date(2029, 3, 26)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("janvier", "january", "janv", "jan"),
            ("février", "fevrier", "february", "févr", "fevr", "feb"),
            ("mars", "march", "mar"),
            ("avril", "april", "avr", "apr"),
            ("mai", "may"),
            ("juin", "june", "jun"),
            ("juillet", "july", "juil", "jul"),
            ("août", "aout", "august", "aug"),
            ("septembre", "september", "sept", "sep"),
            ("octobre", "october", "oct"),
            ("novembre", "november", "nov"),
            ("décembre", "decembre", "december", "déc", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WORDS_DATE = re.compile(r"(\d{1,2})(?:er|st|nd|rd|th)?\s+([^\W\d_]+)\.?,?\s+(\d{4})")
_NUMERIC_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def parse_date(value):
    """A date typed by a person: a date cell, "26 mars 2029" / "1er avril 2029" / "26 March 2029"
    (month in words, French or English), "26/03/2029" or "2029-03-26"; ValueError otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = " ".join(str(value or "").replace("\u00a0", " ").replace("\u202f", " ").split())
    match = _WORDS_DATE.fullmatch(text.casefold())
    if match:
        month = _MONTHS.get(match.group(2))
        if month is None:
            raise ValueError(text)
        return datetime.date(int(match.group(3)), month, int(match.group(1)))
    for pattern in _NUMERIC_DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def date_example(language):
    return format_date_words(DATE_EXAMPLE, language=language)


def date_hint(language):
    """What a date cell says it reads (active language)."""
    # The other forms are named by their pattern, not by an example: no piece prints an ISO date.
    return gettext(
        "Date en toutes lettres, par exemple %(words)s ; les formes JJ/MM/AAAA et AAAA-MM-JJ sont aussi lues."
    ) % {"words": date_example(language)}


def roadmap_labels(language):
    """{code: label} of the roadmap statuses in the form's language."""
    if language == "en":
        return {"native": "Native", "roadmap": "Roadmap", "not_planned": "Not planned"}
    return {"native": "Natif", "roadmap": "Feuille de route", "not_planned": "Non prévu"}


def requirement_type_label(article):
    """Éliminatoire / Noté (10 %) / Informatif (in the active language)."""
    requirement = article.get("requirement")
    if requirement == ELIMINATORY:
        return gettext("Éliminatoire")
    if requirement == SCORED:
        weight = article.get("weight")
        if weight is None:
            return gettext("Noté")
        return gettext("Noté (%(weight)s %%)") % {"weight": format_number(weight, 2, trim=True)}
    return gettext("Informatif")


def requirement_rows(doc):
    """One dict per requirement of the form, in article order:
    ``{"article", "id", "title", "category", "requirement", "eliminatory", "deferrable", "type_label",
    "question", "parameters": [{"name","label","type","value","direction","direction_label","required"}]}``.
    Committed values are asked only for the `improvable` parameters of eliminatory and scored
    requirements: the buyer's own values (penalty amounts, durations) are not the vendor's to commit
    to, and informative requirements bind nobody. `deferrable` (« Partiel » and a roadmap date) only
    for a scored requirement the clause says may be delivered later."""
    rows = []
    for section in doc.get("sections", []):
        for article in section.get("articles", []):
            requirement = article.get("requirement")
            binding = requirement in (ELIMINATORY, SCORED)
            if not binding and not article.get("question"):
                continue
            rows.append(
                {
                    "article": str(article["number"]),
                    "id": article.get("id", ""),
                    "title": article.get("title", ""),
                    "category": section.get("title", ""),
                    "requirement": requirement,
                    "eliminatory": requirement == ELIMINATORY,
                    "deferrable": requirement == SCORED and bool(article.get("deferrable")),
                    "type_label": requirement_type_label(article),
                    "question": article.get("question")
                    or gettext("Indiquez si votre offre respecte cette exigence et comment."),
                    "parameters": [
                        {
                            **parameter,
                            "direction_label": direction_label(parameter.get("direction")),
                            "required": (article.get("values") or {}).get(parameter["name"]),
                        }
                        for parameter in article.get("parameters") or []
                        if parameter.get("improvable") and parameter.get("direction")
                    ]
                    if binding
                    else [],
                }
            )
    return rows


def instructions(doc, deadline_text=None):
    """The paragraphs of the "Instructions" sheet / section, in the active language."""
    language = doc.get("language", "fr")
    partial = partial_label(language)
    yes, no = compliance_choices(language, eliminatory=True)
    roadmap = roadmap_labels(language)
    rows = requirement_rows(doc)
    paragraphs = [
        gettext("Cadre de réponse — %(reference)s — %(title)s")
        % {"reference": doc["reference"], "title": doc["title"]},
        gettext(
            "Remplissez uniquement les cellules sur fond jaune. Ne modifiez ni les numéros d'article, ni l'ordre "
            "des feuilles, ni les intitulés : l'acheteur importe ce fichier tel quel."
        ),
        gettext(
            "Feuille « Candidat » : raison sociale, SIRET (14 chiffres), adresse, nom et qualité du signataire, "
            "courriel, et acceptation de l'engagement (« %(yes)s »)."
        )
        % {"yes": yes},
        gettext(
            "Feuille « Exigences » : pour chaque exigence, identifiée par son numéro d'article (à citer dans "
            "vos documents), indiquez la conformité (%(yes)s ou %(no)s), décrivez votre réponse "
            "et citez vos preuves (document, page, lien)."
        )
        % {"yes": yes, "no": no},
    ]
    if any(row["deferrable"] for row in rows):
        paragraphs.append(
            gettext(
                "« %(partial)s » n'est proposé que pour les exigences notées que le cahier des charges permet de "
                "livrer après la vérification d'aptitude (VABF), à une date que vous vous engagez à tenir : dites "
                "dans la réponse ce qui manque et datez-le dans la feuille « Feuille de route ». Pour toute autre "
                "exigence, répondez %(yes)s ou %(no)s."
            )
            % {"partial": partial, "yes": yes, "no": no}
        )
    else:
        paragraphs.append(
            gettext(
                "Aucune exigence de ce marché ne peut être livrée après la vérification d'aptitude (VABF) : répondez "
                "%(yes)s ou "
                "%(no)s à chacune ; la feuille « Feuille de route » reste vide."
            )
            % {"yes": yes, "no": no}
        )
    if any(row["parameters"] for row in rows):
        paragraphs.append(
            gettext(
                "Feuille « Valeurs engagées » : pour chaque valeur que le cahier des charges vous permet "
                "d'améliorer, indiquez la valeur sur laquelle vous vous engagez, égale ou meilleure que la valeur "
                "exigée (« au plus » : un plafond ; « au moins » : un plancher). Ces valeurs sont contractuelles. "
                "Les valeurs fixées par l'acheteur (pénalités, durées, montants) ne sont pas demandées : elles "
                "s'appliquent telles que le marché les fixe."
            )
        )
    if any(row["deferrable"] for row in rows):
        paragraphs.append(
            gettext(
                "Feuille « Feuille de route » : pour chaque exigence livrable après la vérification d'aptitude, "
                "indiquez « %(native)s » (disponible aujourd'hui), « %(roadmap)s » avec la date de disponibilité ou "
                "« %(not_planned)s »."
            )
            % roadmap
        )
    paragraphs += [
        gettext("Dates : %(hint)s") % {"hint": date_hint(language)},
        deadline_text
        or gettext(
            "Remettez ce fichier avec votre offre avant la date et l'heure limites de remise des offres fixées "
            "par le règlement de la consultation."
        ),
        gettext(
            "Aucune contre-proposition ni variante n'est admise dans ce cadre : une réponse qui modifie une "
            "exigence n'est pas une réponse conforme."
        ),
    ]
    return paragraphs


def candidate_fields(language):
    """The candidate sheet's rows: (key, label); every one is required."""
    yes = compliance_choices(language, eliminatory=True)[0]
    return [
        ("name", gettext("Raison sociale")),
        ("siret", gettext("SIRET (14 chiffres)")),
        ("address", gettext("Adresse")),
        ("signatory_name", gettext("Nom du signataire")),
        ("signatory_role", gettext("Qualité du signataire")),
        ("email", gettext("Courriel")),
        ("commitment", gettext("Engagement du candidat")),
        ("accepted", gettext("J'accepte cet engagement (« %(yes)s »)") % {"yes": yes}),
    ]


def commitment_text(doc):
    return gettext(
        "Le candidat soussigné s'engage, sans réserve, à respecter les exigences du cahier des charges du "
        "marché %(reference)s et les valeurs qu'il déclare dans ce cadre de réponse, qui font partie de son offre."
    ) % {"reference": doc["reference"]}


def row_height(texts_and_widths, *, line_points=13.5, padding=4.0, maximum=409.0):
    """The height (points) a row needs so that its wrapped texts show whole: openpyxl does not
    auto-fit, and LibreOffice and Excel keep the stored height. Each cell's lines are estimated from
    its text length and its column width (in characters of the default font)."""
    lines = 1
    for text, width in texts_and_widths:
        if not text:
            continue
        # A column's width counts characters of the default 11 pt font; 10 pt Calibri fits ~1.2 per
        # unit, but LibreOffice without Calibri falls back to a wider face (DejaVu Sans): count one.
        per_line = max(int(width) - 1, 1)
        cell_lines = sum(max(math.ceil(len(part) / per_line), 1) for part in str(text).split("\n"))
        lines = max(lines, cell_lines)
    return min(lines * line_points + padding, maximum)
