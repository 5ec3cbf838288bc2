"""The RC is complete (issue 22, item 5), read back from the generated PDF and DOCX:
the scoring method (scale, conversion into points, price formula, tie-break, worded by scoring), the
price basis, the grid annexed (levels and appreciation of the tender's scored clauses only), the
demonstration scenario when an RC clause requires one and no mention of it otherwise, the weights
printed equal to the weights applied, and tables that fit the A4 page."""

import io
import json
import re
from decimal import Decimal

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.models import Library
from clause_library.services import library_import
from documents.rendering.docx import render_piece_docx
from documents.rendering.html import render_piece_html
from documents.rendering.pdf import render_pdf
from scoring import rules, wording
from scoring.selectors import criteria_tree
from scoring.services.criteria import criteria_from_clauses
from tenders.guidance import tender_set_apply
from tenders.selectors import tender_document
from tenders.services import tender_create

from ..factories import make_clause
from .conftest import add_clause
from .test_tender_file_default_set import SET
from .test_tender_file_pieces import build, docx_text, pdf_pages

pytestmark = pytest.mark.django_db

LAUNCH_RUBRIC = [
    {"score": 0, "description": "Le minimum de l'article est atteint, sans plus."},
    {"score": 1, "description": "Contexte patient transmis."},
    {"score": 2, "description": "Contexte patient et séjour transmis."},
    {"score": 3, "description": "Niveau 2, et lancement démontré lors de la démonstration prévue à la clause `probe`."},
    {"score": 4, "description": "Niveau 3, et application tierce lancée pendant la démonstration."},
    {"score": 5, "description": "Niveau 4, et capacités vérifiées par la sonde de conformité."},
]
EXPORT_RUBRIC = [
    {"score": 0, "description": "Export du minimum exigé."},
    {"score": 1, "description": "Export incrémental."},
    {"score": 2, "description": "Export incrémental par groupe de patients."},
    {"score": 3, "description": "Export incrémental, par groupe, avec suivi des erreurs."},
]
APPRECIATION = "Sont appréciés au-delà du minimum : le lancement avec le contexte du séjour et l'écran d'autorisation."


def text(data, fmt):
    raw = " ".join(pdf_pages(data)) if fmt == "pdf" else docx_text(data)
    return " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2010", "-").split())


@pytest.fixture
def rc_tender(tender, visible_library, buyer):
    """Two scored annex clauses (one graded on the demonstration, scale 0–5; one not, scale 0–3), an
    eliminatory one, an RC clause that requires a demonstration, and the default criteria (price 40 %)."""
    launch = make_clause(
        visible_library,
        key="smart-launch",
        title="Lancement d'applications SMART",
        category="api_access",
        requirement="scored",
        body="Le titulaire permet le lancement d'applications SMART avec le contexte patient.",
        parameters=[],
        rubric=LAUNCH_RUBRIC,
        appreciation=APPRECIATION,
        default_weight=7,
    )
    export = make_clause(
        visible_library,
        key="bulk-export",
        title="Export de masse",
        category="bulk_export",
        requirement="scored",
        body="Le titulaire fournit l'export de masse de la population.",
        parameters=[],
        scale_max=3,
        rubric=EXPORT_RUBRIC,
        default_weight=5,
    )
    hds = make_clause(
        visible_library,
        key="hds",
        title="Hébergement certifié HDS",
        category="security",
        requirement="mandatory",
        body="Les données sont hébergées par un hébergeur certifié.",
        parameters=[],
        rubric=[],
    )
    probe = make_clause(
        visible_library,
        key="probe",
        title="Sonde de conformité et démonstration",
        category="documentation",
        requirement="informative",
        destination="rc",
        body="Chaque candidat présente, lors d'une séance de {{ duree_demonstration_heures }} heures, le même "
        "scénario de démonstration, sur des données fictives.",
        parameters=[
            {
                "name": "duree_demonstration_heures",
                "label": "Durée de la démonstration (heures)",
                "type": "integer",
                "default": 3,
                "min": 1,
                "max": 8,
            }
        ],
        rubric=[],
    )
    # A scored clause of the library that this tender does not hold: never in its grid.
    make_clause(
        visible_library,
        key="absent",
        title="Clause hors du marché",
        requirement="scored",
        parameters=[],
        body="Hors du marché.",
        rubric=[{"score": 0, "description": "Niveau hors du marché"}],
    )
    for clause in (launch, export, hds, probe):
        add_clause(tender, clause)
    criteria_from_clauses(user=buyer, tender=tender, price_weight=40)
    tender.refresh_from_db()
    return tender


