"""The HTML writer, and the TenderDocument every rendering test uses (plain data, no database)."""

import copy

import pytest
from django.utils import translation

from clause_library.markdown import fill_text, render_html
from documents.rendering.html import (
    render_piece_html,
    render_tender_html,
    render_tender_preview_fragment,
)

CATEGORIES = [
    ("api_access", "Accès par API (FHIR, SMART on FHIR)"),
    ("bulk_export", "Export de masse (FHIR Bulk Data)"),
    ("security", "Sécurité"),
    ("portability", "Réversibilité et portabilité"),
]
BODY = (
    "Le titulaire ouvre à **{{ etablissement }}** une API *FHIR* sous {{ delai }} jours.\n\n"
    "- accès documenté ;\n- sans frais par connecteur.\n\n"
    "1. environnement de test ;\n2. rapport de conformité.\n\n"
    "Voir [la spécification](https://hl7.org/fhir/R4/)."
)


def build_document(language="fr"):
    """10 articles over 4 categories, a criteria tree and one question per article."""
    sections, questions = [], []
    counter = 0
    for index, (category, title) in enumerate(CATEGORIES, start=1):
        articles = []
        for position in range(1, (3 if index <= 2 else 2) + 1):
            counter += 1
            values = {"etablissement": f"CHU Valeur{counter}", "delai": 30 + counter}
            requirement = ("mandatory", "scored", "informative")[counter % 3]
            label = {
                "mandatory": "Exigence éliminatoire",
                "scored": "Critère noté — 10 %",
                "informative": "Information",
            }[requirement]
            number = f"{index}.{position}"
            article = {
                "number": number,
                "id": f"TC-{100 + counter}",
                "key": f"clause-{counter}",
                "title": f"Titre article {counter} Zéphyr",
                "requirement": requirement,
                "requirement_label": label,
                "weight": 10.0 if requirement == "scored" else None,
                "body_html": render_html(BODY, values),
                "body_markdown": fill_text(BODY, values),
                "question": f"Question numéro {counter} ?",
                # 1.1 and 2.1 (scored) may be delivered later: « Partiel » and a roadmap date there only.
                "deferrable": counter in (1, 4),
                "parameters": [
                    {
                        "name": "delai",
                        "label": "Délai (jours)",
                        "type": "integer",
                        "value": str(values["delai"]),
                        "direction": "max",
                        "improvable": True,
                    }
                ],
                "references": [{"label": f"Référence {counter}", "url": "https://example.org/ref"}],
            }
            articles.append(article)
            questions.append(
                {
                    "id": article["id"],
                    "article": number,
                    "category": title,
                    "requirement": requirement,
                    "requirement_label": label,
                    "question": article["question"],
                }
            )
        sections.append({"number": index, "category": category, "title": title, "articles": articles})
    return {
        "language": language,
        "organization": "CHU Démo",
        "reference": "AO-2026-014",
        "title": "Dossier patient informatisé",
        "procedure": "open",
        "procedure_label": "Appel d'offres ouvert",
        "generated_on": "2026-11-28",
        "inputs_digest": "ab" * 32,
        "price_formula": "proportional",
        "price_formula_label": "Proportionnelle : P_min / P",
        "sections": sections,
        "criteria": [
            {
                "number": "1",
                "name": "Valeur technique",
                "kind": "scored",
                "weight": 60.0,
                "global_weight": 60.0,
                "depth": 0,
                "article": None,
            },
            {
                "number": "1.1",
                "name": "Sous-critère API FHIR",
                "kind": "scored",
                "weight": 50.0,
                "global_weight": 30.0,
                "depth": 1,
                "article": "1.2",
            },
            {
                "number": "1.1.1",
                "name": "Sous-sous-critère SMART",
                "kind": "scored",
                "weight": 100.0,
                "global_weight": 30.0,
                "depth": 2,
                "article": "1.2",
            },
            {
                "number": "1.2",
                "name": "Sous-critère export",
                "kind": "scored",
                "weight": 50.0,
                "global_weight": 30.0,
                "depth": 1,
                "article": "2.2",
            },
            {
                "number": "2",
                "name": "Prix",
                "kind": "price",
                "weight": 40.0,
                "global_weight": 40.0,
                "depth": 0,
                "article": None,
            },
            {
                "number": "E1",
                "name": "Exigence éliminatoire API",
                "kind": "eliminatory",
                "weight": None,
                "global_weight": None,
                "depth": 0,
                "article": "1.3",
            },
        ],
        "questions": questions,
    }


