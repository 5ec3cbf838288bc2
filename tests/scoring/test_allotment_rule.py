"""The limit of lots per bidder (docs/LOTS.md): lots awarded in lot-number order, a bidder at its limit leaving
the lot to the next-ranked offer."""

from scoring.allotment import bidder_key, lot_awardees

# Bids 1, 2 (Alpha on lots 1 and 2), 3 (Bravo, lot 1), 4 (Charlie, lot 2), 5 (Alpha again, lot 3), 6 (Bravo, lot 3).
IDENTITIES = {1: "alpha", 2: "alpha", 3: "bravo", 4: "charlie", 5: "alpha", 6: "bravo"}
LOTS = [(10, [1, 3], 1), (20, [2, 4], 2), (30, [5, 6], 5)]


def test_without_a_limit_each_lot_goes_to_its_first_ranked_offer():
    awards = lot_awardees(LOTS, None, IDENTITIES)
    assert {lot: award.awardee for lot, award in awards.items()} == {10: 1, 20: 2, 30: 5}


def test_a_bidder_at_its_limit_leaves_the_next_lots_to_the_next_ranked_offer():
    awards = lot_awardees(LOTS, 1, IDENTITIES)
    assert {lot: award.awardee for lot, award in awards.items()} == {10: 1, 20: 4, 30: 6}
    assert awards[20].passed_over == [2] and awards[30].passed_over == [5]


def test_a_limit_of_two_stops_at_the_third_lot():
    awards = lot_awardees(LOTS, 2, IDENTITIES)
    assert {lot: award.awardee for lot, award in awards.items()} == {10: 1, 20: 2, 30: 6}


def test_a_lot_whose_results_are_not_final_awards_nothing_and_holds_nothing():
    lots = [(10, [1, 3], None), (20, [2, 4], 2)]
    awards = lot_awardees(lots, 1, IDENTITIES)
    assert awards[10].awardee is None and awards[20].awardee == 2  # Alpha holds no lot from lot 10


def test_a_lot_with_every_offer_at_the_limit_has_no_awardee():
    awards = lot_awardees([(10, [1], 1), (20, [2], 2)], 1, IDENTITIES)
    assert awards[20].awardee is None and awards[20].passed_over == [2]


def test_a_bidder_is_known_by_its_siret_else_by_its_name():
    assert bidder_key("12345678900011", "Alpha SAS") == bidder_key("12345678900011", "ALPHA")
    assert bidder_key("", "  Alpha   Santé ") == bidder_key("", "alpha santé")
    assert bidder_key("", "Alpha") != bidder_key("12345678900011", "Alpha")
