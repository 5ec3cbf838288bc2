"""SSO bound to identities (issuer, subject), a verified e-mail asserted as the boolean true, providers
limited to the domains they are authoritative for and the organisations they serve, the least
privileged role for people joining by domain, and a removal that ends one organisation's access only.

The same rules run end to end against a real OpenID provider in tests/oidc/test_oidc_e2e.py.
"""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.test import APIClient

from organizations import services
from organizations.errors import ApplicationError
from organizations.models import Membership, Organization, SsoIdentity
from organizations.oidc import email_verified
from organizations.tokens import issue

from ..factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db
ISSUER = "https://sso.chu-test.fr"


def sign_in(subject, email, verified=True, **overrides):
    arguments = {
        "issuer": ISSUER,
        "subject": subject,
        "email": email,
        "email_verified": verified,
        "claims": {},
        "provider": "annuaire",
        "domains": ["chu-test.fr"],
        "organization_ids": [],
        **overrides,
    }
    return services.sso_user(**arguments)


@pytest.mark.parametrize(
    "id_token, userinfo, verified",
    [
        ({"email_verified": True}, {}, True),
        ({}, {"email_verified": True}, True),
        ({"email_verified": True}, {"email_verified": True}, True),
        ({}, {}, False),  # absent
        ({"email_verified": "true"}, {}, False),  # a string is not the boolean
        ({"email_verified": "false"}, {"email_verified": True}, False),
        ({"email_verified": False}, {"email_verified": True}, False),  # false only in the ID token
        ({"email_verified": True}, {"email_verified": False}, False),
        ({"email_verified": 1}, {}, False),
    ],
)
def test_an_email_is_verified_only_when_true_is_asserted_and_false_nowhere(id_token, userinfo, verified):
    assert email_verified(id_token, userinfo) is verified


def test_a_bound_person_signs_in_by_subject_even_when_the_provider_changes_their_email(hospital):
    person = member(hospital, "buyer", username="ines", email="ines@chu-test.fr")
    assert sign_in("sub-1", "ines@chu-test.fr") == person
    assert sign_in("sub-1", "ines.nouvelle@autre.fr", verified=False) == person
    assert SsoIdentity.objects.get().user == person


def test_an_unverified_email_or_a_provider_not_authoritative_binds_nobody(hospital):
    member(hospital, "admin", username="chu-admin", email="admin@chu-test.fr")
    with pytest.raises(ApplicationError, match="pas vérifié"):
        sign_in("sub-1", "admin@chu-test.fr", verified=False)
    with pytest.raises(ApplicationError, match="ne fait pas autorité"):
        sign_in("sub-1", "admin@chu-test.fr", domains=["autre.fr"])
    with pytest.raises(ApplicationError, match="ne fait pas autorité"):
        sign_in("sub-1", "admin@chu-test.fr", domains=[])
    assert not SsoIdentity.objects.exists()


def test_one_identity_per_person_and_issuer(hospital):
    member(hospital, "admin", username="chu-admin", email="admin@chu-test.fr")
    sign_in("sub-1", "admin@chu-test.fr")
    with pytest.raises(ApplicationError, match="déjà lié"):
        sign_in("sub-2", "admin@chu-test.fr")
    # Another issuer is another identity of the same person.
    assert sign_in("sub-2", "admin@chu-test.fr", issuer="https://psc.example").username == "chu-admin"
    assert SsoIdentity.objects.count() == 2


def test_a_provider_serves_only_its_organisations(hospital):
    elsewhere = OrganizationFactory(name="CH Ailleurs")
    person = member(hospital, "admin", username="chu-admin", email="admin@chu-test.fr")
    with pytest.raises(ApplicationError, match="Aucune organisation"):
        sign_in("sub-1", "admin@chu-test.fr", organization_ids=[elsewhere.pk])
    assert sign_in("sub-1", "admin@chu-test.fr", organization_ids=[hospital.pk]) == person
    # Bound, it still serves only those.
    with pytest.raises(ApplicationError, match="aucune de vos organisations"):
        sign_in("sub-1", "admin@chu-test.fr", organization_ids=[elsewhere.pk])


def test_an_invitation_is_never_accepted_on_the_persons_behalf(hospital, hospital_admin, other_hospital):
    services.invitation_create(user=hospital_admin, organization=hospital, email="new@chu-test.fr", role="buyer")
    person = sign_in("sub-new", "new@chu-test.fr")
    assert not Membership.objects.filter(user=person).exists()
    assert services.pending_invitations_for_email("new@chu-test.fr").count() == 1


def test_people_joining_by_domain_get_the_least_privileged_role_by_default():
    organization = Organization.objects.create(name="CH Domaine", accepted_email_domains="chu-test.fr")
    assert organization.sso_role == "evaluator"
    person = sign_in("sub-agent", "agent@chu-test.fr")
    assert Membership.objects.get(user=person, organization=organization).role == "evaluator"


def test_removing_someone_from_one_organisation_keeps_their_other_access(api, hospital, group, hospital_admin, buyer):
    Membership.objects.create(user=buyer, organization=group, role="curator")
    _token, key = issue(buyer)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION="Token " + key)
    browser = Client()
    browser.force_login(buyer)

    assert api(hospital_admin).delete(f"/api/v1/organizations/{hospital.pk}/members/buyer/").status_code == 204

    for client in (token_client, browser):
        organizations = client.get("/api/v1/me/").json()["organizations"]
        assert [(o["id"], o["role"]) for o in organizations] == [(group.pk, "curator")]
    assert Session.objects.filter(session_key=browser.session.session_key).exists()
    # The removed organisation is gone for them at once: its pages and objects answer 404.
    assert browser.get(f"/organizations/{hospital.pk}/").status_code == 404
