"""clause_library/access.py: the one "may edit" rule of libraries, called by the pages, the API and the
services alike. A member who may not change a library is refused with 403 and the same reason on every
path (the services refused with a 400 on `organization` before); a library they may not see is 404."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from clause_library import access, services
from clause_library.models import Clause, Library

from ..factories import LibraryFactory, make_clause

pytestmark = pytest.mark.django_db

EDIT_FR = "Seuls les curateurs et administrateurs de l'organisation propriétaire peuvent modifier cette bibliothèque."
EDIT_EN = "Only curators and administrators of the owning organisation may modify this library."
CREATE_FR = "Seuls les curateurs et administrateurs d'une organisation peuvent créer une bibliothèque."


@pytest.fixture
def own_library(hospital):
    library = LibraryFactory(organization=hospital, name="Locale")
    make_clause(library, key="api-fhir")
    return library


def test_the_rule_reads_the_owners_roles(own_library, hospital_admin, buyer, evaluator, curator, outsider):
    assert access.may_edit_library(hospital_admin, own_library)
    for user in (buyer, evaluator, curator, outsider):
        assert not access.may_edit_library(user, own_library)
    assert access.library_for(buyer, own_library.pk) == own_library
    with pytest.raises(Http404):
        access.library_for(outsider, own_library.pk)


@pytest.mark.parametrize(
    "write",
    [
        lambda user, library: services.library_update(user=user, library=library, changes={"name": "Changée"}),
        lambda user, library: services.library_delete(user=user, library=library),
        lambda user, library: services.library_guidance_update(user=user, library=library, topics=[], sets=[]),
        lambda user, library: services.library_pull(user=user, library=library, clause_ids=[]),
    ],
    ids=["update", "delete", "guidance", "pull"],
)
def test_a_library_service_refuses_a_member_who_may_not_edit_with_403_and_changes_nothing(write, own_library, buyer):
    with pytest.raises(PermissionDenied) as refused:
        write(buyer, own_library)
    assert str(refused.value) == EDIT_FR
    own_library.refresh_from_db()
    assert own_library.name == "Locale" and own_library.clauses.count() == 1


@pytest.mark.parametrize(
    "write, reason",
    [
        (
            lambda user, org, library: services.library_create(user=user, organization=org, name="Nouvelle"),
            CREATE_FR,
        ),
        (
            lambda user, org, library: services.library_import(
                user=user, organization=org, data=services.library_export(library)
            ),
            "Seuls les curateurs et administrateurs d'une organisation peuvent importer une bibliothèque.",
        ),
        (
            lambda user, org, library: services.library_fork(user=user, library=library, organization=org),
            "Seuls les curateurs et administrateurs d'une organisation peuvent copier une bibliothèque.",
        ),
    ],
    ids=["create", "import", "fork"],
)
def test_a_new_library_lands_only_where_the_user_is_curator_or_admin(write, reason, own_library, hospital, buyer):
    with pytest.raises(PermissionDenied) as refused:
        write(buyer, hospital, own_library)
    assert str(refused.value) == reason
    assert list(Library.objects.values_list("name", flat=True)) == ["Locale"]


def test_the_api_and_the_page_give_the_same_reason_in_the_callers_language(api, own_library, buyer):
    clause = own_library.clauses.get()
    french = api(buyer).patch(f"/api/v1/clauses/{clause.pk}/", {"title": "x"}, format="json")
    english = api(buyer).patch(
        f"/api/v1/clauses/{clause.pk}/", {"title": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    client = Client()
    client.force_login(buyer)
    page = client.post(f"/libraries/{own_library.pk}/share/", {"visibility": "public"})

    assert french.status_code == english.status_code == page.status_code == 403
    assert french.json() == {"detail": EDIT_FR}
    assert english.json() == {"detail": EDIT_EN}
    assert EDIT_FR.replace("'", "&#x27;") in page.content.decode()
    assert Clause.objects.get(pk=clause.pk).current.number == 1
    assert Library.objects.get(pk=own_library.pk).visibility == Library.Visibility.PRIVATE


def test_creating_a_library_in_ones_organisation_without_the_role_is_403_on_the_api(api, hospital, buyer):
    response = api(buyer).post("/api/v1/libraries/", {"organization": hospital.pk, "name": "L"}, format="json")
    assert response.status_code == 403 and response.json() == {"detail": CREATE_FR}
    assert not Library.objects.exists()
