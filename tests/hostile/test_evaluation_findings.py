"""Issue 18, findings 6, 10 and 12: tampering with the evaluation after prices are opened, through the
admin, and by a last writer. Each test failed on the code before the fix."""

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from scoring import models as scoring_models
from scoring.models import AuditEvent, Bid, Consensus, Criterion, EvaluationState, Evaluator, Score

from ..factories import member

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def close(dataset):
    response = client_for(dataset.admin).post(f"/api/v1/tenders/{dataset.tender.pk}/close-technical/")
    assert response.status_code == 200
    return response


@pytest.fixture
def cheaper(dataset_a):
    """A second, cheaper bid, recorded before prices are opened."""
    return client_for(dataset_a.admin).post(
        f"/api/v1/tenders/{dataset_a.tender.pk}/bids/", {"vendor": "Éditeur B", "price": 90000}, format="json"
    )


# Finding 6 -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("scoring_settled")
def test_after_close_technical_bids_and_prices_are_frozen(dataset_a, cheaper):
    lead = client_for(dataset_a.admin)
    close(dataset_a)
    before = list(Bid.objects.order_by("pk").values_list("pk", "vendor", "price", "submitted_at"))
    attempts = [
        lead.patch(f"/api/v1/bids/{dataset_a.bid.pk}/", {"price": 50000}, format="json"),
        lead.patch(f"/api/v1/bids/{dataset_a.bid.pk}/", {"submitted_at": "2020-01-01T10:00:00Z"}, format="json"),
        lead.delete(f"/api/v1/bids/{cheaper.json()['id']}/"),
        lead.post(
            f"/api/v1/tenders/{dataset_a.tender.pk}/bids/",
            {"vendor": "Antidaté", "price": 1000, "submitted_at": "2020-01-01T10:00:00Z"},
            format="json",
        ),
    ]
    assert [r.status_code for r in attempts] == [409, 409, 409, 409]
    assert all("réouverture" in r.json()["detail"] for r in attempts)
    assert list(Bid.objects.order_by("pk").values_list("pk", "vendor", "price", "submitted_at")) == before


@pytest.mark.usefixtures("scoring_settled")
def test_after_close_technical_eliminations_consensus_and_threshold_are_frozen(dataset_a, cheaper):
    lead = client_for(dataset_a.admin)
    eliminatory = Criterion.objects.create(tender=dataset_a.tender, name="HDS", kind="eliminatory", scale_max=1)
    close(dataset_a)
    bid = cheaper.json()["id"]
    consensus = Consensus.objects.get()
    attempts = [
        lead.put(
            f"/api/v1/bids/{bid}/eliminatory/{eliminatory.pk}/",
            {"decision": "non_compliant", "qualification": "irregular", "reason": "Pas HDS"},
            format="json",
        ),
        lead.put(
            f"/api/v1/bids/{bid}/consensus/{eliminatory.pk}/",
            {"value": 0, "justification": "Pas HDS"},
            format="json",
        ),
        lead.put(
            f"/api/v1/bids/{dataset_a.bid.pk}/consensus/{dataset_a.criterion.pk}/",
            {"value": 0, "justification": "Revu à la baisse", "version": consensus.version},
            format="json",
        ),
        lead.patch(f"/api/v1/tenders/{dataset_a.tender.pk}/low-offers/", {"threshold": 5}, format="json"),
    ]
    assert [r.status_code for r in attempts] == [409, 409, 409, 409]
    assert not scoring_models.EliminatoryDecision.objects.exists()
    assert Consensus.objects.count() == 1 and Consensus.objects.get().value == 4
    assert EvaluationState.objects.get().low_offer_threshold == 20
    # The vendor's own "non" (an answer) no longer eliminates anyone: only a decision does.
    lead.post(f"/api/v1/bids/{bid}/answers/", {"criterion": eliminatory.pk, "compliant": False}, format="json")
    results = lead.get(f"/api/v1/tenders/{dataset_a.tender.pk}/results/").json()
    assert {row["bid"]: row["eliminated_by"] for row in results["bids"]}[bid] == []


def test_a_recorded_justified_reopening_unfreezes_until_closed_again(dataset_a):
    lead = client_for(dataset_a.admin)
    url = f"/api/v1/tenders/{dataset_a.tender.pk}/reopen/"
    assert lead.post(url, {"reason": "Erreur"}, format="json").status_code == 409  # nothing closed yet
    close(dataset_a)
    assert lead.post(url, {"reason": "  "}, format="json").status_code == 400
    assert client_for(dataset_a.evaluator).post(url, {"reason": "Moi"}, format="json").status_code == 403
    response = lead.post(url, {"reason": "Erreur de saisie du prix (bordereau p. 3)."}, format="json")
    assert response.status_code == 200 and response.json()["reopened_at"]
    event = AuditEvent.objects.get(action="tender.reopen")
    assert (event.user, event.new["reason"]) == (dataset_a.admin, "Erreur de saisie du prix (bordereau p. 3).")
    assert event.new["at"]
    fixed = lead.patch(f"/api/v1/bids/{dataset_a.bid.pk}/", {"price": 95000}, format="json")
    assert fixed.status_code == 200
    close(dataset_a)
    again = lead.patch(f"/api/v1/bids/{dataset_a.bid.pk}/", {"price": 1}, format="json")
    assert again.status_code == 409
    assert Bid.objects.get(pk=dataset_a.bid.pk).price == Decimal(95000)
    assert list(
        AuditEvent.objects.filter(action__in=["tender.close_technical", "tender.reopen"])
        .order_by("at", "id")
        .values_list("action", flat=True)
    ) == ["tender.close_technical", "tender.reopen", "tender.close_technical"]


