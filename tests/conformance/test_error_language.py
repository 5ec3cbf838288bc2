"""Why a probe failed or waits, and why a document could not be fetched, in the reader's language: the row
keeps message codes (or the French source of a gettext_noop'ed note), never the worker's sentence."""

import json

import pytest
from django.test import Client
from django.utils import translation

from conformance import report as probe_report
from conformance import services, tasks
from conformance.checks import error_text
from documents import jobs
from scoring.models import Bid

from .conftest import SMART_22, fixture_json, json_route

pytestmark = pytest.mark.django_db


def unreadable(probed):
    """A report whose only document is not JSON (the SMART configuration is not given): it fails."""
    report = services.probe_request(user=probed.lead, bid=probed.bid, files={"capability_statement": b"not json"})
    with translation.override("fr"):  # the worker writes in French
        return services.probe_run(report_id=report.pk)


def in_language(language, stored):
    with translation.override(language):
        return error_text(stored)


def page_of(probed, language):
    client = Client()
    client.force_login(probed.lead)
    url = f"/evaluation/tenders/{probed.tender.pk}/bids/{probed.bid.pk}/"
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_it_keeps_the_note_of_a_probe_that_read_nothing_as_codes(probed):
    report = unreadable(probed)
    assert report.status == "failed"
    parts = json.loads(report.error)["parts"]
    assert parts[0] == {"id": "%(document)s :", "params": {"document": "capability_statement"}}
    assert parts[-1] == {"id": "Document non fourni.", "params": {}}


def test_it_shows_that_note_in_each_readers_language(probed):
    report = unreadable(probed)
    french, english = in_language("fr", report.error), in_language("en", report.error)
    assert french.startswith("capability_statement : JSON illisible : ")
    assert french.endswith(" smart_configuration : Document non fourni.")
    assert english.startswith("capability_statement: Unreadable JSON: ")
    assert english.endswith(" smart_configuration: Document not provided.")


def test_the_bid_page_shows_the_note_in_the_pages_language(probed):
    unreadable(probed)
    english = page_of(probed, "en")
    assert "capability_statement: Unreadable JSON" in english and "JSON illisible" not in english
    assert "Document not provided." in english and "Document non fourni." not in english
    french = page_of(probed, "fr")
    assert "capability_statement : JSON illisible" in french and "Unreadable JSON" not in french


def test_the_evaluation_report_writes_the_note_in_its_own_language(probed):
    unreadable(probed)
    bids = [{"id": probed.bid.pk, "vendor": probed.bid.vendor}]
    with translation.override("en"):
        [english] = probe_report.probe_entries(probed.tender, bids)
    with translation.override("fr"):
        [french] = probe_report.probe_entries(probed.tender, bids)
    assert english["error"].startswith("capability_statement: Unreadable JSON")
    assert french["error"].startswith("capability_statement : JSON illisible")


def test_the_note_of_a_job_that_gave_up_is_shown_in_each_language(probed):
    report = services.probe_request(user=probed.lead, bid=probed.bid, files={"capability_statement": b"{}"})
    with translation.override("fr"):
        tasks.run_probe.on_failure(RuntimeError("boom"), "task-id", (report.pk,), {}, None)
    report.refresh_from_db()
    assert report.status == "failed"
    assert json.loads(report.error)["parts"] == [
        {"id": "Le sondage a échoué ; relancez-le. (%(error)s)", "params": {"error": "RuntimeError"}}
    ]
    assert in_language("fr", report.error) == "Le sondage a échoué ; relancez-le. (RuntimeError)"
    assert in_language("en", report.error) == "The probe failed; run it again. (RuntimeError)"


def test_plain_notes_go_through_gettext_and_older_french_notes_stay_as_they_were():
    assert in_language("fr", jobs.BROKER_DOWN_NOTE) == jobs.BROKER_DOWN_NOTE
    assert in_language("en", jobs.BROKER_DOWN_NOTE) == (
        "The job queue is unreachable; the request is kept and will be sent again."
    )
    older = "capability_statement : JSON illisible : Expecting value: line 1 column 1 (char 0)"
    assert in_language("en", older) == older
    assert in_language("en", "{not json") == "{not json"
    assert in_language("en", "") == ""


def test_a_fetch_refusal_is_shown_in_the_readers_language_in_api_md_s_shape(
    api, probed, server, allow_local, eager, django_capture_on_commit_callbacks
):
    server.routes["/fhir/metadata"] = json_route(b"", status=302, headers={"Location": "http://10.0.0.1/metadata"})
    server.routes["/fhir/.well-known/smart-configuration"] = json_route(fixture_json(SMART_22))
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=server.url("/fhir"))
    url = f"/api/v1/bids/{probed.bid.pk}/probe/"
    with django_capture_on_commit_callbacks(execute=True), translation.override("fr"):
        assert api(probed.lead).post(url, {}, format="multipart").status_code == 202
    english = api(probed.lead).get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    french = api(probed.lead).get(url, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert english["documents"][0]["errors"] == ["Redirect refused (HTTP 302 to http://10.0.0.1/metadata)."]
    assert french["documents"][0]["errors"] == ["Redirection refusée (HTTP 302 vers http://10.0.0.1/metadata)."]
    assert set(english) == {"status", "fetched_at", "source", "documents", "results"}
    assert all(set(d) == {"kind", "sha256", "valid", "errors"} for d in english["documents"])
