"""Who is awarded each lot when one bidder may hold only so many (Tender.max_lots_per_bidder; docs/LOTS.md).

The rule the RC announces (tenders/allotment.py): lots are awarded in lot-number order; the offer ranked first
on a lot goes to a bidder that does not yet hold the maximum, else the lot passes to the offer ranked
immediately after, and so on. A bidder is known by its SIRET (from its answer form), else by its name.
"""

from dataclasses import dataclass, field


def bidder_key(siret: str, name: str) -> str:
    """The identity shared by one bidder's bids on several lots: the SIRET, else the name as typed."""
    siret = (siret or "").strip()
    return f"siret:{siret}" if siret else "name:" + " ".join((name or "").split()).casefold()


@dataclass
class LotAward:
    awardee: int | None
    passed_over: list[int] = field(default_factory=list)  # bids ranked above the awardee, their bidder at the limit


def lot_awardees(lots, limit, identities) -> dict:
    """{lot id: LotAward} for `lots` = [(lot id, ordered eligible bid ids, first)] in lot-number order, where
    `first` is the lot's awardee before the rule (None while its results are provisional: that lot then has
    no awardee and holds nothing); `identities` = {bid id: bidder_key}; `limit` None: no limit."""
    held: dict[str, int] = {}
    out = {}
    for lot_id, ranked, first in lots:
        if first is None:
            out[lot_id] = LotAward(None)
            continue
        order = [first] + [bid for bid in ranked if bid != first]
        passed, chosen = [], None
        for bid in order:
            if limit is None or held.get(identities[bid], 0) < limit:
                chosen = bid
                break
            passed.append(bid)
        if chosen is not None:
            held[identities[chosen]] = held.get(identities[chosen], 0) + 1
        out[lot_id] = LotAward(chosen, passed)
    return out
