"""Issue 14 through the API: eliminatory requirements decided by the lead, results provisional until
nothing blocks (with the reasons and no awardee before), justified scores, committed values, prices as
people write them."""

import pytest

from scoring.models import AuditEvent, Bid, Consensus, EliminatoryDecision, Score
from tenders.models import Tender

pytestmark = pytest.mark.django_db


def results(api, evaluation):
    response = api(evaluation.lead).get(f"/api/v1/tenders/{evaluation.tender.pk}/results/")
    assert response.status_code == 200, response.json()
    return response.json()


def codes(body):
    return [item["code"] for item in body["blocking"]]


def score_all(evaluation, values=(3, 3)):
    """Both evaluators score every scored leaf of every bid (same values: no dispersion)."""
    c = evaluation.criteria
    for bid in (evaluation.alpha, evaluation.bravo, evaluation.charlie):
        for criterion in (c.api, c.export, c.doc):
            for person, value in zip((evaluation.eval1, evaluation.eval2), values, strict=True):
                Score.objects.create(bid=bid, criterion=criterion, evaluator=person, value=value, comment="Lu")


def settle_low_offer(api, evaluation):
    client = api(evaluation.lead)
    client.post(f"/api/v1/bids/{evaluation.charlie.pk}/low-offer/request/", {"note": "Justifiez."}, format="json")
    client.post(
        f"/api/v1/bids/{evaluation.charlie.pk}/low-offer/decision/",
        {"decision": "kept", "reason": "Convaincant."},
        format="json",
    )


def close_technical(evaluation):
    """Technical scoring closed: without it the results stay provisional (`technical_open`, issue S3)."""
    from scoring import services

    services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)


def elim_url(bid, criterion=None):
    base = f"/api/v1/bids/{bid.pk}/eliminatory/"
    return base if criterion is None else f"{base}{criterion.pk}/"


# Eliminatory decisions ---------------------------------------------------------------------------


def test_it_records_a_non_compliant_decision_with_qualification_and_reason(api, evaluation):
    EliminatoryDecision.objects.all().delete()
    client = api(evaluation.lead)
    url = elim_url(evaluation.bravo, evaluation.criteria.hds)
    assert client.put(url, {"decision": "non_compliant"}, format="json").json().keys() >= {"qualification", "reason"}
    response = client.put(
        url,
        {"decision": "non_compliant", "qualification": "irregular", "reason": "Hébergeur non certifié HDS."},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["decision"], body["qualification"], body["reason"], body["decided_by"]) == (
        "non_compliant",
        "irregular",
        "Hébergeur non certifié HDS.",
        "buyer",
    )
    event = AuditEvent.objects.get(action="elimination.decide")
    assert (event.user, event.old, event.new["qualification"]) == (evaluation.lead, None, "irregular")
    listed = client.get(elim_url(evaluation.bravo)).json()
    assert [(row["criterion"], row["decision"]) for row in listed["results"]] == [
        (evaluation.criteria.hds.pk, "non_compliant")
    ]
    bravo = next(b for b in results(api, evaluation)["bids"] if b["vendor"] == "Bravo")
    assert (bravo["eligible"], bravo["rank"], bravo["eliminated_by"]) == (False, None, [evaluation.criteria.hds.pk])


def test_it_keeps_a_bid_undecided_while_a_regularisation_is_requested(api, evaluation):
    client = api(evaluation.lead)
    url = elim_url(evaluation.alpha, evaluation.criteria.hds)
    missing = client.put(url, {"decision": "regularisation_requested"}, format="json")
    assert missing.status_code == 400 and "regularisation_request" in missing.json()
    response = client.put(
        url,
        {
            "decision": "regularisation_requested",
            "regularisation_request": "Fournir le certificat HDS de l'hébergeur.",
            "regularisation_requested_on": "2026-11-02",
        },
        format="json",
    )
    assert response.status_code == 200 and response.json()["regularisation_requested_on"] == "2026-11-02"
    alpha = next(b for b in results(api, evaluation)["bids"] if b["vendor"] == "Alpha")
    assert (alpha["eligible"], alpha["rank"], alpha["undecided"]) == (None, None, [evaluation.criteria.hds.pk])
    done = client.put(
        url,
        {"decision": "compliant", "regularisation_answer": "Certificat reçu", "regularisation_outcome": "Régularisée"},
        format="json",
    )
    assert done.status_code == 200
    assert (done.json()["regularisation_request"], done.json()["regularisation_outcome"]) == (
        "Fournir le certificat HDS de l'hébergeur.",
        "Régularisée",
    )
    alpha = next(b for b in results(api, evaluation)["bids"] if b["vendor"] == "Alpha")
    assert (alpha["eligible"], alpha["rank"] is not None) == (True, True)


