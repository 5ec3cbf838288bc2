"""Every evaluation endpoint answers 404 to a member of another organisation, and changes nothing."""

import pytest

from scoring.models import AuditEvent, Bid, Consensus, Criterion, EvaluationState, Evaluator, Score

pytestmark = pytest.mark.django_db


def endpoints(e):
    t, a, c = e.tender.pk, e.alpha.pk, e.criteria.api.pk
    return [
        ("get", f"/api/v1/tenders/{t}/criteria/", None),
        ("post", f"/api/v1/tenders/{t}/criteria/", {"name": "x", "kind": "scored", "weight": 1}),
        ("post", f"/api/v1/tenders/{t}/criteria/from-clauses/", {}),
        ("get", f"/api/v1/criteria/{c}/", None),
        ("patch", f"/api/v1/criteria/{c}/", {"weight": 1}),
        ("delete", f"/api/v1/criteria/{c}/", None),
        ("get", f"/api/v1/tenders/{t}/evaluators/", None),
        ("post", f"/api/v1/tenders/{t}/evaluators/", {"user": "outsider"}),
        ("post", f"/api/v1/tenders/{t}/declaration/", {"no_conflict": True}),
        ("post", f"/api/v1/tenders/{t}/reveal/", None),
        ("post", f"/api/v1/tenders/{t}/close-technical/", None),
        ("get", f"/api/v1/tenders/{t}/bids/", None),
        ("post", f"/api/v1/tenders/{t}/bids/", {"vendor": "x", "price": 1}),
        ("get", f"/api/v1/bids/{a}/", None),
        ("patch", f"/api/v1/bids/{a}/", {"price": 1}),
        ("delete", f"/api/v1/bids/{a}/", None),
        ("get", f"/api/v1/bids/{a}/answers/", None),
        ("post", f"/api/v1/bids/{a}/answers/", {"criterion": c, "text": "x"}),
        ("post", f"/api/v1/bids/{a}/questionnaire/", None),
        ("get", f"/api/v1/bids/{a}/scores/", None),
        ("put", f"/api/v1/bids/{a}/scores/{c}/", {"value": 1}),
        ("put", f"/api/v1/bids/{a}/consensus/{c}/", {"value": 1, "justification": "x"}),
        ("get", f"/api/v1/tenders/{t}/results/", None),
        ("get", f"/api/v1/tenders/{t}/audit/", None),
    ]


def test_it_answers_404_to_another_organisation_everywhere(api, evaluation, outsider):
    client = api(outsider)
    before = [m.objects.count() for m in (Criterion, Evaluator, Bid, Score, Consensus, AuditEvent, EvaluationState)]
    for method, url, body in endpoints(evaluation):
        response = (
            getattr(client, method)(url, body, format="json") if body is not None else getattr(client, method)(url)
        )
        assert response.status_code == 404, (method, url, response.status_code)
    after = [m.objects.count() for m in (Criterion, Evaluator, Bid, Score, Consensus, AuditEvent, EvaluationState)]
    assert after == before


def test_it_refuses_anonymous_callers(evaluation):
    from rest_framework.test import APIClient

    client = APIClient()
    for method, url, _body in endpoints(evaluation):
        assert getattr(client, method)(url).status_code in (401, 403), url


def test_it_refuses_publishing_weights_that_do_not_add_up(api, buyer, tender, library):
    from .test_api_criteria import add_clause

    add_clause(tender, library, "api", requirement="scored")
    Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=70)
    Criterion.objects.create(tender=tender, name="Prix", kind="price", weight=20)
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/publish/")
    assert response.status_code == 400
    assert response.json()["criteria"] == ["Les poids du niveau supérieur totalisent 90 % au lieu de 100 %."]
