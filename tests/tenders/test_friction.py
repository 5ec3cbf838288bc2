"""Issue 17's friction points on the tender pages and API: save all, labels in errors, no duplicate
clause, paginated and accent-insensitive search, unique reference, long titles, landing pages, 404."""

import pytest
from django.test import override_settings
from django.urls import reverse

from clause_library.selectors import clauses_filtered
from organizations.errors import ApplicationError
from tenders import services
from tenders.models import Tender

from ..factories import make_clause, member
from .conftest import add_clause, make_clauses, make_tender

pytestmark = pytest.mark.django_db


def editor(tender, query=""):
    return reverse("tenders:tender_editor", args=[tender.pk]) + query


def save_all(tender):
    return reverse("tenders:tender_clauses_parameters", args=[tender.pk])


# One "Enregistrer tout" for every clause's parameters


def test_it_saves_every_clause_in_one_form(client, buyer, tender, visible_library):
    first, second = (add_clause(tender, make_clause(visible_library, key=f"k{i}")) for i in range(2))
    client.force_login(buyer)
    content = client.get(editor(tender)).content.decode()
    assert content.count("Enregistrer tout") >= 2 and 'id="all-parameters"' in content
    assert f'name="tc{first.pk}-delai_jours" form="all-parameters"' in content
    response = client.post(
        save_all(tender),
        {"tender_clause": [first.pk, second.pk], f"tc{first.pk}-delai_jours": "70", f"tc{second.pk}-delai_jours": "80"},
    )
    assert response.status_code == 302 and response["Location"] == editor(tender) + "#clauses"
    first.refresh_from_db()
    second.refresh_from_db()
    # Editing the first clause then the second: both kept.
    assert first.parameters == {"delai_jours": 70} and second.parameters == {"delai_jours": 80}


