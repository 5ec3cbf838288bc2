"""The evaluation report and the rejection letters go stale when the evaluation changes (a reopening, a new
close, a score, a consensus, an eliminatory or low-offer decision, a bid or its price), not only when the
tender does: they may name another awardee. The tender file's documents (annex…) depend on the tender
only and stay current. The evaluation's version is the id of its latest audit event
(scoring.selectors.evaluation_version). Failed before it (the letters and report made while the results
were final kept saying they were current)."""

import pytest

from documents.models import Document
from scoring import services
from scoring.models import AuditEvent, Consensus, EvaluationState, LowOfferReview

from .reporting import make_decided

pytestmark = pytest.mark.django_db

STALE_LABEL = "périmé — régénérer"
EVALUATION_NOTE = "L'évaluation a changé depuis ce document."


@pytest.fixture
def decided(evaluation, monkeypatch):
    from tenders import services as tender_services

    monkeypatch.setattr(tender_services, "document_enqueue", lambda *, document: True)  # no worker here
    return make_decided(evaluation)


def request(client, tender, kind, format):
    response = client.post(f"/api/v1/tenders/{tender.pk}/documents/", {"kind": kind, "format": format}, format="json")
    assert response.status_code == 202, response.content
    # As the job leaves it (the file itself is not what is tested here).
    document_id = response.json()["id"]
    Document.objects.filter(pk=document_id).update(
        status="done", progress=100, file=f"documents/{tender.pk}/{document_id}/{kind}.{format}", sha256="0" * 64
    )
    return document_id


def stale(client, document_id):
    response = client.get(f"/api/v1/documents/{document_id}/")
    assert response.status_code == 200
    return response.json()["stale"]


def listed(client, tender):
    rows = client.get(f"/api/v1/tenders/{tender.pk}/documents/").json()["results"]
    return {row["id"]: row["stale"] for row in rows}


def test_a_reopening_makes_the_report_and_letters_stale_but_not_the_annex(decided, api, client):
    tender, lead = decided.tender, decided.lead
    api_client = api(lead)
    report = request(api_client, tender, "evaluation_report", "pdf")
    letters = request(api_client, tender, "rejection_letters", "zip")
    annex = request(api_client, tender, "annex", "pdf")
    assert listed(api_client, tender) == {report: False, letters: False, annex: False}

    services.tender_reopen(user=lead, tender=tender, reason="Erreur de saisie d'un prix")

    assert stale(api_client, report) is True and stale(api_client, letters) is True
    assert stale(api_client, annex) is False  # the tender did not change
    assert listed(api_client, tender) == {report: True, letters: True, annex: False}
    client.force_login(lead)
    page = client.get(f"/evaluation/tenders/{tender.pk}/results/").content.decode()
    row = page[page.rindex("<li", 0, page.index(f'id="document-{report}"')) :]
    row = row[: row.index("</li>")]
    assert 'data-stale="true"' in row and STALE_LABEL in row and EVALUATION_NOTE.replace("'", "&#x27;") in row
    # Asked for again, the report is current; the earlier one stays stale.
    fresh = request(api_client, tender, "evaluation_report", "pdf")
    assert stale(api_client, fresh) is False and stale(api_client, report) is True


def _consensus(ns):
    row = Consensus.objects.get(bid=ns.bravo, criterion=ns.criteria.api)
    services.consensus_set(
        user=ns.lead, bid=ns.bravo, criterion=ns.criteria.api, value=4, justification="Revu", version=row.version
    )


def _eliminatory(ns):
    services.eliminatory_decide(
        user=ns.lead, bid=ns.charlie, criterion=ns.criteria.hds, decision="compliant", reason="Certificat reçu"
    )


def _low_offer(ns):
    LowOfferReview.objects.filter(bid=ns.bravo).update(decision="")
    services.low_offer_decide(user=ns.lead, bid=ns.bravo, decision="rejected", reason="Prix intenable")


