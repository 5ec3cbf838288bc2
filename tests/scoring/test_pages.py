"""Evaluation pages: who may see them, what they show, and a query count that does not grow with the data."""

import pytest
from django.test import Client

from scoring.models import Answer, Bid, Consensus, Criterion, Evaluator, Score

from ..factories import member
from .conftest import build_tree, decide
from .test_api_results import fill

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def page(tender, name):
    return f"/evaluation/tenders/{tender.pk}/{name}"


PAGES = ["", "criteria/", "bids/", "grid/", "consensus/", "results/"]


@pytest.mark.parametrize("name", PAGES)
def test_it_hides_every_page_from_another_organisation(evaluation, outsider, name):
    assert browser(outsider).get(page(evaluation.tender, name)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_it_shows_every_page_to_the_lead(evaluation, name):
    fill(evaluation)
    response = browser(evaluation.lead).get(page(evaluation.tender, name))
    assert response.status_code == 200, name


@pytest.mark.parametrize(
    ("name", "status"),
    [("", 200), ("criteria/", 200), ("bids/", 200), ("grid/", 200), ("consensus/", 403), ("results/", 403)],
)
def test_it_shows_an_evaluator_only_what_is_theirs(evaluation, name, status):
    assert browser(evaluation.eval1).get(page(evaluation.tender, name)).status_code == status


@pytest.mark.parametrize(("name", "status"), [("bids/", 403), ("grid/", 403), ("consensus/", 403)])
def test_it_refuses_members_who_are_not_named(evaluation, hospital, name, status):
    stranger = member(hospital, "evaluator", username="eval9")
    assert browser(stranger).get(page(evaluation.tender, name)).status_code == status


def test_it_shows_the_evaluator_their_own_scores_only(evaluation):
    Score.objects.create(
        bid=evaluation.alpha, criterion=evaluation.criteria.api, evaluator=evaluation.eval1, value="3.5"
    )
    Score.objects.create(
        bid=evaluation.alpha, criterion=evaluation.criteria.export, evaluator=evaluation.eval2, value="1.25"
    )
    content = browser(evaluation.eval1).get(page(evaluation.tender, "grid/")).content.decode()
    assert 'value="3.50"' in content and "1.25" not in content


def test_it_asks_for_the_declaration_before_the_grid(evaluation):
    Evaluator.objects.filter(user=evaluation.eval1).update(declared_at=None)
    content = browser(evaluation.eval1).get(page(evaluation.tender, "grid/")).content.decode()
    assert "Déclarez d'abord l'absence de conflit" in content and "score-input" not in content


def test_it_records_the_declaration_from_the_page(evaluation):
    Evaluator.objects.filter(user=evaluation.eval1).update(declared_at=None)
    response = browser(evaluation.eval1).post(page(evaluation.tender, "declaration/"), {"no_conflict": "on"})
    assert response.status_code == 302
    assert Evaluator.objects.get(user=evaluation.eval1).declared_at is not None


def test_it_shows_running_sums_in_the_criteria_editor(api, tender, buyer):
    build_tree(tender)
    Criterion.objects.filter(name="Export").update(weight=25)
    content = browser(buyer).get(page(tender, "criteria/")).content.decode()
    assert 'data-level-sum="0" class="sum-ok"' in content
    assert "sum-bad" in content and '<strong data-role="total">95</strong>' in content


def test_it_saves_weights_from_the_criteria_editor(tender, buyer):
    criteria = build_tree(tender)
    response = browser(buyer).post(
        page(tender, "criteria/"),
        {
            "action": "weights",
            f"weight-{criteria.api.pk}": "40",
            f"weight-{criteria.export.pk}": "40,5",
            f"weight-{criteria.doc.pk}": "19.5",
            f"weight-{criteria.technical.pk}": "60",
            f"weight-{criteria.price.pk}": "40",
        },
    )
    assert response.status_code == 302
    assert [
        str(c.weight) for c in Criterion.objects.filter(pk__in=[criteria.api.pk, criteria.export.pk]).order_by("pk")
    ] == ["40.00", "40.50"]


def test_it_highlights_disagreements_on_the_consensus_page(evaluation):
    fill(evaluation)
    content = browser(evaluation.lead).get(page(evaluation.tender, "consensus/")).content.decode()
    assert content.count("is-dispersed") == 1  # Bravo's API FHIR: 5 and 1


def test_it_sets_a_consensus_from_the_page(evaluation):
    response = browser(evaluation.lead).post(
        page(evaluation.tender, "consensus/"),
        {"bid": evaluation.alpha.pk, "criterion": evaluation.criteria.api.pk, "value": "4", "justification": "Accord"},
    )
    assert response.status_code == 302
    assert Consensus.objects.get().value == 4


def test_it_shows_the_results_table_and_chart(evaluation):
    fill(evaluation)
    content = browser(evaluation.lead).get(page(evaluation.tender, "results/")).content.decode()
    assert 'id="results-table"' in content and "<svg" in content
    assert content.index("Alpha") < content.index("Bravo") < content.index("Charlie")
    assert "86,20" in content


def test_it_explains_why_results_cannot_be_computed(evaluation):
    Criterion.objects.filter(pk=evaluation.criteria.price.pk).update(weight=30)
    response = browser(evaluation.lead).get(page(evaluation.tender, "results/"))
    assert response.status_code == 400
    assert "niveau supérieur" in response.content.decode()


def grow(evaluation, n):
    criteria = evaluation.criteria
    for i in range(n):
        bid = Bid.objects.create(tender=evaluation.tender, vendor=f"V{i}", price=100000 + i)
        for criterion in (criteria.api, criteria.export, criteria.doc):
            for user in (evaluation.eval1, evaluation.eval2):
                Score.objects.create(bid=bid, criterion=criterion, evaluator=user, value=i % 5)
        Answer.objects.create(bid=bid, criterion=criteria.hds, compliant=True)
        Answer.objects.create(bid=bid, criterion=criteria.api, text="FHIR R4", committed_values={"delai": i})
        decide(bid, criteria.hds, "compliant" if i % 2 else "non_compliant")
        Consensus.objects.create(bid=bid, criterion=criteria.api, value=3, justification="x")


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("grid/", "eval1"),
        ("consensus/", "lead"),
        ("results/", "lead"),
        ("bids/", "lead"),
        ("criteria/", "lead"),
        ("", "lead"),
    ],
)
def test_it_renders_pages_in_a_fixed_number_of_queries(evaluation, name, who, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fill(evaluation)
    user = getattr(evaluation, who)

    def count():
        client = browser(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page(evaluation.tender, name)).status_code == 200
        return len(queries)

    small = count()
    grow(evaluation, 8)
    assert count() == small


def test_it_lists_the_evaluations_of_each_person(evaluation, outsider, hospital):
    from .conftest import make_tender

    make_tender(hospital, reference="AO-SANS-MOI")
    assert "AO-2026-001" in browser(evaluation.eval1).get("/evaluation/").content.decode()
    assert "AO-SANS-MOI" not in browser(evaluation.eval1).get("/evaluation/").content.decode()
    lead_page = browser(evaluation.lead).get("/evaluation/").content.decode()
    assert "AO-2026-001" in lead_page and "AO-SANS-MOI" in lead_page
    assert "AO-2026-001" not in browser(outsider).get("/evaluation/").content.decode()
