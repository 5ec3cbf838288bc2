"""A date parameter reads in words wherever a clause is shown (« 26 mars 2029 », never 2029-03-26):
the clause page's preview and parameter table, the API previews and the tender editor's preview."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from clause_library.models import Clause, Library
from clause_library.parameters import display_values
from tenders.models import Tender, TenderClause
from tenders.selectors import rendered_body

from ..factories import make_clause

pytestmark = pytest.mark.django_db

DEADLINE = {"name": "fin_support", "label": "Fin du support", "type": "date", "default": "2029-03-26"}


def deadline_clause(library, language="fr"):
    return make_clause(
        library,
        key=f"support-{language}",
        language=language,
        body="Support assuré jusqu'au {{ fin_support }}.",
        parameters=[DEADLINE],
    )


def text(page):
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_display_values_writes_dates_in_words_and_leaves_the_rest():
    definitions = [DEADLINE, {"name": "delai", "type": "integer"}]
    values = {"fin_support": "2029-03-26", "delai": 30}
    assert display_values(definitions, values, "fr") == {"fin_support": "26 mars 2029", "delai": 30}
    assert display_values(definitions, values, "en")["fin_support"] == "26 March 2029"
    assert display_values(definitions, {"fin_support": "bientôt"}, "fr") == {"fin_support": "bientôt"}


@pytest.mark.parametrize("language, words", [("fr", "26 mars 2029"), ("en", "26 March 2029")])
def test_the_clause_page_and_the_api_show_the_date_in_words(library, hospital, buyer, api, language, words):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    clause = deadline_clause(library, language)
    client = Client()
    client.force_login(buyer)
    page = client.get(reverse("clause_library:clause_detail", args=[library.pk, clause.pk])).content.decode()
    preview = re.search(r'<span class="param">([^<]*)</span>', page).group(1)
    assert preview == words
    assert "2029-03-26" not in text(page)
    data = api(buyer).get(f"/api/v1/clauses/{clause.pk}/").json()
    assert words in data["preview"] and "2029-03-26" not in data["preview"]
    version = api(buyer).get(f"/api/v1/clauses/{clause.pk}/versions/1/").json()
    assert words in version["preview"]


def test_the_tender_editor_preview_shows_the_date_in_words(library, hospital):
    clause = Clause.objects.select_related("current").get(pk=deadline_clause(library).pk)
    tender = Tender.objects.create(organization=hospital, reference="AO-1", title="DPI")
    tender_clause = TenderClause.objects.create(tender=tender, version=clause.current, clause=clause, position=1)
    assert "26 mars 2029" in rendered_body(tender_clause, tender)


def test_the_migration_renders_again_the_stored_previews_that_showed_an_iso_date(library):
    import importlib

    from django.apps import apps

    from clause_library.models import ClauseVersion

    migration = importlib.import_module("clause_library.migrations.0008_clause_preview_dates_in_words")
    dated = deadline_clause(library).current
    plain = make_clause(library, key="sans-date").current
    ClauseVersion.objects.filter(pk=dated.pk).update(preview_html="<p>Support assuré jusqu'au 2029-03-26.</p>")
    ClauseVersion.objects.filter(pk=plain.pk).update(preview_html="<p>inchangé</p>")
    migration.rerender_previews_with_dates(apps, None)
    assert "26 mars 2029" in ClauseVersion.objects.get(pk=dated.pk).preview_html
    assert ClauseVersion.objects.get(pk=plain.pk).preview_html == "<p>inchangé</p>"
