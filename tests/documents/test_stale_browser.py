"""In headless Chromium: generate the PDF, change a parameter, see "périmé — régénérer" on the
document, regenerate it, see the new one current (issue 12, "Must show")."""

import os

import pytest

from documents.models import Document
from tenders.models import Tender

from ..factories import PASSWORD, LibraryFactory, OrganizationFactory, make_clause, member
from ..tenders.conftest import add_clause, make_tender
from ..tenders.test_browser import documents_worker, page  # noqa: F401 (fixtures)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _the_document(tender, timeout=15):
    """The tender's one document, as this test's own database connection sees it (the page saw it done
    through the live server's connection; give this one a moment)."""
    import time

    from django.db import connection

    deadline = time.monotonic() + timeout
    while True:
        connection.close()  # a fresh connection: no snapshot held from an earlier read
        documents = list(Document.objects.filter(tender=tender))
        if documents or time.monotonic() > deadline:
            assert len(documents) == 1, documents
            return documents[0]
        time.sleep(0.2)


def test_a_changed_parameter_makes_the_pdf_stale_and_regenerating_makes_it_current(
    page,  # noqa: F811
    live_server,
    documents_worker,  # noqa: F811
):
    from playwright.sync_api import expect

    hospital = OrganizationFactory(name="CHU Démo")
    buyer = member(hospital, "buyer", username="acheteuse")
    library = LibraryFactory(organization=hospital, name="Clauses", visibility="private")
    tender = make_tender(hospital, buyer, reference="AO-PERIME")
    tender_clause = add_clause(tender, make_clause(library, key="api-fhir", title="API FHIR ouverte"))

    page.goto(live_server.url + "/login/")
    page.fill("#id_username", buyer.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + f"/tenders/{tender.pk}/")

    page.get_by_role("button", name="Générer le PDF").click()
    first_row = page.locator("#document-list .document-row").first
    first_row.get_by_role("link", name="Télécharger").wait_for(state="visible", timeout=90_000)
    first = _the_document(tender)
    expect(first_row.locator("[data-role=stale]")).to_have_count(0)

    page.locator(f"#tc{tender_clause.pk}-delai_jours").fill("90")
    page.get_by_role("button", name="Enregistrer tout").first.click()
    page.wait_for_url("**/tenders/*/#clauses")
    expect(page.locator("main")).to_contain_text("Paramètres enregistrés")
    # Back on the editor: the finished document now says it is outdated.
    expect(page.locator(f"#document-{first.pk} [data-role=stale]")).to_contain_text("périmé — régénérer")
    assert Tender.objects.get(pk=tender.pk).content_version > first.tender_version

    page.reload()
    row = page.locator(f"#document-{first.pk}")
    expect(row.locator("[data-role=stale]")).to_contain_text("périmé — régénérer")
    row.get_by_role("button", name="Régénérer").click()
    # Wait for the new row (the old one, done, also shows a download link), then for it to finish.
    rows = page.locator("#document-list .document-row")
    expect(rows).to_have_count(2, timeout=30_000)
    newest = page.locator(f"#document-list .document-row:not(#document-{first.pk})")
    newest.get_by_role("link", name="Télécharger").wait_for(state="visible", timeout=90_000)
    second = Document.objects.exclude(pk=first.pk).get()
    assert (second.kind, second.format, second.stale) == (first.kind, first.format, False)

    page.reload()
    expect(page.locator(f"#document-{second.pk} [data-role=stale]")).to_have_count(0)
    expect(page.locator(f"#document-{first.pk} [data-role=stale]")).to_contain_text("périmé")
    # The stale one still downloads.
    with page.expect_download() as info:
        page.locator(f"#document-{first.pk}").get_by_role("link", name="Télécharger").click()
    assert open(info.value.path(), "rb").read().startswith(b"%PDF")
    assert page.problems == []
