"""Leaving means leaving: tokens listed and revoked by their owner, last use kept, expiry; deactivation,
password change and password reset revoke tokens and sessions; the reset keeps the lockout."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from organizations.models import ApiToken, AuditEntry, Membership

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Une-autre-phrase-2026"


def token_for(username, password=PASSWORD):
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + key)
    return client


def test_tokens_are_listed_by_their_owner_with_their_last_use(buyer, hospital_admin):
    first = token_for("buyer")
    second = token_for("buyer")
    token_for("chu-admin")
    assert first["token"] != second["token"] and "expires_at" in first
    client = with_token(first["token"])
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert len(listed) == 2  # never the admin's
    assert set(listed[0]) == {"id", "prefix", "created_at", "expires_at", "last_used_at", "current"}
    assert all("token" not in t and first["token"] not in str(t) for t in listed)
    current = [t for t in listed if t["current"]]
    assert len(current) == 1 and current[0]["prefix"] == first["token"][:8]
    assert current[0]["last_used_at"] is not None
    assert [t["last_used_at"] for t in listed if not t["current"]] == [None]
    used = ApiToken.objects.get(prefix=first["token"][:8])
    assert used.last_used_at is not None and used.last_used_ip == "127.0.0.1"


def test_the_owner_revokes_a_token_and_nobody_else_can(buyer, hospital_admin):
    keep = token_for("buyer")["token"]
    doomed = token_for("buyer")["token"]
    doomed_id = ApiToken.objects.get(prefix=doomed[:8]).pk
    admin = token_for("chu-admin")["token"]
    assert with_token(admin).delete(f"/api/v1/auth/tokens/{doomed_id}/").status_code == 404
    assert with_token(doomed).get("/api/v1/me/").status_code == 200
    assert with_token(keep).delete(f"/api/v1/auth/tokens/{doomed_id}/").status_code == 204
    assert with_token(doomed).get("/api/v1/me/").status_code == 401
    assert with_token(keep).get("/api/v1/me/").status_code == 200


def test_an_expired_token_answers_401(buyer):
    key = token_for("buyer")["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = with_token(key).get("/api/v1/me/")
    assert response.status_code == 401 and "expiré" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_api_logout_revokes_the_token(buyer):
    key = token_for("buyer")["token"]
    assert with_token(key).post("/api/v1/auth/logout/").status_code == 204
    assert with_token(key).get("/api/v1/me/").status_code == 401


def test_signing_out_of_the_pages_revokes_the_tokens(buyer):
    key = token_for("buyer")["token"]
    client = Client()
    client.post("/login/", {"username": "buyer", "password": PASSWORD})
    assert client.post("/logout/").status_code == 302
    assert with_token(key).get("/api/v1/me/").status_code == 401


def test_deactivating_a_person_revokes_tokens_and_sessions(buyer):
    key = token_for("buyer")["token"]
    browser = Client()
    browser.force_login(buyer)
    buyer.is_active = False
    buyer.save()
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert not Session.objects.exists()
    assert not ApiToken.objects.exists()


@pytest.mark.usefixtures("production_password_hashers")
def test_changing_ones_password_revokes_tokens_and_other_sessions(buyer):
    key = token_for("buyer")["token"]
    elsewhere = Client()
    elsewhere.force_login(buyer)
    here = Client()
    here.force_login(buyer)
    response = here.post(
        "/password-change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert elsewhere.get("/api/v1/me/").status_code in (401, 403)
    assert here.get("/api/v1/me/").status_code == 200  # the person who changed it stays signed in


def test_a_sign_in_that_rehashes_the_password_keeps_the_tokens(buyer, settings):
    key = token_for("buyer")["token"]
    assert buyer.password.startswith("md5$")  # the tests' fast hasher (tests/conftest.py), now an old one:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    token_for("buyer")  # the old hash is upgraded on this sign-in: same password, nothing revoked
    buyer.refresh_from_db()
    assert buyer.password.startswith("pbkdf2_sha256$")
    assert with_token(key).get("/api/v1/me/").status_code == 200


@pytest.mark.usefixtures("production_password_hashers")
def test_password_reset_by_email(buyer):
    buyer.email = "buyer@chu.test"
    buyer.save()
    key = token_for("buyer")["token"]
    assert Client().post("/password-reset/", {"email": "buyer@chu.test"}).status_code == 302
    assert Client().post("/password-reset/", {"email": "inconnu@chu.test"}).status_code == 302  # same answer
    [message] = mail.outbox
    assert message.to == ["buyer@chu.test"]
    link = re.search(r"http://\S+/password-reset/\S+/\S+/", message.body).group(0)
    client = Client()
    form = client.get(link.replace("http://testserver", ""), follow=True)
    assert form.status_code == 200 and "Nouveau mot de passe" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert Client().post("/login/", {"username": "buyer", "password": NEW_PASSWORD}).status_code == 302
    # The link served once.
    reused = Client().get(link.replace("http://testserver", ""), follow=True)
    assert "plus valable" in reused.content.decode()


@pytest.mark.usefixtures("production_password_hashers")
def test_a_password_reset_does_not_lift_the_lockout(buyer, settings):
    buyer.email = "buyer@chu.test"
    buyer.save()
    attacker = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/login/", {"username": "buyer", "password": f"guess-{n}"})
    Client().post("/password-reset/", {"email": "buyer@chu.test"})
    link = re.search(r"http://\S+/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    client = Client()
    form = client.get(link.replace("http://testserver", ""), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # From the address that guessed, the account stays locked for the cool-off, new password or not.
    assert attacker.post("/login/", {"username": "buyer", "password": NEW_PASSWORD}).status_code in (403, 429)


def test_the_tokens_page_lists_and_revokes_ones_own_tokens(buyer, hospital_admin):
    key = token_for("buyer")["token"]
    other = token_for("chu-admin")["token"]
    mine = ApiToken.objects.get(prefix=key[:8])
    client = Client()
    client.force_login(buyer)
    page = client.get("/organizations/tokens/").content.decode()
    assert key[:8] in page and other[:8] not in page and key not in page
    theirs = ApiToken.objects.get(prefix=other[:8])
    assert client.post(f"/organizations/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/organizations/tokens/{mine.pk}/revoke/").status_code == 302
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert with_token(other).get("/api/v1/me/").status_code == 200


def test_revoking_a_token_leaves_an_entry_in_the_audit_list_of_each_of_the_owners_organisations(
    buyer, hospital, other_hospital, hospital_admin
):
    Membership.objects.create(user=buyer, organization=other_hospital, role="evaluator")
    key = token_for("buyer")["token"]
    token = ApiToken.objects.get(prefix=key[:8])

    assert with_token(key).delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204

    entries = AuditEntry.objects.filter(action="token_revoke").order_by("organization_id")
    assert [(e.organization_id, e.actor, e.target) for e in entries] == [
        (hospital.pk, buyer, "buyer"),
        (other_hospital.pk, buyer, "buyer"),
    ]
    assert entries[0].details == {"prefix": key[:8], "created_at": token.created_at.isoformat()}
    assert key not in str(entries[0].details)
    admin = with_token(token_for("chu-admin")["token"])
    listed = admin.get(f"/api/v1/organizations/{hospital.pk}/audit/").json()["results"]
    assert [(e["action"], e["target"]) for e in listed] == [("token_revoke", "buyer")]


def test_the_page_revokes_through_the_same_service_and_someone_elses_token_writes_nothing(buyer, hospital_admin):
    mine = ApiToken.objects.get(prefix=token_for("buyer")["token"][:8])
    theirs = ApiToken.objects.get(prefix=token_for("chu-admin")["token"][:8])
    client = Client()
    client.force_login(buyer)

    assert client.post(f"/organizations/tokens/{theirs.pk}/revoke/").status_code == 404
    assert not AuditEntry.objects.exists() and ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.post(f"/organizations/tokens/{mine.pk}/revoke/").status_code == 302
    assert list(AuditEntry.objects.values_list("action", "actor__username")) == [("token_revoke", "buyer")]
    assert not ApiToken.objects.filter(pk=mine.pk).exists()


def test_a_revocation_that_fails_to_be_audited_keeps_the_token(buyer, monkeypatch):
    """One transaction: the token goes only with its audit entries."""
    from organizations import services

    token = ApiToken.objects.get(prefix=token_for("buyer")["token"][:8])

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit", broken)
    with pytest.raises(RuntimeError):
        services.token_revoke(user=buyer, token_id=token.pk)
    assert ApiToken.objects.filter(pk=token.pk).exists()