def test_the_lead_cannot_name_themself_or_another_lead_evaluator(dataset_a):
    buyer = member(dataset_a.organization, "buyer", username="buyer-a")
    lead = client_for(dataset_a.admin)
    url = f"/api/v1/tenders/{dataset_a.tender.pk}/evaluators/"
    for username in ("admin-a", "buyer-a"):
        response = lead.post(url, {"user": username}, format="json")
        assert response.status_code == 400 and "user" in response.json()
    assert not Evaluator.objects.filter(user__in=[dataset_a.admin, buyer]).exists()


def test_a_buyer_named_evaluator_before_the_rule_cannot_act_as_lead(dataset_a):
    buyer = member(dataset_a.organization, "buyer", username="buyer-a")
    Evaluator.objects.create(tender=dataset_a.tender, user=buyer)  # made before the rule existed
    client = client_for(buyer)
    assert client.get(f"/api/v1/tenders/{dataset_a.tender.pk}/results/").status_code == 403
    assert client.patch(f"/api/v1/bids/{dataset_a.bid.pk}/", {"price": 1}, format="json").status_code == 403
    assert client.post(f"/api/v1/tenders/{dataset_a.tender.pk}/close-technical/").status_code == 403
    assert Bid.objects.get(pk=dataset_a.bid.pk).price == 100000


# Finding 10 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "changes"),
    [
        ("bid", {"vendor": "Éditeur A", "price": "1", "submitted_at_0": "2020-01-01", "submitted_at_1": "10:00"}),
        ("evaluationstate", {"low_offer_threshold": "1"}),
        ("score", {"value": "0"}),
        ("consensus", {"value": "0", "justification": "admin"}),
        ("eliminatorydecision", {"decision": "non_compliant"}),
        ("criterion", {"name": "x", "kind": "scored", "weight": "1", "scale_max": "5", "position": "1"}),
    ],
)
def test_the_admin_cannot_change_evaluation_objects_behind_the_audit_trail(
    dataset_a, django_user_model, model, changes
):
    """Bid, evaluation state, criterion and decision were editable (the finding); score and consensus
    already were read-only and stay so."""
    close(dataset_a)
    objects = {
        "bid": lambda: dataset_a.bid,
        "evaluationstate": EvaluationState.objects.get,
        "score": Score.objects.get,
        "consensus": Consensus.objects.get,
        "eliminatorydecision": lambda: scoring_models.EliminatoryDecision.objects.create(
            bid=dataset_a.bid, criterion=dataset_a.criterion, decision="compliant", decided_by=dataset_a.admin
        ),
        "criterion": lambda: dataset_a.criterion,
    }
    target = objects[model]()
    before = {f.name: getattr(target, f.attname) for f in target._meta.concrete_fields}
    staff = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client = Client()
    client.force_login(staff)
    audit_before = AuditEvent.objects.count()
    change = client.post(f"/admin/scoring/{model}/{target.pk}/change/", changes)
    delete = client.post(f"/admin/scoring/{model}/{target.pk}/delete/", {"post": "yes"})
    add = client.post(f"/admin/scoring/{model}/add/", changes)
    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    target.refresh_from_db()
    assert {f.name: getattr(target, f.attname) for f in target._meta.concrete_fields} == before
    assert AuditEvent.objects.count() == audit_before
    # Still readable by staff.
    assert client.get(f"/admin/scoring/{model}/{target.pk}/change/").status_code == 200


# Finding 12 ------------------------------------------------------------------------------------


def test_consensus_refuses_a_stale_or_missing_version(dataset_a):
    lead = client_for(dataset_a.admin)
    url = f"/api/v1/bids/{dataset_a.bid.pk}/consensus/{dataset_a.criterion.pk}/"
    current = Consensus.objects.get()
    assert current.version == 1
    first = lead.put(url, {"value": 5, "justification": "Relu", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = lead.put(url, {"value": 1, "justification": "Écrase", "version": 1}, format="json")
    blind = lead.put(url, {"value": 1, "justification": "Écrase"}, format="json")
    assert (stale.status_code, blind.status_code) == (409, 409)
    assert stale.json()["current"] == {
        "value": 5.0,
        "justification": "Relu",
        "version": 2,
        "updated_at": stale.json()["current"]["updated_at"],
    }
    assert (Consensus.objects.get().value, Consensus.objects.get().justification) == (5, "Relu")


def test_a_score_put_without_version_does_not_overwrite_an_existing_score(dataset_a):
    evaluator = client_for(dataset_a.evaluator)
    url = f"/api/v1/bids/{dataset_a.bid.pk}/scores/{dataset_a.criterion.pk}/"
    blind = evaluator.put(url, {"value": 0, "comment": "Écrase"}, format="json")
    assert blind.status_code == 409 and blind.json()["current"]["value"] == 3.0
    score = Score.objects.get()
    assert (score.value, score.comment, score.version) == (3, "Correct", 1)
    assert evaluator.put(url, {"value": 2, "comment": "Relu", "version": 1}, format="json").status_code == 200
