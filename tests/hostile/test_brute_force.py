"""Login brute force: lockout on the page and the token endpoint, no user enumeration, throttling."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from ..factories import PASSWORD, member

# Lockout and sign-in: with the project's own password hashers, as people meet them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_password_hashers")]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def victim(org_a):
    return member(org_a, "admin", username="victime")


def test_a_password_guessing_run_on_the_page_locks_the_account_for_the_token_endpoint_too(victim, settings):
    page = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [page.post("/login/", {"username": "victime", "password": f"guess-{n}"}).status_code for n in range(20)]
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) <= {403, 429}
    # The right password, found at last, is refused from that address, on the page and on the API.
    assert page.post("/login/", {"username": "victime", "password": PASSWORD}).status_code in (403, 429)
    assert "_auth_user_id" not in page.session
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    response = api.post("/api/v1/auth/token/", {"username": "victime", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "token" not in response.json()


def test_the_lockout_does_not_lock_other_users_out(victim, org_a, settings):
    other = member(org_a, "buyer", username="collegue")
    client = Client(REMOTE_ADDR="203.0.113.8")
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        client.post("/login/", {"username": "victime", "password": f"guess-{n}"})
    assert client.post("/login/", {"username": other.username, "password": PASSWORD}).status_code == 302


def test_unknown_users_and_wrong_passwords_get_the_same_answer(victim):
    api = APIClient()
    unknown = api.post("/api/v1/auth/token/", {"username": "personne", "password": "x"}, format="json")
    wrong = api.post("/api/v1/auth/token/", {"username": "victime", "password": "x"}, format="json")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


def test_the_token_endpoint_throttles_a_spray_over_many_user_names(victim):
    api = APIClient(REMOTE_ADDR="203.0.113.9")
    statuses = [
        api.post("/api/v1/auth/token/", {"username": f"user{n}", "password": "x"}, format="json").status_code
        for n in range(25)
    ]
    assert 429 in statuses
    assert statuses.index(429) <= 20


@pytest.mark.parametrize("password", ["x" * 5000, "\0", "é" * 2000])
def test_absurd_credentials_are_a_400_not_a_500(victim, password):
    api = APIClient(raise_request_exception=False)
    response = api.post("/api/v1/auth/token/", {"username": "victime\0", "password": password}, format="json")
    assert response.status_code == 400
