"""The evaluation report's probe section (9), read back from PDF, DOCX and XLSX."""

import io
import json

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from conformance import report as probe_report
from conformance import services as probe_services
from documents.models import Document
from scoring.report import builders, data
from tenders.models import TenderClause

from ..conformance.conftest import INFERNO, SMART_22, fixture_json, fixture_text, without_search_type
from ..factories import make_clause
from .test_api_results import fill

pytestmark = pytest.mark.django_db

PATIENT_CHECK = {
    "type": "fhir_resource",
    "resource": "Patient",
    "interactions": ["read", "search-type"],
    "search_params": ["identifier"],
}
SMART_CHECKS = [{"type": "smart_grant_type", "value": "client_credentials"}, {"type": "smart_pkce", "value": "S256"}]


@pytest.fixture
def probed_report(evaluation, library):
    """The filled evaluation; its tender carries two check-bearing clauses; Alpha's sandbox lacks Patient search."""
    fill(evaluation)
    for position, (key, title, checks) in enumerate(
        [("patient", "Accès aux dossiers patients", [PATIENT_CHECK]), ("smart", "Autorisation SMART", SMART_CHECKS)]
    ):
        clause = make_clause(library, key=key, title=title, checks=checks)
        TenderClause.objects.create(tender=evaluation.tender, clause=clause, version=clause.current, position=position)
    request = probe_services.probe_request(
        user=evaluation.lead,
        bid=evaluation.alpha,
        files={
            "capability_statement": json.dumps(without_search_type(fixture_json(INFERNO))).encode(),
            "smart_configuration": fixture_text(SMART_22).encode(),
        },
    )
    evaluation.probe = probe_services.probe_run(report_id=request.pk)
    evaluation.tender.refresh_from_db()
    return evaluation


def build(evaluation, format):
    document = Document.objects.create(tender=evaluation.tender, kind="evaluation_report", format=format)
    return builders.build_report(document)[0]


def test_it_puts_each_bids_probe_in_the_plain_report(probed_report, django_assert_num_queries):
    doc = data.report_document(probed_report.tender)
    by_vendor = {entry["vendor"]: entry for entry in doc["probes"]}
    assert list(by_vendor) == ["Alpha", "Bravo", "Charlie"]  # the ranking's order
    alpha = by_vendor["Alpha"]
    assert alpha["probed"] and alpha["source"] == "upload" and alpha["status"] == "done"
    assert alpha["counts"] == {"pass": 2, "fail": 1, "unknown": 0}
    assert [(d["kind"], d["valid"], d["sha256"]) for d in alpha["documents"]] == [
        (d["kind"], True, d["sha256"]) for d in probed_report.probe.documents
    ]
    assert all(len(d["sha256"]) == 64 for d in alpha["documents"])
    (failed,) = alpha["failed"]
    assert failed["clause"] == "Accès aux dossiers patients"
    assert failed["check"] == "Ressource Patient — interactions read, search-type — recherche par identifier"
    assert failed["path"].startswith("$.rest[0].resource") and failed["message"]
    assert by_vendor["Bravo"] == {"bid": probed_report.bravo.pk, "vendor": "Bravo", "probed": False}
    bids = doc["bids"]
    with django_assert_num_queries(4):
        probe_report.probe_entries(probed_report.tender, bids)


def test_it_writes_the_probe_section_in_the_pdf(probed_report):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(build(probed_report, "pdf"))).pages)
    flat = "".join(text.split())
    assert "9. Sondage de conformité FHIR / SMART" in text
    assert "2conformes,1nonconformes,0nonvérifiables" in flat
    assert text.count("Aucun sondage de conformité.") == 2  # Bravo and Charlie
    for document in probed_report.probe.documents:
        assert document["sha256"] in flat
    assert "RessourcePatient" in flat and "Accèsauxdossierspatients" in flat and "$.rest[0].resource" in flat


def test_it_writes_the_probe_section_in_the_docx(probed_report):
    word = WordDocument(io.BytesIO(build(probed_report, "docx")))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "9. Sondage de conformité FHIR / SMART" in text and "2 conformes, 1 non conformes" in text
    cells = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    hashes = {document["sha256"] for document in probed_report.probe.documents}
    assert {row[2] for row in cells if len(row) > 2 and row[2] in hashes} == hashes
    failed = [row for row in cells if row[0] == "Accès aux dossiers patients"]
    assert len(failed) == 1 and failed[0][1].startswith("Ressource Patient") and failed[0][3].startswith("$.rest[0]")


def test_it_writes_the_probe_section_as_a_sheet_of_the_xlsx(probed_report):
    workbook = load_workbook(io.BytesIO(build(probed_report, "xlsx")))
    rows = [row for row in workbook["Sondage de conformité"].iter_rows(values_only=True) if row[0] is not None]
    texts = [row[0] for row in rows]
    assert "9. Sondage de conformité FHIR / SMART" in texts
    alpha = texts.index("Alpha")
    assert "2 conformes, 1 non conformes, 0 non vérifiables" in rows[alpha + 1][0]
    assert rows[alpha + 2][:4] == ("Document", "Validité", "Empreinte SHA-256", "Erreurs et avertissements")
    hashes = {row[2] for row in rows if len(row) > 2}
    assert {d["sha256"] for d in probed_report.probe.documents} <= hashes
    (failed,) = [row for row in rows if row[0] == "Accès aux dossiers patients"]
    assert failed[1].startswith("Ressource Patient") and failed[3].startswith("$.rest[0].resource")
    bravo = texts.index("Bravo")
    assert rows[bravo + 1][0] == "Aucun sondage de conformité."
