"""The evaluation report, read back in each format: ranking, every bid, eliminations, R2184-1 items."""

import io
import zipfile

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from documents.models import Document
from documents.services import RenderError
from scoring import reports

from .test_api_results import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(evaluation):
    fill(evaluation)
    evaluation.tender.refresh_from_db()
    return evaluation


def build(evaluation, format):
    document = Document.objects.create(tender=evaluation.tender, kind="evaluation_report", format=format)
    return reports.build_report(document)


def test_it_builds_the_plain_report_with_ranking_eliminations_and_awardee(report):
    doc = reports.report_document(report.tender)
    assert [(b["vendor"], b["rank"], b["total"]) for b in doc["bids"]] == [
        ("Alpha", 1, 86.2),
        ("Bravo", 2, 74.0),
        ("Charlie", None, 95.2),
    ]
    assert doc["rejected"][0]["vendor"] == "Charlie"
    assert doc["rejected"][0]["eliminated_by"][0]["criterion"] == "Hébergement HDS"
    assert doc["awardee"]["vendors"] == ["Alpha"] and "86,20" in doc["awardee"]["reason"]
    assert doc["value"] == 100000.0 and doc["organization"] == "CHU"
    assert [e["username"] for e in doc["evaluators"]] == ["eval1", "eval2"]
    assert doc["consensus"][0]["justification"] == "Démo décevante"


def test_it_writes_a_pdf_with_the_ranking_every_bid_and_a_chart(report):
    html = reports.render_report_html(reports.report_document(report.tender))
    assert "<svg" in html and "Points par offre" in html
    content, digest = build(report, "pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    for expected in (
        "Rapport d’analyse des offres",
        "Classement des offres",
        "Alpha",
        "Bravo",
        "Charlie",
        "Hébergement HDS",
        "Attributaire",
        "Démo décevante",
        "eval1",
        "CHU",
        "86,20",
    ):
        assert expected in text, expected
    assert len(digest) == 64


def test_it_writes_a_docx_with_tables_and_the_chart_as_an_image(report):
    content, _digest = build(report, "docx")
    word = WordDocument(io.BytesIO(content))
    ranking = word.tables[0]
    assert [[cell.text for cell in row.cells][:2] for row in ranking.rows] == [
        ["Rang", "Candidat"],
        ["1", "Alpha"],
        ["2", "Bravo"],
        ["éliminée", "Charlie"],
    ]
    assert len(word.inline_shapes) == 1
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert any(name.startswith("word/media/") and name.endswith(".png") for name in names)
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Hébergement HDS" in text and "Attributaire" in text


def test_it_writes_an_xlsx_with_a_native_chart(report):
    content, _digest = build(report, "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    rows = list(workbook["Classement"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Rang", "Candidat")
    assert [(r[0], r[1], r[5]) for r in rows[1:4]] == [(1, "Alpha", 86.2), (2, "Bravo", 74.0), (None, "Charlie", 95.2)]
    assert {"Détail par critère", "Offres écartées", "Synthèse", "Évaluateurs", "Consensus"} <= set(workbook.sheetnames)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert any(name.startswith("xl/charts/chart") for name in names)


@pytest.mark.parametrize("format", ["docx", "xlsx"])
def test_it_gives_the_same_bytes_for_the_same_inputs(report, format):
    assert build(report, format) == build(report, format)


def test_it_fails_readably_when_weights_do_not_add_up(report):
    from scoring.models import Criterion

    Criterion.objects.filter(pk=report.criteria.price.pk).update(weight=30)
    with pytest.raises(RenderError, match="niveau supérieur"):
        build(report, "xlsx")


@pytest.mark.parametrize("format", ["pdf", "docx", "xlsx"])
def test_it_runs_through_the_tenders_document_job(report, format, monkeypatch):
    from documents import services as documents
    from tenders import services

    monkeypatch.setattr(services, "document_enqueue", lambda *, document: True)  # no broker in unit tests
    document = services.document_request(
        user=report.lead, tender=report.tender, kind="evaluation_report", format=format
    )
    assert documents.document_render(document_id=document.pk) == Document.Status.DONE
    document.refresh_from_db()
    assert document.size > 0 and len(document.inputs_digest) == 64 and document.file.name.endswith(f".{format}")