@pytest.fixture
def rc_texts(rc_tender):
    return {fmt: text(build(rc_tender, "rc", fmt)[0], fmt) for fmt in ("pdf", "docx")}


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_rc_states_the_scoring_method_as_scoring_words_it(rc_tender, rc_texts, fmt):
    content = rc_texts[fmt]
    assert "Méthode de notation" in content
    # Scale of each scored sub-criterion (two scales here: said per row).
    assert "Critère noté, de 0 à 5" in content and "Critère noté, de 0 à 3" in content
    assert "note de 0 à sa note maximale" in content
    # Conversion into points.
    assert "Points = note / note maximale × poids dans la note finale" in content
    assert "sa note divisée par sa note maximale, multipliée par son poids dans la note finale" in content
    # The price formula in words and symbols, and the tie-break: the texts of scoring/wording.py.
    price = wording.price_formula_text("proportional", "40.00", "fr")
    assert price["words"] in content and f"Note prix = {price['symbols']}" in content
    assert "N : poids du critère prix dans la note finale (40,00 %)" in content
    assert wording.tie_break_text("technical", "fr") in content


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_rc_says_which_amount_the_price_criterion_compares(rc_tender, rc_texts, fmt):
    """The tender's basis (doc["price"], once the price schedule fills it), else the default wording."""
    price = tender_document(rc_tender).get("price") or {}
    expected = price.get("basis") or (
        "Le prix comparé est le montant total hors TVA du bordereau des prix, toutes lignes comprises, "
        "sur toute la durée du marché."
    )
    content = rc_texts[fmt]
    assert "Prix comparé" in content
    assert " ".join(expected.split()) in content
    assert content.index("Prix comparé") < content.index(" ".join(expected.split())[:40])


