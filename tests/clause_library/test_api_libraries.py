import copy
import json

import pytest

from clause_library.models import Clause, ClauseVersion, Library
from clause_library.services import clause_update, library_export
from organizations.models import MemberOrganization

from ..factories import LibraryFactory, make_clause

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_library(library, hospital):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    make_clause(library, key="api-fhir")
    make_clause(library, key="journal", category="security", parameters=[], body="Journaliser les accès.")
    return library


def test_it_lists_libraries_with_every_field(api, shared_library, curator, buyer, outsider):
    data = api(curator).get("/api/v1/libraries/").data
    assert data["count"] == 1 and {"count", "next", "previous", "results"} <= set(data)
    row = data["results"][0]
    assert row == {
        "id": shared_library.pk,
        "name": "Référence",
        "description": "",
        "organization": shared_library.organization_id,
        "language": "fr",
        "visibility": "shared",
        "shared_with": [buyer.memberships.get().organization_id],
        "origin": None,
        "clause_count": 2,
        "updated_at": row["updated_at"],
    }
    assert api(buyer).get("/api/v1/libraries/").data["count"] == 1
    assert api(outsider).get("/api/v1/libraries/").data["count"] == 0


def test_it_shows_public_libraries_to_everyone(api, library, outsider):
    library.visibility = Library.Visibility.PUBLIC
    library.save()
    assert api(outsider).get(f"/api/v1/libraries/{library.pk}/").status_code == 200


def test_it_hides_private_libraries_from_other_organisations(api, library, outsider):
    clause = make_clause(library)
    client = api(outsider)
    for method, url in [
        ("get", f"/api/v1/libraries/{library.pk}/"),
        ("patch", f"/api/v1/libraries/{library.pk}/"),
        ("delete", f"/api/v1/libraries/{library.pk}/"),
        ("get", f"/api/v1/libraries/{library.pk}/export/"),
        ("post", f"/api/v1/libraries/{library.pk}/fork/"),
        ("get", f"/api/v1/libraries/{library.pk}/updates/"),
        ("post", f"/api/v1/libraries/{library.pk}/pull/"),
        ("get", f"/api/v1/clauses/{clause.pk}/"),
        ("patch", f"/api/v1/clauses/{clause.pk}/"),
        ("delete", f"/api/v1/clauses/{clause.pk}/"),
        ("get", f"/api/v1/clauses/{clause.pk}/versions/"),
        ("get", f"/api/v1/clauses/{clause.pk}/versions/1/"),
    ]:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert client.get("/api/v1/clauses/").data["count"] == 0
    # Creating a clause in it is refused without revealing it.
    response = client.post("/api/v1/clauses/", {"library": library.pk, "key": "x"}, format="json")
    assert response.status_code == 400
    assert Library.objects.get(pk=library.pk).name == "Référence"


def test_a_hospital_cannot_change_a_library_merely_shared_with_it(
    api, shared_library, hospital_admin, buyer, evaluator
):
    clause = shared_library.clauses.get(key="api-fhir")
    for user in (hospital_admin, buyer, evaluator):
        client = api(user)
        assert client.get(f"/api/v1/libraries/{shared_library.pk}/").status_code == 200
        assert client.patch(f"/api/v1/libraries/{shared_library.pk}/", {"name": "x"}, format="json").status_code == 403
        assert client.patch(f"/api/v1/clauses/{clause.pk}/", {"title": "x"}, format="json").status_code == 403
        assert client.delete(f"/api/v1/clauses/{clause.pk}/").status_code == 403
        assert client.delete(f"/api/v1/libraries/{shared_library.pk}/").status_code == 403
    clause.refresh_from_db()
    assert clause.current.number == 1 and clause.current.title == "Accès à l'API FHIR"


def test_buyers_and_evaluators_cannot_edit_their_own_organisations_clauses(api, hospital, buyer, evaluator):
    own = LibraryFactory(organization=hospital)
    clause = make_clause(own)
    for user in (buyer, evaluator):
        assert api(user).patch(f"/api/v1/clauses/{clause.pk}/", {"title": "x"}, format="json").status_code == 403
        response = api(user).post("/api/v1/libraries/", {"organization": hospital.pk, "name": "L"}, format="json")
        assert response.status_code == 403


