"""tenders/access.py: the one "may edit" rule of tenders, called by the pages, the API, the services and the
guidance. A member who may not change a tender gets 403 with the same reason everywhere; another
organisation's tender is 404."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from tenders import access, guidance, services
from tenders.models import Tender

pytestmark = pytest.mark.django_db

EDIT_FR = "Seuls les acheteurs et administrateurs de l'organisation peuvent modifier cet appel d'offres."
EDIT_EN = "Only buyers and administrators of the organisation can modify this tender."
CREATE_FR = "Seuls les acheteurs et administrateurs peuvent créer un appel d'offres."


def test_the_rule_reads_the_tenders_organisation(tender, buyer, hospital_admin, evaluator, curator, outsider):
    for user in (buyer, hospital_admin):
        assert access.may_edit_tender(user, tender)
    for user in (evaluator, curator, outsider):
        assert not access.may_edit_tender(user, tender)
    assert access.tender_for(evaluator, tender.pk) == tender
    with pytest.raises(Http404):
        access.tender_for(outsider, tender.pk)


@pytest.mark.parametrize(
    "write",
    [
        lambda user, tender: services.tender_update(user=user, tender=tender, changes={"title": "Changé"}),
        lambda user, tender: services.tender_delete(user=user, tender=tender),
        lambda user, tender: guidance.tender_set_apply(user=user, tender=tender, library_id=0, set_key="x"),
    ],
    ids=["update", "delete", "set-apply"],
)
def test_every_write_refuses_an_evaluator_with_the_same_reason(write, tender, evaluator):
    with pytest.raises(PermissionDenied) as refused:
        write(evaluator, tender)
    assert str(refused.value) == EDIT_FR
    assert Tender.objects.get(pk=tender.pk).title == "Dossier patient informatisé"


def test_creating_a_tender_is_refused_with_one_reason_on_the_service_the_api_and_the_page(api, hospital, evaluator):
    with pytest.raises(PermissionDenied) as refused:
        services.tender_create(user=evaluator, organization=hospital, reference="AO-1", title="T")
    response = api(evaluator).post(
        "/api/v1/tenders/", {"organization": hospital.pk, "reference": "AO-1", "title": "T"}, format="json"
    )
    client = Client()
    client.force_login(evaluator)
    page = client.get("/tenders/new/")

    assert str(refused.value) == CREATE_FR
    assert response.status_code == page.status_code == 403
    assert response.json() == {"detail": CREATE_FR}
    assert CREATE_FR.replace("'", "&#x27;") in page.content.decode()
    assert not Tender.objects.exists()


def test_the_api_and_the_editor_page_refuse_an_evaluator_in_their_language(api, tender, evaluator):
    url = f"/api/v1/tenders/{tender.pk}/"
    french = api(evaluator).patch(url, {"title": "x"}, format="json")
    english = api(evaluator).patch(url, {"title": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    client = Client()
    client.force_login(evaluator)
    editor = client.get(f"/tenders/{tender.pk}/")

    assert french.status_code == english.status_code == 403
    assert french.json() == {"detail": EDIT_FR} and english.json() == {"detail": EDIT_EN}
    assert editor.status_code == 200 and editor.context["can_edit"] is False  # members read
    assert Tender.objects.get(pk=tender.pk).title == "Dossier patient informatisé"
