import pytest

from clause_library.models import Clause
from tenders.services import tender_clause_add, tender_create

from ..factories import make_clause

pytestmark = pytest.mark.django_db


def test_a_clause_pinned_by_a_tender_cannot_be_deleted_and_stays_whole(api, library, curator, hospital, buyer):
    clause = make_clause(library)
    tender = tender_create(user=buyer, organization=hospital, reference="AO-9", title="T")
    tender_clause_add(user=buyer, tender=tender, clause=clause)
    response = api(curator).delete(f"/api/v1/clauses/{clause.pk}/")
    assert response.status_code == 409
    assert "utilisée" in response.data["detail"]
    clause = Clause.objects.get(pk=clause.pk)
    assert clause.current is not None and clause.current.number == 1
    assert api(curator).get(f"/api/v1/clauses/{clause.pk}/").status_code == 200
