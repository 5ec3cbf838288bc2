"""What the vendors' answer form holds, shared by its XLSX and DOCX writers and by the import.

Pure functions over the plain TenderDocument (docs/RENDERING.md): no ORM, no heavy library. A
requirement is identified by its article number ("3.2", the number the annex prints and freezes at
publication); every article that is eliminatory or scored, or that asks a question, gets a row.
"""

import math

from django.utils.translation import gettext

from organizations.formatting import format_number

ELIMINATORY = "mandatory"
SCORED = "scored"
# Roadmap statuses: the code stored on the bid → the label the vendor picks (per language).
ROADMAP_STATUSES = ("native", "roadmap", "not_planned")


def compliance_choices(language, *, eliminatory):
    """The drop-down values: Oui / Non / Partiel, Oui / Non only for an eliminatory requirement."""
    choices = ("Yes", "No", "Partial") if language == "en" else ("Oui", "Non", "Partiel")
    return choices[:2] if eliminatory else choices


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
    ``{"article", "id", "title", "category", "requirement", "eliminatory", "type_label", "question",
    "parameters": [{"name","label","value"}]}``. Committed values are asked only for the parameters
    of eliminatory and scored requirements (informative ones bind nobody)."""
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
                    "type_label": requirement_type_label(article),
                    "question": article.get("question")
                    or gettext("Indiquez si votre offre respecte cette exigence et comment."),
                    "parameters": list(article.get("parameters") or []) if binding else [],
                }
            )
    return rows


def instructions(doc, deadline_text=None):
    """The paragraphs of the "Instructions" sheet / section, in the active language."""
    language = doc.get("language", "fr")
    partial = compliance_choices(language, eliminatory=False)[2]
    yes, no = compliance_choices(language, eliminatory=True)
    roadmap = roadmap_labels(language)
    return [
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
            "vos documents), indiquez la conformité (%(yes)s, %(no)s ou %(partial)s), décrivez votre réponse "
            "et citez vos preuves (document, page, lien)."
        )
        % {"yes": yes, "no": no, "partial": partial},
        gettext(
            "« %(partial)s » signifie que l'exigence n'est que partiellement satisfaite : dites dans la réponse "
            "ce qui manque. « %(partial)s » est refusé pour une exigence éliminatoire : répondez %(yes)s ou %(no)s."
        )
        % {"partial": partial, "yes": yes, "no": no},
        gettext(
            "Feuille « Valeurs engagées » : pour chaque paramètre fixé par le cahier des charges, indiquez la "
            "valeur sur laquelle vous vous engagez. Ces valeurs sont contractuelles : elles doivent être "
            "renseignées et vous engagent."
        ),
        gettext(
            "Feuille « Feuille de route » : pour chaque exigence, indiquez « %(native)s » (disponible "
            "aujourd'hui), « %(roadmap)s » avec la date de disponibilité (JJ/MM/AAAA) ou « %(not_planned)s »."
        )
        % roadmap,
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
