"""Organisations a group can run (issue 28, item 4): the demo's group administrator and member hospitals,
the group page a curator reads, and the organisation settings page (admins only, validated, audited)."""

import pytest
from django.core.management import call_command
from django.test import Client

from organizations.models import AuditEntry, MemberOrganization, Membership, Organization

from ..factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def settings_url(org):
    return f"/organizations/{org.pk}/settings/"


def form(org, **changes):
    data = {
        "name": org.name,
        "kind": org.kind,
        "accepted_email_domains": org.accepted_email_domains,
        "sso_role": org.sso_role or "evaluator",
    }
    data.update(changes)
    return data


# --- the demo ---------------------------------------------------------------------------------------------


def test_the_demo_has_a_group_administrator_and_two_member_hospitals(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    group = Organization.objects.get(name="Groupement Achats Démo")
    assert Membership.objects.get(user__username="group-admin", organization=group).role == "admin"
    assert set(MemberOrganization.objects.filter(group=group).values_list("member__name", flat=True)) == {
        "CHU Démo",
        "CH Voisin",
    }
    response = Client().post("/login/", {"username": "group-admin", "password": "clausier-demo"})
    assert response.status_code == 302


# --- a curator reads its group's member hospitals ---------------------------------------------------------


def test_a_curator_sees_its_groups_member_hospitals_read_only(group, curator, hospital, hospital_admin, outsider):
    MemberOrganization.objects.create(group=group, member=hospital)
    response = signed_in(curator).get(f"/organizations/{group.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and "CHU" in page
    assert "member_organization_remove" not in page and "/remove/" not in page and "Inviter" not in page
    # The curator changes nothing; a hospital's non-admin still gets 403 on its own page; outsiders 404.
    assert (
        signed_in(curator).post(f"/organizations/{group.pk}/members-organizations/{hospital.pk}/remove/").status_code
        == 403
    )
    assert MemberOrganization.objects.filter(group=group, member=hospital).exists()
    buyer = member(hospital, "buyer", username="acheteur")
    assert signed_in(buyer).get(f"/organizations/{hospital.pk}/").status_code == 403
    assert signed_in(outsider).get(f"/organizations/{group.pk}/").status_code == 404
    assert signed_in(hospital_admin).get(f"/organizations/{group.pk}/").status_code == 404  # a member hospital's admin


# --- the settings page ------------------------------------------------------------------------------------


def test_an_admin_changes_the_settings_and_each_change_is_audited(hospital, hospital_admin):
    client = signed_in(hospital_admin)
    assert client.get(settings_url(hospital)).status_code == 200
    response = client.post(
        settings_url(hospital),
        form(hospital, name="CHU Nouveau nom", accepted_email_domains="@CHU-exemple.fr, chu.test", sso_role="buyer"),
    )
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.name == "CHU Nouveau nom"
    assert hospital.accepted_email_domains == "chu-exemple.fr, chu.test" and hospital.sso_role == "buyer"
    entry = AuditEntry.objects.get(organization=hospital, action="settings_change")
    assert entry.actor == hospital_admin
    assert entry.details["name"] == {"before": "CHU", "after": "CHU Nouveau nom"}
    assert entry.details["sso_role"] == {"before": "evaluator", "after": "buyer"}
    assert "kind" not in entry.details
    # Saving again unchanged writes nothing.
    client.post(settings_url(hospital), form(hospital))
    assert AuditEntry.objects.filter(organization=hospital, action="settings_change").count() == 1


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": "  "}, "name", "obligatoire"),
        ({"name": "ch autre"}, "name", "porte déjà ce nom"),
        ({"accepted_email_domains": "chu..fr"}, "accepted_email_domains", "Domaine invalide"),
        ({"accepted_email_domains": "gmail.com"}, "accepted_email_domains", "Messagerie publique"),
        ({"accepted_email_domains": "autre.fr"}, "accepted_email_domains", "Déjà accepté par une autre"),
        ({"sso_role": "admin"}, "sso_role", ""),
        ({"kind": "purchasing_group"}, "kind", "ne peut pas devenir un groupement"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_changes(
    hospital, hospital_admin, other_hospital, group, changes, field, message
):
    other_hospital.accepted_email_domains = "autre.fr"
    other_hospital.save()
    MemberOrganization.objects.create(group=group, member=hospital)
    response = signed_in(hospital_admin).post(settings_url(hospital), form(hospital, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    before = Organization.objects.get(pk=hospital.pk)
    assert (before.name, before.kind, before.accepted_email_domains, before.sso_role) == (
        "CHU",
        "hospital",
        "",
        "evaluator",
    )
    assert not AuditEntry.objects.filter(action="settings_change").exists()


def test_a_group_with_member_hospitals_cannot_become_a_hospital(group, hospital):
    admin = member(group, "admin", username="group-admin")
    MemberOrganization.objects.create(group=group, member=hospital)
    response = signed_in(admin).post(settings_url(group), form(group, kind="hospital"))
    assert (
        response.status_code == 400 and "Retirez d&#x27;abord les établissements adhérents" in response.content.decode()
    )
    page = signed_in(admin).get(settings_url(group)).content.decode()
    assert 'id="member-organizations"' in page and "CHU" in page


def test_only_the_organisations_admins_reach_its_settings(hospital, hospital_admin, buyer, outsider, group, curator):
    assert signed_in(buyer).get(settings_url(hospital)).status_code == 403
    assert signed_in(buyer).post(settings_url(hospital), form(hospital, name="Pris")).status_code == 403
    assert signed_in(curator).get(settings_url(group)).status_code == 403
    assert signed_in(outsider).get(settings_url(hospital)).status_code == 404
    assert signed_in(outsider).post(settings_url(hospital), form(hospital, name="Pris")).status_code == 404
    assert Client().get(settings_url(hospital)).status_code == 302  # to the sign-in page
    hospital.refresh_from_db()
    assert hospital.name == "CHU"


def test_the_domain_and_role_set_on_the_page_are_what_sso_uses(hospital, hospital_admin):
    from organizations.services import sso_user

    signed_in(hospital_admin).post(
        settings_url(hospital), form(hospital, accepted_email_domains="chu.test", sso_role="curator")
    )
    user = sso_user(
        issuer="https://idp.test",
        subject="s-1",
        email="nouvelle@chu.test",
        email_verified=True,
        claims={},
        domains=["chu.test"],
    )
    assert Membership.objects.get(user=user, organization=hospital).role == "curator"


def test_the_member_hospital_page_lists_no_other_group(group, hospital, hospital_admin):
    other_group = OrganizationFactory(name="Autre groupement", kind=Organization.Kind.PURCHASING_GROUP)
    MemberOrganization.objects.create(group=group, member=hospital)
    page = signed_in(hospital_admin).get(settings_url(hospital)).content.decode()
    assert "Groupement" in page and other_group.name not in page


def test_the_api_lists_the_groups_member_hospitals_to_its_curator_too(api, group, curator, hospital, hospital_admin):
    MemberOrganization.objects.create(group=group, member=hospital)
    url = f"/api/v1/organizations/{group.pk}/members-organizations/"
    response = api(curator).get(url)
    assert response.status_code == 200 and [row["name"] for row in response.data["results"]] == ["CHU"]
    assert api(curator).post(url, {"organization": hospital.pk}, format="json").status_code == 403
    assert api(curator).delete(url + f"{hospital.pk}/").status_code == 403
    assert api(hospital_admin).get(url).status_code == 404  # a member hospital does not read the group's list
    assert MemberOrganization.objects.filter(group=group, member=hospital).exists()
