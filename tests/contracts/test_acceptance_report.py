"""The acceptance record (`acceptance_report`) through the contract's documents: asked for, made by the documents
job, downloaded and read back (PDF and DOCX) with the rows and the decision."""

import io
import re

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from documents.models import Document

from .acceptance_fixtures import plan_url, read_plan, set_all

pytestmark = pytest.mark.django_db


def flat(text):
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def docx_text(content):
    word = WordDocument(io.BytesIO(content))
    return flat(
        "\n".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells])
    )


def pdf_text(content):
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def make(api, user, contract, format, capture):
    with capture(execute=True):
        response = api(user).post(
            f"/api/v1/contracts/{contract.pk}/documents/",
            {"kind": "acceptance_report", "format": format},
            format="json",
        )
    assert response.status_code == 202, response.content
    document = Document.objects.get(pk=response.json()["id"])
    assert document.status == "done", document.error
    download = api(user).get(f"/api/v1/documents/{document.pk}/download/")
    assert download.status_code == 200
    return document, b"".join(download.streaming_content)


@pytest.fixture
def decided_plan(api, accepted):
    contract, lead = accepted.contract, accepted.lead
    rows = read_plan(api, lead, contract)["rows"]
    set_all(contract, "pass")
    api(lead).put(
        plan_url(contract, f"{rows[1]['article']}/"),
        {"result": "fail", "evidence": "Export des comptes rendus absent."},
        format="json",
    )
    response = api(lead).put(
        plan_url(contract, "decision/"),
        {
            "decision": "refaction",
            "reason": "Export des comptes rendus absent ; le reste est conforme.",
            "refaction_percent": 8,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return rows


@pytest.mark.parametrize("format, reader", [("pdf", pdf_text), ("docx", docx_text)])
def test_the_record_prints_every_row_and_the_decision(
    api, accepted, decided_plan, eager, format, reader, django_capture_on_commit_callbacks
):
    contract, lead = accepted.contract, accepted.lead
    document, content = make(api, lead, contract, format, django_capture_on_commit_callbacks)
    text = reader(content)
    assert "Procès-verbal des opérations de vérification" in text
    assert contract.uid in text and "Alpha Santé SAS" in text
    for row in decided_plan:
        assert flat(row["title"])[:40] in text, row["article"]
    assert "Export des comptes rendus absent." in text
    assert "Admission avec réfaction" in text and re.search(r"Réfaction :? ?8 %", text)
    assert "Export des comptes rendus absent ; le reste est conforme." in text
    assert "CCAG-TIC" in text
    # No library key is printed.
    for item in accepted.data["clauses"]:
        assert f" {item['key']} " not in f" {text} "
    assert document.contract_id == contract.pk


def test_the_record_is_stale_once_the_plan_changes_and_lists_under_the_contract(
    api, accepted, eager, django_capture_on_commit_callbacks
):
    contract, lead = accepted.contract, accepted.lead
    rows = read_plan(api, lead, contract)["rows"]
    document, content = make(api, lead, contract, "docx", django_capture_on_commit_callbacks)
    assert "Aucune décision n'est encore prononcée." in docx_text(content)
    listed = api(lead).get(f"/api/v1/contracts/{contract.pk}/documents/").json()["results"]
    assert [(item["id"], item["stale"]) for item in listed] == [(document.pk, False)]
    api(lead).put(plan_url(contract, f"{rows[0]['article']}/"), {"result": "pass"}, format="json")
    listed = api(lead).get(f"/api/v1/contracts/{contract.pk}/documents/").json()["results"]
    assert listed[0]["stale"] is True


@pytest.mark.parametrize(
    "body, field",
    [({"kind": "penalty", "format": "pdf"}, "kind"), ({"kind": "acceptance_report", "format": "xlsx"}, "format")],
)
def test_an_unknown_kind_or_format_is_a_400_naming_it(api, accepted, body, field):
    response = api(accepted.lead).post(f"/api/v1/contracts/{accepted.contract.pk}/documents/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Document.objects.exists()


def test_the_record_is_not_listed_among_the_tenders_pieces(api, accepted, django_capture_on_commit_callbacks):
    contract, lead = accepted.contract, accepted.lead
    read_plan(api, lead, contract)
    with django_capture_on_commit_callbacks():
        api(lead).post(
            f"/api/v1/contracts/{contract.pk}/documents/", {"kind": "acceptance_report", "format": "pdf"}, format="json"
        )
    assert Document.objects.filter(contract=contract).count() == 1
    assert api(lead).get(f"/api/v1/tenders/{contract.tender_id}/documents/").json()["results"] == []
    assert len(api(lead).get(f"/api/v1/contracts/{contract.pk}/documents/").json()["results"]) == 1


def test_the_contracts_documents_and_the_audit_trail_read_in_a_fixed_number_of_queries(
    api, accepted, django_assert_num_queries
):
    contract, lead = accepted.contract, accepted.lead
    rows = read_plan(api, lead, contract)["rows"]
    client = api(lead)
    counts = []
    for size in (1, 6):
        for index in range(size):
            Document.objects.create(tender=contract.tender, contract=contract, kind="acceptance_report", format="pdf")
            client.put(plan_url(contract, f"{rows[index]['article']}/"), {"result": "pass"}, format="json")
        # contract, the reader rules of the evaluation kinds (scoring), count, page with its staleness
        with django_assert_num_queries(4) as documents:
            assert len(client.get(f"/api/v1/contracts/{contract.pk}/documents/").json()["results"]) >= size
        with django_assert_num_queries(3) as events:  # contract, count, page with who
            assert len(client.get(plan_url(contract, "audit/")).json()["results"]) > size
        counts.append((len(documents), len(events)))
    assert counts[0] == counts[1]


def test_the_record_is_never_asked_for_on_the_tender(api, accepted):
    response = api(accepted.lead).post(
        f"/api/v1/tenders/{accepted.tender.pk}/documents/",
        {"kind": "acceptance_report", "format": "pdf"},
        format="json",
    )
    assert response.status_code == 400 and "kind" in response.json()
    assert not Document.objects.exists()
