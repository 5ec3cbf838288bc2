"""The evaluation pages of a tender with lots (docs/LOTS.md): a lot switcher on the criteria, bids and results
pages; what is created there goes to the lot shown."""

import pytest
from django.urls import reverse

from scoring.models import Bid, Criterion, Evaluator, Score
from tenders.models import Lot, Tender

from ..factories import make_clause
from .conftest import make_tender

pytestmark = pytest.mark.django_db


@pytest.fixture
def lotted(hospital, buyer, evaluator, library):
    """A tender with two lots, each with its criteria (technical 60/70 out of 10, price 40/30)."""
    tender = make_tender(hospital, single_lot_reason="")
    lots = [Lot.objects.create(tender=tender, number=n, title=t) for n, t in ((1, "Dossier patient"), (2, "Entrepôt"))]
    technical = {}
    for lot, weight in zip(lots, (60, 70), strict=True):
        technical[lot.pk] = Criterion.objects.create(
            tender=tender, lot=lot, name=f"Technique {lot.number}", weight=weight, scale_max=10, position=1
        )
        Criterion.objects.create(tender=tender, lot=lot, name="Prix", kind="price", weight=100 - weight, position=2)
    tender.clauses.create(version=make_clause(library).current, position=0)
    tender.status = Tender.Status.PUBLISHED
    tender.save()
    Evaluator.objects.create(tender=tender, user=evaluator, declared_at="2026-12-01T10:00:00Z")
    return tender, lots, technical


def page(name, tender, lot=None):
    address = reverse(f"scoring:{name}", args=[tender.pk])
    return f"{address}?lot={lot.pk}" if lot else address


def test_the_bids_page_shows_and_creates_the_bids_of_the_lot_shown(client, buyer, lotted):
    tender, (first, second), _technical = lotted
    client.force_login(buyer)
    response = client.post(
        page("bids", tender), {"action": "create", "lot": second.pk, "vendor": "Bravo", "price": "50000"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?lot={second.pk}")
    assert Bid.objects.get(vendor="Bravo").lot == second
    Bid.objects.create(tender=tender, lot=first, vendor="Alpha", price=100000)

    body = client.get(page("bids", tender, second)).content.decode()
    assert "Bravo" in body and "Alpha" not in body
    assert f'<option value="{second.pk}" selected>' in body
    first_page = client.get(page("bids", tender)).content.decode()  # the first lot by default
    assert "Alpha" in first_page and "Bravo" not in first_page


def test_the_results_page_ranks_each_lot_on_its_own(client, buyer, evaluator, lotted):
    tender, (first, second), technical = lotted
    offers = [(first, "Alpha", 100000, 8), (first, "Bravo", 125000, 10), (second, "Alpha", 50000, 6)]
    for lot, vendor, price, value in offers:
        bid = Bid.objects.create(tender=tender, lot=lot, vendor=vendor, price=price)
        Score.objects.create(bid=bid, criterion=technical[lot.pk], evaluator=evaluator, value=value, comment="Vu.")
    client.force_login(buyer)
    first_page = client.get(page("results", tender, first)).content.decode()
    assert "Bravo" in first_page and "92,00" in first_page  # 60 + 100 000 / 125 000 × 40
    second_page = client.get(page("results", tender, second)).content.decode()
    assert "Bravo" not in second_page and "72,00" in second_page  # 6 / 10 × 70 + 30


def test_a_criterion_added_on_the_criteria_page_goes_to_the_lot_shown(client, buyer, lotted):
    tender, (_first, second), _technical = lotted
    tender.status = Tender.Status.DRAFT
    tender.save()
    client.force_login(buyer)
    body = client.get(page("criteria", tender, second)).content.decode()
    assert "Technique 2" in body and "Technique 1" not in body
    response = client.post(
        page("criteria", tender),
        {"action": "add", "lot": second.pk, "name": "Réversibilité", "kind": "eliminatory", "scale_max": "1"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?lot={second.pk}")
    assert Criterion.objects.get(name="Réversibilité").lot == second
