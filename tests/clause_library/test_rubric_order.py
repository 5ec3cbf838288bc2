"""A rubric keeps the order its author gave the levels: saved through the API or the clause form, read
back, exported in the library file and shown to evaluators in that order, never re-sorted by score."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from clause_library.models import Clause

from ..factories import make_clause
from .test_pages_clauses import form_data

pytestmark = pytest.mark.django_db

# Best level first, then the others: not the order of the scores.
AUTHOR_ORDER = [
    {"score": 5, "description": "Toutes les ressources exigées, documentées"},
    {"score": 0, "description": "Aucune API"},
    {"score": 3, "description": "Ressources principales seulement"},
]


def scores(rubric):
    return [level["score"] for level in rubric]


def test_the_api_keeps_the_author_s_order_and_a_reordering_makes_a_version(api, library, curator):
    clause = make_clause(library)
    client = api(curator)
    response = client.patch(f"/api/v1/clauses/{clause.pk}/", {"rubric": AUTHOR_ORDER}, format="json")
    assert response.status_code == 200, response.data
    assert scores(response.data["rubric"]) == [5, 0, 3]
    version = response.data["version"]
    assert scores(client.get(f"/api/v1/clauses/{clause.pk}/versions/{version}/").data["rubric"]) == [5, 0, 3]

    # Moving one level is a change of its own: it makes a new version that keeps the new order.
    moved = [AUTHOR_ORDER[1], AUTHOR_ORDER[0], AUTHOR_ORDER[2]]
    response = client.patch(f"/api/v1/clauses/{clause.pk}/", {"rubric": moved}, format="json")
    assert response.data["version"] == version + 1 and scores(response.data["rubric"]) == [0, 5, 3]
    assert scores(Clause.objects.get(pk=clause.pk).current.rubric) == [0, 5, 3]


def test_the_clause_form_keeps_the_order_and_the_clause_page_shows_it(library, curator):
    client = Client()
    client.force_login(curator)
    response = client.post(
        reverse("clause_library:clause_create", args=[library.pk]), form_data(rubric=json.dumps(AUTHOR_ORDER))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    clause = Clause.objects.get(library=library, key="nouvelle-clause")
    assert scores(clause.current.rubric) == [5, 0, 3]
    page = client.get(reverse("clause_library:clause_detail", args=[library.pk, clause.pk])).content.decode()
    table = re.search(r'<table class="table table-sm rubric-table">.*?</table>', page, re.S).group(0)
    shown = re.findall(r"<tr><td>(\d+)</td><td>", table)
    assert shown == ["5", "0", "3"]


def test_the_library_file_carries_the_rubric_in_the_author_s_order_both_ways(api, library, curator, group):
    make_clause(library, key="api-fhir", rubric=AUTHOR_ORDER)
    client = api(curator)
    exported = client.get(f"/api/v1/libraries/{library.pk}/export/")
    assert exported.status_code == 200
    document = json.loads(b"".join(exported.streaming_content) if exported.streaming else exported.content)
    (clause,) = document["clauses"]
    assert scores(clause["rubric"]) == [5, 0, 3]

    imported = client.post("/api/v1/libraries/import/", {"organization": group.pk, "file": document}, format="json")
    assert imported.status_code == 201, imported.data
    copy = Clause.objects.get(library_id=imported.data["id"], key="api-fhir")
    assert scores(copy.current.rubric) == [5, 0, 3]
