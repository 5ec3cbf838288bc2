"""A purchasing group's member hospitals, and libraries with `visibility: members`."""

import pytest
from django.test import Client

from clause_library.models import Library
from organizations.models import AuditEntry, MemberOrganization, Membership

from ..factories import LibraryFactory, OrganizationFactory, make_clause, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_admin(group):
    return member(group, "admin", username="group-admin")


@pytest.fixture
def members_library(group, curator):
    library = LibraryFactory(organization=group, name="Pour les adhérents", visibility="members")
    make_clause(library, key="k1", user=curator)
    return library


def url(org, member_id=None):
    return f"/api/v1/organizations/{org.pk}/members-organizations/" + (f"{member_id}/" if member_id else "")


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # roles are cached per user object and request


def test_a_members_library_is_seen_by_current_member_hospitals_only(
    api, group, group_admin, hospital, other_hospital, buyer, outsider, members_library
):
    library_url = f"/api/v1/libraries/{members_library.pk}/"
    assert api(buyer).get(library_url).status_code == 404

    added = api(group_admin).post(url(group), {"organization": hospital.pk}, format="json")
    assert added.status_code == 201 and added.data == {"id": hospital.pk, "name": "CHU", "kind": "hospital"}
    assert api(fresh(buyer)).get(library_url).status_code == 200
    assert members_library.pk in [lib["id"] for lib in api(fresh(buyer)).get("/api/v1/libraries/").data["results"]]
    assert api(fresh(buyer)).get(f"/api/v1/clauses/?library={members_library.pk}").data["count"] == 1
    # A hospital that is not a member sees nothing.
    assert api(outsider).get(library_url).status_code == 404

    listed = api(group_admin).get(url(group))
    assert [o["id"] for o in listed.data["results"]] == [hospital.pk]

    assert api(group_admin).delete(url(group, hospital.pk)).status_code == 204
    assert api(fresh(buyer)).get(library_url).status_code == 404
    assert members_library.pk not in [lib["id"] for lib in api(fresh(buyer)).get("/api/v1/libraries/").data["results"]]
    actions = list(AuditEntry.objects.filter(organization=group).order_by("id").values_list("action", "target"))
    assert actions == [("member_org_add", "CHU"), ("member_org_remove", "CHU")]


def test_a_members_library_is_not_public_nor_shared(api, group, group_admin, hospital, buyer, members_library):
    members_library.shared_with.add(hospital)  # a stale share list does not count under "members"
    assert api(buyer).get(f"/api/v1/libraries/{members_library.pk}/").status_code == 404


def test_the_library_api_accepts_the_members_visibility(api, group, curator, group_admin, hospital, buyer):
    response = api(curator).post(
        "/api/v1/libraries/", {"organization": group.pk, "name": "Adhérents", "visibility": "members"}, format="json"
    )
    assert response.status_code == 201 and response.data["visibility"] == "members"
    api(group_admin).post(url(group), {"organization": hospital.pk}, format="json")
    assert api(fresh(buyer)).get(f"/api/v1/libraries/{response.data['id']}/").status_code == 200
    # Members read; they do not edit.
    patch = api(fresh(buyer)).patch(f"/api/v1/libraries/{response.data['id']}/", {"name": "x"}, format="json")
    assert patch.status_code in (403, 404)
    assert Library.objects.get(pk=response.data["id"]).name == "Adhérents"


def test_only_a_groups_admins_manage_its_member_hospitals(api, group, curator, hospital, hospital_admin, group_admin):
    assert api(curator).post(url(group), {"organization": hospital.pk}, format="json").status_code == 403
    assert api(hospital_admin).post(url(group), {"organization": hospital.pk}, format="json").status_code == 404
    assert api(hospital_admin).get(url(group)).status_code == 404
    # A hospital has no member hospitals.
    refused = api(hospital_admin).post(url(hospital), {"organization": group.pk}, format="json")
    assert refused.status_code == 400 and "organization" in refused.data
    assert not MemberOrganization.objects.exists()


@pytest.mark.parametrize("target", ["self", "group", "unknown", "text"])
def test_a_bad_member_organisation_is_a_400(api, group, group_admin, target):
    other_group = OrganizationFactory(name="Autre groupement", kind="purchasing_group")
    value = {"self": group.pk, "group": other_group.pk, "unknown": 999999, "text": "abc"}[target]
    response = api(group_admin).post(url(group), {"organization": value}, format="json")
    assert response.status_code == 400 and "organization" in response.data
    assert not MemberOrganization.objects.exists() and not AuditEntry.objects.exists()


def test_adding_twice_keeps_one_link_and_removing_an_unknown_one_is_a_404(api, group, group_admin, hospital):
    for _ in range(2):
        assert api(group_admin).post(url(group), {"organization": hospital.pk}, format="json").status_code == 201
    assert MemberOrganization.objects.count() == 1
    assert api(group_admin).delete(url(group, 999999)).status_code == 404


def test_the_group_page_adds_and_removes_member_hospitals(group, group_admin, hospital):
    client = Client()
    client.force_login(group_admin)
    page = client.get(f"/organizations/{group.pk}/").content.decode()
    assert "Établissements adhérents" in page and "CHU" in page
    assert (
        client.post(f"/organizations/{group.pk}/members-organizations/", {"organization": hospital.pk}).status_code
        == 302
    )
    assert MemberOrganization.objects.filter(group=group, member=hospital).exists()
    bad = client.post(f"/organizations/{group.pk}/members-organizations/", {"organization": group.pk})
    assert bad.status_code == 400
    assert client.post(f"/organizations/{group.pk}/members-organizations/{hospital.pk}/remove/").status_code == 302
    assert not MemberOrganization.objects.exists()
    assert Membership.objects.filter(organization=hospital).count() == 0