def test_the_rc_prints_the_tenders_price_basis_when_the_document_carries_one(rc_tender):
    """doc["price"] (the price schedule's branch fills it): its basis, the duration and the total line."""
    doc = tender_document(rc_tender)
    doc["price"] = {"duration_months": 48, "basis": "", "lines": [], "total_label": "Total HT sur 48 mois"}
    for data, fmt in (
        (render_pdf(render_piece_html(doc, "rc", for_print=True)), "pdf"),
        (render_piece_docx(doc, "rc"), "docx"),
    ):
        content = text(data, fmt)
        assert "sur la durée du marché, soit 48 mois." in content
        assert "Ce montant est celui de la ligne « Total HT sur 48 mois » du bordereau des prix." in content
    doc["price"]["basis"] = "Le prix comparé est le total HT de la décomposition du prix global et forfaitaire."
    content = text(render_piece_docx(doc, "rc"), "docx")
    assert "Le prix comparé est le total HT de la décomposition du prix global et forfaitaire." in content
    assert "toutes lignes comprises" not in content


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_grid_is_annexed_with_the_levels_and_appreciation_of_the_tenders_scored_clauses_only(
    rc_tender, rc_texts, fmt
):
    content = rc_texts[fmt]
    annex = content[content.index("Annexe au règlement de la consultation — Grille de notation") :]
    assert "grille annexée au présent règlement" in content
    launch, export = annex.index("Lancement d'applications SMART"), annex.index("Export de masse")
    assert launch < export
    # Article, scale and weight of each sub-criterion, then its appreciation and its levels with scores.
    assert re.search(r"Article 1\.1 — Lancement d'applications SMART ; note de 0 à 5 ; poids dans", annex)
    assert re.search(r"Article 2\.1 — Export de masse ; note de 0 à 3 ; poids dans", annex)
    assert "Éléments d'appréciation (sans valeur contractuelle)" in annex and APPRECIATION in annex
    for level in LAUNCH_RUBRIC[1:] + EXPORT_RUBRIC[1:]:
        if "`" not in level["description"]:
            assert level["description"] in annex
    # A key quoted in a level becomes the article number; the levels are scored.
    assert "prévue à la clause R1" in annex and "`probe`" not in annex
    assert re.search(r"\b5 Niveau 4, et capacités vérifiées", annex)
    # Only the tender's clauses; eliminatory requirements have no grid.
    assert "Clause hors du marché" not in content and "Niveau hors du marché" not in content
    assert "Hébergement certifié HDS" not in annex.split("Traçabilité")[0]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_demonstration_scenario_is_generated_when_an_rc_clause_requires_one(rc_texts, fmt):
    content = rc_texts[fmt]
    assert "Pièces à fournir et démonstrations" in content
    scenario = content[content.index("Scénario de démonstration") :]
    assert "démonstration que prévoit l'article R1" in scenario
    assert "en une séance de 3 heures, sur des données fictives, sans aucune donnée réelle de patient" in scenario
    # One step per sub-criterion whose grid mentions the demonstration, with what is observed.
    assert "Étape 1 — Article 1.1 — Lancement d'applications SMART (sous-critère 1.1)" in scenario
    assert APPRECIATION in scenario
    assert "Étape 2" not in scenario.split("Annexe au règlement")[0]
    assert "Article 2.1 — Export de masse (sous-critère" not in scenario


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_an_rc_clause_that_lists_the_steps_itself_gets_no_second_scenario_only_the_sub_criteria_it_scores(
    rc_tender, visible_library, fmt
):
    rc_tender.clauses.filter(clause__key="probe").delete()
    steps = make_clause(
        visible_library,
        key="probe-steps",
        title="Démonstration",
        category="documentation",
        requirement="informative",
        destination="rc",
        body="Chaque candidat présente la solution lors d'une séance de {{ duree_demonstration_heures }} heures. "
        "Le candidat exécute, dans l'ordre, les étapes suivantes :\n\n"
        "- lancement d'une application de test depuis le dossier d'un patient ;\n"
        "- export en masse des données d'un groupe de patients fictifs (`bulk-export`).\n",
        parameters=[{"name": "duree_demonstration_heures", "label": "Durée (heures)", "type": "integer", "default": 3}],
        rubric=[],
    )
    add_clause(rc_tender, steps)
    content = text(build(rc_tender, "rc", fmt)[0], fmt)
    assert "lancement d'une application de test depuis le dossier d'un patient" in content  # the article
    assert "Scénario de démonstration" not in content and "Étape 1" not in content
    scoring = content[content.index("Sous-critères notés lors de la démonstration") :]
    assert "celui que décrit l'article R1" in scoring
    assert "Sous-critère 1.1 — Lancement d'applications SMART (article 1.1)" in scoring  # the title once
    assert "Note 4 : Niveau 3, et application tierce lancée pendant la démonstration." in scoring
    # The article its steps cite is scored at the demonstration too, though its grid does not say so.
    assert "export en masse des données d'un groupe de patients fictifs (article 2.1)" in content
    assert "Sous-critère 1.2 — Export de masse (article 2.1)" in scoring


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_without_a_clause_requiring_it_the_rc_mentions_no_scenario_nor_a_missing_annex(
    tender, visible_library, buyer, fmt
):
    documents = make_clause(
        visible_library,
        key="documents",
        title="Documents à remettre",
        category="documentation",
        requirement="informative",
        destination="rc",
        body="Le candidat joint la documentation de son API.",
        parameters=[],
        rubric=[],
    )
    plain = make_clause(
        visible_library,
        key="plain-scored",
        title="Documentation de l'API",
        requirement="scored",
        parameters=[],
        body="Le titulaire documente son API.",
        rubric=[],
    )
    add_clause(tender, documents)
    add_clause(tender, plain)
    criteria_from_clauses(user=buyer, tender=tender, price_weight=40)
    content = text(build(tender, "rc", fmt)[0], fmt)
    assert "scénario" not in content.lower() and "Pièces à fournir et démonstrations" not in content
    assert "Pièces à fournir" in content
    # No grid (no levels nor appreciation): nothing says one is annexed.
    assert "Grille de notation" not in content and "annexée" not in content
    assert "Méthode de notation" in content and "Note prix = N × P_min / P" in content


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_weights_printed_are_the_weights_applied_and_add_up_to_exactly_100(rc_tender, fmt):
    data = build(rc_tender, "rc", fmt)[0]
    applied = {criterion.name: share for criterion, _depth, _number, share in criteria_tree(rc_tender)}
    if fmt == "docx":
        word = WordDocument(io.BytesIO(data))
        table = next(t for t in word.tables if t.rows[0].cells[1].text == "Critère")
        rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
        printed = {row[1]: row[4] for row in rows[:-1] if row[4] != "—"}
        total = rows[-1][4]
    else:
        content = text(data, fmt)
        printed = {
            name: re.search(re.escape(name) + r" Critère noté[^%]*?% (\d+,\d+ %)", content).group(1)
            for name in ("Lancement d'applications SMART", "Export de masse")
        }
        total = re.search(r"Total (\d+,\d+ %)", content).group(1)
    for name, value in printed.items():
        value = value.replace("\u00a0", " ")
        assert re.fullmatch(r"\d+,\d\d %", value), value  # the default tree: whole cents, two decimals
        assert Decimal(value.replace(" %", "").replace(",", ".")) == applied[name]
    assert total.replace("\u00a0", " ") == "100,00 %"
    leaves = [applied["Lancement d'applications SMART"], applied["Export de masse"]]
    assert sum(leaves) == applied["Valeur technique"] == Decimal(60)
    assert all(share == share.quantize(Decimal("0.01")) for share in leaves)
    assert rules.exact_weight_text(leaves[0]) == f"{leaves[0]:.2f}"


