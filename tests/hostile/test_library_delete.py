"""Library and clause deletion (found by schemathesis as the curator): 409 when a tender holds a clause,
nothing half-deleted; a library nobody uses goes with its clauses and versions."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_deleting_a_library_used_by_a_tender_is_a_409_and_keeps_it_whole(dataset_a):
    """DELETE /libraries/{id}/ of a library whose clause a tender holds was a 500 (ProtectedError)."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(dataset_a.admin)
    response = client.delete(f"/api/v1/libraries/{dataset_a.library.pk}/")
    assert response.status_code == 409, response.status_code
    assert "appel d'offres" in response.json()["detail"]
    assert client.get(f"/api/v1/libraries/{dataset_a.library.pk}/").json()["clause_count"] == 1
    assert client.get(f"/api/v1/clauses/{dataset_a.clause.pk}/").status_code == 200


def test_a_refused_clause_deletion_leaves_the_clause_readable(dataset_a):
    """A clause a tender holds cannot be deleted (409), and must stay whole afterwards."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(dataset_a.admin)
    assert client.delete(f"/api/v1/clauses/{dataset_a.clause.pk}/").status_code == 409
    response = client.get(f"/api/v1/clauses/{dataset_a.clause.pk}/")
    assert response.status_code == 200, response.status_code
    assert response.json()["version"] == 1


def test_a_library_with_clauses_no_tender_uses_can_be_deleted(dataset_a):
    """Deleting any library with clauses was a 500: each clause's `current` protects its version."""
    from clause_library.models import Clause, ClauseVersion, Library

    from ..factories import make_clause

    spare = Library.objects.create(organization=dataset_a.organization, name="À supprimer")
    make_clause(spare, key="a")
    make_clause(spare, key="b")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(dataset_a.admin)
    assert client.delete(f"/api/v1/libraries/{spare.pk}/").status_code == 204
    assert not Library.objects.filter(pk=spare.pk).exists()
    assert not Clause.objects.filter(library_id=spare.pk).exists()
    assert not ClauseVersion.objects.filter(clause__library_id=spare.pk).exists()
