"""A two-lot tender through the API (docs/LOTS.md): lots, criteria per lot, bids per lot, scores, and each
lot's results equal to hand-computed totals under each price formula."""

import pytest

from ..factories import make_clause

pytestmark = pytest.mark.django_db

# {formula: {lot: {vendor: total}}}, by hand from the scores and prices below:
# lot 1 (technical 60, price 40): A 8/10 at 100 000 €, B 10/10 at 125 000 €;
# lot 2 (technical 70, price 30): A 6/10 at 50 000 €, C 9/10 at 40 000 €.
EXPECTED = {
    # price points = P_min / P × share
    "proportional": {
        1: {"A": 8 / 10 * 60 + 40, "B": 60 + 100_000 / 125_000 * 40},  # 88, 92
        2: {"A": 6 / 10 * 70 + 40_000 / 50_000 * 30, "C": 9 / 10 * 70 + 30},  # 66, 93
    },
    # price points = (1 − (P − P_min) / P_min) × share
    "linear": {
        1: {"A": 48 + 40, "B": 60 + (1 - 25_000 / 100_000) * 40},  # 88, 90
        2: {"A": 42 + (1 - 10_000 / 40_000) * 30, "C": 63 + 30},  # 64.5, 93
    },
    # price points = (P_max − P) / (P_max − P_min) × share
    "range": {
        1: {"A": 48 + 40, "B": 60 + 0},  # 88, 60
        2: {"A": 42 + 0, "C": 63 + 30},  # 42, 93
    },
}


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


@pytest.mark.parametrize("formula", sorted(EXPECTED))
def test_two_lots_end_to_end_through_the_api(formula, api, buyer, evaluator, hospital, library):
    library.shared_with.add(hospital)
    library.visibility = "shared"
    library.save()
    lead = api(buyer)
    tender = ok(
        lead.post(
            "/api/v1/tenders/",
            {"organization": hospital.pk, "reference": "AO-LOTS", "title": "SI patient", "price_formula": formula},
            format="json",
        ),
        201,
    )["id"]
    lots = [
        ok(lead.post(f"/api/v1/tenders/{tender}/lots/", {"title": title}, format="json"), 201)["id"]
        for title in ("Dossier patient", "Entrepôt de données")
    ]
    ok(lead.post(f"/api/v1/tenders/{tender}/clauses/", {"clause": make_clause(library).pk}, format="json"), 201)
    technical = {}
    for lot, weight in zip(lots, (60, 70), strict=True):
        criterion = {"name": "Valeur technique", "weight": weight, "scale_max": 10, "lot": lot}
        technical[lot] = ok(lead.post(f"/api/v1/tenders/{tender}/criteria/", criterion, format="json"), 201)["id"]
        price = {"name": "Prix", "kind": "price", "weight": 100 - weight, "lot": lot}
        ok(lead.post(f"/api/v1/tenders/{tender}/criteria/", price, format="json"), 201)
    ok(lead.post(f"/api/v1/tenders/{tender}/publish/"))
    ok(lead.post(f"/api/v1/tenders/{tender}/evaluators/", {"user": evaluator.username}, format="json"), 201)
    scorer = api(evaluator)
    ok(scorer.post(f"/api/v1/tenders/{tender}/declaration/", {"no_conflict": True}, format="json"))

    offers = [(lots[0], "A", "100000.00", 8), (lots[0], "B", "125000.00", 10)]
    offers += [(lots[1], "A", "50000.00", 6), (lots[1], "C", "40000.00", 9)]
    for lot, vendor, price, score in offers:
        bid = ok(
            lead.post(f"/api/v1/tenders/{tender}/bids/", {"vendor": vendor, "price": price, "lot": lot}, format="json"),
            201,
        )["id"]
        ok(
            scorer.put(
                f"/api/v1/bids/{bid}/scores/{technical[lot]}/", {"value": score, "comment": "Vu."}, format="json"
            )
        )

    for number, lot in enumerate(lots, start=1):
        body = ok(lead.get(f"/api/v1/tenders/{tender}/results/?lot={lot}"))
        totals = {row["vendor"]: row["total"] for row in body["bids"]}
        assert totals == pytest.approx(EXPECTED[formula][number], abs=0.005)
        ranked = sorted(body["bids"], key=lambda row: row["rank"])
        assert ranked[0]["total"] == max(EXPECTED[formula][number].values())

    # A tender with lots answers its results one lot at a time.
    assert "lot" in ok(lead.get(f"/api/v1/tenders/{tender}/results/"), 400)
    assert "lot" in ok(lead.get(f"/api/v1/tenders/{tender}/results/?lot=999999"), 400)