def test_it_lets_evaluators_read_decisions_and_only_the_lead_write_them(api, evaluation, outsider):
    url = elim_url(evaluation.alpha, evaluation.criteria.hds)
    assert api(evaluation.eval1).get(url).json()["decision"] == "compliant"
    assert api(evaluation.eval1).get(elim_url(evaluation.alpha)).status_code == 200
    assert api(evaluation.eval1).put(url, {"decision": "compliant"}, format="json").status_code == 403
    assert api(outsider).get(url).status_code == 404
    assert api(outsider).put(url, {"decision": "compliant"}, format="json").status_code == 404
    scored = elim_url(evaluation.alpha, evaluation.criteria.api)
    assert api(evaluation.lead).put(scored, {"decision": "compliant"}, format="json").status_code == 400


def test_an_answer_compliant_false_only_suggests(api, evaluation):
    EliminatoryDecision.objects.filter(bid=evaluation.charlie).delete()
    api(evaluation.lead).post(
        f"/api/v1/bids/{evaluation.charlie.pk}/answers/",
        {"criterion": evaluation.criteria.hds.pk, "text": "Non", "compliant": False},
        format="json",
    )
    undecided = api(evaluation.lead).get(elim_url(evaluation.charlie, evaluation.criteria.hds)).json()
    assert (undecided["decision"], undecided["suggestion"]) == (None, "non_compliant")
    charlie = next(b for b in results(api, evaluation)["bids"] if b["vendor"] == "Charlie")
    assert (charlie["eligible"], charlie["eliminated_by"], charlie["rank"]) == (None, [], None)


# Provisional results -----------------------------------------------------------------------------


def test_results_stay_provisional_with_an_undecided_eliminatory_requirement(api, evaluation):
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    close_technical(evaluation)
    EliminatoryDecision.objects.filter(bid=evaluation.bravo).delete()
    body = results(api, evaluation)
    assert (body["provisional"], codes(body), body["awardee"]) == (True, ["eliminatory_undecided"], None)
    assert "Bravo (Hébergement HDS)" in body["blocking"][0]["message"]


def test_results_stay_provisional_while_an_evaluator_has_not_finished(api, evaluation):
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    close_technical(evaluation)
    Score.objects.filter(evaluator=evaluation.eval2, bid=evaluation.alpha, criterion=evaluation.criteria.doc).delete()
    body = results(api, evaluation)
    assert (body["provisional"], codes(body), body["awardee"]) == (True, ["evaluator_pending"], None)
    assert "eval2 : 1 note(s) manquante(s)" in body["blocking"][0]["message"]


def test_results_stay_provisional_while_an_evaluator_has_not_declared(api, evaluation):
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    close_technical(evaluation)
    evaluation.tender.evaluators.filter(user=evaluation.eval2).update(declared_at=None)
    body = results(api, evaluation)
    assert codes(body) == ["evaluator_pending"] and "eval2 n'a pas déclaré" in body["blocking"][0]["message"]


def test_results_need_a_consensus_where_scores_diverge(api, evaluation):
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    close_technical(evaluation)
    Score.objects.filter(evaluator=evaluation.eval2, bid=evaluation.alpha, criterion=evaluation.criteria.api).update(
        value=5
    )
    Score.objects.filter(evaluator=evaluation.eval1, bid=evaluation.alpha, criterion=evaluation.criteria.api).update(
        value=1
    )
    body = results(api, evaluation)
    assert (body["provisional"], codes(body), body["awardee"]) == (True, ["consensus_required"], None)
    assert "Alpha (API FHIR)" in body["blocking"][0]["message"]
    Consensus.objects.create(
        bid=evaluation.alpha, criterion=evaluation.criteria.api, value=3, justification="Démonstration moyenne"
    )
    assert results(api, evaluation)["provisional"] is False


def test_results_stay_provisional_while_a_low_offer_is_pending(api, evaluation):
    score_all(evaluation)
    close_technical(evaluation)
    body = results(api, evaluation)
    assert (codes(body), body["awardee"]) == (["low_offer_pending"], None)


