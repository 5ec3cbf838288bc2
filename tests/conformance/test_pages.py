"""Where people see the probe: the bid page (lead runs or uploads, readers read), the evaluator's grid."""

import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from conformance.models import MAX_DOCUMENT_BYTES, ProbeReport
from scoring.models import Bid, Criterion, Evaluator

from .conftest import (
    INFERNO,
    SMART_22,
    fixture_json,
    fixture_text,
    make_probe_tender,
    with_plain_pkce,
    without_search_type,
)
from .test_display import probe

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def bid_page(bid):
    return f"/evaluation/tenders/{bid.tender_id}/bids/{bid.pk}/"


def upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = data if isinstance(data, bytes) else (data if isinstance(data, str) else json.dumps(data)).encode()
    return SimpleUploadedFile(name, body, content_type="application/json")


# The bid page ------------------------------------------------------------------------------------


def test_it_lets_the_lead_set_the_url_and_run_the_probe(probed, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("conformance.services.probe_enqueue", lambda *, report: queued.append(report.pk) or True)
    client = browser(probed.lead)
    page = client.get(bid_page(probed.bid)).content.decode()
    assert "Lancer la vérification" in page and "Aucune vérification n'a encore été lancée" in page
    assert 'name="capability_statement"' in page and 'enctype="multipart/form-data"' in page

    refused = client.post(
        bid_page(probed.bid), {"action": "fhir_base_url", "fhir_base_url": "http://10.0.0.1/fhir"}, follow=True
    )
    assert "adresse https:// valide" in refused.content.decode()
    probed.bid.refresh_from_db()
    assert probed.bid.fhir_base_url == ""

    client.post(bid_page(probed.bid), {"action": "fhir_base_url", "fhir_base_url": "https://sandbox.example.org/fhir"})
    probed.bid.refresh_from_db()
    assert probed.bid.fhir_base_url == "https://sandbox.example.org/fhir"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(bid_page(probed.bid), {"action": "probe"})
    assert response.status_code == 302 and response["Location"].endswith("#probe")
    report = ProbeReport.objects.get(bid=probed.bid)
    assert (report.source, report.base_url, report.status) == ("url", "https://sandbox.example.org/fhir", "queued")
    assert queued == [report.pk]
    page = client.get(bid_page(probed.bid)).content.decode()
    assert "En file d&#x27;attente" in page and "Actualiser" in page


def test_it_runs_the_probe_on_uploaded_documents_and_shows_the_report(
    probed, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(
        "conformance.services.probe_enqueue",
        lambda *, report: __import__("conformance.services").services.probe_run(report_id=report.pk) and True,
    )
    client = browser(probed.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            bid_page(probed.bid),
            {
                "action": "upload",
                "capability_statement": upload("metadata.json", fixture_text(INFERNO)),
                "smart_configuration": upload("smart.json", with_plain_pkce(fixture_json(SMART_22))),
            },
        )
    report = ProbeReport.objects.get(bid=probed.bid)
    assert report.status == "done" and report.source == "upload"
    page = client.get(bid_page(probed.bid)).content.decode()
    assert "Terminé" in page and "Documents téléversés" in page
    for document in report.documents:
        assert document["sha256"][:16] in page
    assert "9 conformes, 1 non conformes, 0 non vérifiables" in page
    assert "PKCE S256 (sans « plain »)" in page and "$.code_challenge_methods_supported" in page


def test_it_refuses_an_oversized_or_missing_upload(probed):
    client = browser(probed.lead)
    big = upload("metadata.json", b"{" + b" " * MAX_DOCUMENT_BYTES + b"}")
    page = client.post(bid_page(probed.bid), {"action": "upload", "capability_statement": big}, follow=True)
    assert "Fichier trop volumineux" in page.content.decode()
    page = client.post(bid_page(probed.bid), {"action": "upload"}, follow=True)
    assert "Choisissez au moins un document" in page.content.decode()
    page = client.post(bid_page(probed.bid), {"action": "probe"}, follow=True)
    assert "pas d&#x27;URL de base FHIR" in page.content.decode()
    assert not ProbeReport.objects.exists()


def test_it_shows_the_evaluator_the_report_but_no_run_button(probed):
    probe(probed.bid, probed.lead, fixture_text(INFERNO), fixture_text(SMART_22))
    client = browser(probed.evaluator)
    page = client.get(bid_page(probed.bid)).content.decode()
    assert "10 conformes, 0 non conformes, 0 non vérifiables" in page
    assert "Lancer la vérification" not in page and 'name="capability_statement"' not in page
    assert client.post(bid_page(probed.bid), {"action": "probe"}).status_code == 403
    assert ProbeReport.objects.count() == 1


def test_it_hides_the_bid_page_from_another_organisation(probed, outsider, other_hospital, library):
    client = browser(outsider)
    assert client.get(bid_page(probed.bid)).status_code == 404
    assert client.post(bid_page(probed.bid), {"action": "probe"}).status_code == 404
    # A bid of another tender is not reachable through this tender's address either.
    other, _clauses = make_probe_tender(other_hospital, library, reference="AO-AUTRE", key_prefix="o-")
    stranger = Bid.objects.create(tender=other, vendor="Autre", price=1)
    assert browser(probed.lead).get(f"/evaluation/tenders/{probed.tender.pk}/bids/{stranger.pk}/").status_code == 404
    assert not ProbeReport.objects.exists()


def test_it_links_each_bid_to_its_page(probed):
    page = browser(probed.lead).get(f"/evaluation/tenders/{probed.tender.pk}/bids/").content.decode()
    assert f'href="{bid_page(probed.bid)}"' in page


@pytest.mark.parametrize("reports", [1, 5])
def test_it_renders_the_bid_page_in_a_fixed_number_of_queries(probed, reports, django_assert_num_queries):
    for _index in range(reports):
        probe(probed.bid, probed.lead, fixture_text(INFERNO), fixture_text(SMART_22))
    client = browser(probed.evaluator)
    # session, user, tender, roles, evaluator, state, bid, latest report, tender clauses, then the bid's
    # answers, eliminatory decisions and the criteria tree (issue 14: answers and decisions on the bid page)
    with django_assert_num_queries(BID_PAGE_QUERIES):
        assert client.get(bid_page(probed.bid)).status_code == 200


BID_PAGE_QUERIES = 12


# The evaluator's grid ----------------------------------------------------------------------------


def graded(probed):
    """Criteria drawn from the probed tender's clauses (and one that is not), for the evaluator's grid."""
    clauses = probed.clauses
    criteria = SimpleNamespace(
        patient=Criterion.objects.create(
            tender=probed.tender,
            name="Accès aux patients",
            kind="scored",
            weight=40,
            position=1,
            tender_clause=clauses["patient"],
        ),
        smart=Criterion.objects.create(
            tender=probed.tender,
            name="Autorisation SMART",
            kind="scored",
            weight=40,
            position=2,
            tender_clause=clauses["smart"],
        ),
        support=Criterion.objects.create(
            tender=probed.tender, name="Accompagnement", kind="scored", weight=20, position=3
        ),
    )
    return criteria


def row_of(html, criterion):
    start = html.index(f'data-criterion="{criterion.pk}"')
    end = html.find("data-criterion=", start + 20)
    return html[start : end if end != -1 else len(html)]


def test_it_shows_a_failed_check_beside_its_criterion_in_the_grid(probed):
    criteria = graded(probed)
    probe(probed.bid, probed.lead, without_search_type(fixture_json(INFERNO)), fixture_text(SMART_22))
    html = browser(probed.evaluator).get(f"/evaluation/tenders/{probed.tender.pk}/grid/").content.decode()
    patient = row_of(html, criteria.patient)
    assert "Non conforme" in patient
    assert "Ressource Patient — interactions read, search-type — recherche par identifier" in patient
    assert "<details>" in patient and "$.rest[0].resource" in patient
    smart = row_of(html, criteria.smart)
    assert smart.count("probe-outcome-pass") == 4 and "Non conforme" not in smart
    assert "Vérification automatique" not in row_of(html, criteria.support)


@pytest.mark.parametrize("bids", [1, 4])
def test_it_renders_the_grid_with_probes_in_a_fixed_number_of_queries(probed, bids, django_assert_num_queries):
    graded(probed)
    for index in range(bids):
        bid = probed.bid if index == 0 else Bid.objects.create(tender=probed.tender, vendor=f"V{index}", price=1)
        probe(bid, probed.lead, fixture_text(INFERNO), fixture_text(SMART_22))
    Evaluator.objects.filter(user=probed.evaluator).update(declared_at=timezone.now())
    client = browser(probed.evaluator)
    with django_assert_num_queries(GRID_QUERIES):
        assert client.get(f"/evaluation/tenders/{probed.tender.pk}/grid/").status_code == 200


# 11 for the grid itself (answers, eliminatory decisions; each criterion's clause version, for the rubric and
# the parameter labels, comes with the criteria), 3 for the latest probe results, 1 for the tender's lots (the lot
# switcher, docs/LOTS.md)
GRID_QUERIES = 15
