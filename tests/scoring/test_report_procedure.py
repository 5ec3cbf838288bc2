"""The procedure report (R2184-1): offers set aside unscored, the legal dates of the low-offer procedure,
the procedure's facts, a real two-column facts table, legal names, and the steps announced but not done.
Each is read back from the generated PDF, DOCX or XLSX."""

import datetime
import io

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from scoring.models import Bid, LowOfferReview, ProcedureRecord
from scoring.report import data, sections

from .reporting import build, flat, make_decided

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(evaluation):
    return make_decided(evaluation)


def docx_text(content):
    word = WordDocument(io.BytesIO(content))
    return flat(
        "\n".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells])
    )


def pdf_text(content):
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def test_an_offer_set_aside_is_not_scored_in_the_ranking_the_detail_or_the_chart(decided):
    text = docx_text(build(decided, "docx"))
    assert "non notée — offre écartée (offre irrégulière)" in text
    # Charlie's (eliminated) technical points were 55,20 and its total 95,20: printed nowhere.
    assert "95,20" not in text and "55,20" not in text
    pdf = pdf_text(build(decided, "pdf"))
    assert "non notée — offre écartée (offre irrégulière)" in pdf and "95,20" not in pdf
    doc = data.report_document(decided.tender)
    ranking = next(s for s in sections.report_sections(doc) if s["key"] == "ranking")
    bars = next(b for b in ranking["blocks"] if b["type"] == "chart")["bars"]
    assert [bar["vendor"] for bar in bars] == ["Alpha", "Bravo"]


def test_the_title_and_wording_follow_the_code(decided):
    text = docx_text(build(decided, "docx"))
    assert "Rapport de la procédure (article R2184-1 du code de la commande publique)" in text
    assert "Rapport de présentation" not in text and "recevable" not in text


def test_the_low_offer_procedure_prints_the_legal_dates_the_lead_entered(decided):
    LowOfferReview.objects.filter(bid=decided.bravo).update(
        sent_on=datetime.date(2026, 10, 28), deadline=datetime.date(2026, 11, 4), received_on=datetime.date(2026, 11, 3)
    )
    text = docx_text(build(decided, "docx"))
    assert "envoyée le 28 octobre 2026, réponse attendue le 4 novembre 2026" in text
    assert "3 novembre 2026" in text
    sheet = load_workbook(io.BytesIO(build(decided, "xlsx")))["Offres anormalement basses"]
    (row,) = [r for r in sheet.iter_rows(values_only=True) if r[0] == "Bravo"]
    assert "28 octobre 2026" in row[3] and row[4] == "3 novembre 2026"


def test_the_procedure_facts_open_the_report(decided):
    ProcedureRecord.objects.filter(tender=decided.tender).update(
        notice_published_on=datetime.date(2026, 9, 1),
        notice_medium="BOAMP et JOUE",
        offers_deadline=datetime.datetime(2026, 10, 15, 10, 0, tzinfo=datetime.UTC),
        opened_on=datetime.date(2026, 10, 16),
    )
    text = docx_text(build(decided, "docx"))
    assert "Avis de marché publié le : 1 septembre 2026 — BOAMP et JOUE" in text
    assert "Date limite de remise des offres : 15 octobre 2026 à 12 h 00" in text  # Paris time
    assert "Ouverture des plis : 16 octobre 2026" in text and "Offres reçues : 3" in text


def test_the_facts_are_a_real_two_column_table_in_the_pdf(decided):
    pdf = pdf_text(build(decided, "pdf"))
    # Each label reads beside its own value, even when a label wraps.
    assert "Taux de TVA appliqué 20 %" in pdf
    assert "Valeur estimée du marché 120 000,00 € HT" in pdf


def test_the_report_names_each_candidate_by_its_legal_name(decided):
    Bid.objects.filter(pk=decided.bravo.pk).update(candidate_name="Bravo Informatique SA")
    text = docx_text(build(decided, "docx"))
    assert "Bravo Informatique SA" in text
    rows = list(load_workbook(io.BytesIO(build(decided, "xlsx")))["Classement"].iter_rows(values_only=True))
    assert any(row[1] == "Bravo Informatique SA" for row in rows)


def test_it_warns_of_announced_steps_not_carried_out(decided):
    LowOfferReview.objects.filter(bid=decided.bravo).update(decision="pending", received_on=None)
    doc = data.report_document(decided.tender)
    # The probe announced by machine-checked clauses, run for nobody.
    doc = {
        **doc,
        "announced_checks": 4,
        "probes": [{"bid": b["id"], "vendor": b["vendor"], "probed": False} for b in doc["bids"]],
    }
    missed = sections.missed_steps(doc)
    assert "Sondage de conformité annoncé (4 clauses vérifiables) mais non réalisé pour : Alpha, Bravo." in missed
    assert "Explications demandées à Bravo sur son prix, non reçues et sans décision." in missed
    warnings = next(s for s in sections.report_sections(doc) if s["key"] == "warnings")
    assert warnings["title"] == "Avertissement : étapes annoncées non réalisées"


def test_without_missed_steps_there_is_no_warning(decided):
    doc = data.report_document(decided.tender)
    assert sections.missed_steps(doc) == []
    assert "warnings" not in [s["key"] for s in sections.report_sections(doc)]


def test_the_award_sequence_and_the_standstill_are_in_the_report(decided):
    from scoring.models import Award

    Award.objects.filter(tender=decided.tender).update(letters_sent_on=datetime.date(2026, 12, 4))
    text = docx_text(build(decided, "docx"))
    assert "Certificats de l’attributaire (R2144-4) : reçus le 2 décembre 2026" in text
    assert "Fin du délai de suspension (R2182-1) : 15 décembre 2026" in text
    assert "Interface FHIR native couvrant tous les flux demandés." in text


def test_the_report_gives_the_single_lot_reason_the_tender_recorded(decided):
    """R2184-3: without lots, why (the procedure record's words, else the tender's L2113-11 reason)."""
    ProcedureRecord.objects.filter(tender=decided.tender).update(lots_reason="")
    decided.tender.single_lot_reason = "Un progiciel intégré unique : le diviser rendrait l'exécution difficile."
    decided.tender.save()
    text = docx_text(build(decided, "docx"))
    assert "Allotissement Un progiciel intégré unique : le diviser rendrait l'exécution difficile." in text
