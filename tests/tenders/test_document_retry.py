"""Retrying a document follows the kind's reader rule: a buyer named evaluator on the tender (who may not
read the evaluation report before the results are open to them) gets 404 for the report, on the page and
on the API, and nothing is queued. Failed on the page before the fix (the report went back to the queue)."""

from types import SimpleNamespace

import pytest

from documents.models import Document
from scoring.models import Evaluator

from ..factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch, django_capture_on_commit_callbacks):
    """The ids sent to the broker (none really: no worker in these tests). Each request runs its
    after-commit callbacks, where the job is queued."""
    from tenders import services

    sent = SimpleNamespace(ids=[], commit=lambda: django_capture_on_commit_callbacks(execute=True))
    monkeypatch.setattr(services, "document_enqueue", lambda *, document: sent.ids.append(document.pk) or True)
    return sent


@pytest.fixture
def named_buyer(hospital, tender):
    """A buyer of the organisation named evaluator on the tender: an evaluator there (scoring/access.py)."""
    user = member(hospital, "buyer", username="buyer-evaluator")
    Evaluator.objects.create(tender=tender, user=user)
    return user


def failed(tender, kind, format):
    return Document.objects.create(tender=tender, kind=kind, format=format, status="failed", error="boom", attempts=1)


def page_retry(client, user, document, queued):
    client.force_login(user)
    with queued.commit():
        return client.post(f"/tenders/{document.tender_id}/documents/{document.pk}/retry/")


def api_retry(client, document, queued):
    with queued.commit():
        return client.post(f"/api/v1/documents/{document.pk}/retry/")


def unchanged(document):
    row = Document.objects.get(pk=document.pk)
    return (row.status, row.error, row.attempts) == ("failed", "boom", 1)


def test_a_buyer_named_evaluator_cannot_retry_the_report_on_the_page(client, named_buyer, tender, queued):
    report = failed(tender, "evaluation_report", "pdf")
    assert page_retry(client, named_buyer, report, queued).status_code == 404
    assert unchanged(report) and queued.ids == []


def test_a_buyer_named_evaluator_cannot_retry_the_report_on_the_api(api, named_buyer, tender, queued):
    for kind, format in (("evaluation_report", "pdf"), ("rejection_letters", "zip")):
        document = failed(tender, kind, format)
        assert api_retry(api(named_buyer), document, queued).status_code == 404
        assert unchanged(document)
    assert queued.ids == []


def test_a_buyer_named_evaluator_still_retries_the_tender_file(client, named_buyer, tender, queued):
    annex = failed(tender, "annex", "pdf")
    assert page_retry(client, named_buyer, annex, queued).status_code == 302
    assert Document.objects.get(pk=annex.pk).status == "queued" and queued.ids == [annex.pk]


def test_the_lead_retries_the_report(client, api, buyer, tender, queued):
    report = failed(tender, "evaluation_report", "pdf")
    assert page_retry(client, buyer, report, queued).status_code == 302
    assert Document.objects.get(pk=report.pk).status == "queued"
    letters = failed(tender, "rejection_letters", "zip")
    assert api_retry(api(buyer), letters, queued).status_code == 202
    assert queued.ids == [report.pk, letters.pk]


def test_an_evaluator_and_an_outsider_are_refused(client, evaluator, outsider, tender, queued):
    report = failed(tender, "evaluation_report", "pdf")
    assert page_retry(client, evaluator, report, queued).status_code == 403
    assert page_retry(client, outsider, report, queued).status_code == 404
    assert unchanged(report) and queued.ids == []
