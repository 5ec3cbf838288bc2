"""End to end against a real OpenID provider (npm `oidc-provider`, run by Node on 127.0.0.1):
sign-in by e-mail match through an authoritative provider, then by the bound (issuer, subject);
refusal of an unknown e-mail, of an unverified e-mail in every form, of a provider that is not
authoritative for the domain or does not serve the organisation; a tampered `state`; PKCE on."""

import os
import re
import shutil
import socket
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from django.test import Client

from organizations import oidc
from organizations.models import Membership, SsoIdentity

from ..factories import OrganizationFactory, member

HERE = Path(__file__).resolve().parent
CLIENT_ID, CLIENT_SECRET = "clausier-test", "a-test-only-client-secret"
REDIRECT_URI = "http://testserver/oidc/callback/"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("node") is None, reason="node is not installed: the test OpenID provider runs on Node"
    ),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider():
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True, timeout=300)
    port = _free_port()
    env = {
        **os.environ,
        "OP_PORT": str(port),
        "OP_CLIENT_ID": CLIENT_ID,
        "OP_CLIENT_SECRET": CLIENT_SECRET,
        "OP_REDIRECT_URI": REDIRECT_URI,
    }
    process = subprocess.Popen(
        ["node", "server.mjs"], cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        line = ""
        while "ready" not in line:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail("the OpenID provider did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso(provider, settings):
    settings.OIDC_PROVIDERS = {
        "annuaire": {
            "name": "Annuaire du CHU",
            "issuer": provider,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": "openid email profile",
            "sign_algo": "RS256",
            "domains": ["chu-test.fr", "ch-domaine.fr", "evil-ch-domaine.fr", "ailleurs.test"],
            "organizations": [],
        }
    }
    oidc._discovery.clear()
    return provider


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def sign_in_at_provider(authorize_url, login):
    """Drive the provider's own pages (login, then consent) like a browser; return the callback URL."""
    browser = requests.Session()
    url, method, data = authorize_url, "get", None
    for _ in range(10):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "get", None
            if url.startswith(REDIRECT_URI):
                return url
            continue
        parser = Forms()
        parser.feed(response.text)
        assert parser.forms, response.text[:500]
        form = parser.forms[0]
        data = {**form["fields"], "login": login, "password": "anything"}
        url, method = urljoin(url, form["action"]), "post"
    raise AssertionError("never came back to the callback")


def start(client, next_url=""):
    response = client.get("/oidc/annuaire/login/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    return response["Location"]


def callback(client, url):
    return client.get(url.replace("http://testserver", ""))


def test_sign_in_matches_an_existing_member_by_email_with_pkce_state_and_nonce(sso, hospital):
    person = member(hospital, "buyer", username="ines", email="ines@chu-test.fr")
    client = Client()
    authorize = start(client)
    query = parse_qs(urlparse(authorize).query)
    assert authorize.startswith(sso + "/")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0] and query["response_type"] == ["code"]
    # PKCE is on at the provider too: an authorisation request without a challenge is refused.
    bare = re.sub(r"&code_challenge(_method)?=[^&]+", "", authorize)
    refused = requests.get(bare, allow_redirects=False, timeout=10)
    description = parse_qs(urlparse(refused.headers.get("Location", "")).query).get("error_description", [""])[0]
    assert "requires PKCE" in description

    response = callback(client, sign_in_at_provider(authorize, "ines@chu-test.fr"))
    assert response.status_code == 302
    me = client.get("/api/v1/me/").json()
    assert me["username"] == person.username
    assert me["organizations"] == [{"id": hospital.pk, "name": "CHU", "kind": "hospital", "role": "buyer"}]


def test_an_unknown_email_is_refused_with_a_clear_page(sso, hospital):
    client = Client()
    response = callback(client, sign_in_at_provider(start(client), "inconnu@ailleurs.test"))
    assert response.status_code == 403
    assert "Aucune organisation n&#x27;attend inconnu@ailleurs.test" in response.content.decode()
    assert client.get("/api/v1/me/").status_code in (401, 403)
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="inconnu@ailleurs.test").exists()


def test_a_tampered_state_is_refused(sso, hospital):
    member(hospital, "buyer", username="ines", email="ines@chu-test.fr")
    client = Client()
    back = sign_in_at_provider(start(client), "ines@chu-test.fr")
    tampered = re.sub(r"state=[^&]+", "state=forged-by-an-attacker", back)
    response = callback(client, tampered)
    assert response.status_code == 400
    assert "aucune connexion en cours" in response.content.decode()
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_a_pending_invitation_or_an_accepted_domain_lets_a_new_person_in(sso, hospital, hospital_admin):
    from organizations import services

    services.invitation_create(user=hospital_admin, organization=hospital, email="new@chu-test.fr", role="evaluator")
    from django.core import mail

    link = re.search(r"/invitations/[\w-]+/", mail.outbox[-1].body).group(0)
    invitation_page = Client().get(link).content.decode()
    assert f'href="/oidc/annuaire/login/?next={link}"' in invitation_page and "Annuaire du CHU" in invitation_page
    client = Client()
    back = callback(client, sign_in_at_provider(start(client, next_url=link), "new@chu-test.fr"))
    assert back.status_code == 302 and back["Location"] == link
    # Signed in, but the invitation waits for the person: nobody accepts it on their behalf.
    assert client.get("/api/v1/me/").json()["organizations"] == []
    assert "Rejoindre" in client.get(link).content.decode()
    assert client.post(link).status_code == 302
    assert client.get("/api/v1/me/").json()["organizations"][0]["role"] == "evaluator"

    domain_org = OrganizationFactory(name="CH Domaine", accepted_email_domains="ch-domaine.fr", sso_role="buyer")
    other = Client()
    assert callback(other, sign_in_at_provider(start(other), "agent@ch-domaine.fr")).status_code == 302
    assert Membership.objects.get(user__email="agent@ch-domaine.fr").organization == domain_org
    # A look-alike domain is not the accepted one.
    third = Client()
    assert callback(third, sign_in_at_provider(start(third), "agent@evil-ch-domaine.fr")).status_code == 403


def test_a_code_is_used_once(sso, hospital):
    member(hospital, "buyer", username="ines", email="ines@chu-test.fr")
    client = Client()
    back = sign_in_at_provider(start(client), "ines@chu-test.fr")
    assert callback(client, back).status_code == 302
    replay = Client()
    assert callback(replay, back).status_code == 400  # no such state in that session
    assert replay.get("/api/v1/me/").status_code in (401, 403)


# Identities, not e-mails ---------------------------------------------------------------------------------


def test_the_first_sign_in_binds_the_subject_and_a_second_subject_with_the_same_email_is_refused(sso, hospital):
    person = member(hospital, "admin", username="ines", email="ines@chu-test.fr")
    client = Client()
    assert callback(client, sign_in_at_provider(start(client), "ines@chu-test.fr")).status_code == 302
    identity = SsoIdentity.objects.get(user=person)
    assert (identity.issuer, identity.subject, identity.provider) == (sso, "ines@chu-test.fr", "annuaire")

    other = Client()
    response = callback(other, sign_in_at_provider(start(other), "ines@chu-test.fr#2"))
    assert response.status_code == 403 and "déjà lié" in response.content.decode()
    assert other.get("/api/v1/me/").status_code in (401, 403)


@pytest.mark.parametrize("mode", ["absent", "string", "unverified"])
def test_an_email_not_asserted_verified_as_the_boolean_true_signs_nobody_in(sso, hospital, mode):
    member(hospital, "admin", username="chu-admin", email="admin@chu-test.fr")
    client = Client()
    response = callback(client, sign_in_at_provider(start(client), f"admin@chu-test.fr#{mode}"))
    assert response.status_code == 403
    assert "pas vérifié" in response.content.decode()
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert not SsoIdentity.objects.exists()


def test_a_provider_not_authoritative_for_the_domain_cannot_sign_in_its_accounts(sso, hospital, settings):
    settings.OIDC_PROVIDERS["annuaire"]["domains"] = ["ailleurs.test"]
    member(hospital, "admin", username="chu-admin", email="admin@chu-test.fr")
    client = Client()
    response = callback(client, sign_in_at_provider(start(client), "admin@chu-test.fr"))
    assert response.status_code == 403
    assert "ne fait pas autorité pour les adresses @chu-test.fr" in response.content.decode()
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert not SsoIdentity.objects.exists()


def test_a_provider_serves_only_its_organisations(sso, hospital, settings):
    elsewhere = OrganizationFactory(name="CH Ailleurs")
    settings.OIDC_PROVIDERS["annuaire"]["organizations"] = [elsewhere.pk]
    member(hospital, "admin", username="chu-admin", email="admin@chu-test.fr")
    client = Client()
    response = callback(client, sign_in_at_provider(start(client), "admin@chu-test.fr"))
    assert response.status_code == 403
    assert client.get("/api/v1/me/").status_code in (401, 403)
