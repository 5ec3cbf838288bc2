import pytest
from django.urls import reverse

from tenders.models import Tender, TenderClause

from ..factories import make_clause
from .conftest import add_clause, make_clauses

pytestmark = pytest.mark.django_db


def editor(tender):
    return reverse("tenders:tender_editor", args=[tender.pk])


def test_it_lists_my_organisations_tenders(client, buyer, tender, other_tender):
    client.force_login(buyer)
    response = client.get(reverse("tenders:tender_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert tender.reference in content and other_tender.reference not in content
    assert reverse("tenders:tender_create") in content


def test_it_creates_a_tender_from_the_form(client, buyer, hospital):
    client.force_login(buyer)
    assert client.get(reverse("tenders:tender_create")).status_code == 200
    response = client.post(
        reverse("tenders:tender_create"),
        {
            "organization": hospital.pk,
            "reference": "AO-1",
            "title": "DPI",
            "procedure": "adapted",
            "price_formula": "range",
            "language": "fr",
        },
    )
    tender = Tender.objects.get()
    assert response.status_code == 302 and response["Location"] == editor(tender)
    assert (tender.procedure, tender.price_formula, tender.created_by) == ("adapted", "range", buyer)


def test_it_shows_form_errors_on_create(client, buyer, hospital):
    client.force_login(buyer)
    response = client.post(reverse("tenders:tender_create"), {"organization": hospital.pk, "procedure": "open"})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()


def test_it_refuses_the_create_page_to_an_evaluator(client, evaluator):
    client.force_login(evaluator)
    assert client.get(reverse("tenders:tender_create")).status_code == 403


def test_it_shows_the_editor_with_form_preview_and_search(client, buyer, tender, clause):
    add_clause(tender, clause, delai_jours=45)
    client.force_login(buyer)
    response = client.get(editor(tender) + "?q=FHIR&category=api_access")
    assert response.status_code == 200
    content = response.content.decode()
    tender_clause = tender.clauses.get()
    assert f'name="tc{tender_clause.pk}-delai_jours" form="all-parameters"' in content
    assert 'type="number"' in content and 'max="365"' in content
    assert 'value="45"' in content
    assert '<span class="param">45</span>' in content  # the preview
    assert "Générer le PDF" in content and "formulaire de réponse (XLSX)" in content
    # The clause is already in the tender: listed, but its add button is disabled.
    assert "Déjà ajoutée" in content and f'name="clause" value="{clause.pk}"' not in content
    assert "<script>" not in content and "style=" not in content


def test_it_hides_another_organisations_tender(client, buyer, other_tender):
    client.force_login(buyer)
    for name in ("tender_editor", "tender_preview", "tender_publish"):
        assert client.get(reverse(f"tenders:{name}", args=[other_tender.pk])).status_code == 404
    assert client.post(reverse("tenders:tender_clause_add", args=[other_tender.pk]), {"clause": 1}).status_code == 404


def test_it_shows_the_editor_read_only_to_an_evaluator(client, evaluator, tender, clause):
    tender_clause = add_clause(tender, clause)
    client.force_login(evaluator)
    content = client.get(editor(tender)).content.decode()
    assert "Enregistrer les paramètres" not in content and "Générer le PDF" not in content
    url = reverse("tenders:tender_clause_remove", args=[tender.pk, tender_clause.pk])
    assert client.post(url).status_code == 403
    assert TenderClause.objects.filter(pk=tender_clause.pk).exists()


def test_it_adds_moves_and_removes_clauses(client, buyer, tender, visible_library):
    first, second = make_clauses(visible_library, 2)
    client.force_login(buyer)
    add = reverse("tenders:tender_clause_add", args=[tender.pk])
    client.post(add, {"clause": first.pk})
    response = client.post(add, {"clause": second.pk})
    added = TenderClause.objects.get(clause=second)
    assert response["Location"].endswith(f"#tc-{added.pk}")
    client.post(reverse("tenders:tender_clause_move", args=[tender.pk, added.pk]), {"direction": "up"})
    assert list(tender.clauses.order_by("position").values_list("clause", flat=True)) == [second.pk, first.pk]
    client.post(reverse("tenders:tender_clause_remove", args=[tender.pk, added.pk]))
    assert list(tender.clauses.values_list("clause", flat=True)) == [first.pk]


def test_it_saves_parameters_from_the_form(client, buyer, tender, clause):
    tender_clause = add_clause(tender, clause)
    client.force_login(buyer)
    url = reverse("tenders:tender_clause_parameters", args=[tender.pk, tender_clause.pk])
    response = client.post(url, {"p-delai_jours": "60", "p-fhir_version": "5.0.0"})
    assert response.status_code == 302
    tender_clause.refresh_from_db()
    assert tender_clause.parameters == {"delai_jours": 60, "fhir_version": "5.0.0"}


@pytest.mark.parametrize(("value", "message"), [("400", "doit être au plus 365."), ("abc", "nombre entier attendu.")])
def test_it_shows_an_inline_error_naming_the_parameter(client, buyer, tender, clause, value, message):
    tender_clause = add_clause(tender, clause)
    client.force_login(buyer)
    url = reverse("tenders:tender_clause_parameters", args=[tender.pk, tender_clause.pk])
    response = client.post(url, {"p-delai_jours": value})
    assert response.status_code == 400
    content = response.content.decode()
    field_id = f"tc{tender_clause.pk}-delai_jours"
    assert f'id="{field_id}-error"' in content
    assert f"Délai (jours) : {message}" in content and "delai_jours) :" not in content
    assert 'aria-invalid="true"' in content and f'value="{value}"' in content
    tender_clause.refresh_from_db()
    assert tender_clause.parameters == {}


def test_it_asks_inline_for_a_required_value_without_default(client, buyer, tender, visible_library):
    clause = make_clause(
        visible_library,
        key="sans-defaut",
        body="Pour {{ etablissement }}.",
        parameters=[{"name": "etablissement", "label": "Établissement", "type": "text", "required": True}],
    )
    client.force_login(buyer)
    client.post(reverse("tenders:tender_clause_add", args=[tender.pk]), {"clause": clause.pk})
    tender_clause = TenderClause.objects.get()
    content = client.get(editor(tender)).content.decode()
    assert f'id="tc{tender_clause.pk}-etablissement-error"' in content
    assert "valeur obligatoire manquante." in content


def test_it_publishes_after_confirmation(client, buyer, tender, clause):
    add_clause(tender, clause)
    client.force_login(buyer)
    url = reverse("tenders:tender_publish", args=[tender.pk])
    confirm = client.get(url)
    assert "Oui, publier" in confirm.content.decode()
    tender.refresh_from_db()
    assert tender.status == "draft"
    assert client.post(url).status_code == 302
    tender.refresh_from_db()
    assert tender.status == "published"
    content = client.get(editor(tender)).content.decode()
    assert "Enregistrer les paramètres" not in content and "est publié" in content


@pytest.mark.parametrize("count", [5, 100])
def test_it_pins_the_editor_query_count(client, buyer, tender, visible_library, count, django_assert_num_queries):
    for clause in make_clauses(visible_library, count):
        add_clause(tender, clause)
    client.force_login(buyer)
    client.get(editor(tender))
    # session, user, roles, tender, clauses (list), clauses (document), criteria (scoring),
    # documents, search results, recommended sets, completeness (libraries of the clauses, libraries with
    # topics; no library with topics here, else two more): the same number at 5 and 100 clauses.
    with django_assert_num_queries(EDITOR_QUERIES):
        response = client.get(editor(tender) + "?q=Clause")
    assert response.status_code == 200


# +1 since the reader rules of the evaluation documents: is the lead also an evaluator? +1 the library keys
# the preview's document holds for the guard and the lists of clauses (tenders/composition.py); +1 the tender's
# lots (the RC's allotment article and the annex's lot labels, docs/LOTS.md).
EDITOR_QUERIES = 16


@pytest.mark.parametrize("count", [2, 40])
def test_it_pins_the_list_query_count(client, buyer, hospital, count, django_assert_num_queries):
    from .conftest import make_tender

    for index in range(count):
        make_tender(hospital, buyer, reference=f"AO-{index}")
    client.force_login(buyer)
    client.get(reverse("tenders:tender_list"))
    with django_assert_num_queries(4):  # session, user, roles, tenders with their organisation
        response = client.get(reverse("tenders:tender_list"))
    assert response.content.decode().count("AO-") >= count


def test_it_saves_tender_wide_values_that_fill_the_clauses(client, buyer, tender, visible_library):
    clause = make_clause(
        visible_library,
        key="sans-defaut",
        body="Pour {{ etablissement }}.",
        parameters=[{"name": "etablissement", "label": "Établissement", "type": "text", "required": True}],
    )
    add_clause(tender, clause)
    tender.parameters = {"autre": "gardé"}
    tender.save()
    client.force_login(buyer)
    assert 'id="tender-etablissement"' in client.get(editor(tender)).content.decode()
    response = client.post(reverse("tenders:tender_parameters", args=[tender.pk]), {"p-etablissement": "CHU Démo"})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.parameters == {"autre": "gardé", "etablissement": "CHU Démo"}
    content = client.get(editor(tender)).content.decode()
    assert '<span class="param">CHU Démo</span>' in content
    assert "valeur obligatoire manquante." not in content


def test_it_shows_an_inline_error_on_a_wrong_tender_wide_value(client, buyer, tender, clause):
    add_clause(tender, clause)
    client.force_login(buyer)
    response = client.post(reverse("tenders:tender_parameters", args=[tender.pk]), {"p-delai_jours": "999"})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="tender-delai_jours-error"' in content and "doit être au plus 365." in content
    tender.refresh_from_db()
    assert tender.parameters == {}


def test_it_edits_the_tender_settings(client, buyer, evaluator, tender):
    url = reverse("tenders:tender_settings", args=[tender.pk])
    client.force_login(evaluator)
    assert client.get(url).status_code == 403
    client.force_login(buyer)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reference": "AO-2",
            "title": "Nouveau",
            "procedure": "restricted",
            "price_formula": "linear",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    tender.refresh_from_db()
    assert (tender.reference, tender.procedure, tender.price_formula) == ("AO-2", "restricted", "linear")


def test_it_retries_a_failed_document_from_the_page(client, buyer, tender, clause, django_capture_on_commit_callbacks):
    from config.celery import app as celery_app
    from documents.models import Document

    add_clause(tender, clause)
    document = Document.objects.create(tender=tender, kind="tender", format="docx", status="failed", error="Échec")
    client.force_login(buyer)
    content = client.get(editor(tender)).content.decode()
    retry = reverse("tenders:tender_document_retry", args=[tender.pk, document.pk])
    assert retry in content and "Relancer" in content
    celery_app.conf.update(task_always_eager=True)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(retry).status_code == 302
    finally:
        celery_app.conf.update(task_always_eager=False)
    document.refresh_from_db()
    assert document.status == "done"
