"""Hostile request bodies: oversized, deeply nested, not UTF-8, huge or pathological Markdown."""

import json
import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from clause_library.models import Clause

from ..factories import clause_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_api(dataset_a):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(dataset_a.admin)
    return client


def new_clause(dataset_a, **overrides):
    return {"library": dataset_a.library.pk, "key": "hostile", **clause_content(**overrides)}


def test_it_refuses_an_oversized_json_body_with_a_413_that_says_so(curator_api, dataset_a, settings):
    settings.MAX_UPLOAD_BYTES = 20_000
    body = json.dumps(new_clause(dataset_a, body="x" * 30_000))
    response = curator_api.post("/api/v1/clauses/", body, content_type="application/json")
    assert response.status_code == 413
    assert "trop volumineuse" in response.json()["detail"]
    assert not Clause.objects.filter(key="hostile").exists()


def test_it_refuses_an_oversized_form_post_with_a_413_page(dataset_a, settings):
    settings.MAX_UPLOAD_BYTES = 20_000
    client = Client(raise_request_exception=False)
    client.force_login(dataset_a.admin)
    response = client.post("/libraries/new/", {"name": "x" * 30_000, "organization": dataset_a.organization.pk})
    assert response.status_code == 413
    assert "trop volumineuse" in response.content.decode()


@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")])
def test_it_answers_400_to_deeply_nested_json(curator_api, opening, closing):
    depth = 100_000
    body = opening * depth + "1" + closing * depth
    for url in ("/api/v1/clauses/", "/api/v1/tenders/", "/api/v1/libraries/import/"):
        response = curator_api.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)


def test_it_answers_400_to_nested_json_inside_a_field(curator_api, dataset_a):
    depth = 900  # parses, but is far deeper than anything a clause holds
    nested = '{"a":' * depth + "null" + "}" * depth
    payload = json.dumps(new_clause(dataset_a, parameters=["NESTED"])).replace('"NESTED"', nested)
    response = curator_api.post("/api/v1/clauses/", payload, content_type="application/json")
    assert response.status_code == 400


def test_it_answers_400_to_a_body_that_is_not_utf8(curator_api, dataset_a):
    payload = json.dumps(new_clause(dataset_a, title="TITLE")).encode().replace(b"TITLE", b"\xff\xfe\xc3(")
    response = curator_api.post("/api/v1/clauses/", payload, content_type="application/json")
    assert response.status_code == 400
    assert not Clause.objects.filter(key="hostile").exists()


def test_it_does_not_fail_on_form_posts_and_queries_that_are_not_utf8(dataset_a):
    client = Client(raise_request_exception=False)
    client.force_login(dataset_a.admin)
    response = client.post(
        "/libraries/new/", b"name=%FF%FE&organization=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 302, 400)
    assert client.get("/api/v1/clauses/?q=%FF%FE%C3%28").status_code in (200, 400)
    assert client.get("/libraries/?q=%FF%FE").status_code in (200, 400)


def test_it_refuses_a_clause_body_over_the_limit(curator_api, dataset_a):
    response = curator_api.post("/api/v1/clauses/", new_clause(dataset_a, body="x" * 50_001), format="json")
    assert response.status_code == 400
    assert "body" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        "> " * 25_000,  # quotes nested 25,000 deep
        "- " * 25_000,  # lists nested as deep
        "*a " * 16_000,  # unclosed emphasis everywhere
        "[" * 25_000 + "](x)",  # link brackets
        "| a " * 10_000 + "|\n" + "| - " * 10_000 + "|\n",  # a table 10,000 columns wide
        "`" * 49_999,
        "{{ " * 16_000,  # placeholder openings without names
    ],
    ids=["quotes", "lists", "emphasis", "brackets", "table", "backticks", "placeholders"],
)
def test_pathological_markdown_renders_quickly_and_bounded(curator_api, dataset_a, body):
    # CPU time of this process, not wall time: a quadratic parser shows in it, a busy machine (parallel
    # test processes, other jobs) does not.
    started = time.process_time()
    response = curator_api.post("/api/v1/clauses/", new_clause(dataset_a, body=body, parameters=[]), format="json")
    elapsed = time.process_time() - started
    assert response.status_code in (201, 400), response.status_code
    assert elapsed < 5, elapsed
    if response.status_code == 201:
        assert len(response.json()["preview"]) < 20 * len(body)


def test_deeply_nested_json_to_the_probe_is_a_400(curator_api, dataset_a):
    """The probe view names its own parsers: it must use the project's JSON parser too."""
    depth = 100_000
    response = curator_api.post(
        f"/api/v1/bids/{dataset_a.bid.pk}/probe/", "[" * depth + "]" * depth, content_type="application/json"
    )
    assert response.status_code == 400
