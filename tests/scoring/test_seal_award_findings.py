"""Red-team review of two promises (issue S3): sealed prices never reach an evaluator before close-technical,
and no winner is named while anything that could change the ranking is open. Each test of a finding
failed on the code before its fix; the sweeps record what was checked and found clean."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from documents.models import Document
from organizations.errors import ConflictError
from scoring import services
from scoring.models import Answer, Bid, Consensus, EliminatoryDecision, Evaluator, Score
from scoring.report import builders, data

from ..factories import member
from .conftest import make_tender
from .test_evaluation_additions import codes, results, score_all, settle_low_offer

pytestmark = pytest.mark.django_db


def final(api, evaluation):
    """Everything that blocks is settled, technical scoring is closed: Charlie (cheapest) wins."""
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)


# No winner named too early ----------------------------------------------------------------------


def test_results_name_no_awardee_before_technical_scoring_is_closed(api, evaluation):
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    body = results(api, evaluation)
    assert (body["provisional"], codes(body), body["awardee"]) == (True, ["technical_open"], None)
    services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)
    body = results(api, evaluation)
    assert (body["provisional"], body["blocking"], body["awardee"]) == (False, [], evaluation.charlie.pk)


def test_letters_and_the_report_name_no_awardee_before_technical_scoring_is_closed(api, evaluation):
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    doc = data.report_document(evaluation.tender)
    assert (doc["provisional"], doc["awardee"]) == (True, None)
    response = api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/documents/", {"kind": "rejection_letters", "format": "zip"}
    )
    assert response.status_code == 409 and "notation technique" in response.json()["kind"][0]
    with pytest.raises(ConflictError):
        builders.letters_request_check(evaluation.tender)


def test_results_name_no_awardee_while_the_evaluation_is_reopened(api, evaluation):
    final(api, evaluation)
    services.tender_reopen(user=evaluation.lead, tender=evaluation.tender, reason="Erreur de saisie d'un prix.")
    body = results(api, evaluation)
    assert (body["provisional"], codes(body), body["awardee"]) == (True, ["reopened"], None)
    assert "Erreur de saisie d'un prix." in body["blocking"][0]["message"]
    assert data.report_document(evaluation.tender)["awardee"] is None
    services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)
    assert results(api, evaluation)["awardee"] == evaluation.charlie.pk


def test_a_tie_for_first_is_said_and_names_no_awardee(api, evaluation):
    Bid.objects.filter(pk=evaluation.bravo.pk).update(price=evaluation.alpha.price)
    EliminatoryDecision.objects.filter(bid=evaluation.charlie).update(
        decision="non_compliant", qualification="irregular", reason="Pas de certificat HDS."
    )
    final(api, evaluation)
    body = results(api, evaluation)
    assert [b["rank"] for b in body["bids"][:2]] == [1, 1]
    assert (body["provisional"], codes(body), body["awardee"]) == (True, ["tie_for_first"], None)
    assert "Alpha" in body["blocking"][0]["message"] and "Bravo" in body["blocking"][0]["message"]
    doc = data.report_document(evaluation.tender)
    assert (doc["provisional"], doc["awardee"], doc["tie"]) == (True, None, True)
    with pytest.raises(ConflictError):
        builders.letters_request_check(evaluation.tender)


@pytest.mark.usefixtures("scoring_settled")
def test_scored_leaves_nobody_scored_keep_the_results_provisional(api, evaluation):
    Evaluator.objects.filter(tender=evaluation.tender).delete()
    settle_low_offer(api, evaluation)
    services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)
    body = results(api, evaluation)
    assert (body["provisional"], codes(body), body["awardee"]) == (True, ["evaluator_pending"], None)
    # A consensus on every scored cell of every bid in the running settles them without evaluators.
    for bid in (evaluation.alpha, evaluation.bravo, evaluation.charlie):
        for criterion in (evaluation.criteria.api, evaluation.criteria.export, evaluation.criteria.doc):
            Consensus.objects.create(bid=bid, criterion=criterion, value=3, justification="Jury")
    assert results(api, evaluation)["awardee"] == evaluation.charlie.pk


@pytest.mark.parametrize(
    "open_points, expected",
    [
        ({"undecided", "pending_score"}, ["eliminatory_undecided", "evaluator_pending"]),
        ({"dispersed", "low_offer"}, ["consensus_required", "low_offer_pending"]),
        ({"regularisation", "reopened"}, ["eliminatory_undecided", "reopened"]),
        ({"undecided", "dispersed", "low_offer", "pending_score"}, None),
    ],
)
def test_every_open_point_is_listed_at_once_and_none_names_an_awardee(api, evaluation, open_points, expected):
    score_all(evaluation)
    if "low_offer" not in open_points:
        settle_low_offer(api, evaluation)
    services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)
    if "reopened" in open_points:
        services.tender_reopen(user=evaluation.lead, tender=evaluation.tender, reason="Recours gracieux.")
    if "undecided" in open_points:
        EliminatoryDecision.objects.filter(bid=evaluation.alpha).delete()
    if "regularisation" in open_points:
        EliminatoryDecision.objects.filter(bid=evaluation.bravo).update(
            decision="regularisation_requested", regularisation_request="Certificat HDS."
        )
    if "pending_score" in open_points:
        Score.objects.filter(evaluator=evaluation.eval1, bid=evaluation.charlie).first().delete()
    if "dispersed" in open_points:
        Score.objects.filter(
            evaluator=evaluation.eval1, bid=evaluation.charlie, criterion=evaluation.criteria.api
        ).update(value=5)
        Score.objects.filter(
            evaluator=evaluation.eval2, bid=evaluation.charlie, criterion=evaluation.criteria.api
        ).update(value=1)
    body = results(api, evaluation)
    assert body["provisional"] is True and body["awardee"] is None
    if expected is not None:
        assert codes(body) == expected
    doc = data.report_document(evaluation.tender)
    assert (doc["provisional"], doc["awardee"], doc["awarded_value"]) == (True, None, None)


# Sealed prices ------------------------------------------------------------------------------------


SEALED_PRICES = ("123457.89", "98765.43", "87654.32")


def price_marks(text):
    """Every way a sealed price could be written in a body: 123457.89, 123457,89, 123 457, 123,457, 123.457."""
    found = []
    for price in SEALED_PRICES:
        units, cents = price.split(".")
        grouped = f"{units[:-3]}[\u00a0\u202f ,.]?{units[-3:]}"
        if re.search(rf"{grouped}(?:[.,]{cents})?", text):
            found.append(price)
    return found


@pytest.fixture
def sealed(api, evaluation, hospital):
    """A sealed-price tender with three priced bids, answers, a consensus, a low-offer flag and a report
    made by the lead; plus a non-named member of the organisation and the evaluator of another tender."""
    tender = evaluation.tender
    tender.sealed_price = True
    tender.save()
    for bid, price in zip((evaluation.alpha, evaluation.bravo, evaluation.charlie), SEALED_PRICES, strict=True):
        Bid.objects.filter(pk=bid.pk).update(price=price)
    score_all(evaluation)
    lead = api(evaluation.lead)
    lead.post(
        f"/api/v1/bids/{evaluation.alpha.pk}/answers/",
        {"criterion": evaluation.criteria.api.pk, "text": "FHIR R4", "compliant": True},
        format="json",
    )
    # A report the lead made before close (its file holds the prices in clear, so a download would show).
    document = Document.objects.create(
        tender=tender, kind="evaluation_report", format="xlsx", created_by=evaluation.lead
    )
    name = default_storage.save(f"documents/{tender.pk}/{document.pk}/rapport.xlsx", ContentFile(b"123457,89 EUR"))
    Document.objects.filter(pk=document.pk).update(status="done", progress=100, file=name, size=13, sha256="0" * 64)
    other = make_tender(hospital, reference="AO-AUTRE-2")
    evaluation.other_evaluator = member(hospital, "evaluator", username="eval-other")
    Evaluator.objects.create(tender=other, user=evaluation.other_evaluator, declared_at=timezone.now())
    evaluation.unnamed = member(hospital, "evaluator", username="not-named")
    # A buyer named evaluator before the rule that forbids it (issue 18, finding 6 b): an evaluator there.
    evaluation.buyer_evaluator = member(hospital, "buyer", username="buyer-evaluator")
    Evaluator.objects.create(tender=tender, user=evaluation.buyer_evaluator, declared_at=timezone.now())
    return evaluation


def api_paths(e):
    t, a, c = e.tender.pk, e.alpha.pk, e.criteria
    return [
        f"/api/v1/tenders/{t}/",
        f"/api/v1/tenders/{t}/criteria/",
        f"/api/v1/tenders/{t}/evaluators/",
        f"/api/v1/tenders/{t}/bids/",
        f"/api/v1/tenders/{t}/bids/?ordering=price",
        f"/api/v1/tenders/{t}/bids/?ordering=-price&price=123457.89&price__lt=100000",
        f"/api/v1/tenders/{t}/results/",
        f"/api/v1/tenders/{t}/low-offers/",
        f"/api/v1/tenders/{t}/audit/",
        f"/api/v1/tenders/{t}/procedure-record/",
        f"/api/v1/tenders/{t}/documents/",
        f"/api/v1/bids/{a}/",
        f"/api/v1/bids/{a}/answers/",
        f"/api/v1/bids/{a}/scores/",
        f"/api/v1/bids/{a}/eliminatory/",
        f"/api/v1/bids/{a}/eliminatory/{c.hds.pk}/",
        f"/api/v1/bids/{a}/probe/",
        *(f"/api/v1/documents/{d.pk}/" for d in Document.objects.filter(tender=e.tender)),
        *(f"/api/v1/documents/{d.pk}/download/" for d in Document.objects.filter(tender=e.tender)),
    ]


def page_paths(e):
    t, a = e.tender.pk, e.alpha.pk
    return [
        "/evaluation/",
        f"/evaluation/tenders/{t}/",
        f"/evaluation/tenders/{t}/bids/",
        f"/evaluation/tenders/{t}/bids/?ordering=price&sort=price",
        f"/evaluation/tenders/{t}/bids/{a}/",
        f"/evaluation/tenders/{t}/grid/",
        f"/evaluation/tenders/{t}/consensus/",
        f"/evaluation/tenders/{t}/results/",
        f"/evaluation/tenders/{t}/simulation/",
        f"/evaluation/tenders/{t}/procedure-record/",
        f"/evaluation/tenders/{t}/criteria/",
        f"/tenders/{t}/",
        f"/tenders/{t}/preview/",
        "/admin/scoring/bid/",
        "/api/schema/",
    ]


@pytest.mark.parametrize("who", ["eval1", "eval2", "unnamed", "other_evaluator", "buyer_evaluator"])
def test_no_sealed_price_reaches_an_evaluator_or_a_member_before_close(api, sealed, who):
    user = getattr(sealed, who)
    browser = Client()
    browser.force_login(user)
    leaks = {}
    for client, paths in ((api(user), api_paths(sealed)), (browser, page_paths(sealed))):
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, path
            found = price_marks(response.content.decode("utf-8", "replace"))
            if found:
                leaks[path] = found
    assert leaks == {}


@pytest.mark.usefixtures("scoring_settled")
def test_the_sweep_finds_the_prices_once_they_are_opened(api, sealed):
    """Control: the same sweep sees the prices after close-technical (the search would find a leak)."""
    services.tender_reveal(user=sealed.lead, tender=sealed.tender)
    services.tender_close_technical(user=sealed.lead, tender=sealed.tender)
    body = api(sealed.eval1).get(f"/api/v1/tenders/{sealed.tender.pk}/bids/").content.decode()
    assert sorted(price_marks(body)) == sorted(SEALED_PRICES)


@pytest.mark.usefixtures("scoring_settled")
def test_an_evaluator_reads_no_answer_to_the_price_criterion_before_close(api, sealed):
    price = sealed.criteria.price
    lead = api(sealed.lead)
    lead.post(
        f"/api/v1/bids/{sealed.alpha.pk}/answers/",
        {"criterion": price.pk, "text": "Forfait : 123 457,89 € HT, maintenance 9 000 € par an"},
        format="json",
    )
    url = f"/api/v1/bids/{sealed.alpha.pk}/answers/"
    listed = api(sealed.eval1).get(url).json()
    assert price.pk not in [row["criterion"] for row in listed["results"]]
    assert listed["count"] == len(listed["results"]) == 1
    assert price.pk in [row["criterion"] for row in lead.get(url).json()["results"]]
    services.tender_close_technical(user=sealed.lead, tender=sealed.tender)
    assert price.pk in [row["criterion"] for row in api(sealed.eval1).get(url).json()["results"]]
    assert Answer.objects.filter(bid=sealed.alpha, criterion=price).exists()


@pytest.mark.usefixtures("scoring_settled")
def test_an_evaluator_does_not_learn_that_a_sealed_price_exceeds_the_budget(api, sealed):
    """An offer qualified unacceptable (L2152-3: its price exceeds the budget) says something of its price;
    the lead's reason usually quotes it."""
    lead = api(sealed.lead)
    hds = sealed.criteria.hds
    EliminatoryDecision.objects.filter(bid=sealed.bravo).delete()
    decided = lead.put(
        f"/api/v1/bids/{sealed.bravo.pk}/eliminatory/{hds.pk}/",
        {"decision": "non_compliant", "qualification": "unacceptable", "reason": "98 765,43 € HT : budget dépassé."},
        format="json",
    )
    assert decided.status_code == 200
    t, b = sealed.tender.pk, sealed.bravo.pk
    urls = [f"/api/v1/bids/{b}/eliminatory/{hds.pk}/", f"/api/v1/bids/{b}/eliminatory/"]
    pages = [f"/evaluation/tenders/{t}/grid/", f"/evaluation/tenders/{t}/bids/{b}/"]
    browser = Client()
    browser.force_login(sealed.eval1)
    evaluator = api(sealed.eval1)
    bodies = [evaluator.get(url).content.decode() for url in urls] + [browser.get(p).content.decode() for p in pages]
    for body in bodies:
        assert "budget" not in body and "nacceptable" not in body and not price_marks(body)
    detail = api(sealed.eval1).get(urls[0]).json()
    assert (detail["decision"], detail["qualification"], detail["reason"]) == ("non_compliant", None, None)
    assert lead.get(urls[0]).json()["qualification"] == "unacceptable"
    services.tender_close_technical(user=sealed.lead, tender=sealed.tender)
    assert api(sealed.eval1).get(urls[0]).json()["reason"] == "98 765,43 € HT : budget dépassé."
    assert "nacceptable" in browser.get(pages[1]).content.decode()


def test_no_qualification_stands_out_as_the_hidden_one_while_prices_are_sealed(api, sealed):
    """Every non-compliant decision reads alike while sealed: a null qualification on the unacceptable one
    alone would name it."""
    lead, hds = api(sealed.lead), sealed.criteria.hds
    for bid, qualification in ((sealed.alpha, "irregular"), (sealed.bravo, "unacceptable")):
        lead.put(
            f"/api/v1/bids/{bid.pk}/eliminatory/{hds.pk}/",
            {"decision": "non_compliant", "qualification": qualification, "reason": "Motif."},
            format="json",
        )
    read = [
        api(sealed.eval1).get(f"/api/v1/bids/{bid.pk}/eliminatory/{hds.pk}/").json()
        for bid in (sealed.alpha, sealed.bravo)
    ]
    assert [(r["decision"], r["qualification"], r["reason"]) for r in read] == [("non_compliant", None, None)] * 2
