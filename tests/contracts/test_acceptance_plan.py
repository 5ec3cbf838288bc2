import pytest

from contracts import acceptance_services

from .acceptance_fixtures import accepted  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_smoke(api, accepted):
    response = api(accepted.lead).get(f"/api/v1/contracts/{accepted.contract.pk}/acceptance/")
    assert response.status_code == 200, response.content
    body = response.json()
    print(len(body["rows"]), body["rows"][:3], body["counts"], body["proposed_decision"])
    assert len(body["rows"]) == 58