def test_it_creates_and_changes_a_library(api, group, curator, hospital):
    MemberOrganization.objects.create(group=group, member=hospital)  # shared_with: related organisations only
    client = api(curator)
    response = client.post(
        "/api/v1/libraries/",
        {"organization": group.pk, "name": "Nouvelle", "visibility": "shared", "shared_with": [hospital.pk]},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["shared_with"] == [hospital.pk] and response.data["clause_count"] == 0
    pk = response.data["id"]
    response = client.patch(f"/api/v1/libraries/{pk}/", {"description": "Desc", "visibility": "private"}, format="json")
    assert response.status_code == 200 and response.data["description"] == "Desc"
    assert (
        client.post("/api/v1/libraries/", {"organization": hospital.pk, "name": "X"}, format="json").status_code == 400
    )


def test_fork_updates_and_pull(api, shared_library, hospital_admin, hospital, curator):
    client = api(hospital_admin)
    response = client.post(f"/api/v1/libraries/{shared_library.pk}/fork/", {"organization": hospital.pk}, format="json")
    assert response.status_code == 201, response.data
    fork_id = response.data["id"]
    assert response.data["origin"] == shared_library.pk and response.data["clause_count"] == 2
    fork_clause = Clause.objects.get(library_id=fork_id, key="api-fhir")
    upstream = shared_library.clauses.get(key="api-fhir")
    assert fork_clause.origin_id == upstream.pk and fork_clause.based_on == 1
    assert client.get(f"/api/v1/libraries/{fork_id}/updates/").data["count"] == 0

    clause_update(user=curator, clause=upstream, changes={"title": "Titre révisé"})
    updates = client.get(f"/api/v1/libraries/{fork_id}/updates/").data
    assert updates["count"] == 1
    assert updates["results"][0]["id"] == fork_clause.pk and updates["results"][0]["upstream_version"] == 2

    other = Clause.objects.get(library_id=fork_id, key="journal")
    response = client.post(f"/api/v1/libraries/{fork_id}/pull/", {"clauses": [other.pk]}, format="json")
    assert response.status_code == 400  # nothing to pull for that one

    response = client.post(f"/api/v1/libraries/{fork_id}/pull/", {"clauses": [fork_clause.pk]}, format="json")
    assert response.status_code == 200, response.data
    fork_clause.refresh_from_db()
    assert fork_clause.current.title == "Titre révisé" and fork_clause.current.number == 2 and fork_clause.based_on == 2
    assert client.get(f"/api/v1/libraries/{fork_id}/updates/").data["count"] == 0


def test_it_refuses_to_fork_into_someone_elses_organisation(api, shared_library, hospital_admin, group):
    response = api(hospital_admin).post(
        f"/api/v1/libraries/{shared_library.pk}/fork/", {"organization": group.pk}, format="json"
    )
    assert response.status_code == 400 and "organization" in response.data
    assert Library.objects.count() == 1


def _clauses(document):
    return document["clauses"]


def test_export_import_export_gives_the_same_clauses(api, shared_library, curator, group):
    client = api(curator)
    response = client.get(f"/api/v1/libraries/{shared_library.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    first = json.loads(response.content)
    assert first["format"] == "clausier-library/2" and len(first["clauses"]) == 2
    response = client.post("/api/v1/libraries/import/", {"organization": group.pk, "file": first}, format="json")
    assert response.status_code == 201, response.data
    second = json.loads(client.get(f"/api/v1/libraries/{response.data['id']}/export/").content)
    assert _clauses(second) == _clauses(first)
    assert second["name"] == first["name"]


@pytest.mark.parametrize(
    "mutate, path",
    [
        (lambda d: d.pop("format"), "$"),
        (lambda d: d.update(format="other/1"), "$.format"),
        (lambda d: d["clauses"][1].update(category="nope"), "$.clauses[1].category"),
        (lambda d: d["clauses"][0].update(body="{{ ghost }}"), "$.clauses[0].body"),
        (lambda d: d["clauses"][0]["parameters"][1].update(min=500), "$.clauses[0].parameters"),
        (lambda d: d["clauses"][1].update(key="api-fhir"), "$.clauses[1].key"),
        (lambda d: d["clauses"][0]["references"][0].update(url="ftp://x"), "$.clauses[0].references[0].url"),
    ],
)
def test_a_bad_import_names_the_json_path_and_creates_nothing(api, shared_library, curator, group, mutate, path):
    document = copy.deepcopy(library_export(shared_library))
    mutate(document)
    before = (Library.objects.count(), Clause.objects.count(), ClauseVersion.objects.count())
    response = api(curator).post(
        "/api/v1/libraries/import/", {"organization": group.pk, "file": document}, format="json"
    )
    assert response.status_code == 400
    assert any(message.startswith(path) for message in response.data["file"]), response.data
    assert (Library.objects.count(), Clause.objects.count(), ClauseVersion.objects.count()) == before


def test_a_truncated_import_is_a_clear_400(api, curator, group):
    body = '{"organization": %d, "file": {"format": "clausier-library/1", "clauses": [' % group.pk
    response = api(curator).post("/api/v1/libraries/import/", body, content_type="application/json")
    assert response.status_code == 400 and "JSON" in str(response.data)
    assert Library.objects.count() == 0


def test_a_20_mb_import_is_refused_with_413(api, curator, group):
    huge = {
        "organization": group.pk,
        "file": {"format": "clausier-library/1", "name": "x" * (20 * 1024 * 1024), "clauses": []},
    }
    response = api(curator).post("/api/v1/libraries/import/", huge, format="json")
    assert response.status_code == 413 and "octets" in response.json()["detail"]
    assert Library.objects.count() == 0


def test_import_and_fork_need_an_editor(api, shared_library, buyer, hospital):
    document = library_export(shared_library)
    assert (
        api(buyer)
        .post("/api/v1/libraries/import/", {"organization": hospital.pk, "file": document}, format="json")
        .status_code
        == 403
    )
    assert (
        api(buyer)
        .post(f"/api/v1/libraries/{shared_library.pk}/fork/", {"organization": hospital.pk}, format="json")
        .status_code
        == 403
    )


@pytest.mark.parametrize("url", ["/api/v1/libraries/", "/api/v1/clauses/"])
def test_list_endpoints_run_the_same_queries_at_any_size(api, library, curator, django_assert_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (5, 200):
        client = api(type(curator).objects.get(pk=curator.pk))
        for index in range(len(library.clauses.all()), size):
            make_clause(library, key=f"k{index}")
        other = LibraryFactory(organization=library.organization)
        make_clause(other, key="x")
        with CaptureQueriesContext(connection) as context:
            response = client.get(url + "?page_size=500")
        assert response.status_code == 200
        counts.append(len(context))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6


def test_making_a_shared_library_private_withdraws_it(api, shared_library, curator, buyer):
    assert api(buyer).get(f"/api/v1/libraries/{shared_library.pk}/").status_code == 200
    response = api(curator).patch(f"/api/v1/libraries/{shared_library.pk}/", {"visibility": "private"}, format="json")
    assert response.status_code == 200
    assert api(type(buyer).objects.get(pk=buyer.pk)).get(f"/api/v1/libraries/{shared_library.pk}/").status_code == 404
