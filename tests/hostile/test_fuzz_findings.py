"""Bugs schemathesis found against our OpenAPI schema, each pinned by a test."""

import pytest
from rest_framework.test import APIClient

from .test_cross_tenant import routes_with_ids, url_for

pytestmark = pytest.mark.django_db


def test_options_on_every_api_route_answers_without_a_server_error(dataset_a, member_b):
    """OPTIONS on PUT views (scores, consensus) was a 500: DRF's metadata called their missing get_queryset()."""
    for user in (dataset_a.admin, member_b):
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(user)
        for route, _names, _methods in routes_with_ids():
            if route.startswith("api/v1/"):
                response = client.options(url_for(route, dataset_a))
                assert response.status_code in (200, 405), (route, response.status_code)
                if response.status_code == 200:
                    assert "actions" not in response.json()  # no description of another organisation's object


def test_the_schema_says_a_clause_may_have_no_origin(dataset_a):
    """`origin` and `based_on` are null for a clause written in place; the schema said integer/string, not null."""
    client = APIClient()
    client.force_authenticate(dataset_a.admin)
    schema = client.get("/api/schema/?format=json").json()
    properties = schema["components"]["schemas"]["Clause"]["properties"]
    for name in ("origin", "based_on"):
        assert properties[name]["type"] == "integer" and properties[name]["nullable"] is True, properties[name]
    clause = client.get(f"/api/v1/clauses/{dataset_a.clause.pk}/").json()
    assert clause["origin"] is None and clause["based_on"] is None


def test_the_schema_does_not_offer_put_on_a_library(dataset_a):
    """The schema listed PUT /libraries/{id}/ while the server always answers 405 (PATCH changes a library)."""
    client = APIClient()
    client.force_authenticate(dataset_a.admin)
    schema = client.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/libraries/{id}/"]
    assert "put" not in operations and {"get", "patch", "delete"} <= set(operations)
    assert "put" in schema["paths"]["/api/v1/libraries/{id}/guidance/"]
    assert client.put(f"/api/v1/libraries/{dataset_a.library.pk}/", {"name": "x"}, format="json").status_code == 405
