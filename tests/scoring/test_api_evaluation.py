"""Evaluators, bids, answers, scores and consensus through the API: who may, and what is kept."""

import pytest

from scoring.models import AuditEvent, Bid, Evaluator, Score

from ..factories import member
from .conftest import build_tree

pytestmark = pytest.mark.django_db


def score_url(bid, criterion):
    return f"/api/v1/bids/{bid.pk}/scores/{criterion.pk}/"


# Evaluators and declaration


def test_it_names_an_evaluator_and_records_the_declaration(api, buyer, evaluator, tender):
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/evaluators/", {"user": "eval1"}, format="json")
    assert response.status_code == 201
    assert response.json()["user"] == "eval1" and response.json()["declared_at"] is None
    declared = api(evaluator).post(f"/api/v1/tenders/{tender.pk}/declaration/", {"no_conflict": True}, format="json")
    assert declared.status_code == 200
    assert declared.json()["declared_at"] is not None
    assert Evaluator.objects.get(tender=tender, user=evaluator).declared_at is not None


def test_it_refuses_an_evaluator_outside_the_organisation(api, buyer, outsider, tender):
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/evaluators/", {"user": "outsider"}, format="json")
    assert response.status_code == 400 and "user" in response.json()


def test_it_lets_only_the_lead_name_evaluators(api, evaluator, outsider, tender):
    assert (
        api(evaluator).post(f"/api/v1/tenders/{tender.pk}/evaluators/", {"user": "eval1"}, format="json").status_code
        == 403
    )
    assert (
        api(outsider).post(f"/api/v1/tenders/{tender.pk}/evaluators/", {"user": "eval1"}, format="json").status_code
        == 404
    )


def test_it_refuses_a_declaration_from_someone_not_named(api, evaluator, tender):
    response = api(evaluator).post(f"/api/v1/tenders/{tender.pk}/declaration/", {"no_conflict": True}, format="json")
    assert response.status_code == 403


def test_it_refuses_scoring_before_the_declaration(api, evaluation):
    Evaluator.objects.filter(user=evaluation.eval1).update(declared_at=None)
    response = api(evaluation.eval1).put(
        score_url(evaluation.alpha, evaluation.criteria.api), {"value": 3}, format="json"
    )
    assert response.status_code == 403
    assert "conflit d'intérêts" in response.json()["detail"]
    assert not Score.objects.exists()


# Bids


def test_it_refuses_bids_before_publish(api, buyer, tender):
    build_tree(tender)
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/bids/", {"vendor": "Alpha", "price": 1000}, format="json")
    assert response.status_code == 409
    assert "publié" in response.json()["detail"]
    assert not Bid.objects.exists()


def test_it_records_a_bid_on_a_published_tender(api, evaluation):
    response = api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/bids/", {"vendor": "Delta", "price": "99000.50"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["price"] == 99000.5 and response.json()["submitted_at"]


def test_it_refuses_a_price_that_is_not_positive(api, evaluation):
    response = api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/bids/", {"vendor": "Delta", "price": 0}, format="json"
    )
    assert response.status_code == 400 and "price" in response.json()


@pytest.mark.usefixtures("scoring_settled")
def test_it_hides_sealed_prices_from_evaluators_until_technical_scoring_closes(api, evaluation):
    evaluation.tender.sealed_price = True
    evaluation.tender.save()
    url = f"/api/v1/tenders/{evaluation.tender.pk}/bids/"
    assert {b["price"] for b in api(evaluation.eval1).get(url).json()["results"]} == {None}
    assert api(evaluation.eval1).get(f"/api/v1/bids/{evaluation.alpha.pk}/").json()["price"] is None
    assert api(evaluation.lead).get(url).json()["results"][0]["price"] == 100000.0
    assert api(evaluation.lead).post(f"/api/v1/tenders/{evaluation.tender.pk}/close-technical/").status_code == 200
    assert api(evaluation.eval1).get(url).json()["results"][0]["price"] == 100000.0


def test_it_keeps_bids_from_members_not_named_and_from_other_organisations(api, evaluation, hospital, outsider):
    stranger = member(hospital, "evaluator", username="eval9")
    url = f"/api/v1/tenders/{evaluation.tender.pk}/bids/"
    assert api(stranger).get(url).status_code == 403
    assert api(outsider).get(url).status_code == 404
    assert api(outsider).get(f"/api/v1/bids/{evaluation.alpha.pk}/").status_code == 404
    assert api(outsider).patch(f"/api/v1/bids/{evaluation.alpha.pk}/", {"price": 1}, format="json").status_code == 404
    assert api(outsider).delete(f"/api/v1/bids/{evaluation.alpha.pk}/").status_code == 404
    assert api(evaluation.eval1).delete(f"/api/v1/bids/{evaluation.alpha.pk}/").status_code == 403
    assert Bid.objects.count() == 3


