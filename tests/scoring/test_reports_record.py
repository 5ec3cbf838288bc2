"""The procedure record (report and letter inputs): API and page, lead only, validated."""

import pytest
from django.test import Client

from scoring.models import AuditEvent, ProcedureRecord

pytestmark = pytest.mark.django_db


def url(tender):
    return f"/api/v1/tenders/{tender.pk}/procedure-record/"


def page(tender):
    return f"/evaluation/tenders/{tender.pk}/procedure-record/"


def browser(user):
    client = Client()
    client.force_login(user)
    return client


VALID = {
    "buyer_address": "12 rue de l’Hôpital, 75012 Paris",
    "contract_value": "120000.00",
    "vat_rate": "20.00",
    "candidatures": [{"name": "Delta", "admitted": False, "reason": "Attestation manquante."}],
    "signatory_name": "Claire Directrice",
    "signed_at": "2026-12-03",
}


def test_the_lead_writes_and_reads_the_record_and_the_change_is_audited(api, evaluation):
    body = dict(VALID, subcontracting=[{"bid": evaluation.alpha.pk, "share": "30", "subcontractors": "Hébergeur"}])
    response = api(evaluation.lead).put(url(evaluation.tender), body, format="json")
    assert response.status_code == 200, response.json()
    read = api(evaluation.lead).get(url(evaluation.tender)).json()
    assert read["buyer_address"] == VALID["buyer_address"] and read["contract_value"] == "120000.00"
    assert read["candidatures"] == VALID["candidatures"] and read["subcontracting"][0]["share"] == "30.00"
    assert read["letters_electronic"] is True and read["signed_at"] == "2026-12-03"
    assert AuditEvent.objects.filter(action="procedure_record_update", field="buyer_address").exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("contract_value", "-5"),
        ("vat_rate", "150"),
        ("signed_at", "demain"),
        ("candidatures", [{"admitted": True}]),
        ("subcontracting", [{"bid": 999999, "share": 10}]),
        ("subcontracting", [{"bid": 0, "share": 120}]),
        ("subcontracting", [{"share": 10}]),  # no bid (PUT is partial): was a 500 found by the fuzzer
    ],
)
def test_bad_input_answers_400_naming_the_field_and_changes_nothing(api, evaluation, field, value):
    if field == "subcontracting" and value[0].get("bid") == 0:
        value = [{"bid": evaluation.alpha.pk, "share": 120}]
    response = api(evaluation.lead).put(url(evaluation.tender), {field: value}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not ProcedureRecord.objects.exists()


def test_an_evaluator_gets_403_and_another_organisation_404(api, evaluation, outsider):
    assert api(evaluation.eval1).get(url(evaluation.tender)).status_code == 403
    assert api(evaluation.eval1).put(url(evaluation.tender), VALID, format="json").status_code == 403
    assert api(outsider).get(url(evaluation.tender)).status_code == 404
    assert api(outsider).put(url(evaluation.tender), VALID, format="json").status_code == 404
    assert browser(evaluation.eval1).get(page(evaluation.tender)).status_code == 403
    assert browser(outsider).get(page(evaluation.tender)).status_code == 404
    assert not ProcedureRecord.objects.exists()


def test_the_page_saves_the_record(evaluation):
    client = browser(evaluation.lead)
    assert client.get(page(evaluation.tender)).status_code == 200
    response = client.post(
        page(evaluation.tender),
        {
            "buyer_address": "1 place de l’Hôpital",
            "contract_value": "90000",
            "vat_rate": "20",
            "candidatures_text": "Delta ; exclu ; Attestation manquante\nAlpha ; admis ; Complet",
            "subcontracting_text": "Alpha ; 25 ; Hébergeur SAS",
            "letters_electronic": "on",
        },
    )
    assert response.status_code == 302
    record = ProcedureRecord.objects.get(tender=evaluation.tender)
    assert record.candidatures[0] == {"name": "Delta", "admitted": False, "reason": "Attestation manquante"}
    assert record.subcontracting == [{"bid": evaluation.alpha.pk, "share": 25.0, "subcontractors": "Hébergeur SAS"}]


@pytest.mark.parametrize(
    "field, value",
    [
        ("contract_value", "beaucoup"),
        ("vat_rate", "-1"),
        ("candidatures_text", "Delta sans statut"),
        ("subcontracting_text", "Inconnu ; 10 ; X"),
    ],
)
def test_the_page_answers_a_form_error_naming_the_field_on_garbage(evaluation, field, value):
    data = {"vat_rate": "20", field: value}
    response = browser(evaluation.lead).post(page(evaluation.tender), data)
    assert response.status_code == 400
    assert f'id="error-{field}"' in response.content.decode()
    assert not ProcedureRecord.objects.exists()


def test_the_schema_documents_the_endpoint(api, evaluation):
    schema = api(evaluation.lead).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/tenders/{tender_id}/procedure-record/" in schema["paths"]
    assert {"get", "put"} <= set(schema["paths"]["/api/v1/tenders/{tender_id}/procedure-record/"])


def test_the_bid_schema_lets_an_empty_candidate_email_through(api, evaluation):
    """The fuzzer found GET /bids/{id}/ answering "" where the schema said format "email"."""
    schema = api(evaluation.lead).get("/api/schema/?format=json").json()
    email = schema["components"]["schemas"]["Bid"]["properties"]["candidate_email"]
    assert email.get("format") != "email" and email.get("readOnly") is True
    assert api(evaluation.lead).get(f"/api/v1/bids/{evaluation.alpha.pk}/").json()["candidate_email"] == ""
