"""In headless Chromium: an evaluator scores bids with the keyboard only (autosaved); the lead sees the
results table and chart."""

import os

import pytest
from django.test import Client

from scoring.models import Score

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium():
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
        yield browser
        browser.close()


def open_as(browser, live_server, user):
    """A page whose browser carries `user`'s session (the login page is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda m: (
            page.problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    page.on(
        "response",
        lambda r: page.problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    return page


def test_it_lets_an_evaluator_score_with_the_keyboard_and_the_lead_see_results(chromium, live_server, evaluation):
    page = open_as(chromium, live_server, evaluation.eval1)
    page.goto(f"{live_server.url}/evaluation/tenders/{evaluation.tender.pk}/grid/")
    first = page.get_by_label("Note de Alpha pour API FHIR", exact=True)
    first.focus()
    assert "API FHIR" in page.locator("#rubric-criterion").inner_text()
    page.keyboard.type("4")
    page.keyboard.press("Enter")  # saves, goes down to Export
    page.keyboard.type("3,5")
    page.keyboard.press("ArrowRight")  # caret at the end: next bid, same criterion
    page.keyboard.type("5")
    page.keyboard.press("ArrowUp")  # Bravo × API FHIR
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    for label in (
        "Note de Alpha pour API FHIR",
        "Note de Alpha pour Export",
        "Note de Bravo pour Export",
        "Note de Bravo pour API FHIR",
    ):
        status = page.get_by_label(label, exact=True).locator("xpath=following-sibling::span[@data-role='status']")
        status.get_by_text("Enregistré").wait_for(timeout=5000)
    stored = {(s.bid.vendor, s.criterion.name): str(s.value) for s in Score.objects.select_related("bid", "criterion")}
    assert stored == {
        ("Alpha", "API FHIR"): "4.00",
        ("Alpha", "Export"): "3.50",
        ("Bravo", "Export"): "5.00",
        ("Bravo", "API FHIR"): "2.00",
    }
    # A value out of the scale is refused in place, nothing is sent.
    page.get_by_label("Note de Charlie pour API FHIR", exact=True).fill("9")
    page.keyboard.press("Enter")
    page.get_by_text("Note invalide : entre 0 et 5.", exact=True).wait_for(timeout=5000)
    assert Score.objects.count() == 4
    assert not page.problems

    lead = open_as(chromium, live_server, evaluation.lead)
    lead.goto(f"{live_server.url}/evaluation/tenders/{evaluation.tender.pk}/results/")
    table = lead.locator("#results-table")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 3
    assert lead.locator("#results-chart svg").is_visible()
    assert lead.locator("#results-chart svg rect").count() >= 3
    assert not lead.problems


def test_an_evaluator_reads_the_answer_and_scores_with_a_justification(chromium, live_server, evaluation):
    """Issue 14: the vendor's answer and committed values beside the score; the score waits for its justification."""
    from scoring.models import Answer
    from tenders.models import Tender

    Tender.objects.filter(pk=evaluation.tender.pk).update(require_justification=True)
    Answer.objects.create(
        bid=evaluation.alpha,
        criterion=evaluation.criteria.api,
        text="API FHIR R4 ouverte, sans frais par connecteur.",
        committed_values={"delai_jours": 30},
    )
    page = open_as(chromium, live_server, evaluation.eval1)
    page.goto(f"{live_server.url}/evaluation/tenders/{evaluation.tender.pk}/grid/")
    cell = page.get_by_label("Note de Alpha pour API FHIR", exact=True).locator("xpath=ancestor::td")
    cell.get_by_text("Réponse du candidat").click()
    assert "sans frais par connecteur" in cell.inner_text() and "delai_jours" in cell.inner_text()
    score = page.get_by_label("Note de Alpha pour API FHIR", exact=True)
    score.focus()
    page.keyboard.type("4")
    page.locator("#score-comment").click()  # leaving the cell: the score waits for its justification
    status = score.locator("xpath=following-sibling::span[@data-role='status']")
    status.get_by_text("Écrivez la justification").wait_for(timeout=5000)
    assert not Score.objects.exists()
    page.locator("#score-comment").fill("Démonstration complète de l'API, conforme au niveau 4 du barème.")
    page.locator("#score-comment").blur()
    status.get_by_text("Enregistré").wait_for(timeout=5000)
    stored = Score.objects.get()
    assert (stored.value, stored.comment) == (4, "Démonstration complète de l'API, conforme au niveau 4 du barème.")
    assert page.problems == []

    # The justification reaches the evaluation report: the lead's report, rendered by the document job and
    # read back.
    import io

    import docx

    from documents import services as jobs
    from documents.models import Document

    report = Document.objects.create(
        tender=evaluation.tender, kind="evaluation_report", format="docx", created_by=evaluation.lead
    )
    assert jobs.document_render(document_id=report.pk) == "done"
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        document = docx.Document(io.BytesIO(handle.read()))
    texts = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    ]
    assert any("Démonstration complète de l'API, conforme au niveau 4 du barème." in text for text in texts)
