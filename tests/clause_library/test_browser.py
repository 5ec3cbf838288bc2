"""A buyer browses a clause library shared with their hospital, in headless Chromium."""

import os

import pytest

from clause_library.models import Library

from ..factories import PASSWORD, LibraryFactory, OrganizationFactory, make_clause, member

# Playwright's sync API runs an event loop in this thread; the ORM calls here are plain and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/clausier-library-clause.png"


@pytest.fixture
def page():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.skip(f"Chromium not found at {executable}")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        # CSP violations and script errors show as console errors; missing files as failed responses.
        errors = []
        page.on(
            "console",
            lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
        )
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
        )
        page.problems = errors
        yield page
        context.close()
        browser.close()


@pytest.fixture
def shared_library():
    group = OrganizationFactory(name="Groupement Achats", kind="purchasing_group")
    hospital = OrganizationFactory(name="CHU Démo")
    member(hospital, "buyer", username="buyer")
    library = LibraryFactory(
        organization=group, name="Clauses d'interopérabilité", visibility=Library.Visibility.SHARED
    )
    library.shared_with.add(hospital)
    make_clause(library, key="api-fhir")
    make_clause(
        library,
        key="journal-acces",
        category="security",
        requirement="mandatory",
        parameters=[],
        title="Journal des accès",
        body="Le titulaire **journalise** chaque accès aux données de santé.",
    )
    make_clause(
        library,
        key="export-masse",
        category="bulk_export",
        parameters=[],
        title="Export de masse",
        body="Export FHIR Bulk Data de l'entrepôt.",
    )
    make_clause(
        library,
        key="documentation-api",
        category="documentation",
        parameters=[],
        title="Documentation publique",
        body="La documentation de l'API est publique.",
    )
    return library


def test_a_buyer_finds_and_reads_a_shared_clause(live_server, page, shared_library):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Identifiant").fill("buyer")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # Buyers start from their tenders (issue 17's per-role landing); the libraries are one click away.
    page.wait_for_url(f"{live_server.url}/tenders/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Bibliothèques").click()
    page.wait_for_url(f"{live_server.url}/libraries/")

    assert page.get_by_role("heading", name="Bibliothèques de clauses").is_visible()
    page.get_by_role("link", name="Clauses d'interopérabilité").click()
    page.wait_for_url(f"{live_server.url}/libraries/{shared_library.pk}/")
    assert page.locator("#clause-count").inner_text() == "4 clauses"
    # A buyer of the hospital reads the library but may not add to it.
    assert page.get_by_role("link", name="Nouvelle clause").count() == 0

    page.get_by_label("Catégorie").select_option("security")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**category=security**")
    assert page.locator("#clause-count").inner_text() == "1 clause correspond aux filtres"
    rows = page.locator("table.clause-table tbody tr")
    assert rows.count() == 1 and "Journal des accès" in rows.first.inner_text()

    page.screenshot(path="/tmp/clausier-library-detail.png", full_page=True)
    page.get_by_role("link", name="Journal des accès").click()
    page.wait_for_selector("h1")
    assert page.get_by_role("heading", level=1).inner_text() == "Journal des accès"
    preview = page.locator(".clause-preview")
    assert preview.inner_text().strip() == "Le titulaire journalise chaque accès aux données de santé."
    assert preview.locator("strong").inner_text() == "journalise"
    assert "Exigence éliminatoire" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Modifier").count() == 0
    # Bootstrap and our stylesheets loaded under the CSP: the navigation bar has its colour.
    assert page.locator("nav.navbar").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 53, 87)"
    assert page.problems == []
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_a_curator_fixes_a_form_error_and_saves_a_new_version(live_server, page, shared_library):
    member(shared_library.organization, "curator", username="curator")
    clause = shared_library.clauses.get(key="api-fhir")
    page.goto(f"{live_server.url}/login/?next=/libraries/{shared_library.pk}/clauses/{clause.pk}/edit/")
    page.get_by_label("Identifiant").fill("curator")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/edit/")

    body = page.get_by_label("Texte de la clause")
    body.fill(body.input_value() + " Sous {{ penalite }} euros.")
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    page.wait_for_selector("#id_body_error")
    error = page.locator("#id_body_error").inner_text()
    assert "penalite" in error
    # The error is announced with the field, and what was typed is kept.
    assert "id_body_error" in body.get_attribute("aria-describedby")
    assert body.input_value().endswith("Sous {{ penalite }} euros.")
    page.screenshot(path="/tmp/clausier-clause-form-error.png", full_page=True)

    body.fill(body.input_value().replace(" Sous {{ penalite }} euros.", " Sans frais."))
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    page.wait_for_url(f"**/clauses/{clause.pk}/")
    assert "Version 2 enregistrée." in page.locator("main").inner_text()
    assert page.locator(".clause-preview").inner_text().strip().endswith("Sans frais.")
    page.get_by_role("link", name="comparer avec la version 1").click()
    page.wait_for_selector("#diff-title")
    assert "Sans frais." in page.locator(".diff-add").first.inner_text()
    assert page.problems == []
    page.screenshot(path="/tmp/clausier-clause-diff.png", full_page=True)


def test_a_hospital_admin_pulls_every_upstream_update(live_server, page, shared_library):
    from clause_library.services import clause_update, library_fork

    hospital = shared_library.shared_with.get()
    admin = member(hospital, "admin", username="chu-admin")
    curator = member(shared_library.organization, "curator", username="curator")
    fork = library_fork(user=admin, library=shared_library, organization=hospital, name="Copie CHU")
    for key in ("journal-acces", "export-masse"):
        clause_update(
            user=curator, clause=shared_library.clauses.get(key=key), changes={"question": "Nouvelle question"}
        )

    page.goto(f"{live_server.url}/login/?next=/libraries/{fork.pk}/")
    page.get_by_label("Identifiant").fill("chu-admin")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**/libraries/{fork.pk}/")
    page.get_by_role("link", name="2 mises à jour amont").click()
    page.wait_for_url("**/updates/")
    assert page.locator(".diff-add").count() == 2
    page.get_by_role("button", name="Tout cocher ou décocher").click()
    assert page.locator('input[name="clauses"]:checked').count() == 2
    page.get_by_role("button", name="Reprendre les clauses cochées").click()
    page.wait_for_url(f"**/libraries/{fork.pk}/")
    assert "2 clause(s) mise(s) à jour." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="À jour de l'original").is_visible()
    assert page.problems == []
    assert {c.current.question for c in fork.clauses.filter(key__in=["journal-acces", "export-masse"])} == {
        "Nouvelle question"
    }
