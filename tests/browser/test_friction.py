"""Issue 17's friction points as a person meets them in the browser: the lost parameter edit, the
unsaved-changes guard, the duplicate clause, the duplicate reference, the accent-insensitive search,
the evaluator's landing page and the few Tab presses to "Générer le PDF"."""

import pytest

from tenders.models import Tender

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def editor_of(demo_site):
    return demo_site.url + demo_site.pages["editor"][1]


def test_editing_two_clauses_then_saving_all_keeps_both(open_page, demo_site):
    page = open_page("buyer")
    page.goto(editor_of(demo_site))
    tender = Tender.objects.get(reference="AO-DEMO-BROUILLON")
    names = page.locator("[form=all-parameters][type=number]").evaluate_all("(f) => f.map(e => e.name)")
    by_clause = {}
    for field_name in names:  # tc<tender clause id>-<parameter>
        by_clause.setdefault(field_name.split("-", 1)[0], field_name)
    assert len(by_clause) >= 2, "the demo draft needs two clauses with a number parameter"
    first_name, last_name = list(by_clause.values())[0], list(by_clause.values())[-1]
    first, last = page.locator(f"[name='{first_name}']"), page.locator(f"[name='{last_name}']")
    first.fill("12")
    last.fill("34")
    page.get_by_role("button", name="Enregistrer tout").first.click()
    page.wait_for_url("**/tenders/*/#clauses")
    assert "Paramètres enregistrés" in page.locator("main").inner_text()
    # Keyboard focus comes back to the clause list, where the save started.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'clauses-title'")
    assert page.locator(f"[name='{first_name}']").input_value() == "12"
    assert page.locator(f"[name='{last_name}']").input_value() == "34"
    stored = {tc.pk: tc.parameters for tc in tender.clauses.all()}
    first_pk, first_param = first_name[2:].split("-", 1)
    last_pk, last_param = last_name[2:].split("-", 1)
    assert str(stored[int(first_pk)][first_param]) == "12" and str(stored[int(last_pk)][last_param]) == "34"


def test_leaving_with_unsaved_changes_asks_first(open_page, demo_site):
    page = open_page("buyer")
    page.goto(editor_of(demo_site))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("[form=all-parameters]:is(input, select)").first.fill("7")
    page.mouse.click(5, 5)  # a user gesture: browsers only ask after one
    page.evaluate("window.location.href = '/tenders/'")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert "AO-DEMO-BROUILLON" in page.url or "/tenders/" in page.url


def test_a_clause_already_added_cannot_be_added_again(open_page, demo_site):
    page = open_page("buyer")
    page.goto(editor_of(demo_site))
    tender = Tender.objects.get(reference="AO-DEMO-BROUILLON")
    count = tender.clauses.count()
    titles = set(tender.clauses.values_list("version__title", flat=True))
    rows = page.locator(".clause-results li")
    seen = 0
    for index in range(rows.count()):
        row = rows.nth(index)
        if row.locator(".fw-semibold").inner_text() in titles:
            seen += 1
            assert row.get_by_role("button", name="Déjà ajoutée").is_disabled()
            assert row.locator("form").count() == 0  # nothing to submit
    assert seen >= 1 and tender.clauses.count() == count


def test_the_add_list_pages_and_finds_without_accents(open_page, demo_site):
    page = open_page("buyer")
    page.goto(editor_of(demo_site))
    pager = page.get_by_role("navigation", name="Pages de résultats")
    pager.get_by_role("link", name="Suivantes").click()
    page.wait_for_url("**page=2#add")
    assert "Clauses 26 à" in page.locator("#add").inner_text()
    page.get_by_label("Rechercher").fill("reversibilite")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**q=reversibilite**")
    titles = page.locator(".clause-results .fw-semibold").all_inner_texts()
    assert titles and any("éversibilité" in title for title in titles)


def test_the_same_reference_twice_is_a_form_error(open_page, demo_site):
    page = open_page("buyer")
    page.goto(demo_site.url + "/tenders/new/")
    page.get_by_label("Référence").fill("AO-DEMO-BROUILLON")
    page.get_by_label("Objet").fill("Encore")
    page.get_by_role("button", name="Créer l'appel d'offres").click()
    error = page.locator("#id_reference-error")
    assert "porte déjà cette référence" in error.inner_text()
    assert page.get_by_label("Référence").get_attribute("aria-invalid") == "true"
    assert Tender.objects.filter(reference="AO-DEMO-BROUILLON").count() == 1


def test_an_evaluator_lands_on_the_evaluations_and_meets_no_refusal(open_page, demo_site):
    page = open_page("eval1")
    page.goto(demo_site.url + "/")
    assert page.url.endswith("/evaluation/")
    links = page.locator("header nav a").evaluate_all("(links) => links.map(a => a.href)")
    for href in links:
        response = page.request.get(href)
        assert response.status == 200, href


def test_generate_pdf_is_a_few_tab_presses_away_and_the_skip_link_works(open_page, demo_site):
    page = open_page("buyer")
    page.goto(editor_of(demo_site))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    presses = 1
    while page.evaluate("document.activeElement.textContent.trim()") != "Générer le PDF":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 16, "Générer le PDF is more than 16 Tab presses away"
    assert "Alt+Maj+P" in page.locator("#editor-shortcuts").inner_text()


def test_ctrl_s_saves_all_parameters(open_page, demo_site):
    page = open_page("buyer")
    page.goto(editor_of(demo_site))
    field = page.locator("[form=all-parameters][type=number]").first
    name = field.get_attribute("name")
    field.fill("21")
    field.press("Control+s")
    page.wait_for_url("**/tenders/*/#clauses")
    assert page.locator(f"[name='{name}']").input_value() == "21"
    tender_clause_pk, parameter = name[2:].split("-", 1)
    tender = Tender.objects.get(reference="AO-DEMO-BROUILLON")
    assert str(tender.clauses.get(pk=int(tender_clause_pk)).parameters[parameter]) == "21"


def test_the_editor_fits_a_phone(open_page, demo_site):
    page = open_page("buyer", viewport=PHONE)
    page.goto(editor_of(demo_site))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_evaluator_meets_no_refusal_in_the_evaluation_tabs(open_page, demo_site):
    page = open_page("eval1")
    page.goto(demo_site.url + demo_site.pages["grid"][1])
    links = page.locator("main nav a").evaluate_all("(links) => links.map(a => a.href)")
    assert links
    refused = [href for href in links if page.request.get(href).status != 200]
    assert refused == []
