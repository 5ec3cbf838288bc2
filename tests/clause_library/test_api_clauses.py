import pytest

from clause_library.models import Clause, ClauseVersion

from ..factories import clause_content, make_clause

pytestmark = pytest.mark.django_db


def payload(library, **overrides):
    return {"library": library.pk, "key": "api-fhir", **clause_content(), **overrides}


def test_it_creates_a_clause_with_every_field(api, library, curator):
    response = api(curator).post("/api/v1/clauses/", payload(library), format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert set(data) >= {
        "id",
        "library",
        "key",
        "title",
        "category",
        "language",
        "body",
        "parameters",
        "requirement",
        "question",
        "default_weight",
        "scale_max",
        "rubric",
        "references",
        "tags",
        "checks",
        "preview",
        "version",
        "updated_at",
    }
    assert data["version"] == 1
    assert data["library"] == library.pk
    assert data["default_weight"] == 10
    assert data["parameters"][1]["max"] == 365
    assert "4.0.1" in data["preview"] and "30" in data["preview"]
    assert "{{" not in data["preview"]


def test_it_makes_a_new_version_on_each_change_and_keeps_old_ones(api, library, curator):
    clause = make_clause(library)
    client = api(curator)
    response = client.patch(f"/api/v1/clauses/{clause.pk}/", {"title": "Nouveau titre"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["version"] == 2
    # A PATCH that changes nothing makes no version.
    assert client.patch(f"/api/v1/clauses/{clause.pk}/", {"title": "Nouveau titre"}, format="json").data["version"] == 2
    versions = client.get(f"/api/v1/clauses/{clause.pk}/versions/").data
    assert versions["count"] == 2
    assert [v["title"] for v in versions["results"]] == ["Accès à l'API FHIR", "Nouveau titre"]
    old = client.get(f"/api/v1/clauses/{clause.pk}/versions/1/")
    assert old.status_code == 200 and old.data["title"] == "Accès à l'API FHIR"
    assert client.get(f"/api/v1/clauses/{clause.pk}/versions/9/").status_code == 404


def test_it_never_changes_a_stored_version(library):
    clause = make_clause(library)
    version = ClauseVersion.objects.get(clause=clause)
    version.title = "changed"
    with pytest.raises(ValueError):
        version.save()


@pytest.mark.parametrize(
    "overrides, field, fragment",
    [
        ({"body": "Délai {{ inconnu }} jours."}, "body", "inconnu"),
        (
            {
                "parameters": [
                    {"name": "a", "type": "text", "default": "x"},
                    {"name": "a", "type": "text", "default": "y"},
                ],
                "body": "{{ a }}",
            },
            "parameters",
            "double",
        ),
        (
            {"parameters": [{"name": "d", "type": "integer", "default": 5, "min": 10, "max": 1}], "body": "{{ d }}"},
            "parameters",
            "min",
        ),
        ({"parameters": [{"name": "c", "type": "choice", "default": "x"}], "body": "{{ c }}"}, "parameters", "choix"),
        ({"parameters": [{"name": "t", "type": "colour"}], "body": "{{ t }}"}, "parameters", "colour"),
        ({"category": "nope"}, "category", "nope"),
        ({"checks": [{"type": "fhir_magic"}]}, "checks", "fhir_magic"),
        ({"rubric": [{"score": 9, "description": "trop"}]}, "rubric", "5"),
    ],
)
def test_it_refuses_bad_clauses_naming_the_field_and_stores_nothing(api, library, curator, overrides, field, fragment):
    response = api(curator).post("/api/v1/clauses/", payload(library, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.data, response.data
    assert fragment in " ".join(map(str, response.data[field]))
    assert Clause.objects.count() == 0 and ClauseVersion.objects.count() == 0


def test_it_refuses_a_bad_patch_and_keeps_the_clause(api, library, curator):
    clause = make_clause(library)
    response = api(curator).patch(f"/api/v1/clauses/{clause.pk}/", {"body": "{{ nouveau }}"}, format="json")
    assert response.status_code == 400 and "nouveau" in str(response.data["body"])
    clause.refresh_from_db()
    assert clause.current.number == 1 and ClauseVersion.objects.count() == 1


def test_it_answers_in_english_when_asked(api, library, curator):
    response = api(curator).post(
        "/api/v1/clauses/", payload(library, category="nope"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "not a valid choice" in str(response.data["category"])


def test_it_filters_and_searches(api, library, curator):
    make_clause(library, key="a")
    make_clause(
        library, key="b", category="security", title="Journalisation des accès", body="Tracer les accès.", parameters=[]
    )
    make_clause(library, key="c", requirement="mandatory", default_weight=None, tags=["software:lab"])
    client = api(curator)
    assert [c["key"] for c in client.get("/api/v1/clauses/?category=security").data["results"]] == ["b"]
    assert [c["key"] for c in client.get("/api/v1/clauses/?requirement=mandatory").data["results"]] == ["c"]
    assert [c["key"] for c in client.get("/api/v1/clauses/?q=journalisation").data["results"]] == ["b"]
    assert [c["key"] for c in client.get("/api/v1/clauses/?tag=software:lab").data["results"]] == ["c"]
    assert client.get(f"/api/v1/clauses/?library={library.pk}").data["count"] == 3
    assert client.get("/api/v1/clauses/?library=abc").status_code == 400


def test_it_refuses_a_duplicate_key(api, library, curator):
    make_clause(library)
    response = api(curator).post("/api/v1/clauses/", payload(library), format="json")
    assert response.status_code == 400 and "key" in response.data


def test_it_deletes_a_clause(api, library, curator):
    clause = make_clause(library)
    assert api(curator).delete(f"/api/v1/clauses/{clause.pk}/").status_code == 204
    assert not Clause.objects.exists()