def all_articles(doc):
    return [article for section in doc["sections"] for article in section["articles"]]


@pytest.fixture
def doc():
    return build_document()


def test_it_renders_cover_toc_sections_and_articles(doc):
    html = render_tender_html(doc, for_print=True)
    assert html.startswith("<!DOCTYPE html>")
    for text in (
        "CHU Démo",
        "AO-2026-014",
        "Dossier patient informatisé",
        "Appel d&#x27;offres ouvert",
        "28 novembre 2026",
    ):
        assert text in html
    assert 'class="doc-toc"' in html
    for article in all_articles(doc):
        assert f'href="#article-{article["number"].replace(".", "-")}"' in html
        assert f'id="article-{article["number"].replace(".", "-")}"' in html
        assert article["title"] in html
        assert article["requirement_label"] in html
        assert f"Question au candidat (article {article['number']})" in html
    assert "<strong>CHU Valeur1</strong>" not in html  # placeholders come filled from render_html
    assert '<span class="param">CHU Valeur1</span>' in html
    assert "{{" not in html


def test_it_marks_only_body_html_safe(doc):
    article = doc["sections"][0]["articles"][0]
    article["title"] = "<script>alert(1)</script> & co"
    article["parameters"][0]["value"] = "<b>30</b>"
    doc["organization"] = "<img src=x>"
    html = render_tender_html(doc)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;b&gt;30&lt;/b&gt;" in html
    assert "<img src=x>" not in html
    assert "<ul>" in html  # the sanitised body is markup


def test_it_links_print_css_through_the_fetcher_scheme_only_for_print(doc):
    assert 'href="clausier-static:///css/print.css"' in render_tender_html(doc, for_print=True)
    screen = render_tender_html(doc)
    assert "clausier-static:" not in screen
    assert 'href="/static/css/print.css"' in screen


def test_it_renders_a_preview_fragment_without_document_tags(doc):
    fragment = render_tender_preview_fragment(doc)
    assert "<html" not in fragment and "<head>" not in fragment and "<body" not in fragment
    assert fragment.strip().startswith('<div class="tender-doc">')
    assert doc["sections"][1]["articles"][0]["title"] in fragment


def test_it_renders_the_criteria_tree_with_depth_and_french_percentages_in_the_rc(doc):
    # The criteria moved from the annex to the RC extract (issue 12).
    assert "Sous-critère API FHIR" not in render_tender_html(doc)
    html = render_piece_html(doc, "rc")
    assert 'class="depth-0 kind-scored"' in html
    assert 'class="depth-1 kind-scored"' in html
    assert 'class="depth-2 kind-scored"' in html
    assert "60,00\u00a0%" in html and "30,00\u00a0%" in html
    assert "N × P_min / P" in html
    assert html.index("Sous-critère API FHIR") < html.index("Sous-sous-critère SMART") < html.index("Prix")


def test_it_renders_english_labels_when_the_document_is_in_english():
    doc = build_document(language="en")
    html = render_tender_html(doc)
    assert 'lang="en"' in html
    assert "November 28, 2026" in html or "28 November 2026" in html


def test_it_leaves_the_input_document_unchanged(doc):
    before = copy.deepcopy(doc)
    render_tender_html(doc, for_print=True)
    render_tender_preview_fragment(doc)
    assert doc == before


def test_it_writes_the_rc_percentages_in_the_document_language_whatever_the_reader_s():
    french = render_piece_html(build_document(language="fr"), "rc")
    assert "60,00\u00a0%" in french and "100,00\u00a0%" in french
    with translation.override("fr"):  # an English document read on a French page stays English
        english = render_piece_html(build_document(language="en"), "rc")
    assert "60.00%" in english and "100.00%" in english and "60,00" not in english