def test_it_saves_nothing_when_one_clause_is_wrong_and_names_the_label(client, buyer, tender, visible_library):
    first, second = (add_clause(tender, make_clause(visible_library, key=f"k{i}")) for i in range(2))
    client.force_login(buyer)
    response = client.post(
        save_all(tender),
        {
            "tender_clause": [first.pk, second.pk],
            f"tc{first.pk}-delai_jours": "70",
            f"tc{second.pk}-delai_jours": "999",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert f'id="tc{second.pk}-delai_jours-error"' in content
    assert "Délai (jours) : doit être au plus 365." in content
    assert "delai_jours :" not in content and "(delai_jours)" not in content and "integer" not in content
    # The values typed are shown again, for both clauses; nothing is stored.
    assert 'value="70"' in content and 'value="999"' in content
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.parameters == {} and second.parameters == {}


def test_save_all_is_refused_to_an_evaluator_and_hides_other_tenders(client, evaluator, buyer, tender, other_tender):
    client.force_login(evaluator)
    assert client.post(save_all(tender), {"tender_clause": []}).status_code == 403
    client.force_login(buyer)
    assert client.post(save_all(other_tender), {"tender_clause": []}).status_code == 404


# A clause is in a tender once


def test_the_service_refuses_a_clause_twice(buyer, tender, clause):
    services.tender_clause_add(user=buyer, tender=tender, clause=clause)
    with pytest.raises(ApplicationError) as raised:
        services.tender_clause_add(user=buyer, tender=tender, clause=clause)
    assert "déjà dans l'appel d'offres" in raised.value.errors["clause"][0]
    assert tender.clauses.count() == 1


def test_the_api_and_the_page_refuse_a_clause_twice(api, client, buyer, tender, clause):
    url = reverse("tenders-api:tender-clause-list", args=[tender.pk])
    assert api(buyer).post(url, {"clause": clause.pk}, format="json").status_code == 201
    response = api(buyer).post(url, {"clause": clause.pk}, format="json")
    assert response.status_code == 400 and "clause" in response.json()
    client.force_login(buyer)
    response = client.post(reverse("tenders:tender_clause_add", args=[tender.pk]), {"clause": clause.pk}, follow=True)
    assert "est déjà dans l&#x27;appel d&#x27;offres" in response.content.decode()
    assert tender.clauses.count() == 1


# Add list: every match reachable, accent-insensitive


def test_the_add_list_pages_through_every_match(client, buyer, tender, visible_library):
    make_clauses(visible_library, 60)
    client.force_login(buyer)
    seen = set()
    url = editor(tender)
    for _page in range(3):
        response = client.get(url)
        context = response.context
        seen.update(clause.pk for clause in context["results"])
        url = context["results_next"]
        if url is None:
            break
    assert len(seen) == 60 and url is None
    content = client.get(editor(tender, "?page=2")).content.decode()
    assert "Pages de résultats" in content and "Clauses 26 à 50" in content and 'rel="prev"' in content


@pytest.mark.parametrize("query", ["reversibilite", "RÉVERSIBILITÉ", "Reversibilité des donnees"])
def test_the_search_ignores_accents_and_case(buyer, visible_library, query):
    make_clause(visible_library, key="rev", title="Réversibilité des données")
    make_clause(visible_library, key="autre", title="Journal des accès")
    found = list(clauses_filtered(buyer, q=query).values_list("key", flat=True))
    assert found == ["rev"]


# Unique reference per organisation; long titles say so


def test_a_reference_is_unique_in_an_organisation(client, buyer, hospital, tender):
    client.force_login(buyer)
    data = {
        "organization": hospital.pk,
        "reference": tender.reference,
        "title": "Encore",
        "procedure": "open",
        "price_formula": "proportional",
        "language": "fr",
    }
    response = client.post(reverse("tenders:tender_create"), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "porte déjà cette référence" in content and 'id="id_reference-error"' in content
    assert 'aria-invalid="true"' in content
    assert Tender.objects.filter(reference=tender.reference).count() == 1


def test_the_database_backs_the_unique_reference(hospital, tender):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Tender.objects.create(organization=hospital, reference=tender.reference, title="Doublon")
    assert Tender.objects.filter(reference=tender.reference).count() == 1


def test_another_organisation_may_use_the_same_reference(outsider, other_hospital, tender):
    services.tender_create(user=outsider, organization=other_hospital, reference=tender.reference, title="x")
    assert Tender.objects.filter(reference=tender.reference).count() == 2


def test_the_api_names_reference_on_a_duplicate(api, buyer, hospital, tender):
    url = reverse("tenders-api:tender-list")
    response = api(buyer).post(
        url, {"organization": hospital.pk, "reference": tender.reference, "title": "Bis"}, format="json"
    )
    assert response.status_code == 400 and "reference" in response.json()
    other = make_tender(hospital, buyer, reference="AO-AUTRE-REF")
    detail = reverse("tenders-api:tender-detail", args=[other.pk])
    response = api(buyer).patch(detail, {"reference": tender.reference}, format="json")
    assert response.status_code == 400 and "reference" in response.json()
    other.refresh_from_db()
    assert other.reference == "AO-AUTRE-REF"


def test_a_too_long_title_is_a_form_error_not_a_cut(client, buyer, hospital):
    client.force_login(buyer)
    form = client.get(reverse("tenders:tender_create")).content.decode()
    assert "maxlength" not in form  # the browser would cut a pasted title silently
    data = {
        "organization": hospital.pk,
        "reference": "AO-LONG",
        "title": "mot " * 80,
        "procedure": "open",
        "price_formula": "proportional",
        "language": "fr",
    }
    response = client.post(reverse("tenders:tender_create"), data)
    assert response.status_code == 400
    assert "au plus 300 caractères" in response.content.decode()
    assert not Tender.objects.filter(reference="AO-LONG").exists()


# Landing pages and navigation by role


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("evaluator", "scoring:evaluation_list"),
        ("curator", "clause_library:library_list"),
        ("buyer", "tenders:tender_list"),
        ("admin", "tenders:tender_list"),
    ],
)
def test_each_role_lands_on_its_page(client, hospital, role, landing):
    client.force_login(member(hospital, role, username=f"u-{role}"))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(landing)


def test_an_evaluator_sees_only_the_tabs_it_can_use(client, evaluator):
    client.force_login(evaluator)
    content = client.get(reverse("scoring:evaluation_list")).content.decode()
    assert reverse("scoring:evaluation_list") in content
    assert f'href="{reverse("tenders:tender_list")}"' not in content
    assert f'href="{reverse("clause_library:library_list")}"' not in content


def test_every_page_has_a_skip_link_landmarks_and_a_favicon(client, buyer):
    client.force_login(buyer)
    content = client.get(reverse("tenders:tender_list")).content.decode()
    assert 'href="#main"' in content and "Aller au contenu" in content and 'id="main"' in content
    assert "<header" in content and "<footer" in content and 'aria-controls="main-menu"' in content
    assert 'rel="icon" href="/static/favicon.svg"' in content


# A friendly 404 in the demo


@override_settings(DEBUG=True, FRIENDLY_404=True)
def test_an_unknown_page_is_friendly_in_the_demo(client, buyer):
    client.force_login(buyer)
    response = client.get("/tendres/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page introuvable" in content and "URLconf" not in content and "tenders/" not in content.split("<main")[1]
    assert response.headers["X-Frame-Options"] == "DENY"  # the middlewares above still apply
    # An object outside reach too; the slash redirect still works; the API keeps JSON.
    assert "Page introuvable" in client.get("/tenders/999999/").content.decode()
    assert client.get("/tenders").status_code == 301
    assert client.get("/api/v1/nope/").status_code == 404


@override_settings(DEBUG=True, FRIENDLY_404=False)
def test_developers_keep_the_debug_page(client, buyer):
    client.force_login(buyer)
    assert "URLconf" in client.get("/tendres/").content.decode()


def test_internal_tags_are_hidden_from_readers_who_cannot_edit():
    from clause_library.templatetags.clause_tags import visible_tags

    tags = ["fhir", "covers:seed-1", "export"]
    assert visible_tags(tags, False) == ["fhir", "export"]
    assert visible_tags(tags, True) == tags
    assert visible_tags(None) == []


def test_page_messages_are_prefixed_by_labels_not_field_keys(client, buyer, tender):
    client.force_login(buyer)
    url = reverse("tenders:tender_document_request", args=[tender.pk])
    content = client.post(url, {"kind": "nope", "format": "pdf"}, follow=True).content.decode()
    assert "Document : Type de document inconnu" in content and "kind :" not in content
    content = client.post(url, {"kind": "tender", "format": "odt"}, follow=True).content.decode()
    assert "Format : Le document" in content and "format :" not in content