def limited(api, buyer, evaluator, hospital, library):
    """Two lots, at most one per bidder, Alpha ranked first on both, technical scoring closed."""
    library.shared_with.add(hospital)
    library.visibility = "shared"
    library.save()
    lead = api(buyer)
    payload = {"organization": hospital.pk, "reference": "AO-MAX", "title": "SI", "max_lots_per_bidder": 1}
    tender = ok(lead.post("/api/v1/tenders/", payload, format="json"), 201)["id"]
    lots = [ok(lead.post(f"/api/v1/tenders/{tender}/lots/", {"title": t}, format="json"), 201)["id"] for t in "AB"]
    ok(lead.post(f"/api/v1/tenders/{tender}/clauses/", {"clause": make_clause(library).pk}, format="json"), 201)
    technical = {}
    for lot in lots:
        criterion = {"name": "Valeur technique", "weight": 60, "scale_max": 10, "lot": lot}
        technical[lot] = ok(lead.post(f"/api/v1/tenders/{tender}/criteria/", criterion, format="json"), 201)["id"]
        ok(
            lead.post(
                f"/api/v1/tenders/{tender}/criteria/",
                {"name": "Prix", "kind": "price", "weight": 40, "lot": lot},
                format="json",
            ),
            201,
        )
    ok(lead.post(f"/api/v1/tenders/{tender}/publish/"))
    ok(lead.post(f"/api/v1/tenders/{tender}/evaluators/", {"user": evaluator.username}, format="json"), 201)
    scorer = api(evaluator)
    ok(scorer.post(f"/api/v1/tenders/{tender}/declaration/", {"no_conflict": True}, format="json"))
    # Alpha is first on both lots (lot 1: 100 vs 60 + 32 = 92; lot 2: 60 + 40 = 100 vs 36 + 32 = 68).
    bids = {}
    for lot, vendor, price, score in [
        (lots[0], "Alpha", "100000", 10),
        (lots[0], "Bravo", "125000", 10),
        (lots[1], "Alpha", "40000", 10),
        (lots[1], "Charlie", "50000", 6),
    ]:
        bids[(lot, vendor)] = ok(
            lead.post(f"/api/v1/tenders/{tender}/bids/", {"vendor": vendor, "price": price, "lot": lot}, format="json"),
            201,
        )["id"]
        ok(
            scorer.put(
                f"/api/v1/bids/{bids[(lot, vendor)]}/scores/{technical[lot]}/",
                {"value": score, "comment": "Vu."},
                format="json",
            )
        )
    ok(lead.post(f"/api/v1/tenders/{tender}/close-technical/"))

    return lead, tender, lots, bids


def test_the_limit_of_lots_per_bidder_passes_a_lot_to_the_next_ranked_offer(api, buyer, evaluator, hospital, library):
    lead, tender, lots, bids = limited(api, buyer, evaluator, hospital, library)
    first = ok(lead.get(f"/api/v1/tenders/{tender}/results/?lot={lots[0]}"))
    assert first["provisional"] is False, first["blocking"]
    assert first["awardee"] == bids[(lots[0], "Alpha")]
    second = ok(lead.get(f"/api/v1/tenders/{tender}/results/?lot={lots[1]}"))
    ranked_first = min(second["bids"], key=lambda row: row["rank"])
    assert ranked_first["bid"] == bids[(lots[1], "Alpha")]  # ranked first on lot 2 too…
    assert second["awardee"] == bids[(lots[1], "Charlie")]  # …but Alpha already holds lot 1: the limit is 1
    assert second["passed_over"] == [bids[(lots[1], "Alpha")]]


def test_each_lot_is_awarded_on_its_own_and_the_limit_is_refused_naming_the_rule(
    api, buyer, evaluator, hospital, library
):
    lead, tender, lots, bids = limited(api, buyer, evaluator, hospital, library)
    url = f"/api/v1/tenders/{tender}/award/"
    decision = {"decided_on": "2026-12-01", "advantages": "Meilleure offre du lot."}
    assert "lot" in ok(lead.put(url, {**decision, "bid": bids[(lots[0], "Alpha")]}, format="json"), 400)
    first = ok(lead.put(url, {**decision, "bid": bids[(lots[0], "Alpha")], "lot": lots[0]}, format="json"))
    assert first["bid"] == bids[(lots[0], "Alpha")]
    # A bid of another lot is unknown for this lot.
    assert "bid" in ok(
        lead.put(url, {**decision, "bid": bids[(lots[1], "Charlie")], "lot": lots[0]}, format="json"), 400
    )

    refused = ok(lead.put(url, {**decision, "bid": bids[(lots[1], "Alpha")], "lot": lots[1]}, format="json"), 409)
    assert "détient déjà 1 lot(s)" in refused["bid"][0]
    second = ok(lead.put(url, {**decision, "bid": bids[(lots[1], "Charlie")], "lot": lots[1]}, format="json"))
    assert second["bid"] == bids[(lots[1], "Charlie")]

    certificates = f"/api/v1/tenders/{tender}/award/certificates/"
    ok(lead.put(certificates, {"received_on": "2026-12-02", "lot": lots[1]}, format="json"))
    assert ok(lead.get(f"{url}?lot={lots[1]}"))["certificates_received_on"] == "2026-12-02"
    assert ok(lead.get(f"{url}?lot={lots[0]}"))["certificates_received_on"] is None  # each lot its own sequence
    results = ok(lead.get(f"/api/v1/tenders/{tender}/results/?lot={lots[1]}"))
    assert results["award"]["bid"] == bids[(lots[1], "Charlie")]
