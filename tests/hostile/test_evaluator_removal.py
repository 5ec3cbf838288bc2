"""Issue 18, finding 13 (last item): a named evaluator could not be removed.

The lead withdraws an evaluator who has not scored, through the API (`DELETE
/api/v1/tenders/{id}/evaluators/{username}/`) and the evaluation page; refused (409, a sentence
saying why) once they have scored, or after close-technical unless the evaluation is reopened;
every removal is in the audit trail. Each test failed on the code before the change (no route).
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from scoring import services as scoring
from scoring.models import AuditEvent, Evaluator

from ..factories import member

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def newcomer(dataset_a):
    """A second evaluator, named but who has not scored."""
    person = member(dataset_a.organization, "evaluator", username="eval-b")
    scoring.evaluator_add(user=dataset_a.admin, tender=dataset_a.tender, username=person.username)
    return person


def url(dataset, username):
    return f"/api/v1/tenders/{dataset.tender.pk}/evaluators/{username}/"


def test_the_lead_removes_an_evaluator_who_has_not_scored(dataset_a, newcomer):
    response = client_for(dataset_a.admin).delete(url(dataset_a, "eval-b"))
    assert response.status_code == 204
    assert not Evaluator.objects.filter(tender=dataset_a.tender, user=newcomer).exists()
    event = AuditEvent.objects.get(tender=dataset_a.tender, action="evaluator.remove")
    assert (event.user, event.old) == (dataset_a.admin, "eval-b")
    listed = client_for(dataset_a.admin).get(f"/api/v1/tenders/{dataset_a.tender.pk}/evaluators/").json()
    assert "eval-b" not in str(listed)


def test_an_evaluator_who_has_scored_stays(dataset_a):
    response = client_for(dataset_a.admin).delete(url(dataset_a, "eval-a"))
    assert response.status_code == 409
    assert "a déjà noté" in response.json()["detail"]
    assert Evaluator.objects.filter(tender=dataset_a.tender, user=dataset_a.evaluator).exists()
    assert not AuditEvent.objects.filter(action="evaluator.remove").exists()


@pytest.mark.usefixtures("scoring_settled")
def test_after_close_technical_no_removal_until_reopened(dataset_a, newcomer):
    lead = client_for(dataset_a.admin)
    assert lead.post(f"/api/v1/tenders/{dataset_a.tender.pk}/close-technical/").status_code == 200
    refused = lead.delete(url(dataset_a, "eval-b"))
    assert refused.status_code == 409
    assert "rouvrez" in refused.json()["detail"]
    assert Evaluator.objects.filter(tender=dataset_a.tender, user=newcomer).exists()
    reopened = lead.post(f"/api/v1/tenders/{dataset_a.tender.pk}/reopen/", {"reason": "Erreur"}, format="json")
    assert reopened.status_code == 200
    assert lead.delete(url(dataset_a, "eval-b")).status_code == 204


def test_only_the_lead_removes(dataset_a, newcomer, member_b):
    assert client_for(dataset_a.evaluator).delete(url(dataset_a, "eval-b")).status_code == 403
    assert client_for(newcomer).delete(url(dataset_a, "eval-b")).status_code == 403
    assert client_for(member_b).delete(url(dataset_a, "eval-b")).status_code == 404
    assert client_for(dataset_a.admin).delete(url(dataset_a, "nobody")).status_code == 404
    assert Evaluator.objects.filter(tender=dataset_a.tender, user=newcomer).exists()


def test_the_evaluation_page_offers_a_remove_button_to_the_lead_only(dataset_a, newcomer):
    page = f"/evaluation/tenders/{dataset_a.tender.pk}/"
    lead = Client()
    lead.force_login(dataset_a.admin)
    html = lead.get(page).content.decode()
    assert 'aria-label="Retirer l\'évaluateur eval-b"' in html
    response = lead.post(f"/evaluation/tenders/{dataset_a.tender.pk}/evaluators/eval-b/remove/", follow=True)
    assert response.status_code == 200
    assert "Évaluateur « eval-b » retiré." in response.content.decode()
    assert not Evaluator.objects.filter(tender=dataset_a.tender, user=newcomer).exists()
    refused = lead.post(f"/evaluation/tenders/{dataset_a.tender.pk}/evaluators/eval-a/remove/")
    assert refused.status_code == 409
    assert "a déjà noté des offres" in refused.content.decode()
    evaluator = Client()
    evaluator.force_login(dataset_a.evaluator)
    assert "Retirer" not in evaluator.get(page).content.decode()
    assert evaluator.post(f"/evaluation/tenders/{dataset_a.tender.pk}/evaluators/eval-a/remove/").status_code == 403
