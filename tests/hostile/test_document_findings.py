"""Issue 18, the findings that live in the documents (1, 2 and 11).

Each test failed on the code before the fix and passes after it:
1. an evaluation report (prices, scores, ranking) was listed, linked and downloadable by any member
   of the tender's organisation, before the results were open to them;
2. `/media/` served every generated document without signing in when DEBUG was on;
11. a curator changing a library's coverage topics changed an already published tender's
    completeness annex on regeneration.
"""

import hashlib
import importlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import clear_url_caches
from rest_framework.test import APIClient

from clause_library.models import Library
from clause_library.services import library_guidance_update
from documents.models import Document
from organizations.models import Organization
from scoring import services as scoring
from tenders import services as tenders
from tenders.selectors import tender_document

from ..factories import OrganizationFactory, make_clause, member

pytestmark = pytest.mark.django_db

REPORT_BYTES = b"%PDF-1.7 prix 100000 EUR, classement, attributaire"


def api(user=None):
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def page(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def finished(tender, kind, format, content=REPORT_BYTES, stem="rapport-analyse"):
    """A done document with its file in the storage, as the job leaves it."""
    document = Document.objects.create(tender=tender, kind=kind, format=format)
    name = default_storage.save(f"documents/{tender.pk}/{document.pk}/{stem}.{format}", ContentFile(content))
    Document.objects.filter(pk=document.pk).update(
        status="done", progress=100, file=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content)
    )
    document.refresh_from_db()
    return document


@pytest.fixture
def evaluation():
    """A published tender with a sealed price, one bid, a declared evaluator, one who has not declared,
    a member of the organisation not named on the tender, and an evaluation report made before close."""
    organization = OrganizationFactory(name="CHU A", kind=Organization.Kind.HOSPITAL)
    lead = member(organization, "buyer", username="lead")
    declared = member(organization, "evaluator", username="declared")
    undeclared = member(organization, "evaluator", username="undeclared")
    unnamed = member(organization, "evaluator", username="unnamed")
    library = Library.objects.create(organization=organization, name="Clauses", visibility="private")
    clause = make_clause(library, key="api-fhir", user=lead)
    tender = tenders.tender_create(
        single_lot_reason="Prestation indivisible.",
        user=lead,
        organization=organization,
        reference="AO-A-1",
        title="DPI",
        sealed_price=True,
    )
    tenders.tender_clause_add(user=lead, tender=tender, clause=clause, parameters={})
    scoring.criteria_from_clauses(user=lead, tender=tender)
    tender = tenders.tender_publish(user=lead, tender=tender)
    scoring.bid_create(user=lead, tender=tender, vendor="Éditeur", price=100000)
    for user in (declared, undeclared):
        scoring.evaluator_add(user=lead, tender=tender, username=user.username)
    scoring.evaluator_declare(user=declared, tender=tender, no_conflict=True)
    return {
        "tender": tender,
        "lead": lead,
        "declared": declared,
        "undeclared": undeclared,
        "unnamed": unnamed,
        "report": finished(tender, "evaluation_report", "pdf"),
        "letters": finished(tender, "rejection_letters", "zip", stem="lettres-rejet"),
        "annex": finished(tender, "annex", "pdf", content=b"%PDF-1.7 annexe", stem="annexe-technique"),
    }


# Finding 1 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["undeclared", "unnamed", "declared"])
def test_a_member_who_may_not_read_the_results_gets_no_report_before_close(evaluation, who):
    user, tender = evaluation[who], evaluation["tender"]
    client = api(user)
    listed = client.get(f"/api/v1/tenders/{tender.pk}/documents/")
    assert listed.status_code == 200
    kinds = {row["kind"] for row in listed.json()["results"]}
    assert kinds == {"annex"}  # the tender's own file stays readable by every member
    for document in (evaluation["report"], evaluation["letters"]):
        assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
        download = client.get(f"/api/v1/documents/{document.pk}/download/")
        assert download.status_code == 404
        assert REPORT_BYTES not in b"".join(getattr(download, "streaming_content", [download.content]))
        assert client.post(f"/api/v1/documents/{document.pk}/retry/").status_code == 404
    annex = client.get(f"/api/v1/documents/{evaluation['annex'].pk}/download/")
    assert annex.status_code == 200
    editor = page(user).get(f"/tenders/{tender.pk}/")
    assert editor.status_code == 200
    html = editor.content.decode()
    assert f"/api/v1/documents/{evaluation['report'].pk}/" not in html
    assert f"/api/v1/documents/{evaluation['letters'].pk}/" not in html
    assert f"/api/v1/documents/{evaluation['annex'].pk}/" in html


