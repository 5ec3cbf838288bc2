"""Stale documents (issue 12, item 5): a document knows the tender version it was asked for; any
later change to the tender, its clauses, their values or its criteria makes it stale — on the page
("périmé — régénérer", a button that asks for the same kind and format) and in the API
(`stale: true`). A stale document still downloads. Lists stay at a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import Document
from scoring.models import Criterion
from tenders import services as tenders
from tenders.models import Tender

from ..tenders.conftest import make_clauses, make_tender

pytestmark = pytest.mark.django_db

STALE_LABEL = "périmé — régénérer"
STALE_NOTE = f'<span class="badge text-bg-warning">{STALE_LABEL}</span>'


@pytest.fixture
def eager(settings):
    from config.celery import app

    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


def request(client, tender, capture, kind="tender", format="docx"):
    with capture(execute=True):
        response = client.post(
            f"/api/v1/tenders/{tender.pk}/documents/", {"kind": kind, "format": format}, format="json"
        )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def detail(client, document_id):
    return client.get(f"/api/v1/documents/{document_id}/").json()


def test_a_parameter_change_makes_earlier_documents_stale_and_they_still_download(
    api, buyer, filled_tender, eager, django_capture_on_commit_callbacks
):
    client = api(buyer)
    first = request(client, filled_tender, django_capture_on_commit_callbacks)
    body = detail(client, first)
    assert body["status"] == "done" and body["stale"] is False and body["draft"] is True

    response = client.patch(f"/api/v1/tenders/{filled_tender.pk}/", {"parameters": {"delai_jours": 45}}, format="json")
    assert response.status_code == 200
    assert detail(client, first)["stale"] is True
    listed = client.get(f"/api/v1/tenders/{filled_tender.pk}/documents/").json()["results"]
    assert [(row["id"], row["stale"]) for row in listed] == [(first, True)]
    download = client.get(f"/api/v1/documents/{first}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"

    second = request(client, filled_tender, django_capture_on_commit_callbacks)
    assert detail(client, second)["stale"] is False
    assert detail(client, first)["stale"] is True


def test_the_editor_shows_stale_documents_and_offers_to_regenerate_them(
    api, client, buyer, evaluator, filled_tender, eager, django_capture_on_commit_callbacks
):
    document_id = request(api(buyer), filled_tender, django_capture_on_commit_callbacks, "questionnaire", "xlsx")
    client.force_login(buyer)
    page = client.get(f"/tenders/{filled_tender.pk}/").content.decode()
    assert STALE_NOTE not in page and 'data-stale="false"' in page
    tenders.tender_update(user=buyer, tender=filled_tender, changes={"title": "Nouveau titre"})
    page = client.get(f"/tenders/{filled_tender.pk}/").content.decode()
    assert STALE_NOTE in page and 'data-stale="true"' in page
    row = page[page.index(f'id="document-{document_id}"') :]
    row = row[: row.index("</li>")]
    assert 'name="kind" value="questionnaire"' in row and 'name="format" value="xlsx"' in row
    assert f"/tenders/{filled_tender.pk}/documents/" in row and "Régénérer" in row
    assert f"/api/v1/documents/{document_id}/download/" in row  # still downloadable
    # The regenerate button posts the same kind and format: a new, current document.
    response = client.post(f"/tenders/{filled_tender.pk}/documents/", {"kind": "questionnaire", "format": "xlsx"})
    assert response.status_code == 302
    newest = Document.objects.filter(tender=filled_tender).order_by("-id").first()
    assert (newest.kind, newest.format, newest.pk != document_id) == ("questionnaire", "xlsx", True)
    assert newest.stale is False
    # An evaluator reads the page and sees the label, but no button to regenerate.
    client.force_login(evaluator)
    page = client.get(f"/tenders/{filled_tender.pk}/").content.decode()
    assert STALE_NOTE in page and "Régénérer" not in page


def version(tender):
    return Tender.objects.values_list("content_version", flat=True).get(pk=tender.pk)


def test_every_write_that_changes_the_documents_raises_the_tender_version(api, buyer, filled_tender, library):
    tender = make_tender(filled_tender.organization, buyer, reference="AO-2")
    clauses = make_clauses(library, 3, prefix="other")
    seen = [version(tender)]

    def changed():
        seen.append(version(tender))
        assert seen[-1] > seen[-2]

    first = tenders.tender_clause_add(user=buyer, tender=tender, clause=clauses[0])
    changed()
    second = tenders.tender_clause_add(user=buyer, tender=tender, clause=clauses[1])
    changed()
    tenders.tender_clause_update(user=buyer, tender_clause=first, parameters={"delai_jours": 12})
    changed()
    tenders.tender_clause_update(user=buyer, tender_clause=second, position=0)
    changed()
    # "Enregistrer tout": several clauses' parameters at once
    tenders.tender_clauses_parameters_update(user=buyer, tender=tender, values={first.pk: {"delai_jours": 14}})
    changed()
    tenders.tender_update(user=buyer, tender=tender, changes={"parameters": {"fhir_version": "5.0.0"}})
    changed()
    client = api(buyer)
    created = client.post(
        f"/api/v1/tenders/{tender.pk}/criteria/", {"name": "Prix", "kind": "price", "weight": 100}, format="json"
    )
    assert created.status_code == 201, created.content
    changed()
    criterion = Criterion.objects.get(tender=tender)
    assert client.patch(f"/api/v1/criteria/{criterion.pk}/", {"name": "Coût"}, format="json").status_code == 200
    changed()
    assert client.delete(f"/api/v1/criteria/{criterion.pk}/").status_code == 204
    changed()
    tenders.tender_clause_remove(user=buyer, tender_clause=second)
    changed()
    assert client.post(f"/api/v1/tenders/{tender.pk}/criteria/from-clauses/", {}, format="json").status_code in (
        200,
        201,
    )
    changed()
    tenders.tender_publish(user=buyer, tender=tender)  # draft documents ("PROJET") are outdated by it
    changed()


def test_a_refused_change_leaves_the_version_alone(api, buyer, filled_tender):
    before = version(filled_tender)
    response = api(buyer).patch(
        f"/api/v1/tenders/{filled_tender.pk}/", {"parameters": {"delai_jours": "pas un nombre"}}, format="json"
    )
    assert response.status_code == 400
    assert version(filled_tender) == before


def _documents(tender, count):
    for index in range(count):
        Document.objects.create(
            tender=tender, kind=("tender", "questionnaire")[index % 2], format="docx", tender_version=index % 2
        )


@pytest.mark.parametrize("count", [2, 30])
def test_the_document_list_pins_its_query_count(api, buyer, filled_tender, count, django_assert_num_queries):
    _documents(filled_tender, count)
    Tender.objects.filter(pk=filled_tender.pk).update(content_version=1)
    client = api(buyer)
    url = f"/api/v1/tenders/{filled_tender.pk}/documents/?page_size=100"
    client.get(url)
    # tender, the lead's evaluator row (a lead may not also be an evaluator of the tender: read once for
    # the reader rules), count, page of documents with the tender's version
    with django_assert_num_queries(4):
        rows = client.get(url).json()["results"]
    assert sum(row["stale"] for row in rows) == (count + 1) // 2


@pytest.mark.parametrize("count", [2, 30])
def test_the_editor_pins_its_query_count_with_documents(client, buyer, evaluator, filled_tender, count):
    _documents(filled_tender, count)
    # The lead: 14 (as in tests/tenders/test_pages.py; one read says whether the lead is also an evaluator). An evaluator skips the editing tools (search,
    # recommended sets) but pays the reader rules' reads (named on the tender? evaluation state): 12.
    # The same at 2 and 30 documents.
    # +1 each: the library keys of the preview's document (tenders/selectors.py, guard_terms); +1 each: its lots.
    for user, expected in ((buyer, 16), (evaluator, 14)):
        client.force_login(user)
        client.get(f"/tenders/{filled_tender.pk}/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/tenders/{filled_tender.pk}/").status_code == 200
        assert len(queries) == expected, (user.username, [q["sql"][:90] for q in queries])
