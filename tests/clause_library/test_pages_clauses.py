"""The clause pages: detail with preview, versions and diff; create, edit and delete forms."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from clause_library.models import Clause, ClauseVersion, Library
from clause_library.services import clause_update

from ..factories import clause_content, make_clause

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shared_library(library, hospital):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    return library


@pytest.fixture
def clause(shared_library):
    return make_clause(shared_library, key="api-fhir")


def detail_url(clause):
    return reverse("clause_library:clause_detail", args=[clause.library_id, clause.pk])


def edit_url(clause):
    return reverse("clause_library:clause_edit", args=[clause.library_id, clause.pk])


def create_url(library):
    return reverse("clause_library:clause_create", args=[library.pk])


def form_data(**overrides):
    content = clause_content()
    data = {
        "key": "nouvelle-clause",
        "title": content["title"],
        "category": content["category"],
        "requirement": content["requirement"],
        "language": "fr",
        "body": content["body"],
        "question": content["question"],
        "default_weight": "10",
        "scale_max": "5",
        "parameters": json.dumps(content["parameters"]),
        "rubric": json.dumps(content["rubric"]),
        "references": json.dumps(content["references"]),
        "checks": "",
        "tags": "fhir, dpi",
    }
    data.update(overrides)
    return data


def field_error(page, field):
    """The inline error block of a field, checked to be tied to its input by aria-describedby."""
    match = re.search(
        rf'<div class="invalid-feedback d-block" id="id_{field}_error">(.*?)</div>\s*(?:<div class="form-text"|</div>|</fieldset>)',
        page,
        re.S,
    )
    assert match, f"no inline error for {field}"
    input_tag = re.search(rf'<(?:input|textarea|select)[^>]*id="id_{field}"[^>]*>', page).group(0)
    assert f"id_{field}_error" in input_tag and 'aria-invalid="true"' in input_tag
    return match.group(1)


# Detail -----------------------------------------------------------------------------------------


def test_it_shows_a_clause_with_preview_parameters_rubric_and_references(clause, buyer):
    response = client_for(buyer).get(detail_url(clause))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Accès à l&#x27;API FHIR" in page and "Accès par API (FHIR, SMART on FHIR)" in page
    # The preview has the defaults filled in, not the placeholders.
    assert '<span class="param">4.0.1</span>' in page and '<span class="param">30</span>' in page
    assert "{{ fhir_version }}" not in page
    assert "<code>delai_jours</code>" in page and "1 – 365" in page and "4.0.1, 5.0.0" in page
    assert "Donnez l&#x27;URL de la documentation." in page and "Niveau 5" in page
    assert '<a href="https://hl7.org/fhir/R4/" rel="noopener noreferrer" target="_blank">FHIR R4</a>' in page
    assert "software:any" in page
    # A buyer of a hospital the library is shared with reads it but gets no edit buttons.
    assert edit_url(clause) not in page and "Supprimer" not in page


def test_editors_get_edit_and_delete_buttons(clause, curator):
    page = client_for(curator).get(detail_url(clause)).content.decode()
    assert (
        edit_url(clause) in page
        and reverse("clause_library:clause_delete", args=[clause.library_id, clause.pk]) in page
    )


def test_a_clause_is_only_found_in_its_own_library(clause, curator, group):
    other = Library.objects.create(organization=group, name="Autre")
    assert (
        client_for(curator).get(reverse("clause_library:clause_detail", args=[other.pk, clause.pk])).status_code == 404
    )


def test_it_lists_versions_and_shows_a_diff_between_two(clause, curator, buyer):
    clause_update(
        user=curator,
        clause=clause,
        changes={"title": "API FHIR ouverte", "body": clause.current.body + "\n\nSans frais."},
    )
    client = client_for(buyer)
    page = client.get(detail_url(clause)).content.decode()
    assert "API FHIR ouverte" in page and "Accès à l&#x27;API FHIR" in page  # both versions listed
    assert "?from=1&amp;to=2" in page
    page = client.get(detail_url(clause), {"from": 1, "to": 2}).content.decode()
    diff = page[page.index('id="diff-title"') :]
    assert '<span class="diff-del d-block">' in diff and '<span class="diff-add d-block">' in diff
    assert re.search(r'diff-del d-block">.*?Accès à l&#x27;API FHIR</span>', diff)
    assert re.search(r'diff-add d-block">.*?API FHIR ouverte</span>', diff)
    assert re.search(r'diff-add d-block">.*?Sans frais\.</span>', diff)
    page = client.get(detail_url(clause), {"from": 1, "to": 9}).content.decode()
    assert "Choisissez deux versions existantes" in page


def test_the_clause_page_query_count_does_not_grow_with_versions(clause, curator, buyer, django_assert_num_queries):
    client = client_for(buyer)
    client.get(detail_url(clause))
    with django_assert_num_queries(6):  # session, user, library, memberships, clause, versions
        client.get(detail_url(clause), {"from": 1, "to": 1})
    for n in range(10):
        clause_update(user=curator, clause=clause, changes={"title": f"Titre {n}"})
    with django_assert_num_queries(6):
        client.get(detail_url(clause), {"from": 1, "to": 11})


# Untrusted text ---------------------------------------------------------------------------------

HOSTILE_BODY = (
    "Intro <script>alert(1)</script>\n\n"
    "<img src=x onerror=alert(1)>\n\n"
    "[cliquez](javascript:alert(1)) et [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    "{% load static %}{% static 'x' %} {{ settings.SECRET_KEY }} {{ request.user.password }}"
)


def test_hostile_clause_text_renders_inert(shared_library, curator, buyer, settings):
    settings.SECRET_KEY = "the-real-secret-key-must-never-show"
    clause = make_clause(
        shared_library,
        key="hostile",
        parameters=[],
        body="Texte sûr.",
        title="<script>alert('titre')</script>",
        question="<img src=x onerror=alert(2)>",
        tags=["<b>tag</b>"],
        references=[{"label": "<script>x</script>", "url": 'https://example.org/" onmouseover="alert(1)'}],
    )
    # The services refuse undeclared placeholders, so a stored body like this can only come from
    # older data (written before previews were stored, hence no stored preview either); write it straight into
    # a version to check the page never executes it.
    ClauseVersion.objects.filter(pk=clause.current_id).update(body=HOSTILE_BODY, preview_html="")
    for user in (buyer, curator):
        page = client_for(user).get(detail_url(clause)).content.decode()
        main = page[page.index("<main") : page.index("</main>")]
        assert "<script" not in main
        assert "onerror=" not in main.replace("onerror=alert(1)&gt;", "").replace("onerror=alert(2)&gt;", "")
        assert not re.search(r"<img", main)
        assert 'href="javascript:' not in main and 'href="data:' not in main
        assert 'onmouseover="' not in main
        assert "the-real-secret-key-must-never-show" not in page
        # The template syntax is shown as text (escaped), never evaluated.
        assert "{% load static %}" in main or "{% load static %}" in main.replace("&#x27;", "'")
        assert '<span class="param-missing">[settings.SECRET_KEY]</span>' in main
        assert "&lt;script&gt;alert(&#x27;titre&#x27;)&lt;/script&gt;" in main


def test_hostile_text_typed_in_the_form_is_refused_or_escaped(shared_library, curator):
    client = client_for(curator)
    response = client.post(create_url(shared_library), form_data(body=HOSTILE_BODY, parameters="[]"))
    assert response.status_code == 200
    page = response.content.decode()
    error = field_error(page, "body")
    assert "settings.SECRET_KEY" in error
    # What the user typed comes back escaped inside the textarea.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert not Clause.objects.filter(key="nouvelle-clause").exists()


# Create and edit --------------------------------------------------------------------------------


def test_the_curator_creates_a_clause(shared_library, curator):
    client = client_for(curator)
    assert client.get(create_url(shared_library)).status_code == 200
    response = client.post(create_url(shared_library), form_data())
    clause = Clause.objects.get(library=shared_library, key="nouvelle-clause")
    assert response.status_code == 302 and response["Location"] == detail_url(clause)
    version = clause.current
    assert version.number == 1 and version.author == curator
    assert version.tags == ["fhir", "dpi"] and version.parameters[1]["max"] == 365 and version.default_weight == 10
    assert version.checks == []


@pytest.mark.parametrize(
    "overrides, field, fragment",
    [
        ({"body": "Délai de {{ inconnu }} jours. {{ fhir_version }} {{ delai_jours }}"}, "body", "inconnu"),
        (
            {
                "parameters": json.dumps(
                    [
                        {"name": "fhir_version", "type": "text", "default": "4.0.1"},
                        {"name": "fhir_version", "type": "text"},
                        {"name": "delai_jours", "type": "integer"},
                    ]
                )
            },
            "parameters",
            "Paramètre 2, « Nom technique » : « fhir_version » est déjà le nom du paramètre 1.",
        ),
        (
            {
                "parameters": json.dumps(
                    [
                        {"name": "fhir_version", "type": "text"},
                        {"name": "delai_jours", "type": "integer", "min": 30, "max": 5},
                    ]
                )
            },
            "parameters",
            "Paramètre 2, « Valeur minimale » : 30 est supérieur à la valeur maximale (5).",
        ),
        ({"parameters": '[{"name": '}, "parameters", "JSON invalide"),
        ({"rubric": "{}"}, "rubric", "Une liste JSON"),
        ({"rubric": json.dumps([{"score": 9, "description": "trop"}])}, "rubric", "entre 0 et 5"),
        ({"references": json.dumps([{"label": "x", "url": "javascript:alert(1)"}])}, "references", "https://"),
        ({"checks": json.dumps([{"type": "nope"}])}, "checks", "nope"),
        ({"key": "pas une clé"}, "key", ""),
        ({"key": "api-fhir"}, "key", "api-fhir"),
        ({"category": "nope"}, "category", "nope"),
        ({"default_weight": "150"}, "default_weight", "entre 0 et 100"),
        ({"title": ""}, "title", ""),
    ],
)
def test_it_shows_each_error_next_to_its_field_and_keeps_the_input(clause, curator, overrides, field, fragment):
    before = (Clause.objects.count(), ClauseVersion.objects.count())
    response = client_for(curator).post(create_url(clause.library), form_data(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert fragment in field_error(page, field)
    assert 'role="alert"' in page
    # What was typed is still there.
    assert "Donnez l&#x27;URL de la documentation." in page and 'value="fhir, dpi"' in page
    assert (Clause.objects.count(), ClauseVersion.objects.count()) == before


def test_editing_makes_a_new_version_and_keeps_the_old(clause, curator):
    client = client_for(curator)
    page = client.get(edit_url(clause)).content.decode()
    assert 'name="key"' not in page and "Accès à l&#x27;API FHIR" in page and "&quot;delai_jours&quot;" in page
    response = client.post(edit_url(clause), form_data(title="Titre revu", tags="fhir"))
    assert response.status_code == 302
    clause.refresh_from_db()
    assert clause.current.number == 2 and clause.current.title == "Titre revu" and clause.current.tags == ["fhir"]
    assert clause.versions.get(number=1).title == "Accès à l'API FHIR"
    # Saving the same content again makes no version.
    client.post(edit_url(clause), form_data(title="Titre revu", tags="fhir"))
    assert clause.versions.count() == 2


def test_a_rejected_edit_changes_nothing(clause, curator):
    response = client_for(curator).post(
        edit_url(clause),
        form_data(
            parameters=json.dumps(
                [
                    {"name": "fhir_version", "type": "integer", "min": 9, "max": 1},
                    {"name": "delai_jours", "type": "integer"},
                ]
            )
        ),
    )
    assert response.status_code == 200
    assert "Paramètre 1, « Valeur minimale » : 9 est supérieur à la valeur maximale (1)." in field_error(
        response.content.decode(), "parameters"
    )
    assert clause.versions.count() == 1


def test_people_who_may_not_edit_get_403_and_nothing_changes(clause, hospital_admin, buyer, evaluator):
    delete_url = reverse("clause_library:clause_delete", args=[clause.library_id, clause.pk])
    for user in (hospital_admin, buyer, evaluator):
        client = client_for(user)
        assert client.get(detail_url(clause)).status_code == 200
        assert client.get(edit_url(clause)).status_code == 403
        assert client.post(edit_url(clause), form_data(title="Piraté")).status_code == 403
        assert client.get(create_url(clause.library)).status_code == 403
        assert client.post(create_url(clause.library), form_data()).status_code == 403
        assert client.post(delete_url).status_code == 403
    assert Clause.objects.count() == 1 and clause.versions.count() == 1


def test_outsiders_get_404_on_every_clause_page(clause, outsider):
    client = client_for(outsider)
    delete_url = reverse("clause_library:clause_delete", args=[clause.library_id, clause.pk])
    for url in (detail_url(clause), edit_url(clause), create_url(clause.library), delete_url):
        assert client.get(url).status_code == 404
        assert client.post(url, form_data()).status_code == 404
    assert Clause.objects.count() == 1 and clause.versions.count() == 1


def test_the_curator_deletes_a_clause(clause, curator):
    delete_url = reverse("clause_library:clause_delete", args=[clause.library_id, clause.pk])
    client = client_for(curator)
    assert "Supprimer définitivement" in client.get(delete_url).content.decode()
    response = client.post(delete_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("clause_library:library_detail", args=[clause.library_id])
    assert not Clause.objects.filter(pk=clause.pk).exists()


def test_forms_need_the_csrf_token(clause, curator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    assert client.post(edit_url(clause), form_data(title="x")).status_code == 403
    assert clause.versions.count() == 1


def test_pages_are_available_in_english(clause, buyer):
    client = client_for(buyer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(detail_url(clause))
    assert response.status_code == 200 and response["Content-Language"] == "en"


def test_it_lists_every_problem_at_once_even_when_some_json_does_not_parse(clause, curator):
    response = client_for(curator).post(
        create_url(clause.library),
        form_data(
            key="autre",
            references="[oops",
            default_weight="150",
            rubric=json.dumps([{"score": 9, "description": "trop"}]),
            parameters=json.dumps(
                [
                    {"name": "fhir_version", "type": "text"},
                    {"name": "delai_jours", "type": "integer", "min": 9, "max": 1},
                ]
            ),
            body="{{ fhir_version }} {{ delai_jours }} {{ absent }}",
        ),
    )
    page = response.content.decode()
    assert "JSON invalide" in field_error(page, "references")
    assert "entre 0 et 100" in field_error(page, "default_weight")
    assert "entre 0 et 5" in field_error(page, "rubric")
    assert "Paramètre 2, « Valeur minimale » : 9 est supérieur à la valeur maximale (1)." in field_error(
        page, "parameters"
    )
    assert "absent" in field_error(page, "body")
    assert not Clause.objects.filter(key="autre").exists()


def test_a_parameters_box_that_does_not_parse_does_not_blame_the_body(clause, curator):
    page = client_for(curator).post(create_url(clause.library), form_data(key="autre", parameters="[")).content.decode()
    assert "JSON invalide" in field_error(page, "parameters")
    assert 'id="id_body_error"' not in page
