import pytest
from django.core.management import call_command

from scoring.models import Bid, Criterion, Score
from tenders.models import Tender

pytestmark = pytest.mark.django_db


def test_it_loads_a_demo_evaluation_once(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo_evaluation")
    call_command("load_demo_evaluation")
    tender = Tender.objects.get(reference="AO-DEMO-EVAL")
    assert tender.status == "published"
    assert Bid.objects.filter(tender=tender).count() == 3
    assert Criterion.objects.filter(tender=tender, kind="price").count() == 1
    assert Score.objects.filter(bid__tender=tender).exists()
    from scoring.selectors import tender_results

    assert [r.rank for r in tender_results(tender) if r.eligible]  # weights add up, prices are positive
