"""In headless Chromium: an admin invites a buyer, the buyer opens the link from the e-mail (a real SMTP
server), sets a password and lands in the organisation; the admin removes them; their token answers 401."""

import os
import re

import pytest
import requests

from organizations.models import Membership, Organization

from ..clause_library.test_browser import page  # noqa: F401 (the shared Chromium fixture)
from ..factories import PASSWORD, OrganizationFactory, member

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Phrase-de-passe-du-navigateur-2026"


def test_invite_join_remove_and_the_token_dies(live_server, page, smtp, settings):  # noqa: F811
    settings.SITE_URL = live_server.url
    hospital = OrganizationFactory(name="CHU Démo", kind=Organization.Kind.HOSPITAL)
    member(hospital, "admin", username="chu-admin")

    # The admin invites a buyer from the organisation's page.
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "chu-admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Se connecter')")
    page.click("a:has-text('Organisations')")
    page.click("a:has-text('CHU Démo')")
    page.fill("#id_email", "acheteuse@chu-demo.fr")
    page.select_option("#id_role", "buyer")
    page.click('button:has-text("Envoyer l\'invitation")')
    assert "Invitation envoyée à acheteuse@chu-demo.fr" in page.inner_text("main")
    assert "acheteuse@chu-demo.fr" in page.inner_text("#invitations")

    # The buyer opens the link from the captured e-mail, in a browser of their own.
    [body] = smtp.bodies_to("acheteuse@chu-demo.fr")
    link = re.search(r"http://\S+/invitations/[\w-]+/", body).group(0)
    assert link.startswith(live_server.url)
    buyer_page = page.context.browser.new_context(locale="fr-FR").new_page()
    buyer_page.goto(link)
    assert "Rejoindre « CHU Démo »" in buyer_page.inner_text("h1")
    buyer_page.fill("#id_first_name", "Amélie")
    buyer_page.fill("#id_last_name", "Acheteuse")
    buyer_page.fill("#id_password1", NEW_PASSWORD)
    buyer_page.fill("#id_password2", NEW_PASSWORD)
    buyer_page.click('button:has-text("Rejoindre l\'organisation")')
    buyer_page.wait_for_url(f"{live_server.url}/tenders/")  # a buyer lands on the tenders (per-role landing)
    assert "Bienvenue dans CHU Démo" in buyer_page.inner_text("main")
    assert "acheteuse@chu-demo.fr" in buyer_page.inner_text("nav")
    assert Membership.objects.get(user__email="acheteuse@chu-demo.fr").role == "buyer"

    # With their new password they get an API token that works.
    api = requests.post(
        f"{live_server.url}/api/v1/auth/token/",
        json={"username": "acheteuse@chu-demo.fr", "password": NEW_PASSWORD},
        timeout=10,
    )
    assert api.status_code == 200
    headers = {"Authorization": "Token " + api.json()["token"]}
    me = requests.get(f"{live_server.url}/api/v1/me/", headers=headers, timeout=10)
    assert me.status_code == 200 and me.json()["organizations"][0]["name"] == "CHU Démo"

    # The admin removes them; the token answers 401 and their browser session is over.
    page.reload()
    page.click("tr[data-username='acheteuse@chu-demo.fr'] button:has-text('Retirer')")
    assert "ne fait plus partie de l'organisation" in page.inner_text("main")
    assert requests.get(f"{live_server.url}/api/v1/me/", headers=headers, timeout=10).status_code == 401
    buyer_page.goto(f"{live_server.url}/libraries/")
    assert "/login/" in buyer_page.url
    assert not page.problems, page.problems
