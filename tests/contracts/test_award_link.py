"""The contract follows the award sequence: no contract before the award decision and the letters, and a
notification only after the standstill (R2182-1)."""

import datetime

import pytest

from contracts import services
from organizations.errors import ApplicationError, ConflictError
from scoring.models import Award

from .conftest import ALPHA_SIRET, contract_data

pytestmark = pytest.mark.django_db


def test_no_contract_before_the_award_decision_and_the_letters(decided):
    award = Award.objects.get(tender=decided.tender)
    Award.objects.filter(pk=award.pk).update(letters_sent_on=None)
    with pytest.raises(ConflictError, match="suspension"):
        services.contract_create(user=decided.lead, tender=decided.tender, data=contract_data())
    Award.objects.filter(pk=award.pk).delete()
    with pytest.raises(ConflictError, match="décision d'attribution"):
        services.contract_create(user=decided.lead, tender=decided.tender, data=contract_data())
    assert not decided.tender.contracts.exists()


@pytest.mark.parametrize("day, allowed", [(12, False), (13, True)])
def test_the_contract_is_notified_only_after_the_standstill(decided, day, allowed):
    data = contract_data(notified_on=datetime.date(2026, 12, day))
    if allowed:
        contract = services.contract_create(user=decided.lead, tender=decided.tender, data=data)
        assert contract.holder_siret == ALPHA_SIRET
    else:
        with pytest.raises(ApplicationError, match="12 décembre 2026"):
            services.contract_create(user=decided.lead, tender=decided.tender, data=data)
