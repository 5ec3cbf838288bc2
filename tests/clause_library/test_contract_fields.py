"""Clause fields of the tender file as a contract: appreciation, deferrable, price lines, parameter
direction and improvable, statutory references, and the {{ ref:… }} / {{ price:… }} cross-references.

API.md, "The tender file as a contract (additions)": versioned, in the library file (clausier-library/2,
/1 still read), in the API, on the clause page and in the clause form, with errors that name the field.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from clause_library.content import validate_clause_content
from clause_library.library_file import FORMAT, validate_library_file
from clause_library.models import Clause, Library
from clause_library.parameters import references_in, validate_definitions
from clause_library.services import library_export, library_import

from ..factories import clause_content, make_clause

LINE = {
    "code": "replication-licence",
    "label": "Base de réplication",
    "unit": "forfait",
    "quantity": 1,
    "period": "once",
}
DELAY = {
    "name": "delai_jours",
    "label": "Délai (jours)",
    "type": "integer",
    "default": 30,
    "required": True,
    "direction": "max",
    "improvable": True,
}


def scored(**overrides):
    fields = {"appreciation": "Un délai plus court est apprécié.", "deferrable": True, **overrides}
    return clause_content(**fields)


# Pure rules -----------------------------------------------------------------------------------


def test_a_scored_clause_takes_appreciation_deferrable_and_price_lines():
    assert validate_clause_content(scored(price_lines=[LINE])) == {}


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"requirement": "mandatory", "deferrable": True, "appreciation": ""}, "deferrable", "éliminatoire"),
        ({"requirement": "mandatory", "deferrable": False}, "appreciation", "notée"),
        ({"deferrable": "oui"}, "deferrable", "true ou false"),
        ({"price_lines": [{**LINE, "period": "week"}]}, "price_lines", "période"),
        ({"price_lines": [{**LINE, "quantity": 0}]}, "price_lines", "quantité"),
        ({"price_lines": [{**LINE, "code": "Ligne 1"}]}, "price_lines", "code"),
        ({"price_lines": [LINE, LINE]}, "price_lines", "en double"),
        ({"price_lines": [{**LINE, "label": " "}]}, "price_lines", "libellé"),
        ({"references": [{"label": "HDS", "url": "https://x.fr", "statutory": "yes"}]}, "references", "statutory"),
        (
            {"references": [{"label": "HDS", "url": "https://x.fr", "statutory": True, "informative": True}]},
            "references",
            "informatif",
        ),
    ],
)
def test_bad_contract_fields_are_refused_naming_the_field(overrides, field, words):
    errors = validate_clause_content(scored(**overrides))
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"direction": "up"}, "direction"),
        ({"type": "text", "default": "x"}, "nombre ou une date"),
        ({"direction": None}, "direction"),  # improvable without a direction: nobody can tell what is better
        ({"improvable": "true"}, "improvable"),
    ],
)
def test_parameter_direction_and_improvable_are_checked(change, words):
    errors = validate_definitions([{**DELAY, **change}], "Sous {{ delai_jours }} jours.")
    assert any(words in message for message in errors.get("parameters", [])), errors


def test_a_ceiling_and_a_floor_on_numbers_and_dates_are_accepted():
    definitions = [
        DELAY,
        {"name": "disponibilite", "type": "decimal", "direction": "min", "improvable": True},
        {"name": "echeance", "type": "date", "direction": "max", "improvable": False},
    ]
    body = "{{ delai_jours }} {{ disponibilite }} {{ echeance }}"
    assert validate_definitions(definitions, body) == {}


def test_cross_references_are_not_parameters_but_a_misspelt_one_is_named():
    body = "Voir {{ ref:interface-sla }} et {{ price: replication-licence }}. {{ delai_jours }} jours."
    assert validate_definitions([DELAY], body) == {}
    assert references_in(body) == [("ref", "interface-sla"), ("price", "replication-licence")]
    errors = validate_definitions([DELAY], "Voir {{ ref: }} {{ delai_jours }}.")
    assert any("{{ ref:clé-de-clause }}" in message for message in errors["body"]), errors


# Library file -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_import_export_keeps_them_in_format_2(library, curator, group):
    make_clause(
        library,
        key="replication",
        price_lines=[LINE],
        appreciation="Une fraîcheur inférieure à une heure est appréciée.",
        deferrable=True,
        parameters=[DELAY, clause_content()["parameters"][0]],
        references=[
            {"label": "Certification HDS (CSP L1111-8)", "url": "https://www.legifrance.gouv.fr/", "statutory": True}
        ],
    )
    first = library_export(library)
    assert first["format"] == FORMAT == "clausier-library/2"
    copy = library_import(user=curator, organization=group, data=json.loads(json.dumps(first)))
    assert library_export(copy)["clauses"] == first["clauses"]
    version = copy.clauses.get().current
    assert version.price_lines == [LINE] and version.deferrable is True
    assert version.appreciation.startswith("Une fraîcheur")
    assert version.parameters[0]["direction"] == "max" and version.parameters[0]["improvable"] is True
    assert version.references[0]["statutory"] is True


@pytest.mark.django_db
def test_a_format_1_file_still_imports_with_the_defaults(library, curator, group):
    make_clause(library, key="api-fhir")
    data = library_export(library)
    data["format"] = "clausier-library/1"
    for clause in data["clauses"]:
        for field in ("appreciation", "deferrable", "price_lines"):
            del clause[field]
    assert validate_library_file(data) == []
    version = library_import(user=curator, organization=group, data=data).clauses.get().current
    assert (version.appreciation, version.deferrable, version.price_lines) == ("", False, [])


@pytest.mark.django_db
def test_a_file_whose_cross_reference_names_no_clause_or_line_is_refused_with_its_path(library, curator, group):
    make_clause(library, key="api-fhir", body="Voir {{ ref:sla-absente }}. {{ fhir_version }} {{ delai_jours }}")
    make_clause(library, key="prix", body="Ligne {{ price:inconnue }}. {{ fhir_version }} {{ delai_jours }}")
    data = library_export(library)
    errors = validate_library_file(data)
    assert any(e.startswith("$.clauses[0].body") and "sla-absente" in e for e in errors), errors
    assert any(e.startswith("$.clauses[1].body") and "inconnue" in e for e in errors), errors
    count = Library.objects.count()
    with pytest.raises(Exception, match="sla-absente"):
        library_import(user=curator, organization=group, data=data)
    assert Library.objects.count() == count


def test_the_default_library_files_validate_in_both_languages():
    from clause_library.defaults import DEFAULT_LIBRARY_EN, DEFAULT_LIBRARY_FR

    for path in (DEFAULT_LIBRARY_FR, DEFAULT_LIBRARY_EN):
        assert validate_library_file(json.loads(path.read_text(encoding="utf-8"))) == [], path.name


# API, page and form ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_writes_and_reads_them(api, library, curator):
    client = api(curator)
    payload = {"library": library.pk, "key": "replication", **scored(price_lines=[LINE])}
    response = client.post("/api/v1/clauses/", payload, format="json")
    assert response.status_code == 201, response.data
    assert response.data["price_lines"] == [LINE] and response.data["deferrable"] is True
    assert response.data["appreciation"] == "Un délai plus court est apprécié."
    refused = client.patch(
        f"/api/v1/clauses/{response.data['id']}/", {"requirement": "mandatory", "appreciation": ""}, format="json"
    )
    assert refused.status_code == 400 and "deferrable" in refused.data
    assert Clause.objects.get(pk=response.data["id"]).current.number == 1


@pytest.mark.django_db
def test_the_clause_page_shows_them(library, curator):
    clause = make_clause(
        library,
        key="replication",
        price_lines=[LINE],
        appreciation="Une fraîcheur inférieure à une heure est appréciée.",
        deferrable=True,
        parameters=[DELAY, clause_content()["parameters"][0]],
        references=[{"label": "Certification HDS", "url": "https://www.legifrance.gouv.fr/", "statutory": True}],
    )
    client = Client()
    client.force_login(curator)
    page = client.get(reverse("clause_library:clause_detail", args=[library.pk, clause.pk])).content.decode()
    assert "Une fraîcheur inférieure à une heure est appréciée." in page
    assert "livrable en différé" in page and "Base de réplication" in page
    assert "plafond" in page and "améliorable" in page
    assert "sans « ou équivalent »" in page


@pytest.mark.django_db
def test_the_curator_edits_them_in_the_form_and_a_bad_line_keeps_what_was_typed(library, curator):
    clause = make_clause(library, key="replication")
    url = reverse("clause_library:clause_edit", args=[library.pk, clause.pk])
    client = Client()
    client.force_login(curator)
    content = clause_content()
    data = {
        **{k: v for k, v in content.items() if k not in ("parameters", "rubric", "references", "checks", "tags")},
        "parameters": json.dumps([content["parameters"][0], DELAY]),
        "rubric": json.dumps(content["rubric"]),
        "references": json.dumps(content["references"]),
        "checks": "[]",
        "tags": "software:any",
        "destination": "annex",
        "derogations": "",
        "appreciation": "Un délai plus court est apprécié.",
        "deferrable": "on",
        "price_lines": json.dumps([{**LINE, "period": "week"}]),
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Ligne de prix 1" in text and "période" in text
    assert "Un délai plus court est apprécié." in text  # kept as typed
    assert Clause.objects.get(pk=clause.pk).current.number == 1

    data["price_lines"] = json.dumps([LINE])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    version = Clause.objects.get(pk=clause.pk).current
    assert (version.number, version.deferrable, version.price_lines) == (2, True, [LINE])
    assert version.parameters[1]["direction"] == "max" and version.parameters[1]["improvable"] is True
