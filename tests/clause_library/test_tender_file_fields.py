"""Clause fields for the tender file: destination, derogations, legal_note and informative references.

API.md, "Tender file" (issue 12 item 1, issue 13 item 4): versioned, in the library file, in the API,
shown on the clause page and in the tender editor, edited by curators.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.library_file import validate_library_file
from clause_library.models import Clause, ClauseVersion, Library
from clause_library.services import clause_update, library_export, library_import
from tenders import services as tenders

from ..factories import clause_content, make_clause

pytestmark = pytest.mark.django_db

CCAP = {
    "destination": "ccap",
    "derogations": ["14.1.1", "14.3"],
    "legal_note": "Déroge à l'art. 14 du CCAG-TIC : à lister au CCAP.",
    "references": [
        {"label": "CCAG-TIC 2021", "url": "https://www.legifrance.gouv.fr/"},
        {"label": "45 CFR 171", "url": "https://www.ecfr.gov/current/title-45/part-171", "informative": True},
    ],
}


def payload(library, **overrides):
    return {"library": library.pk, "key": "penalites", **clause_content(), **overrides}


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


# API ------------------------------------------------------------------------------------------


def test_the_api_writes_and_reads_the_new_fields_and_versions_them(api, library, curator):
    client = api(curator)
    response = client.post("/api/v1/clauses/", payload(library, **CCAP), format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert data["destination"] == "ccap"
    assert data["derogations"] == ["14.1.1", "14.3"]
    assert data["legal_note"].startswith("Déroge")
    assert data["references"][1]["informative"] is True

    changed = client.patch(
        f"/api/v1/clauses/{data['id']}/",
        {"destination": "annex", "derogations": [], "legal_note": "Plus de dérogation."},
        format="json",
    )
    assert changed.status_code == 200, changed.data
    assert changed.data["version"] == 2 and changed.data["destination"] == "annex"
    old = client.get(f"/api/v1/clauses/{data['id']}/versions/1/").data
    assert (old["destination"], old["derogations"]) == ("ccap", ["14.1.1", "14.3"])
    assert old["legal_note"].startswith("Déroge")
    # Changing only the legal note is a change too: a new version.
    again = client.patch(f"/api/v1/clauses/{data['id']}/", {"legal_note": "Autre note."}, format="json")
    assert again.data["version"] == 3


def test_a_clause_written_without_them_takes_the_defaults(api, library, curator):
    response = api(curator).post("/api/v1/clauses/", payload(library), format="json")
    assert response.status_code == 201
    assert (response.data["destination"], response.data["derogations"], response.data["legal_note"]) == (
        "annex",
        [],
        "",
    )


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"destination": "cctp"}, "destination", "cctp"),
        ({"destination": "ccap", "derogations": ["14.a"]}, "derogations", "14.a"),
        ({"destination": "ccap", "derogations": ["014.1"]}, "derogations", "014.1"),
        ({"destination": "ccap", "derogations": ["14.1\n"]}, "derogations", "14.1"),
        ({"destination": "ccap", "derogations": "14.1"}, "derogations", "liste"),
        ({"destination": "ccap", "derogations": ["14.1", "14.1"]}, "derogations", "deux fois"),
        ({"destination": "annex", "derogations": ["14.1.1"]}, "derogations", "CCAP"),
        ({"destination": "rc", "derogations": ["14.1.1"]}, "derogations", "CCAP"),
        ({"references": [{"label": "x", "url": "https://x.org", "informative": "oui"}]}, "references", "informative"),
        ({"legal_note": "x" * 20_001}, "legal_note", "20000"),
    ],
)
def test_the_api_refuses_bad_values_naming_the_field(api, library, curator, overrides, field, words):
    response = api(curator).post("/api/v1/clauses/", payload(library, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.data, response.data
    assert words in " ".join(map(str, response.data[field]))
    assert not Clause.objects.filter(key="penalites").exists()


def test_a_patch_cannot_move_a_clause_with_derogations_out_of_the_ccap(api, library, curator):
    clause = make_clause(library, key="penalites", **CCAP)
    response = api(curator).patch(f"/api/v1/clauses/{clause.pk}/", {"destination": "annex"}, format="json")
    assert response.status_code == 400 and "derogations" in response.data
    clause.refresh_from_db()
    assert clause.current.number == 1 and clause.current.destination == "ccap"


def test_only_editors_of_the_owner_change_them(api, library, curator, buyer, outsider, hospital):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    clause = make_clause(library, key="penalites")
    assert api(buyer).patch(f"/api/v1/clauses/{clause.pk}/", {"destination": "rc"}, format="json").status_code == 403
    assert api(outsider).patch(f"/api/v1/clauses/{clause.pk}/", {"destination": "rc"}, format="json").status_code == 404
    assert ClauseVersion.objects.get(clause=clause).destination == "annex"


def test_the_openapi_schema_describes_them(api, curator):
    schema = api(curator).get("/api/schema/?format=json").json()
    properties = schema["components"]["schemas"]["Clause"]["properties"]
    assert {"destination", "derogations", "legal_note"} <= set(properties)


# Library file -------------------------------------------------------------------------------


def test_export_import_export_keeps_them(library, curator, group):
    make_clause(library, key="penalites", **CCAP)
    make_clause(library, key="pieces", destination="rc", legal_note="Liste des pièces : art. R2143-3.")
    first = library_export(library)
    copy = library_import(user=curator, organization=group, data=json.loads(json.dumps(first)))
    second = library_export(copy)
    assert first["clauses"] == second["clauses"]
    by_key = {clause["key"]: clause for clause in second["clauses"]}
    assert by_key["penalites"]["derogations"] == ["14.1.1", "14.3"]
    assert by_key["penalites"]["references"][1]["informative"] is True
    assert by_key["pieces"]["destination"] == "rc"


def test_an_older_file_without_them_still_imports_with_the_defaults(library, curator, group):
    make_clause(library, key="api-fhir")
    data = library_export(library)
    for clause in data["clauses"]:
        for field in ("destination", "derogations", "legal_note"):
            del clause[field]
    assert validate_library_file(data) == []
    copy = library_import(user=curator, organization=group, data=data)
    version = copy.clauses.get().current
    assert (version.destination, version.derogations, version.legal_note) == ("annex", [], "")


@pytest.mark.parametrize(
    "change, path",
    [
        ({"destination": "cctp"}, "$.clauses[0].destination"),
        ({"destination": "ccap", "derogations": ["art. 14"]}, "$.clauses[0].derogations[0]"),
        ({"destination": "annex", "derogations": ["14.1"]}, "$.clauses[0].derogations"),
        ({"legal_note": 12}, "$.clauses[0].legal_note"),
    ],
)
def test_an_import_with_a_bad_value_names_its_json_path_and_creates_nothing(library, curator, group, change, path):
    make_clause(library, key="api-fhir")
    data = library_export(library)
    data["clauses"][0].update(change)
    errors = validate_library_file(data)
    assert any(error.startswith(path) for error in errors), errors
    count = Library.objects.count()
    with pytest.raises(Exception, match="derogations|destination|legal_note"):
        library_import(user=curator, organization=group, data=data)
    assert Library.objects.count() == count


def test_the_default_library_loader_reads_them_from_the_data_file(group, curator):
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    first, second = data["clauses"][0], data["clauses"][1]
    first.update(destination="ccap", derogations=["14.1.1"], legal_note="Note de test.")
    second.update(destination="price")
    second.pop("legal_note", None)
    library = library_import(user=curator, organization=group, data=data)
    loaded = {clause.key: clause.current for clause in library.clauses.select_related("current")}
    assert (loaded[first["key"]].destination, loaded[first["key"]].derogations) == ("ccap", ["14.1.1"])
    assert loaded[first["key"]].legal_note == "Note de test."
    assert loaded[second["key"]].destination == "price"


# Pages --------------------------------------------------------------------------------------


@pytest.fixture
def shared_clause(library, hospital):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    return make_clause(library, key="penalites", **CCAP)


def test_the_clause_page_shows_the_legal_note_in_its_own_box_and_the_destination_in_words(shared_clause, buyer):
    page = client_for(buyer).get(
        reverse("clause_library:clause_detail", args=[shared_clause.library_id, shared_clause.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Note juridique (non publiée)" in html
    box = html[html.index('class="legal-note') : html.index("</aside>")]
    assert "Déroge à l&#x27;art. 14 du CCAG-TIC" in box
    assert "Clauses administratives (CCAP)" in html
    assert "14.1.1" in html and "14.3" in html
    assert "à titre informatif, sans valeur contractuelle" in html


def test_a_clause_without_legal_note_shows_no_empty_box(library, curator):
    clause = make_clause(library, key="api-fhir")
    html = client_for(curator).get(reverse("clause_library:clause_detail", args=[library.pk, clause.pk])).content
    assert b"Note juridique (non publi" not in html
    assert "Annexe technique (CCTP)" in html.decode()


def test_the_curator_edits_them_in_the_form(library, curator):
    clause = make_clause(library, key="penalites")
    url = reverse("clause_library:clause_edit", args=[library.pk, clause.pk])
    client = client_for(curator)
    form = client.get(url).content.decode()
    assert 'name="destination"' in form and 'name="derogations"' in form and 'name="legal_note"' in form
    content = clause_content()
    data = {
        **{k: v for k, v in content.items() if k not in ("parameters", "rubric", "references", "checks", "tags")},
        "parameters": json.dumps(content["parameters"]),
        "rubric": json.dumps(content["rubric"]),
        "references": json.dumps(CCAP["references"]),
        "checks": "[]",
        "tags": "software:any",
        "destination": "ccap",
        "derogations": "14.1.1, 14.3",
        "legal_note": "Note pour les acheteurs.",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    version = Clause.objects.get(pk=clause.pk).current
    assert version.number == 2
    assert (version.destination, version.derogations, version.legal_note) == (
        "ccap",
        ["14.1.1", "14.3"],
        "Note pour les acheteurs.",
    )
    assert version.references[1]["informative"] is True

    data.update(destination="annex")
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "CCAP" in refused.content.decode() and "is-invalid" in refused.content.decode()
    assert Clause.objects.get(pk=clause.pk).current.number == 2


def test_the_diff_between_versions_names_the_new_fields(library, curator):
    clause = make_clause(library, key="penalites")
    clause_update(user=curator, clause=clause, changes={"destination": "rc", "legal_note": "Nouvelle note"})
    html = (
        client_for(curator)
        .get(reverse("clause_library:clause_detail", args=[library.pk, clause.pk]) + "?from=1&to=2")
        .content.decode()
    )
    assert "Destination" in html and "Nouvelle note" in html


def test_the_tender_editor_shows_the_legal_note_folded_under_the_clause(library, hospital, hospital_admin):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    clause = make_clause(library, key="penalites", **CCAP)
    plain = make_clause(library, key="api-fhir")
    tender = tenders.tender_create(user=hospital_admin, organization=hospital, reference="AO-1", title="DPI")
    tenders.tender_clause_add(user=hospital_admin, tender=tender, clause=clause, parameters={})
    tenders.tender_clause_add(user=hospital_admin, tender=tender, clause=plain, parameters={})
    html = client_for(hospital_admin).get(reverse("tenders:tender_editor", args=[tender.pk])).content.decode()
    assert html.count('<details class="legal-note') == 1
    details = html[html.index('<details class="legal-note') :]
    details = details[: details.index("</details>")]
    assert "<summary>Note juridique (non publiée)</summary>" in details
    assert "Déroge à l&#x27;art. 14" in details
