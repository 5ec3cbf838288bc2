"""Members and roles: admins list, change roles and remove; the last admin stays; removal revokes access."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.test import APIClient

from organizations.models import AuditEntry, Membership
from organizations.tokens import issue

from ..factories import member

pytestmark = pytest.mark.django_db


def url(org, username=""):
    return f"/api/v1/organizations/{org.pk}/members/" + (f"{username}/" if username else "")


def test_an_admin_lists_the_members_with_their_roles(
    api, hospital, hospital_admin, buyer, django_assert_max_num_queries
):
    buyer.first_name, buyer.last_name, buyer.email = "Béa", "Acheteuse", "bea@chu.test"
    buyer.save()
    member(hospital, "evaluator", username="eval9")
    client = api(hospital_admin)
    with django_assert_max_num_queries(6):
        response = client.get(url(hospital))
    assert response.status_code == 200
    assert response.data["count"] == 3
    assert response.data["results"][0] == {
        "username": "buyer",
        "full_name": "Béa Acheteuse",
        "email": "bea@chu.test",
        "role": "buyer",
    }
    assert [m["username"] for m in response.data["results"]] == ["buyer", "chu-admin", "eval9"]


def test_the_member_list_is_for_admins_of_that_organisation_only(api, hospital, buyer, outsider):
    assert api(buyer).get(url(hospital)).status_code == 403
    assert api(outsider).get(url(hospital)).status_code == 404
    assert api().get(url(hospital)).status_code in (401, 403)


def test_an_admin_changes_a_role_and_it_is_audited(api, hospital, hospital_admin, buyer):
    response = api(hospital_admin).patch(url(hospital, "buyer"), {"role": "evaluator"}, format="json")
    assert response.status_code == 200 and response.data["role"] == "evaluator"
    assert Membership.objects.get(user=buyer, organization=hospital).role == "evaluator"
    entry = AuditEntry.objects.get(organization=hospital, action="role_change")
    assert (entry.actor_name, entry.target, entry.details) == (
        "chu-admin",
        "buyer",
        {"before": "buyer", "after": "evaluator"},
    )


def test_a_bad_role_is_a_400_naming_the_field_and_changes_nothing(api, hospital, hospital_admin, buyer):
    response = api(hospital_admin).patch(url(hospital, "buyer"), {"role": "king"}, format="json")
    assert response.status_code == 400 and "role" in response.data
    assert Membership.objects.get(user=buyer, organization=hospital).role == "buyer"
    assert not AuditEntry.objects.exists()


def test_a_buyer_cannot_change_roles(api, hospital, buyer, hospital_admin):
    assert api(buyer).patch(url(hospital, "chu-admin"), {"role": "buyer"}, format="json").status_code == 403
    assert api(buyer).delete(url(hospital, "chu-admin")).status_code == 403
    assert Membership.objects.get(user=hospital_admin).role == "admin"


def test_the_last_admin_can_be_neither_demoted_nor_removed(api, hospital, hospital_admin):
    client = api(hospital_admin)
    demoted = client.patch(url(hospital, "chu-admin"), {"role": "buyer"}, format="json")
    assert demoted.status_code == 409 and "dernier administrateur" in str(demoted.data)
    removed = client.delete(url(hospital, "chu-admin"))
    assert removed.status_code == 409
    assert Membership.objects.get(user=hospital_admin, organization=hospital).role == "admin"
    # With a second admin, the first may step down.
    member(hospital, "admin", username="second-admin")
    assert client.patch(url(hospital, "chu-admin"), {"role": "buyer"}, format="json").status_code == 200


def test_an_unknown_member_is_a_404(api, hospital, hospital_admin, outsider):
    assert api(hospital_admin).delete(url(hospital, "nobody")).status_code == 404
    # A person of another organisation is not a member here either.
    assert api(hospital_admin).delete(url(hospital, outsider.username)).status_code == 404
    assert Membership.objects.filter(user=outsider).exists()


def test_removing_a_member_revokes_their_tokens_and_sessions(api, hospital, hospital_admin, buyer):
    _token, key = issue(buyer)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert token_client.get("/api/v1/me/").status_code == 200
    browser = Client()
    browser.force_login(buyer)
    assert browser.get("/api/v1/me/").status_code == 200

    assert api(hospital_admin).delete(url(hospital, "buyer")).status_code == 204

    assert token_client.get("/api/v1/me/").status_code == 401
    assert browser.get("/api/v1/me/").status_code in (401, 403)
    assert not Session.objects.filter(session_key=browser.session.session_key).exists()
    assert not Membership.objects.filter(user=buyer).exists()
    assert AuditEntry.objects.filter(organization=hospital, action="member_remove", target="buyer").exists()


def test_a_person_belongs_to_several_organisations_with_one_role_each(api, hospital, group, hospital_admin, buyer):
    Membership.objects.create(user=buyer, organization=group, role="curator")
    me = api(buyer).get("/api/v1/me/").data["organizations"]
    assert {(o["id"], o["role"]) for o in me} == {(hospital.pk, "buyer"), (group.pk, "curator")}
    assert api(hospital_admin).delete(url(hospital, "buyer")).status_code == 204
    assert list(Membership.objects.filter(user=buyer).values_list("organization_id", "role")) == [(group.pk, "curator")]


def test_the_audit_list_is_read_by_the_admins(api, hospital, hospital_admin, buyer, outsider):
    api(hospital_admin).patch(url(hospital, "buyer"), {"role": "evaluator"}, format="json")
    response = api(hospital_admin).get(f"/api/v1/organizations/{hospital.pk}/audit/")
    assert response.status_code == 200
    assert [(e["actor"], e["action"], e["target"]) for e in response.data["results"]] == [
        ("chu-admin", "role_change", "buyer")
    ]
    assert api(buyer).get(f"/api/v1/organizations/{hospital.pk}/audit/").status_code == 403
    assert api(outsider).get(f"/api/v1/organizations/{hospital.pk}/audit/").status_code == 404


def test_the_members_page_changes_a_role_and_removes_a_member(hospital, hospital_admin, buyer):
    client = Client()
    client.force_login(hospital_admin)
    page = client.get(f"/organizations/{hospital.pk}/")
    assert page.status_code == 200 and "buyer" in page.content.decode()
    response = client.post(f"/organizations/{hospital.pk}/members/buyer/role/", {"role": "evaluator"})
    assert response.status_code == 302
    assert Membership.objects.get(user=buyer).role == "evaluator"
    refused = client.post(f"/organizations/{hospital.pk}/members/chu-admin/remove/", follow=True)
    assert "dernier administrateur" in refused.content.decode()
    assert client.post(f"/organizations/{hospital.pk}/members/buyer/remove/").status_code == 302
    assert not Membership.objects.filter(user=buyer).exists()
    audit = client.get(f"/organizations/{hospital.pk}/audit/").content.decode()
    assert "Membre retiré" in audit and "Rôle modifié" in audit


def test_the_members_page_is_for_admins_only(hospital, buyer, outsider):
    client = Client()
    client.force_login(buyer)
    assert client.get(f"/organizations/{hospital.pk}/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/organizations/{hospital.pk}/").status_code == 404
