"""A realistic TenderDocument (docs/RENDERING.md) of any size, built without a database."""

import hashlib
import json

from clause_library.markdown import fill_text, render_html

CATEGORIES = [
    ("api_access", "Accès par API (FHIR, SMART on FHIR)"),
    ("bulk_export", "Export de masse (FHIR Bulk Data)"),
    ("standards", "Standards (HL7 v2, FHIR, IHE, terminologies)"),
    ("replication", "Base de réplication"),
    ("anti_blocking", "Absence de blocage de l'information"),
    ("documentation", "Documentation"),
    ("roadmap", "Feuille de route d'interopérabilité"),
    ("national_framework", "Cadre national (CI-SIS, Ségur, INS, Pro Santé Connect)"),
    ("security", "Sécurité (authentification, autorisation, traces)"),
    ("portability", "Réversibilité et portabilité des données"),
]

BODY = """Le titulaire met à disposition de l'établissement **{{ etablissement }}** une API conforme à
la spécification *HL7 FHIR {{ version_fhir }}* pour les ressources cliniques du dossier, sans frais par
connecteur ni redevance d'accès.

Les exigences suivantes s'appliquent :

- l'accès est ouvert dans un délai maximal de **{{ delai_jours }} jours** après la demande ;
- l'authentification suit SMART on FHIR (OAuth 2.0, OpenID Connect) ;
- la documentation publique décrit chaque ressource, opération et paramètre de recherche.

Le titulaire fournit, dans l'ordre :

1. un environnement de test accessible à l'établissement ;
2. le CapabilityStatement à jour ;
3. un rapport de tests de conformité (Inferno ou équivalent).

Les pénalités de retard s'élèvent à {{ penalite }} € par jour calendaire. Voir la [documentation FHIR](https://hl7.org/fhir/R4/).
"""


def _digest(doc):
    payload = {key: value for key, value in doc.items() if key != "inputs_digest"}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def build_tender_document(articles=100, language="fr"):
    """`articles` articles spread over the ten categories, with criteria and questions."""
    sections = []
    questions = []
    criteria = [
        {
            "number": "1",
            "name": "Valeur technique",
            "kind": "scored",
            "weight": 60.0,
            "global_weight": 60.0,
            "depth": 0,
            "article": None,
        }
    ]
    scored = []
    per_section = max(1, -(-articles // len(CATEGORIES)))
    counter = 0
    for index, (category, title) in enumerate(CATEGORIES, start=1):
        section = {"number": index, "category": category, "title": title, "articles": []}
        for position in range(1, per_section + 1):
            if counter >= articles:
                break
            counter += 1
            number = f"{index}.{position}"
            values = {
                "etablissement": "CHU Démo",
                "version_fhir": "R4 (4.0.1)",
                "delai_jours": 30 + counter,
                "penalite": 150 + counter,
            }
            requirement = ("mandatory", "scored", "informative")[counter % 3]
            article = {
                "number": number,
                "id": f"TC-{1000 + counter}",
                "key": f"clause-{counter}",
                "title": f"Exigence d'interopérabilité n° {counter} — {title.split(' (')[0]}",
                "requirement": requirement,
                "requirement_label": {
                    "mandatory": "Exigence éliminatoire",
                    "scored": "Critère noté — 2 %",
                    "informative": "Information",
                }[requirement],
                "weight": 2.0 if requirement == "scored" else None,
                "body_html": render_html(BODY, values),
                "body_markdown": fill_text(BODY, values),
                "question": f"Décrivez comment votre solution satisfait l'exigence n° {counter}, avec les preuves.",
                "parameters": [
                    {"name": "delai_jours", "label": "Délai d'ouverture (jours)", "value": str(values["delai_jours"])},
                    {"name": "penalite", "label": "Pénalité journalière (€)", "value": str(values["penalite"])},
                ],
                "references": [{"label": "HL7 FHIR R4", "url": "https://hl7.org/fhir/R4/"}],
            }
            section["articles"].append(article)
            questions.append(
                {
                    "id": article["id"],
                    "article": number,
                    "category": title,
                    "requirement": requirement,
                    "requirement_label": article["requirement_label"],
                    "question": article["question"],
                }
            )
            if requirement == "scored":
                scored.append(number)
            elif requirement == "mandatory":
                criteria.append(
                    {
                        "number": f"E{len(criteria)}",
                        "name": article["title"],
                        "kind": "eliminatory",
                        "weight": None,
                        "global_weight": None,
                        "depth": 0,
                        "article": number,
                    }
                )
        if section["articles"]:
            sections.append(section)
    share = round(100 / max(1, len(scored)), 2)
    subcriteria = [
        {
            "number": f"1.{i}",
            "name": f"Article {number}",
            "kind": "scored",
            "weight": share,
            "global_weight": round(share * 0.6, 2),
            "depth": 1,
            "article": number,
        }
        for i, number in enumerate(scored, start=1)
    ]
    eliminatory = [c for c in criteria if c["kind"] == "eliminatory"]
    criteria = [
        criteria[0],
        *subcriteria,
        {
            "number": "2",
            "name": "Prix",
            "kind": "price",
            "weight": 40.0,
            "global_weight": 40.0,
            "depth": 0,
            "article": None,
        },
        *eliminatory,
    ]
    doc = {
        "language": language,
        "organization": "CHU Démo",
        "reference": "AO-2026-014",
        "title": "Dossier patient informatisé — annexe interopérabilité",
        "procedure": "open",
        "procedure_label": "Appel d'offres ouvert",
        "generated_on": "2026-11-28",
        "price_formula": "proportional",
        "price_formula_label": "Proportionnelle : P_min / P",
        "sections": sections,
        "criteria": criteria,
        "questions": questions,
    }
    doc["inputs_digest"] = _digest(doc)
    return doc