def test_final_results_name_the_awardee(api, evaluation):
    score_all(evaluation)
    settle_low_offer(api, evaluation)
    close_technical(evaluation)
    body = results(api, evaluation)
    assert (body["provisional"], body["blocking"]) == (False, [])
    first = body["bids"][0]
    assert first["rank"] == 1 and body["awardee"] == first["bid"] == evaluation.charlie.pk


@pytest.mark.usefixtures("scoring_settled")
def test_an_evaluator_sees_no_awardee_on_provisional_results(api, evaluation):
    from scoring import services

    services.tender_reveal(user=evaluation.lead, tender=evaluation.tender)
    services.tender_close_technical(user=evaluation.lead, tender=evaluation.tender)
    body = api(evaluation.eval1).get(f"/api/v1/tenders/{evaluation.tender.pk}/results/").json()
    assert body["provisional"] is True and body["awardee"] is None


# Justified scores, committed values ----------------------------------------------------------------


def test_a_score_needs_a_justification_when_the_tender_requires_it(api, evaluation):
    Tender.objects.filter(pk=evaluation.tender.pk).update(require_justification=True)
    url = f"/api/v1/bids/{evaluation.alpha.pk}/scores/{evaluation.criteria.api.pk}/"
    client = api(evaluation.eval1)
    for comment in ("", "   "):
        response = client.put(url, {"value": 3, "comment": comment}, format="json")
        assert response.status_code == 400 and "comment" in response.json()
    assert not Score.objects.exists()
    assert client.put(url, {"value": 3, "comment": "Conforme au barème : 3."}, format="json").status_code == 200
    Tender.objects.filter(pk=evaluation.tender.pk).update(require_justification=False)
    other = f"/api/v1/bids/{evaluation.bravo.pk}/scores/{evaluation.criteria.api.pk}/"
    assert client.put(other, {"value": 3}, format="json").status_code == 200


def test_a_new_tender_requires_justifications_by_default(api, buyer, hospital):
    response = api(buyer).post(
        "/api/v1/tenders/", {"organization": hospital.pk, "reference": "AO-J", "title": "J"}, format="json"
    )
    assert response.status_code == 201 and response.json()["require_justification"] is True


def test_answers_keep_the_committed_values(api, evaluation):
    url = f"/api/v1/bids/{evaluation.alpha.pk}/answers/"
    response = api(evaluation.lead).post(
        url,
        {"criterion": evaluation.criteria.api.pk, "text": "FHIR R4", "committed_values": {"delai_jours": 30}},
        format="json",
    )
    assert response.status_code == 201 and response.json()["committed_values"] == {"delai_jours": 30}
    listed = api(evaluation.eval1).get(url).json()["results"]
    assert listed[0]["committed_values"] == {"delai_jours": 30}
    bad = api(evaluation.lead).post(
        url, {"criterion": evaluation.criteria.api.pk, "committed_values": [1, 2]}, format="json"
    )
    assert bad.status_code == 400 and "committed_values" in bad.json()


# Money as people write it (API) ----------------------------------------------------------------------

SPELLINGS = [
    ("1 200 000", "1200000.00"),
    ("1\u00a0200\u00a0000", "1200000.00"),
    ("1\u202f200\u202f000", "1200000.00"),
    ("1 200 000 €", "1200000.00"),
    ("1 200 000 EUR", "1200000.00"),
    ("1 200 000,50 € HT", "1200000.50"),
    ("1200000,5", "1200000.50"),
    ("1200000.50", "1200000.50"),
]


@pytest.mark.parametrize(("typed", "stored"), SPELLINGS, ids=[s for s, _ in SPELLINGS])
def test_the_api_reads_a_price_as_people_write_it(api, evaluation, typed, stored):
    response = api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/bids/", {"vendor": "Delta", "price": typed}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert str(Bid.objects.get(vendor="Delta").price) == stored


@pytest.mark.parametrize("typed", ["1,200", "1.200", "1.200,50", "douze", "1 200 000 TTC", "-5", "12 00"])
def test_the_api_refuses_an_ambiguous_price(api, evaluation, typed):
    response = api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/bids/", {"vendor": "Delta", "price": typed}, format="json"
    )
    assert response.status_code == 400 and response.json()["price"]
    assert not Bid.objects.filter(vendor="Delta").exists()