def pdf_text_right_edges(data):
    """(page width, right edge of the text area, [(x, text)]) of every text run of every page."""
    reader = PdfReader(io.BytesIO(data))
    runs = []

    def visitor(text, cm, tm, font_dict, font_size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            runs.append((x, text.strip()))

    for page in reader.pages:
        page.extract_text(visitor_text=visitor)
    width = float(reader.pages[0].mediabox.width)
    return width, width - 18 / 25.4 * 72, runs


@pytest.fixture
def dpi_tender(group, curator, hospital, buyer):
    """A tender started from the default library's recommended DPI set, with its default criteria."""
    library = library_import(
        user=curator, organization=group, data=json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    )
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    tender = tender_create(user=buyer, organization=hospital, reference="AO-DPI", title="Dossier patient informatisé")
    tender_set_apply(user=buyer, tender=tender, library_id=library.pk, set_key=SET)
    return tender


def test_the_rc_tables_fit_the_a4_page(dpi_tender, buyer):
    """The recommended DPI set with its default criteria: no text starts beyond the right margin (the
    last column, "Article", used to be clipped); the PDF stays A4, PDF/A and tagged."""
    criteria_from_clauses(user=buyer, tender=dpi_tender, price_weight=40)
    data = build(dpi_tender, "rc", "pdf")[0]
    width, right_edge, runs = pdf_text_right_edges(data)
    assert round(width) == 595  # A4 portrait
    assert any(t == "Article" for _x, t in runs) and any(re.fullmatch(r"\d+\.\d+", t) for _x, t in runs)
    assert all(x < right_edge - 10 for x, _t in runs), max(runs)
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert b"pdfaid:part" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()


def test_an_english_tender_gets_the_rc_in_english(rc_tender):
    rc_tender.language = "en"
    rc_tender.save()
    content = text(build(rc_tender, "rc", "docx")[0], "docx")
    for label in (
        "Scoring method",
        "Price compared",
        "Points = score / maximum score × weight in the final mark",
        "Demonstration scenario",
        "Annex to the consultation rules — Scoring grid",
        "Step 1 — Article 1.1",
        "from 0 to 3",
    ):
        assert label in content, label
    assert wording.tie_break_text("technical", "en") in content
    assert "Méthode de notation" not in content and "Prix comparé" not in content