def test_it_lists_bids_in_a_fixed_number_of_queries(api, evaluation, django_assert_num_queries):
    url = f"/api/v1/tenders/{evaluation.tender.pk}/bids/"
    fresh = type(evaluation.eval1).objects.get
    client = api(fresh(pk=evaluation.eval1.pk))
    with django_assert_num_queries(5):  # roles, tender, evaluator, count, page
        client.get(url, {"page_size": 2})
    for n in range(10):
        Bid.objects.create(tender=evaluation.tender, vendor=f"V{n}", price=1000 + n)
    client = api(fresh(pk=evaluation.eval1.pk))
    with django_assert_num_queries(5):
        assert client.get(url, {"page_size": 2}).json()["count"] == 13


def test_it_updates_a_bid_price_and_audits_it(api, evaluation):
    response = api(evaluation.lead).patch(f"/api/v1/bids/{evaluation.alpha.pk}/", {"price": 90000}, format="json")
    assert response.status_code == 200 and response.json()["price"] == 90000.0
    event = AuditEvent.objects.get(action="bid.update")
    assert (event.field, event.old, event.new) == ("price", 100000.0, 90000.0)


# Answers


def test_it_records_answers_and_audits_a_change_of_compliance(api, evaluation):
    url = f"/api/v1/bids/{evaluation.alpha.pk}/answers/"
    client = api(evaluation.lead)
    first = client.post(
        url, {"criterion": evaluation.criteria.hds.pk, "text": "Hébergé HDS", "compliant": True}, format="json"
    )
    assert first.status_code == 201
    client.post(
        url, {"criterion": evaluation.criteria.hds.pk, "text": "Hébergé HDS", "compliant": False}, format="json"
    )
    listing = api(evaluation.eval1).get(url).json()
    assert listing["count"] == 1 and listing["results"][0]["compliant"] is False
    event = AuditEvent.objects.filter(action="answer.set").latest("id")
    assert (event.field, event.old["compliant"], event.new["compliant"]) == ("compliant", True, False)


def test_it_refuses_an_answer_to_a_criterion_of_another_tender(api, evaluation, other_tender):
    foreign = build_tree(other_tender)
    response = api(evaluation.lead).post(
        f"/api/v1/bids/{evaluation.alpha.pk}/answers/", {"criterion": foreign.api.pk, "text": "x"}, format="json"
    )
    assert response.status_code == 400


# Scores


def test_it_stores_a_score_and_increments_its_version(api, evaluation):
    client = api(evaluation.eval1)
    url = score_url(evaluation.alpha, evaluation.criteria.api)
    first = client.put(url, {"value": 3, "comment": "Correct"}, format="json")
    assert first.status_code == 200, first.json()
    body = first.json()
    assert {k: body[k] for k in ("bid", "criterion", "evaluator", "value", "comment", "version")} == {
        "bid": evaluation.alpha.pk,
        "criterion": evaluation.criteria.api.pk,
        "evaluator": "eval1",
        "value": 3.0,
        "comment": "Correct",
        "version": 1,
    }
    second = client.put(url, {"value": 4, "comment": "Bien", "version": 1}, format="json")
    assert second.json()["version"] == 2 and second.json()["value"] == 4.0


