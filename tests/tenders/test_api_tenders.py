import pytest

from tenders.models import Tender

from .conftest import make_tender

pytestmark = pytest.mark.django_db

TENDER_FIELDS = {
    "id",
    "organization",
    "reference",
    "title",
    "procedure",
    "status",
    "parameters",
    "price_formula",
    "tie_break",
    "require_justification",
    "sealed_price",
    "language",
    "completeness_annex",
    "duration_months",
    "price_basis",
    "price_lines",
    "single_lot_reason",
    "max_lots_per_bidder",
    "created_at",
    "updated_at",
    "published_at",
}


def payload(organization, **overrides):
    data = {
        "organization": organization.pk,
        "reference": "AO-2026-014",
        "title": "Dossier patient informatisé",
        "procedure": "open",
        "parameters": {"etablissement": "CHU Démo"},
        "price_formula": "linear",
        "sealed_price": True,
    }
    data.update(overrides)
    return data


def test_it_creates_a_tender_with_every_field(api, buyer, hospital):
    response = api(buyer).post("/api/v1/tenders/", payload(hospital), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == TENDER_FIELDS
    assert body["organization"] == hospital.pk
    assert body["reference"] == "AO-2026-014"
    assert body["title"] == "Dossier patient informatisé"
    assert body["procedure"] == "open"
    assert body["status"] == "draft"
    assert body["parameters"] == {"etablissement": "CHU Démo"}
    assert body["price_formula"] == "linear"
    assert body["sealed_price"] is True
    assert body["published_at"] is None
    assert body["created_at"].endswith(("+01:00", "+02:00", "Z"))
    tender = Tender.objects.get(pk=body["id"])
    assert tender.created_by == buyer


def test_it_lets_an_admin_create_but_not_an_evaluator(api, hospital_admin, evaluator, hospital):
    assert api(hospital_admin).post("/api/v1/tenders/", payload(hospital), format="json").status_code == 201
    response = api(evaluator).post("/api/v1/tenders/", payload(hospital), format="json")
    assert response.status_code == 403
    assert Tender.objects.count() == 1


def test_it_refuses_creating_in_another_organisation(api, buyer, other_hospital):
    response = api(buyer).post("/api/v1/tenders/", payload(other_hospital), format="json")
    assert response.status_code == 400
    assert "organization" in response.json()


def test_it_refuses_unknown_procedure_and_formula(api, buyer, hospital):
    response = api(buyer).post(
        "/api/v1/tenders/", payload(hospital, procedure="gré-à-gré", price_formula="magic"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"procedure", "price_formula"}


def test_it_refuses_tender_parameters_that_are_not_simple_values(api, buyer, hospital):
    response = api(buyer).post("/api/v1/tenders/", payload(hospital, parameters={"x": {"y": 1}}), format="json")
    assert response.status_code == 400
    assert "x" in response.json()["parameters"]


def test_it_lists_only_my_organisations_tenders(api, buyer, tender, other_tender):
    response = api(buyer).get("/api/v1/tenders/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [t["id"] for t in body["results"]] == [tender.pk]


def test_it_hides_other_organisations_tenders_everywhere(api, buyer, other_tender):
    client = api(buyer)
    base = f"/api/v1/tenders/{other_tender.pk}/"
    assert client.get(base).status_code == 404
    assert client.patch(base, {"title": "x"}, format="json").status_code == 404
    assert client.delete(base).status_code == 404
    assert client.post(base + "publish/").status_code == 404
    assert client.get(base + "clauses/").status_code == 404
    assert client.post(base + "clauses/", {"clause": 1}, format="json").status_code == 404
    assert client.post(base + "documents/", {"kind": "tender", "format": "pdf"}, format="json").status_code == 404
    assert Tender.objects.get(pk=other_tender.pk).title != "x"


def test_it_lets_an_evaluator_read_but_not_write(api, evaluator, tender):
    client = api(evaluator)
    base = f"/api/v1/tenders/{tender.pk}/"
    assert client.get(base).status_code == 200
    assert client.get(base + "clauses/").status_code == 200
    assert client.patch(base, {"title": "x"}, format="json").status_code == 403
    assert client.delete(base).status_code == 403
    assert client.post(base + "publish/").status_code == 403
    assert client.post(base + "documents/", {"kind": "tender", "format": "pdf"}, format="json").status_code == 403
    tender.refresh_from_db()
    assert tender.title != "x" and tender.status == "draft"


def test_it_updates_a_draft_tender(api, buyer, tender):
    response = api(buyer).patch(
        f"/api/v1/tenders/{tender.pk}/", {"title": "Nouveau titre", "parameters": {"a": 1}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Nouveau titre"
    assert response.json()["parameters"] == {"a": 1}


def test_it_deletes_a_draft_tender(api, buyer, tender):
    assert api(buyer).delete(f"/api/v1/tenders/{tender.pk}/").status_code == 204
    assert not Tender.objects.filter(pk=tender.pk).exists()


def test_it_requires_authentication(client, tender):
    assert client.get("/api/v1/tenders/").status_code in (401, 403)


def test_it_pins_the_tender_list_query_count(api, buyer, hospital, django_assert_num_queries):
    client = api(buyer)
    make_tender(hospital, buyer)
    client.get("/api/v1/tenders/")  # warm caches (content types…)
    with django_assert_num_queries(2) as small:
        client.get("/api/v1/tenders/")
    for index in range(30):
        make_tender(hospital, buyer, reference=f"AO-{index}")
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/api/v1/tenders/").json()["count"] == 31


def test_it_enforces_csrf_for_session_writes(buyer, hospital):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(buyer)
    response = client.post("/api/v1/tenders/", payload(hospital), format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Tender.objects.exists()


def test_it_describes_the_tender_endpoints_in_the_schema(api, buyer):
    schema = api(buyer).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/tenders/",
        "/api/v1/tenders/{id}/",
        "/api/v1/tenders/{id}/publish/",
        "/api/v1/tenders/{id}/documents/",
        "/api/v1/tenders/{tender_pk}/clauses/",
        "/api/v1/tenders/{tender_pk}/clauses/{id}/",
        "/api/v1/documents/{id}/",
        "/api/v1/documents/{id}/download/",
        "/api/v1/documents/{id}/retry/",
    ):
        assert path in paths, path
    assert "503" in paths["/api/v1/tenders/{id}/documents/"]["post"]["responses"]


def test_it_filters_the_list_by_status_and_organisation(api, buyer, hospital, tender):
    published = make_tender(hospital, buyer, reference="AO-PUB", status="published")
    client = api(buyer)
    assert [t["id"] for t in client.get("/api/v1/tenders/?status=published").json()["results"]] == [published.pk]
    assert client.get(f"/api/v1/tenders/?organization={hospital.pk}").json()["count"] == 2
    assert client.get("/api/v1/tenders/?status=nope").status_code == 400
