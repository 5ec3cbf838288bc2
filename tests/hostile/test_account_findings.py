"""Pentest findings 7, 8 and 13 (issue 18): tokens that never die, spoofable throttles, a trusted
X-Forwarded-Proto. Each test failed on the code before the fix."""

import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from ..factories import PASSWORD, member

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Phrase-de-passe-toute-neuve-2026"


@pytest.fixture
def victim(org_a):
    return member(org_a, "admin", username="victime")


def token(username="victime", password=PASSWORD, **extra):
    response = APIClient(**extra).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def me(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + key)
    return client.get("/api/v1/me/").status_code


# --- finding 7: API tokens never expire; logout and password change leave them valid; no revocation ---


def test_finding_7_tokens_expire_after_their_lifetime(victim, settings):
    settings.API_TOKEN_TTL_HOURS = 1
    key = token()
    assert me(key) == 200
    from organizations.models import ApiToken

    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert me(key) == 401


@pytest.mark.usefixtures("production_password_hashers")
def test_finding_7_a_password_change_revokes_every_token(victim):
    key = token()
    client = Client()
    client.force_login(victim)
    client.post(
        "/password-change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    victim.refresh_from_db()
    assert victim.check_password(NEW_PASSWORD)
    assert me(key) == 401


@pytest.mark.usefixtures("production_password_hashers")
def test_finding_7_a_password_set_anywhere_revokes_every_token(victim):
    key = token()
    victim.set_password(NEW_PASSWORD)  # the admin, a shell, a reset: any path
    victim.save()
    assert me(key) == 401


def test_finding_7_logout_revokes_the_token(victim):
    key = token()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + key)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert me(key) == 401


def test_finding_7_the_owner_lists_and_revokes_a_stolen_token(victim):
    stolen = token()
    mine = token()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + mine)
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert len(listed) == 2
    other = next(t for t in listed if not t["current"])
    assert client.delete(f"/api/v1/auth/tokens/{other['id']}/").status_code == 204
    assert me(stolen) == 401 and me(mine) == 200


def test_finding_7_tokens_are_not_stored_in_clear(victim):
    key = token()
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from the schema)
            assert key not in str(cursor.fetchall()), table


# --- finding 8: password spraying past the throttles --------------------------------------------------


def test_finding_8_a_spoofed_x_forwarded_for_does_not_reset_the_token_throttle(victim):
    statuses = []
    for n in range(30):
        api = APIClient(REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        statuses.append(
            api.post("/api/v1/auth/token/", {"username": f"user{n}", "password": "x"}, format="json").status_code
        )
    assert 429 in statuses and statuses.index(429) <= 20


def test_finding_8_the_sign_in_page_throttles_one_address_across_user_names(victim):
    statuses = []
    for n in range(45):
        page = Client(REMOTE_ADDR="203.0.113.51", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        statuses.append(page.post("/login/", {"username": f"person{n}", "password": "Printemps2026"}).status_code)
    assert 429 in statuses and statuses.index(429) <= 30
    # The right password of a real account is refused too, from that address, until the window passes.
    blocked = Client(REMOTE_ADDR="203.0.113.51").post("/login/", {"username": "victime", "password": PASSWORD})
    assert blocked.status_code == 429
    # Another address is not affected.
    assert (
        Client(REMOTE_ADDR="203.0.113.52").post("/login/", {"username": "victime", "password": PASSWORD}).status_code
        == 302
    )


def test_finding_8_behind_a_trusted_proxy_the_real_client_is_the_one_it_reports(victim, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}  # DRF reloads on the signal
    # Many clients behind one proxy: each has its own budget.
    for n in range(35):
        page = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert page.post("/login/", {"username": "x", "password": "y"}).status_code == 200
    # One client spraying through the proxy, forging a left-most address each time: throttled.
    statuses = [
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.200")
        .post("/login/", {"username": f"u{n}", "password": "y"})
        .status_code
        for n in range(40)
    ]
    assert 429 in statuses


@pytest.mark.usefixtures("production_password_hashers")
def test_finding_8_the_lockout_keys_on_the_real_address_not_a_forged_header(victim):
    for n in range(django_settings.AXES_FAILURE_LIMIT + 2):
        Client(REMOTE_ADDR="203.0.113.60", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(
            "/login/", {"username": "victime", "password": f"guess-{n}"}
        )
    forged = Client(REMOTE_ADDR="203.0.113.60", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert forged.post("/login/", {"username": "victime", "password": PASSWORD}).status_code in (403, 429)


# --- finding 13: X-Forwarded-Proto trusted without a proxy --------------------------------------------


def settings_with(monkeypatch, **environment):
    for name in ("TRUSTED_PROXY_COUNT", "DEBUG", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(django_settings.BASE_DIR) / "config" / "settings.py"))


def test_finding_13_x_forwarded_proto_is_ignored_without_a_trusted_proxy(monkeypatch):
    production = settings_with(monkeypatch, DEBUG="False", SECRET_KEY="k" * 50)
    assert production["SECURE_PROXY_SSL_HEADER"] is None
    assert production["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    behind_proxy = settings_with(monkeypatch, DEBUG="False", SECRET_KEY="k" * 50, TRUSTED_PROXY_COUNT="1")
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert behind_proxy["REST_FRAMEWORK"]["NUM_PROXIES"] == 1