def test_it_answers_409_to_a_stale_version_and_loses_nothing(api, evaluation):
    client = api(evaluation.eval1)
    url = score_url(evaluation.alpha, evaluation.criteria.api)
    client.put(url, {"value": 3}, format="json")
    client.put(url, {"value": 4, "version": 1}, format="json")
    stale = client.put(url, {"value": 1, "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["value"] == 4.0 and stale.json()["current"]["version"] == 2
    assert Score.objects.get().value == 4


def test_it_refuses_a_value_outside_the_scale(api, evaluation):
    client = api(evaluation.eval1)
    assert (
        client.put(score_url(evaluation.alpha, evaluation.criteria.api), {"value": 6}, format="json").status_code == 400
    )
    assert (
        client.put(score_url(evaluation.alpha, evaluation.criteria.doc), {"value": 10}, format="json").status_code
        == 200
    )
    assert (
        client.put(score_url(evaluation.alpha, evaluation.criteria.api), {"value": -1}, format="json").status_code
        == 400
    )


def test_it_refuses_a_score_on_a_parent_or_price_criterion(api, evaluation):
    client = api(evaluation.eval1)
    assert (
        client.put(score_url(evaluation.alpha, evaluation.criteria.technical), {"value": 3}, format="json").status_code
        == 400
    )
    assert (
        client.put(score_url(evaluation.alpha, evaluation.criteria.price), {"value": 3}, format="json").status_code
        == 400
    )


def test_it_refuses_a_criterion_of_another_tender_in_the_score_url(api, evaluation, other_tender):
    foreign = build_tree(other_tender)
    assert (
        api(evaluation.eval1).put(score_url(evaluation.alpha, foreign.api), {"value": 3}, format="json").status_code
        == 404
    )


def test_it_refuses_scores_from_the_lead_and_strangers(api, evaluation, hospital, outsider):
    url = score_url(evaluation.alpha, evaluation.criteria.api)
    assert api(evaluation.lead).put(url, {"value": 3}, format="json").status_code == 403
    assert api(member(hospital, "evaluator", username="eval9")).put(url, {"value": 3}, format="json").status_code == 403
    assert api(outsider).put(url, {"value": 3}, format="json").status_code == 404
    assert not Score.objects.exists()


def test_it_keeps_scores_blind_until_reveal(api, evaluation):
    for user, value in ((evaluation.eval1, 3), (evaluation.eval2, 5)):
        api(user).put(score_url(evaluation.alpha, evaluation.criteria.api), {"value": value}, format="json")
    url = f"/api/v1/bids/{evaluation.alpha.pk}/scores/"
    assert [s["evaluator"] for s in api(evaluation.eval1).get(url).json()["results"]] == ["eval1"]
    assert [s["evaluator"] for s in api(evaluation.lead).get(url).json()["results"]] == ["eval1", "eval2"]
    assert api(evaluation.eval1).post(f"/api/v1/tenders/{evaluation.tender.pk}/reveal/").status_code == 403
    assert api(evaluation.lead).post(f"/api/v1/tenders/{evaluation.tender.pk}/reveal/").status_code == 200
    assert [s["evaluator"] for s in api(evaluation.eval1).get(url).json()["results"]] == ["eval1", "eval2"]


@pytest.mark.usefixtures("scoring_settled")
def test_it_freezes_scores_once_technical_scoring_is_closed(api, evaluation):
    api(evaluation.lead).post(f"/api/v1/tenders/{evaluation.tender.pk}/close-technical/")
    response = api(evaluation.eval1).put(
        score_url(evaluation.alpha, evaluation.criteria.api), {"value": 3}, format="json"
    )
    assert response.status_code == 409


# Consensus


def test_it_lets_the_lead_set_a_consensus_with_a_justification(api, evaluation):
    url = f"/api/v1/bids/{evaluation.alpha.pk}/consensus/{evaluation.criteria.api.pk}/"
    assert api(evaluation.lead).put(url, {"value": 3}, format="json").status_code == 400
    response = api(evaluation.lead).put(url, {"value": 3, "justification": "Accord après discussion"}, format="json")
    assert response.status_code == 200
    assert response.json()["value"] == 3.0 and response.json()["set_by"] == "buyer"


def test_it_refuses_a_consensus_from_an_evaluator_or_another_organisation(api, evaluation, outsider):
    url = f"/api/v1/bids/{evaluation.alpha.pk}/consensus/{evaluation.criteria.api.pk}/"
    body = {"value": 3, "justification": "x"}
    assert api(evaluation.eval1).put(url, body, format="json").status_code == 403
    assert api(outsider).put(url, body, format="json").status_code == 404


# Audit


def test_it_lists_every_change_with_user_time_old_and_new(api, evaluation):
    client = api(evaluation.eval1)
    url = score_url(evaluation.alpha, evaluation.criteria.api)
    client.put(url, {"value": 3}, format="json")
    client.put(url, {"value": 4, "version": 1}, format="json")
    api(evaluation.lead).put(
        f"/api/v1/bids/{evaluation.alpha.pk}/consensus/{evaluation.criteria.api.pk}/",
        {"value": 5, "justification": "Démonstration convaincante"},
        format="json",
    )
    api(evaluation.lead).put(
        f"/api/v1/bids/{evaluation.bravo.pk}/consensus/{evaluation.criteria.hds.pk}/",
        {"value": 0, "justification": "Pas d'hébergement HDS"},
        format="json",
    )
    response = api(evaluation.lead).get(f"/api/v1/tenders/{evaluation.tender.pk}/audit/")
    assert response.status_code == 200
    events = response.json()["results"]
    assert all(e["at"] and e["user"] for e in events)
    summary = [(e["user"], e["action"], e["old"], e["new"]) for e in reversed(events)]
    assert summary == [
        ("eval1", "score.set", None, {"value": 3.0, "comment": ""}),
        ("eval1", "score.set", {"value": 3.0, "comment": ""}, {"value": 4.0, "comment": ""}),
        ("buyer", "consensus.set", None, {"value": 5.0, "justification": "Démonstration convaincante"}),
        ("buyer", "elimination.set", None, {"value": 0.0, "justification": "Pas d'hébergement HDS"}),
    ]


def test_it_shows_the_audit_trail_to_the_lead_only(api, evaluation, outsider):
    url = f"/api/v1/tenders/{evaluation.tender.pk}/audit/"
    assert api(evaluation.eval1).get(url).status_code == 403
    assert api(outsider).get(url).status_code == 404
