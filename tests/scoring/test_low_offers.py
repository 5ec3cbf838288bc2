"""Abnormally low offers (CCP L2152-5/-6, R2152-3 to R2152-5).

Rule: a bid is flagged when its price is MORE than `threshold` % (default 20) below the mean of the
OTHER eligible bids; exactly `threshold` % below is not flagged. With two other bids at 100 000 €
(mean 100 000 €): 80 010 € is 19.99 % below (not flagged), 80 000 € exactly 20 % (not flagged),
79 990 € 20.01 % below (flagged).
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring import rules
from scoring.models import Answer, AuditEvent, Bid, LowOfferReview

from ..factories import member
from .conftest import decide

pytestmark = pytest.mark.django_db


def test_it_flags_strictly_more_than_the_threshold_below_the_mean_of_the_others():
    others = [100000, 100000]
    assert rules.is_abnormally_low(Decimal("80010"), others, 20) is False  # 19.99 %
    assert rules.is_abnormally_low(Decimal("80000"), others, 20) is False  # exactly 20 %
    assert rules.is_abnormally_low(Decimal("79990"), others, 20) is True  # 20.01 %
    assert rules.is_abnormally_low(Decimal("79990"), others, Decimal("20.01")) is False  # exactly 20.01 %
    assert rules.is_abnormally_low(Decimal("1"), [], 20) is False  # nothing to compare with


def test_it_measures_each_bid_against_the_other_eligible_bids_only():
    C, B = rules.Criterion, rules.Bid
    criteria = [C(1, "Tech", "scored", 60), C(2, "Prix", "price", 40), C(3, "HDS", "eliminatory")]
    bids = [B(1, "A", 100000), B(2, "B", 100000), B(3, "C", 79990), B(4, "D", 10)]
    # D fails HDS: it is neither flagged nor part of anybody's mean.
    flags = rules.low_offer_flags(criteria=criteria, bids=bids, compliance={(4, 3): False})
    assert set(flags) == {1, 2, 3}
    assert flags[3].flagged and flags[3].mean_of_others == 100000
    assert rules.rounded(flags[3].gap, 2) == Decimal("20.01")
    assert not flags[1].flagged and flags[1].mean_of_others == Decimal("89995")


# Through the API ------------------------------------------------------------------------------------


def low_offers(tender):
    return f"/api/v1/tenders/{tender.pk}/low-offers/"


def results(tender):
    return f"/api/v1/tenders/{tender.pk}/results/"


def request_url(bid):
    return f"/api/v1/bids/{bid.pk}/low-offer/request/"


def decision_url(bid):
    return f"/api/v1/bids/{bid.pk}/low-offer/decision/"


def set_prices(evaluation, alpha, bravo, charlie):
    for bid, price in ((evaluation.alpha, alpha), (evaluation.bravo, bravo), (evaluation.charlie, charlie)):
        Bid.objects.filter(pk=bid.pk).update(price=price)


@pytest.mark.parametrize(
    ("price", "flagged"), [("80010.00", False), ("80000.00", False), ("79990.00", True)], ids=["19.99", "20", "20.01"]
)
def test_it_flags_at_the_edges_of_the_threshold_through_the_api(api, evaluation, price, flagged):
    set_prices(evaluation, 100000, 100000, price)
    body = api(evaluation.lead).get(low_offers(evaluation.tender)).json()
    assert body["threshold"] == 20.0
    assert [row["vendor"] for row in body["results"]] == (["Charlie"] if flagged else [])
    assert body["provisional"] is flagged
    charlie = next(
        b for b in api(evaluation.lead).get(results(evaluation.tender)).json()["bids"] if b["vendor"] == "Charlie"
    )
    assert (charlie["abnormally_low"] is not None) is flagged


def test_it_changes_the_threshold_per_tender_and_audits_it(api, evaluation, outsider):
    set_prices(evaluation, 100000, 100000, 85000)  # 15 % below
    client = api(evaluation.lead)
    assert client.get(low_offers(evaluation.tender)).json()["count"] == 0
    response = client.patch(low_offers(evaluation.tender), {"threshold": 10}, format="json")
    assert response.status_code == 200
    assert (response.json()["threshold"], response.json()["count"]) == (10.0, 1)
    event = AuditEvent.objects.get(action="low_offer.threshold")
    assert (event.user, event.old, event.new) == (evaluation.lead, 20.0, 10.0)
    assert client.patch(low_offers(evaluation.tender), {"threshold": 100}, format="json").status_code == 400
    assert (
        api(evaluation.eval1).patch(low_offers(evaluation.tender), {"threshold": 5}, format="json").status_code == 403
    )
    assert api(outsider).patch(low_offers(evaluation.tender), {"threshold": 5}, format="json").status_code == 404


def test_it_keeps_results_provisional_until_the_flag_is_decided(api, evaluation):
    # Charlie 80 000 € is 28.89 % below the mean of Alpha and Bravo (112 500 €).
    client = api(evaluation.lead)
    body = client.get(results(evaluation.tender)).json()
    assert body["provisional"] is True
    charlie = next(b for b in body["bids"] if b["vendor"] == "Charlie")
    assert charlie["abnormally_low"] == {
        "bid": evaluation.charlie.pk,
        "vendor": "Charlie",
        "price": 80000.0,
        "flagged": True,
        "threshold": 20.0,
        "mean_of_others": 112500.0,
        "gap_percent": 28.89,
        "decision": "pending",
        "review": None,
    }
    assert (
        client.post(
            request_url(evaluation.charlie), {"note": "Détaillez le coût de l'hébergement."}, format="json"
        ).status_code
        == 200
    )
    assert client.get(results(evaluation.tender)).json()["provisional"] is True  # asked, not decided
    kept = client.post(
        decision_url(evaluation.charlie), {"decision": "kept", "reason": "Justifications probantes."}, format="json"
    )
    assert kept.status_code == 200 and kept.json()["decision"] == "kept"
    body = client.get(results(evaluation.tender)).json()
    # Still provisional for other reasons (nobody scored): the low offer no longer blocks.
    assert "low_offer_pending" not in [b["code"] for b in body["blocking"]]
    charlie = next(b for b in body["bids"] if b["vendor"] == "Charlie")
    assert (charlie["eligible"], charlie["rank"] is not None, charlie["abnormally_low"]["decision"]) == (
        True,
        True,
        "kept",
    )


def test_it_takes_a_rejected_bid_out_of_the_ranking_with_its_reason(api, evaluation):
    client = api(evaluation.lead)
    before = {b["vendor"]: b for b in client.get(results(evaluation.tender)).json()["bids"]}
    assert before["Alpha"]["price_points"] == 32.0  # 80 000 / 100 000 × 40: Charlie sets P_min
    client.post(request_url(evaluation.charlie), {"note": "Justifiez le prix."}, format="json")
    missing_reason = client.post(decision_url(evaluation.charlie), {"decision": "rejected"}, format="json")
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()
    response = client.post(
        decision_url(evaluation.charlie),
        {"decision": "rejected", "reason": "Prix non justifié : hébergement HDS non chiffré."},
        format="json",
    )
    assert response.status_code == 200
    body = client.get(results(evaluation.tender)).json()
    assert "low_offer_pending" not in [b["code"] for b in body["blocking"]]
    assert [(b["vendor"], b["eligible"], b["rank"], b["price_points"]) for b in body["bids"]] == [
        ("Alpha", True, 1, 40.0),  # Alpha now sets P_min
        ("Bravo", True, 2, 32.0),
        ("Charlie", False, None, None),  # like an eliminated bid: not scored, never ranked (API.md round 2)
    ]
    charlie = body["bids"][2]
    assert charlie["eliminated_by"] == []
    assert charlie["abnormally_low"]["decision"] == "rejected"
    assert charlie["abnormally_low"]["review"]["reason"] == "Prix non justifié : hébergement HDS non chiffré."
    listed = client.get(low_offers(evaluation.tender)).json()
    assert [(r["vendor"], r["decision"]) for r in listed["results"]] == [("Charlie", "rejected")]


def test_it_asks_for_justification_before_any_decision_and_only_for_flagged_bids(api, evaluation):
    client = api(evaluation.lead)
    early = client.post(decision_url(evaluation.charlie), {"decision": "kept"}, format="json")
    assert early.status_code == 409 and "R2152-3" in early.json()["detail"]
    assert client.post(request_url(evaluation.alpha), {"note": "?"}, format="json").status_code == 409
    assert client.post(request_url(evaluation.charlie), {"note": ""}, format="json").status_code == 400
    assert client.post(decision_url(evaluation.charlie), {"decision": "maybe"}, format="json").status_code == 400


def test_it_records_the_request_and_each_decision_in_the_audit_trail(api, evaluation):
    client = api(evaluation.lead)
    client.post(request_url(evaluation.charlie), {"note": "Décomposez le prix."}, format="json")
    client.post(decision_url(evaluation.charlie), {"decision": "kept", "reason": "Convaincant."}, format="json")
    client.post(
        decision_url(evaluation.charlie), {"decision": "rejected", "reason": "Sous-traitant défaillant."}, format="json"
    )
    events = client.get(f"/api/v1/tenders/{evaluation.tender.pk}/audit/").json()["results"]
    low = [e for e in events if e["action"].startswith("low_offer.")]
    assert [e["action"] for e in low] == ["low_offer.decision", "low_offer.decision", "low_offer.request"]
    latest = low[0]
    assert latest["user"] == evaluation.lead.username and latest["at"]
    assert (latest["object_type"], latest["object_id"]) == ("lowofferreview", LowOfferReview.objects.get().pk)
    assert (latest["old"]["decision"], latest["new"]["decision"]) == ("kept", "rejected")
    assert (latest["old"]["reason"], latest["new"]["reason"]) == ("Convaincant.", "Sous-traitant défaillant.")
    assert low[2]["old"] is None and low[2]["new"]["request_note"] == "Décomposez le prix."
    review = LowOfferReview.objects.get()
    assert (review.decided_by, review.requested_by, review.decision) == (evaluation.lead, evaluation.lead, "rejected")


def test_it_ignores_bids_eliminated_by_a_criterion(api, evaluation):
    decide(evaluation.charlie, evaluation.criteria.hds, "non_compliant")
    body = api(evaluation.lead).get(low_offers(evaluation.tender)).json()
    assert (body["count"], body["provisional"]) == (0, False)


def test_it_keeps_low_offers_to_the_organisation_and_decisions_to_the_lead(
    api, evaluation, outsider, hospital, hospital_admin
):
    assert api(outsider).get(low_offers(evaluation.tender)).status_code == 404
    assert api(outsider).post(request_url(evaluation.charlie), {"note": "x"}, format="json").status_code == 404
    assert api(outsider).post(decision_url(evaluation.charlie), {"decision": "kept"}, format="json").status_code == 404
    assert api(evaluation.eval1).post(request_url(evaluation.charlie), {"note": "x"}, format="json").status_code == 403
    assert api(evaluation.eval1).get(low_offers(evaluation.tender)).status_code == 403  # scores not revealed yet
    curator = member(hospital, "curator", username="cur")
    assert api(curator).post(decision_url(evaluation.charlie), {"decision": "kept"}, format="json").status_code == 403
    assert api(hospital_admin).post(request_url(evaluation.charlie), {"note": "x"}, format="json").status_code == 200
    assert (
        api(hospital_admin).post(decision_url(evaluation.charlie), {"decision": "kept"}, format="json").status_code
        == 200
    )


def count_queries(api, user, url):
    client = api(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_it_lists_low_offers_in_a_number_of_queries_that_does_not_grow(api, evaluation):
    url = low_offers(evaluation.tender)
    LowOfferReview.objects.create(bid=evaluation.charlie, request_note="x", requested_by=evaluation.lead)
    small = count_queries(api, evaluation.lead, url)
    for n in range(8):
        bid = Bid.objects.create(tender=evaluation.tender, vendor=f"Low {n}", price=1000 + n)
        LowOfferReview.objects.create(
            bid=bid, request_note="x", requested_by=evaluation.lead, decided_by=evaluation.lead
        )
        Answer.objects.create(bid=bid, criterion=evaluation.criteria.hds, compliant=True)
    assert count_queries(api, evaluation.lead, url) == small
    assert len(api(evaluation.lead).get(url).json()["results"]) == 9


# The results page ---------------------------------------------------------------------------------


def browser(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def page(tender, name="results/"):
    return f"/evaluation/tenders/{tender.pk}/{name}"


def test_it_highlights_the_flagged_bid_and_records_request_and_decision_from_the_results_page(evaluation):
    client = browser(evaluation.lead)
    html = client.get(page(evaluation.tender)).content.decode()
    assert 'id="results-provisional"' in html and "low-offer-flagged" in html
    assert "28,89 % sous la moyenne" in html
    assert 'id="low-offer-note-%d"' % evaluation.charlie.pk in html
    response = client.post(
        page(evaluation.tender, "low-offers/request/"), {"bid": evaluation.charlie.pk, "note": "Décomposez le prix."}
    )
    assert response.status_code == 302 and response["Location"].endswith("results/#low-offers")
    html = client.get(page(evaluation.tender)).content.decode()
    assert "Décomposez le prix." in html and 'id="low-offer-rejected-%d"' % evaluation.charlie.pk in html
    # A rejection without a reason is refused with the reason why; nothing changes.
    client.post(page(evaluation.tender, "low-offers/decision/"), {"bid": evaluation.charlie.pk, "decision": "rejected"})
    assert LowOfferReview.objects.get().decision == "pending"
    assert "Motivez le rejet" in client.get(page(evaluation.tender)).content.decode()
    client.post(
        page(evaluation.tender, "low-offers/decision/"),
        {"bid": evaluation.charlie.pk, "decision": "rejected", "reason": "Prix intenable."},
    )
    html = client.get(page(evaluation.tender)).content.decode()
    assert 'id="results-provisional"' not in html and "low-offer-rejected" in html
    assert "Rejetée : offre anormalement basse — Prix intenable." in html


def test_it_changes_the_threshold_from_the_results_page(evaluation):
    browser(evaluation.lead).post(page(evaluation.tender, "low-offers/threshold/"), {"threshold": "30"})
    html = browser(evaluation.lead).get(page(evaluation.tender)).content.decode()
    assert 'id="results-provisional"' not in html and "Aucune offre signalée." in html


def test_it_keeps_the_low_offer_forms_to_the_lead(evaluation, outsider):
    data = {"bid": evaluation.charlie.pk, "note": "x"}
    assert browser(outsider).post(page(evaluation.tender, "low-offers/request/"), data).status_code == 404
    assert browser(evaluation.eval1).post(page(evaluation.tender, "low-offers/request/"), data).status_code == 403
    assert (
        browser(evaluation.eval1).post(page(evaluation.tender, "low-offers/threshold/"), {"threshold": 5}).status_code
        == 403
    )
    assert not LowOfferReview.objects.exists()


# The evaluation report ----------------------------------------------------------------------------


def test_it_lists_the_abnormally_low_offer_and_its_decision_in_every_report_format(api, evaluation):
    import io

    from docx import Document as WordDocument
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from documents.models import Document
    from scoring.report import builders, data

    client = api(evaluation.lead)
    client.post(request_url(evaluation.charlie), {"note": "Décomposez le prix."}, format="json")
    client.post(decision_url(evaluation.charlie), {"decision": "rejected", "reason": "Prix intenable."}, format="json")
    evaluation.tender.refresh_from_db()
    doc = data.report_document(evaluation.tender)
    assert "low_offer_pending" not in [b["code"] for b in doc["blocking"]] and doc["low_offer_threshold"] == 20.0
    (row,) = doc["low_offers"]
    assert (row["vendor"], row["gap_percent"], row["decision"], row["reason"], row["decided_by"]) == (
        "Charlie",
        28.89,
        "rejected",
        "Prix intenable.",
        evaluation.lead.username,
    )
    # The report's plain data names people (full name, the username without one) and keeps the status.
    assert [b["vendor"] for b in doc["bids"] if b["status"] == "low_offer_rejected"] == ["Charlie"]

    def build(format):
        document = Document.objects.create(tender=evaluation.tender, kind="evaluation_report", format=format)
        return builders.build_report(document)[0]

    def flat(text):
        return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())

    pdf = flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(build("pdf"))).pages))
    for expected in ("8. Offres anormalement basses", "Décomposez le prix.", "Prix intenable.", "rejetée", "28,89"):
        assert expected in pdf, expected
    word = WordDocument(io.BytesIO(build("docx")))
    text = flat(
        "\n".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells])
    )
    assert "8. Offres anormalement basses" in text and "Prix intenable." in text
    assert "Seuil de détection : prix inférieur de plus de 20 %" in text
    sheet = load_workbook(io.BytesIO(build("xlsx")))["Offres anormalement basses"]
    (row,) = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Charlie"]
    assert (
        row[1] == 80000
        and "Décomposez le prix." in row[3]
        and row[4] == "non reçues"  # the lead recorded no date of receipt
        and row[5].startswith("rejetée")
        and row[6] == "Prix intenable."
    )


def test_it_shows_evaluators_the_flags_but_not_the_lead_s_forms(evaluation):
    from django.utils import timezone

    from scoring.models import EvaluationState

    EvaluationState.objects.create(
        tender=evaluation.tender, revealed_at=timezone.now(), technical_closed_at=timezone.now()
    )
    html = browser(evaluation.eval1).get(page(evaluation.tender)).content.decode()
    assert "low-offer-flagged" in html and 'id="low-offer-%d"' % evaluation.charlie.pk in html
    assert "low-offers/request/" not in html and "low-offers/threshold/" not in html
