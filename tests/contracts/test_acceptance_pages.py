"""The acceptance page: who sees and changes what, forms that keep what was typed, the filter, the probe form."""

import pytest
from django.urls import reverse

from contracts.models import AcceptanceProbe, AcceptanceRow
from documents.models import Document

from .acceptance_fixtures import set_all

pytestmark = pytest.mark.django_db


def page(contract):
    return reverse("contracts:acceptance", args=[contract.pk])


def test_the_contract_page_links_to_the_acceptance_page(client, accepted):
    client.force_login(accepted.lead)
    content = client.get(reverse("contracts:contract_detail", args=[accepted.contract.pk])).content.decode()
    assert page(accepted.contract) in content


def test_a_buyer_sees_every_row_with_its_form_and_records_a_result(client, accepted):
    contract = accepted.contract
    client.force_login(accepted.lead)
    content = client.get(page(contract)).content.decode()
    assert content.count('class="card mb-3 acceptance-row"') == 58
    assert content.count('name="action" value="row"') == 58
    assert 'name="action" value="probe"' in content and 'name="action" value="decision"' in content
    row = AcceptanceRow.objects.filter(plan__contract=contract).order_by("position")[3]
    response = client.post(
        page(contract),
        {
            "action": "row",
            "row": row.pk,
            f"row{row.pk}-result": "reserved",
            f"row{row.pk}-evidence": "Réserve levée sous 15 jours",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#row-{row.pk}")
    row.refresh_from_db()
    assert (row.result, row.evidence, row.updated_by) == ("reserved", "Réserve levée sous 15 jours", accepted.lead)


def test_a_refused_decision_keeps_what_was_typed_and_changes_nothing(client, accepted):
    contract = accepted.contract
    client.force_login(accepted.lead)
    response = client.post(
        page(contract), {"action": "decision", "decision-decision": "admission", "decision-reason": "Motif tapé ici"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Motif tapé ici" in content and "restent à vérifier" in content
    assert contract.acceptance_plan.decision == ""


def test_the_filter_shows_only_the_rows_with_that_result(client, accepted):
    contract = accepted.contract
    client.force_login(accepted.lead)
    client.get(page(contract))
    AcceptanceRow.objects.filter(plan__contract=contract, position__lt=5).update(result="fail")
    content = client.get(page(contract), {"result": "fail"}).content.decode()
    assert content.count('class="card mb-3 acceptance-row"') == AcceptanceRow.objects.filter(result="fail").count() > 0
    assert 'data-result="pending"' not in content


def test_an_evaluator_reads_without_forms_and_cannot_post(client, accepted, evaluator):
    contract = accepted.contract
    client.force_login(evaluator)
    content = client.get(page(contract)).content.decode()
    assert content.count('class="card mb-3 acceptance-row"') == 58
    assert 'name="action"' not in content
    row = AcceptanceRow.objects.filter(plan__contract=contract).first()
    response = client.post(page(contract), {"action": "row", "row": row.pk, f"row{row.pk}-result": "pass"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.result == "pending"


def test_another_organisation_gets_404(client, accepted, outsider):
    client.force_login(outsider)
    assert client.get(page(accepted.contract)).status_code == 404
    assert client.post(page(accepted.contract), {"action": "decision"}).status_code == 404


def test_the_probe_form_names_what_is_missing_and_queues_nothing(client, accepted, django_capture_on_commit_callbacks):
    client.force_login(accepted.lead)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(page(accepted.contract), {"action": "probe", "probe-fhir_base_url": ""})
    assert response.status_code == 400 and "URL de base FHIR du système livré" in response.content.decode()
    assert not callbacks and not AcceptanceProbe.objects.exists()


def test_the_documents_panel_asks_for_the_record(client, accepted, django_capture_on_commit_callbacks):
    client.force_login(accepted.lead)
    with django_capture_on_commit_callbacks():
        response = client.post(page(accepted.contract), {"action": "document", "document-format": "docx"})
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.kind, document.format, document.contract_id) == ("acceptance_report", "docx", accepted.contract.pk)
    content = client.get(page(accepted.contract)).content.decode()
    assert "Procès-verbal des opérations de vérification (DOCX)" in content


def test_the_page_reads_in_a_fixed_number_of_queries(client, accepted, django_assert_num_queries):
    contract = accepted.contract
    client.force_login(accepted.lead)
    client.get(page(contract))
    set_all(contract, "pass")
    with django_assert_num_queries(10) as captured:
        client.get(page(contract))
    AcceptanceRow.objects.filter(plan__contract=contract, position__gt=20).delete()
    with django_assert_num_queries(len(captured)):
        client.get(page(contract))


def test_the_page_is_in_english_too(client, accepted):
    client.force_login(accepted.lead)
    content = client.get(page(accepted.contract), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Acceptance plan" in content and "Run the probe" in content


def test_the_history_says_who_changed_a_result(client, api, accepted):
    contract = accepted.contract
    client.force_login(accepted.lead)
    client.get(page(contract))
    row = AcceptanceRow.objects.filter(plan__contract=contract).order_by("position").first()
    client.post(page(contract), {"action": "row", "row": row.pk, f"row{row.pk}-result": "fail"})
    content = client.get(page(contract)).content.decode()
    assert f"{accepted.lead.username} — article {row.article} — résultat : À vérifier → Non conforme" in content
    english = client.get(page(contract), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"article {row.article} — result: To verify → Non-compliant" in english
