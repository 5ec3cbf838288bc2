"""A buyer drafts a tender in headless Chromium: create, add three clauses, fill a parameter,
generate the PDF, watch the progress finish, download it.

With CELERY_BROKER_URL on Redis (CI) a real Celery worker runs beside the live server (in this
process, a thread). Elsewhere (the embedded filesystem broker is shared with developers' own
workers) tasks run eagerly, inside the request: the flow and the page are the same.
"""

import io
import os

import pytest
from django.conf import settings

from config.celery import app as celery_app
from documents.models import Document
from tenders.models import Tender

from ..factories import PASSWORD, LibraryFactory, OrganizationFactory, make_clause, member

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
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
def documents_worker():
    if settings.CELERY_BROKER_URL.startswith("redis"):
        from .conftest import in_process_worker

        with in_process_worker(celery_app):
            yield "worker"
    else:
        celery_app.conf.update(task_always_eager=True)
        try:
            yield "eager"
        finally:
            celery_app.conf.update(task_always_eager=False)


@pytest.fixture
def setup():
    group = OrganizationFactory(name="Groupement Achats", kind="purchasing_group")
    hospital = OrganizationFactory(name="CHU Démo")
    buyer = member(hospital, "buyer", username="acheteuse")
    library = LibraryFactory(organization=group, name="Clauses de référence", visibility="shared")
    library.shared_with.add(hospital)
    titles = ["API FHIR ouverte", "Export FHIR Bulk", "Journal des accès"]
    for index, title in enumerate(titles):
        make_clause(
            library, key=f"clause-{index}", title=title, category=["api_access", "bulk_export", "security"][index]
        )
    return buyer, hospital, titles


def test_it_drafts_a_tender_and_downloads_its_pdf(page, live_server, setup, documents_worker):
    buyer, hospital, titles = setup
    from playwright.sync_api import expect

    page.goto(live_server.url + "/login/")
    page.fill("#id_username", buyer.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.goto(live_server.url + "/tenders/new/")
    page.get_by_label("Référence").fill("AO-NAV-1")
    page.get_by_label("Objet").fill("Dossier patient informatisé")
    page.get_by_role("button", name="Créer l'appel d'offres").click()
    page.wait_for_url("**/tenders/*/")
    tender = Tender.objects.get(reference="AO-NAV-1")

    for title in titles:
        page.get_by_role("button", name=f"Ajouter « {title} »").click()
        page.locator(".tender-clauses").get_by_role("heading", name=title).wait_for()
    assert tender.clauses.count() == 3

    clause = tender.clauses.get(version__title=titles[1])
    field = page.locator(f"#tc{clause.pk}-delai_jours")
    field.fill("400")
    page.get_by_role("button", name="Enregistrer tout").first.click()
    # Refused as a whole; the error names the parameter's label, beside its field.
    error = page.locator(f"#tc{clause.pk}-delai_jours-error")
    assert "doit être au plus 365." in error.inner_text() and "delai_jours" not in error.inner_text()
    assert page.locator(f"#tc{clause.pk}-delai_jours").get_attribute("aria-invalid") == "true"
    page.problems.clear()  # the 400 of the refused form is expected
    page.locator(f"#tc{clause.pk}-delai_jours").fill("90")
    page.get_by_role("button", name="Enregistrer tout").first.click()
    page.wait_for_url("**/tenders/*/#clauses")
    expect(page.locator("main")).to_contain_text("Paramètres enregistrés")
    expect(page.locator("#tender-preview")).to_contain_text("90")
    assert page.locator(f"#tc{clause.pk}-delai_jours-error").count() == 0

    page.reload()  # the value is stored, not only shown
    assert page.locator(f"#tc{clause.pk}-delai_jours").input_value() == "90"
    page.get_by_role("button", name="Générer le PDF").click()
    row = page.locator("#document-list .document-row").first
    progress = row.locator("progress")
    assert progress.get_attribute("aria-valuemax") == "100"
    link = row.get_by_role("link", name="Télécharger")
    link.wait_for(state="visible", timeout=90_000)
    assert row.locator("[data-role=status]").inner_text() == "Terminé"
    assert progress.is_hidden()

    with page.expect_download() as info:
        link.click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())
    assert all(title in text for title in titles) and "90" in text
    document = Document.objects.get()
    assert document.status == "done" and document.size == len(data)
    assert page.problems == []


def test_it_reorders_clauses_with_the_keyboard_and_by_dragging(page, live_server, setup):
    from playwright.sync_api import expect

    from tests.tenders.conftest import add_clause, make_tender

    buyer, hospital, titles = setup
    tender = make_tender(hospital, buyer, reference="AO-ORDRE")
    for clause in hospital.shared_libraries.get().clauses.order_by("key"):
        add_clause(tender, clause)
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", buyer.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + f"/tenders/{tender.pk}/")

    # Keyboard: Tab to "Descendre « API FHIR ouverte »" and press Enter; focus comes back to the clause.
    page.get_by_role("button", name=f"Descendre « {titles[0]} »").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    headings = page.locator(".tender-clauses h3")
    expect(headings.nth(0)).to_contain_text(titles[1])
    expect(headings.nth(1)).to_contain_text(titles[0])
    moved = tender.clauses.get(version__title=titles[0])
    expect(page.locator(f"#tc-{moved.pk}-title")).to_be_focused()

    # Drag the last clause onto the first one.
    page.set_viewport_size({"width": 1280, "height": 2400})  # both cards on screen while dragging
    # From the top of the page: the editor's sticky action bar must not sit over the card dropped onto
    # (the keyboard move above scrolled the moved clause into view).
    page.evaluate("window.scrollTo(0, 0)")
    page.locator(".tender-clause").nth(2).drag_to(
        page.locator(".tender-clause").nth(0), source_position={"x": 30, "y": 12}, target_position={"x": 30, "y": 12}
    )
    expect(headings.nth(0)).to_contain_text(titles[2])
    page.wait_for_load_state("networkidle")
    order = list(tender.clauses.order_by("position").values_list("version__title", flat=True))
    assert order == [titles[2], titles[1], titles[0]]
    assert page.problems == []
