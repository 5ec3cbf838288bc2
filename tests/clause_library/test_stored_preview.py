"""A clause version's preview is rendered once, when the version is written, and stored: a pathological
body (thousands of `![`) costs its rendering to its author once, never to every reader of a list."""

import pytest

from clause_library import markdown
from clause_library.models import ClauseVersion
from clause_library.services import clause_update

from ..factories import make_clause

pytestmark = pytest.mark.django_db


def test_the_preview_is_stored_with_the_default_values_and_escaped(library, curator):
    clause = make_clause(library, key="api", body="Sous {{ delai_jours }} jours <script>x</script> {{ fhir_version }}.")
    version = ClauseVersion.objects.get(pk=clause.current_id)
    assert '<span class="param">30</span>' in version.preview_html
    assert "<script>" not in version.preview_html and "&lt;script&gt;" in version.preview_html
    assert version.preview == version.preview_html


def test_lists_and_pages_read_the_stored_preview_without_rendering(api, library, curator, monkeypatch):
    hostile = "![" * 5000 + " {{ delai_jours }} {{ fhir_version }}"
    for index in range(5):
        make_clause(library, key=f"c{index}", body=hostile)
    clause_update(user=curator, clause=library.clauses.get(key="c0"), changes={"title": "Nouveau titre"})

    calls = []
    real = markdown.render_html
    monkeypatch.setattr(markdown, "render_html", lambda *a, **k: calls.append(1) or real(*a, **k))
    client = api(curator)
    listed = client.get(f"/api/v1/clauses/?library={library.pk}")
    assert listed.status_code == 200
    results = listed.data["results"] if isinstance(listed.data, dict) else listed.data
    assert len(results) == 5 and all("![" in item["preview"] for item in results)
    clause = library.clauses.get(key="c1")
    assert client.get(f"/api/v1/clauses/{clause.pk}/versions/").status_code == 200
    from django.test import Client

    browser = Client()
    browser.force_login(curator)
    assert browser.get(f"/libraries/{library.pk}/clauses/{clause.pk}/").status_code == 200
    assert calls == []


def test_a_text_whose_preview_exceeds_the_rendering_budget_is_refused_naming_the_body(api, curator, library, settings):
    """F5: the preview is rendered once, at the write, within CLAUSE_PREVIEW_BUDGET_SECONDS of CPU; over it, 400."""
    from clause_library.models import Clause

    from ..factories import clause_content

    settings.CLAUSE_PREVIEW_BUDGET_SECONDS = 0.0  # any rendering exceeds it
    payload = {"library": library.pk, "key": "budget", **clause_content(body="Un texte **ordinaire**.")}
    response = api(curator).post("/api/v1/clauses/", payload, format="json")
    assert response.status_code == 400
    assert "trop long à mettre en forme" in response.json()["body"][0]
    assert not Clause.objects.filter(key="budget").exists()

    settings.CLAUSE_PREVIEW_BUDGET_SECONDS = 1.0
    assert api(curator).post("/api/v1/clauses/", payload, format="json").status_code == 201
