"""Coverage topics and recommended sets: defined in the library, exported and imported with it."""

import pytest

from clause_library.models import ClauseSet, CoverageTopic
from clause_library.services import library_export, library_import

from ..factories import make_clause

pytestmark = pytest.mark.django_db

GUIDANCE = {
    "topics": [
        {"key": "seed-1", "title": "API FHIR ouvertes", "description": "", "recommended_clause": "api-fhir"},
        {"key": "audit-logging", "title": "Journalisation", "description": "Traces", "recommended_clause": "journal"},
    ],
    "sets": [
        {
            "key": "dpi-essential",
            "title": "DPI — essentiel",
            "description": "",
            "software": "patient_record",
            "level": "essential",
            "clauses": ["api-fhir"],
        },
        {
            "key": "dpi-recommended",
            "title": "DPI — recommandé",
            "description": "",
            "software": "patient_record",
            "level": "recommended",
            "clauses": ["api-fhir", "journal"],
        },
    ],
}


@pytest.fixture
def guided_library(library):
    make_clause(library, key="api-fhir")
    make_clause(library, key="journal", category="security", parameters=[], body="Journaliser.")
    return library


def test_a_curator_sets_guidance_and_it_round_trips_through_export_and_import(api, guided_library, curator, group):
    client = api(curator)
    response = client.put(f"/api/v1/libraries/{guided_library.pk}/guidance/", GUIDANCE, format="json")
    assert response.status_code == 200, response.data
    assert response.data == GUIDANCE
    exported = library_export(guided_library)
    assert exported["topics"] == GUIDANCE["topics"] and exported["sets"] == GUIDANCE["sets"]
    copy = library_import(user=curator, organization=group, data=exported)
    again = library_export(copy)
    assert again["topics"] == GUIDANCE["topics"] and again["sets"] == GUIDANCE["sets"]


def test_guidance_naming_an_unknown_clause_is_refused_and_nothing_changes(api, guided_library, curator):
    client = api(curator)
    client.put(f"/api/v1/libraries/{guided_library.pk}/guidance/", GUIDANCE, format="json")
    bad = {"topics": GUIDANCE["topics"], "sets": [{**GUIDANCE["sets"][0], "clauses": ["fantome"]}]}
    response = client.put(f"/api/v1/libraries/{guided_library.pk}/guidance/", bad, format="json")
    assert response.status_code == 400
    assert response.data["guidance"] == ["$.sets[0].clauses[0]: aucune clause n'a la clé « fantome »."]
    assert ClauseSet.objects.filter(library=guided_library).count() == 2
    assert CoverageTopic.objects.filter(library=guided_library).count() == 2


def test_only_editors_change_guidance(api, guided_library, hospital, buyer):
    guided_library.visibility = "shared"
    guided_library.save()
    guided_library.shared_with.add(hospital)
    client = api(buyer)
    assert client.get(f"/api/v1/libraries/{guided_library.pk}/guidance/").status_code == 200
    assert client.put(f"/api/v1/libraries/{guided_library.pk}/guidance/", GUIDANCE, format="json").status_code == 403


def test_a_fork_keeps_the_guidance(api, guided_library, curator, group):
    api(curator).put(f"/api/v1/libraries/{guided_library.pk}/guidance/", GUIDANCE, format="json")
    response = api(curator).post(
        f"/api/v1/libraries/{guided_library.pk}/fork/", {"organization": group.pk, "name": "Copie"}, format="json"
    )
    assert response.status_code == 201
    assert api(curator).get(f"/api/v1/libraries/{response.data['id']}/guidance/").data == GUIDANCE


def test_an_import_with_a_set_naming_an_unknown_clause_names_the_path(api, guided_library, curator, group):
    document = library_export(guided_library)
    document["sets"] = [{**GUIDANCE["sets"][0], "clauses": ["api-fhir", "inconnue"]}]
    response = api(curator).post(
        "/api/v1/libraries/import/", {"organization": group.pk, "file": document}, format="json"
    )
    assert response.status_code == 400
    assert response.data["file"] == ["$.sets[0].clauses[1]: aucune clause n'a la clé « inconnue »."]