def test_the_lead_lists_reads_and_downloads_the_report(evaluation):
    tender, client = evaluation["tender"], api(evaluation["lead"])
    kinds = {row["kind"] for row in client.get(f"/api/v1/tenders/{tender.pk}/documents/").json()["results"]}
    assert kinds == {"annex", "evaluation_report", "rejection_letters"}
    assert client.get(f"/api/v1/documents/{evaluation['report'].pk}/").status_code == 200
    download = client.get(f"/api/v1/documents/{evaluation['report'].pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == REPORT_BYTES
    assert (
        f"/api/v1/documents/{evaluation['report'].pk}/"
        in page(evaluation["lead"]).get(f"/tenders/{tender.pk}/").content.decode()
    )


@pytest.mark.usefixtures("scoring_settled")
def test_a_named_evaluator_reads_the_report_once_results_are_open_and_others_still_do_not(evaluation):
    tender, lead = evaluation["tender"], evaluation["lead"]
    scoring.tender_reveal(user=lead, tender=tender)
    scoring.tender_close_technical(user=lead, tender=tender)
    report = evaluation["report"].pk
    assert api(evaluation["declared"]).get(f"/api/v1/documents/{report}/download/").status_code == 200
    assert api(evaluation["unnamed"]).get(f"/api/v1/documents/{report}/download/").status_code == 404


def test_a_member_who_may_not_read_the_report_cannot_request_it(evaluation):
    tender = evaluation["tender"]
    before = Document.objects.count()
    for who in ("undeclared", "unnamed"):
        response = api(evaluation[who]).post(
            f"/api/v1/tenders/{tender.pk}/documents/", {"kind": "evaluation_report", "format": "pdf"}, format="json"
        )
        assert response.status_code == 403
    assert Document.objects.count() == before


def test_the_tender_document_list_runs_a_fixed_number_of_queries(evaluation, django_assert_max_num_queries):
    tender, client = evaluation["tender"], api(evaluation["undeclared"])
    url = f"/api/v1/tenders/{tender.pk}/documents/"
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    for _ in range(15):
        finished(tender, "annex", "docx", content=b"PK", stem="annexe-technique")
        finished(tender, "evaluation_report", "xlsx")
    with django_assert_max_num_queries(12) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# Finding 2 ------------------------------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def urls_in_mode(request, settings):
    """The URL configuration as it is built with DEBUG off and on (the media route was added at import)."""
    import config.urls

    settings.DEBUG = request.param
    importlib.reload(config.urls)
    clear_url_caches()
    yield request.param
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_media_never_serves_a_generated_document(evaluation, urls_in_mode):
    report = evaluation["report"]
    assert default_storage.exists(report.file.name)
    url = f"/media/{report.file.name}"
    for client in (page(), page(evaluation["unnamed"]), page(evaluation["lead"])):
        response = client.get(url)
        assert response.status_code == 404
        assert REPORT_BYTES not in b"".join(getattr(response, "streaming_content", [response.content]))
    # The authorising view still hands it to the lead.
    download = api(evaluation["lead"]).get(f"/api/v1/documents/{report.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == REPORT_BYTES


def test_the_download_hands_the_file_to_the_web_server_with_x_accel_redirect(evaluation, settings):
    settings.DOCUMENT_ACCEL_REDIRECT_PREFIX = "/protected/"
    report = evaluation["report"]
    response = api(evaluation["lead"]).get(f"/api/v1/documents/{report.pk}/download/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{report.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "AO-A-1" in response["Content-Disposition"]
    # The rule still comes first: no header for someone who may not read it.
    refused = api(evaluation["unnamed"]).get(f"/api/v1/documents/{report.pk}/download/")
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_the_download_redirects_to_a_signed_url_on_an_object_store(evaluation, settings, monkeypatch):
    settings.DOCUMENT_DOWNLOAD_REDIRECT = True
    asked = []

    def signed_url(name, parameters=None, expire=None):
        asked.append((name, parameters))
        return f"https://store.example/{name}?X-Amz-Expires=300&X-Amz-Signature=abc"

    monkeypatch.setattr(default_storage, "url", signed_url)
    report = evaluation["report"]
    response = api(evaluation["lead"]).get(f"/api/v1/documents/{report.pk}/download/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"https://store.example/{report.file.name}?")
    assert asked[0][1]["ResponseContentDisposition"].startswith("attachment")
    assert api(evaluation["unnamed"]).get(f"/api/v1/documents/{report.pk}/download/").status_code == 404


# Finding 11 -----------------------------------------------------------------------------------------


def test_a_published_tender_keeps_its_completeness_annex_when_the_curator_changes_the_topics():
    group = OrganizationFactory(name="Groupement", kind=Organization.Kind.PURCHASING_GROUP)
    hospital = OrganizationFactory(name="CHU", kind=Organization.Kind.HOSPITAL)
    curator = member(group, "curator", username="curator")
    buyer = member(hospital, "buyer", username="buyer")
    library = Library.objects.create(organization=group, name="Clauses du groupement", visibility="shared")
    library.shared_with.add(hospital)
    clause = make_clause(library, key="api-fhir", user=curator, tags=["covers:api"])
    make_clause(library, key="export", user=curator)
    topics = [{"key": "api", "title": "API FHIR"}, {"key": "export", "title": "Export en masse"}]
    library_guidance_update(user=curator, library=library, topics=topics, sets=[])
    tender = tenders.tender_create(
        single_lot_reason="Prestation indivisible.",
        user=buyer,
        organization=hospital,
        reference="AO-1",
        title="DPI",
        completeness_annex=True,
    )
    tenders.tender_clause_add(user=buyer, tender=tender, clause=clause, parameters={})
    tender = tenders.tender_publish(user=buyer, tender=tender)
    issued = tender_document(tender)["completeness"]
    assert [(t["key"], t["covered"]) for t in issued["topics"]] == [("api", True), ("export", False)]

    library_guidance_update(
        user=curator,
        library=library,
        topics=[{"key": "export", "title": "Export renommé"}, {"key": "audit", "title": "Journal d'audit"}],
        sets=[],
    )
    tender.refresh_from_db()
    assert tender_document(tender)["completeness"] == issued