def _price(ns):
    services.bid_update(user=ns.lead, bid=ns.alpha, changes={"price": 130000})


def _close(ns):
    services.tender_close_technical(user=ns.lead, tender=ns.tender)


@pytest.mark.parametrize("change", [_consensus, _eliminatory, _low_offer, _price, _close])
def test_each_change_during_a_reopening_makes_a_report_made_since_stale(decided, api, change):
    tender, api_client = decided.tender, api(decided.lead)
    services.tender_reopen(user=decided.lead, tender=tender, reason="Recours d'un candidat")
    report = request(api_client, tender, "evaluation_report", "xlsx")
    annex = request(api_client, tender, "annex", "docx")
    assert stale(api_client, report) is False

    change(decided)

    assert stale(api_client, report) is True
    assert stale(api_client, annex) is False


def test_a_score_makes_a_provisional_report_stale(decided, api):
    tender, api_client = decided.tender, api(decided.lead)
    EvaluationState.objects.filter(tender=tender).update(technical_closed_at=None)
    report = request(api_client, tender, "evaluation_report", "pdf")
    services.score_set(
        user=decided.eval1, bid=decided.alpha, criterion=decided.criteria.export, value=5, comment="Revu", version=1
    )
    assert stale(api_client, report) is True


def test_a_refused_change_leaves_the_report_current(decided, api):
    tender, api_client = decided.tender, api(decided.lead)
    report = request(api_client, tender, "evaluation_report", "pdf")
    with pytest.raises(Exception, match="réouverture"):  # prices are open: the price is frozen (409)
        services.bid_update(user=decided.lead, bid=decided.alpha, changes={"price": 130000})
    assert stale(api_client, report) is False


def test_a_report_asked_for_before_any_evaluation_write_is_current(api, buyer, hospital, monkeypatch):
    from tenders import services as tender_services

    from .conftest import make_tender, publish

    monkeypatch.setattr(tender_services, "document_enqueue", lambda *, document: True)
    tender = publish(make_tender(hospital))
    assert not EvaluationState.objects.filter(tender=tender).exists()
    report = request(api(buyer), tender, "evaluation_report", "pdf")
    assert Document.objects.get(pk=report).source_version == 0 and stale(api(buyer), report) is False
    services.tender_reveal(user=buyer, tender=tender)  # the first write: its audit event is the version
    assert stale(api(buyer), report) is True
    assert Document.objects.get(pk=report).stale is True  # without the selector's annotation: one query
    assert AuditEvent.objects.filter(tender=tender).count() == 1


@pytest.mark.parametrize("count", [2, 30])
def test_the_document_list_keeps_its_query_count_with_evaluation_documents(
    decided, api, count, django_assert_num_queries
):
    tender = decided.tender
    services.tender_reveal(user=decided.lead, tender=tender)  # an evaluation write: its event is the version
    latest = AuditEvent.objects.filter(tender=tender).latest("id").pk
    for index in range(count):
        kind, format = (("annex", "pdf"), ("evaluation_report", "pdf"), ("rejection_letters", "zip"))[index % 3]
        version = latest - 1 if index % 2 == 0 else latest  # an older version is stale, the latest is not
        Document.objects.create(tender=tender, kind=kind, format=format, source_version=version)
    client = api(decided.lead)
    url = f"/api/v1/tenders/{tender.pk}/documents/?page_size=100"
    client.get(url)
    # As in tests/documents/test_stale.py: tender, the lead's evaluator row (reader rules), count, page of
    # documents with the tender's and the evaluation's versions (joined, not read per row).
    with django_assert_num_queries(4):
        rows = client.get(url).json()["results"]
    older = Document.objects.filter(tender=tender, source_version=latest - 1)
    expected = {row.pk for row in older.exclude(kind="annex")}
    assert {row["id"] for row in rows if row["stale"]} == expected
