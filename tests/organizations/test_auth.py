import pytest
from django.test import Client
from rest_framework.test import APIClient

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("production_password_hashers")
def test_it_gives_a_token_that_authenticates(buyer, hospital):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "buyer", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token " + response.data["token"])
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.data == {
        "username": "buyer",
        "organizations": [{"id": hospital.pk, "name": "CHU", "kind": "hospital", "role": "buyer"}],
    }


@pytest.mark.usefixtures("production_password_hashers")
def test_wrong_credentials_are_a_400(buyer):
    response = APIClient().post("/api/v1/auth/token/", {"username": "buyer", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "incorrect" in str(response.data)


@pytest.mark.usefixtures("production_password_hashers")
def test_it_locks_out_after_repeated_failures(buyer, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "buyer", "password": "nope"}, format="json")
    # Even the right password is refused now.
    response = client.post("/api/v1/auth/token/", {"username": "buyer", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "verrouillé" in response.json()["detail"]
    # And so is the sign-in page.
    page = Client().post("/login/", {"username": "buyer", "password": PASSWORD})
    assert page.status_code in (403, 429)
    assert "verrouillé" in page.content.decode()


@pytest.mark.usefixtures("production_password_hashers")
def test_the_sign_in_page_signs_in(buyer):
    assert buyer.password.startswith("pbkdf2_sha256$")  # the production hasher, not the tests' fast one
    client = Client()
    response = client.post("/login/", {"username": "buyer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/me/").status_code == 200


def test_anonymous_requests_are_refused():
    assert APIClient().get("/api/v1/me/").status_code in (401, 403)
    assert Client().get("/libraries/").status_code == 302


def test_session_writes_need_csrf(buyer, hospital):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    response = client.post(
        "/api/v1/libraries/", {"organization": hospital.pk, "name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    # The sign-in form too.
    assert (
        Client(enforce_csrf_checks=True).post("/login/", {"username": "buyer", "password": PASSWORD}).status_code == 403
    )


def test_pages_send_security_headers(buyer):
    client = Client()
    client.force_login(buyer)
    response = client.get("/libraries/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_are_french_by_default_and_english_on_request(buyer):
    client = Client()
    assert "Connexion" in client.get("/login/").content.decode()
    assert 'lang="fr"' in client.get("/login/").content.decode()
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english and "Sign in" in english


def test_the_openapi_schema_and_docs_are_served(buyer):
    client = Client()
    client.force_login(buyer)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/libraries/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
