import datetime

import pytest

from contracts import services
from scoring.models import Award, Bid

from ..conformance.conftest import allow_local, eager, server  # noqa: F401 (fixtures: the acceptance probe)
from ..scoring.conftest import evaluation, second_evaluator, tender  # noqa: F401 (fixtures)
from ..scoring.reporting import make_decided

BUYER_SIRET = "26750045200011"
ALPHA_SIRET = "73282932000074"


@pytest.fixture
def decided(evaluation):  # noqa: F811 (the fixture imported above)
    """Three bids evaluated, final results retaining Alpha, whose answer form gave its legal name and SIRET;
    the award decided for it, its certificates received and the letters sent electronically on 1 December 2026
    (standstill to 12 December inclusive); the hospital's SIRET is set."""
    make_decided(evaluation)
    Award.objects.update_or_create(
        tender=evaluation.tender,
        defaults={
            "bid": evaluation.alpha,
            "decided_on": datetime.date(2026, 11, 30),
            "advantages": "Meilleure note technique, prix dans la moyenne.",
            "certificates_received_on": datetime.date(2026, 11, 30),
            "letters_sent_on": datetime.date(2026, 12, 1),
            "letters_electronic": True,
        },
    )
    Bid.objects.filter(pk=evaluation.alpha.pk).update(candidate_name="Alpha Santé SAS", candidate_siret=ALPHA_SIRET)
    organization = evaluation.tender.organization
    organization.siret = BUYER_SIRET
    organization.save()
    evaluation.tender.refresh_from_db()
    return evaluation


def contract_data(**overrides):
    data = {
        "notified_on": datetime.date(2026, 12, 15),
        "amount": 100000,
        "duration_months": 48,
        "cpv": "48000000",
        "price_form": "mixte",
        "place_code": "75",
        "place_type": "department",
        "price_types": ["revisable"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def contract(decided):
    return services.contract_create(user=decided.lead, tender=decided.tender, data=contract_data())


# The acceptance plan's contract (tests/contracts/acceptance_fixtures.py): imported last, it uses `contract`.
from .acceptance_fixtures import accepted  # noqa: E402, F401 (fixture)
