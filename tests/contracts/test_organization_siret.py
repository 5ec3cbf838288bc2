"""The organisation's SIRET (API.md: set by its admins), the buyer's identity in the DECP file."""

import pytest
from django.test import Client

from ..factories import member

pytestmark = pytest.mark.django_db


def test_an_admin_sets_the_siret_and_members_read_it(api, hospital, hospital_admin, buyer):
    response = api(hospital_admin).patch(
        f"/api/v1/organizations/{hospital.pk}/", {"siret": "26750045200011"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"id": hospital.pk, "name": "CHU", "kind": "hospital", "siret": "26750045200011"}
    assert api(buyer).get(f"/api/v1/organizations/{hospital.pk}/").json()["siret"] == "26750045200011"


def test_a_siret_with_a_wrong_check_key_is_refused(api, hospital, hospital_admin):
    response = api(hospital_admin).patch(
        f"/api/v1/organizations/{hospital.pk}/", {"siret": "26750045200012"}, format="json"
    )
    assert response.status_code == 400
    assert "siret" in response.json()
    hospital.refresh_from_db()
    assert hospital.siret == ""


def test_only_admins_set_it_and_outsiders_see_nothing(api, hospital, buyer, outsider):
    assert api(buyer).patch(f"/api/v1/organizations/{hospital.pk}/", {"siret": ""}, format="json").status_code == 403
    assert api(outsider).get(f"/api/v1/organizations/{hospital.pk}/").status_code == 404
    assert api(outsider).patch(f"/api/v1/organizations/{hospital.pk}/", {"siret": ""}, format="json").status_code == 404


def test_the_organisation_page_sets_it(hospital, hospital_admin):
    client = Client()
    client.force_login(hospital_admin)
    assert 'id="organization-siret"' in client.get(f"/organizations/{hospital.pk}/").content.decode()
    response = client.post(f"/organizations/{hospital.pk}/siret/", {"siret": "267 500 452 00011"})
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.siret == "26750045200011"
    evaluator = member(hospital, "evaluator", username="siret-eval")
    client.force_login(evaluator)
    assert client.post(f"/organizations/{hospital.pk}/siret/", {"siret": ""}).status_code == 403
