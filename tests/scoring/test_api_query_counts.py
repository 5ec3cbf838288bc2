"""List endpoints of the evaluation run the same number of queries for a few rows and for many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring import services
from scoring.models import Answer, Consensus, Evaluator, Score

from ..factories import member

pytestmark = pytest.mark.django_db


def queries(api, user, url):
    client = api(type(user).objects.get(pk=user.pk))  # no roles cached from an earlier request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"page_size": 3}).status_code == 200
    return len(captured)


def add_rows(evaluation, hospital, n):
    criteria = [evaluation.criteria.api, evaluation.criteria.export, evaluation.criteria.doc, evaluation.criteria.hds]
    for i in range(n):
        user = member(hospital, "evaluator", username=f"extra-{n}-{i}")
        Evaluator.objects.create(tender=evaluation.tender, user=user, declared_at=evaluation.alpha.submitted_at)
        for criterion in criteria[:3]:
            Score.objects.create(bid=evaluation.alpha, criterion=criterion, evaluator=user, value=i % 5)
    for criterion in criteria:
        Answer.objects.get_or_create(bid=evaluation.alpha, criterion=criterion, defaults={"text": "x"})
    for i in range(n):
        services.consensus_set(
            user=evaluation.lead,
            bid=evaluation.alpha,
            criterion=evaluation.criteria.api,
            value=i % 5,
            justification=f"tour {i}",
            version=Consensus.objects.filter(bid=evaluation.alpha, criterion=evaluation.criteria.api)
            .values_list("version", flat=True)
            .first(),
        )


@pytest.mark.parametrize(
    "path", ["tenders/{t}/evaluators/", "bids/{a}/answers/", "bids/{a}/scores/", "tenders/{t}/audit/"]
)
def test_it_lists_in_a_number_of_queries_that_does_not_grow(api, evaluation, hospital, path):
    url = "/api/v1/" + path.format(t=evaluation.tender.pk, a=evaluation.alpha.pk)
    add_rows(evaluation, hospital, 1)
    small = queries(api, evaluation.lead, url)
    add_rows(evaluation, hospital, 6)
    assert queries(api, evaluation.lead, url) == small


def test_it_lists_eliminatory_decisions_in_a_number_of_queries_that_does_not_grow(api, evaluation):
    from scoring.models import Criterion, EliminatoryDecision

    def add(n):
        for i in range(n):
            criterion = Criterion.objects.create(
                tender=evaluation.tender, name=f"E-{n}-{i}", kind="eliminatory", scale_max=1, position=10 + i
            )
            Answer.objects.create(bid=evaluation.alpha, criterion=criterion, compliant=bool(i % 2))
            EliminatoryDecision.objects.create(
                bid=evaluation.alpha, criterion=criterion, decision="compliant", decided_by=evaluation.lead
            )

    url = f"/api/v1/bids/{evaluation.alpha.pk}/eliminatory/"
    add(1)
    small = queries(api, evaluation.eval1, url)
    add(6)
    assert queries(api, evaluation.eval1, url) == small
