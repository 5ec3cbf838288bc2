"""A notified contract whose tender holds the default library's penalties clause and the articles it names,
with the tender's own amounts (not the library's), the awardee's commitments and imported price schedule.

Articles: C1 no-information-blocking (régimes B and C, delays 10 days and 72 hours), C2 interface-sla
(service levels: working-day delays, availability), C3 delay-penalties (the table), 4.1 replication-database
(régime A, V = the awardee's line "replication-setup": 12 000 € HT).
The tender's amounts: régime B 200 €/day, régime C 120 € per overrun, availability 5 % of the monthly fee per
step (250 € per step without a fee). Awardee's commitments on C2: major incidents restored in 3 working days
(5 required), availability 99.8 % (99.5 required). Its schedule: maintenance 12 000 €/year (48 months: 48 000),
replication set-up 12 000 € once, replication operation 6 000 €/year. The contract: 100 000 € HT.
"""

import json

from clause_library.defaults import DEFAULT_LIBRARY_FR
from scoring.models import Answer, AuditEvent, Bid, Criterion
from tenders.models import Tender, TenderClause

from ..factories import make_clause

DEFAULT = {clause["key"]: clause for clause in json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))["clauses"]}

ARTICLES = {
    "no-information-blocking": "C1",
    "interface-sla": "C2",
    "delay-penalties": "C3",
    "replication-database": "4.1",
}
TENDER_VALUES = {
    "delay-penalties": {
        "penalite_euros_par_jour": 200,
        "penalite_euros_par_depassement": 120,
        "penalite_indisponibilite_pourcentage": 5,
        "penalite_indisponibilite_euros": 250,
    }
}


def library_clause(library, key):
    content = {name: value for name, value in DEFAULT[key].items() if name != "key"}
    return make_clause(library, key=key, **content)


def add_articles(contract, library, keys=tuple(ARTICLES)):
    tender = contract.tender
    Tender.objects.filter(pk=tender.pk).update(
        duration_months=48,
        price_lines=[{"code": "maintenance", "label": "Maintenance", "unit": "an", "quantity": 1, "period": "year"}],
    )
    clauses = {}
    for position, key in enumerate(keys):
        clause = library_clause(library, key)
        clauses[key] = TenderClause.objects.create(
            tender=tender,
            clause=clause,
            version=clause.current,
            position=position,
            parameters=TENDER_VALUES.get(key, {}),
            article_number=ARTICLES[key],
        )
    contract.tender.refresh_from_db()
    return clauses


def commit(contract, tender_clause, values):
    criterion = Criterion.objects.create(
        tender=contract.tender,
        name=f"Engagements {tender_clause.article_number}",
        kind="scored",
        weight=0,
        tender_clause=tender_clause,
        position=90,
    )
    Answer.objects.create(bid=contract.bid, criterion=criterion, committed_values=values)


def import_schedule(contract):
    """The awardee's imported schedule as scoring's import records it (lines by number: maintenance 1,
    replication set-up 2, replication operation 3)."""
    Bid.objects.filter(pk=contract.bid_id).update(price_source=Bid.PriceSource.PRICE_SCHEDULE, price=84000)
    AuditEvent.objects.create(
        tender=contract.tender,
        action="bid.price_schedule",
        object_type="bid",
        object_id=contract.bid_id,
        field="price",
        new={
            "total": "84000",
            "lines": [
                {"number": 1, "unit_price": "12000", "amount": "48000"},
                {"number": 2, "unit_price": "12000", "amount": "12000"},
                {"number": 3, "unit_price": "6000", "amount": "24000"},
            ],
        },
    )
    contract.bid.refresh_from_db()


def set_up_execution(contract, library):
    """The contract with its articles, the awardee's commitments and price schedule (the test files'
    `executed` fixture)."""
    clauses = add_articles(contract, library)
    commit(contract, clauses["interface-sla"], {"delai_correction_majeur_jours": 3, "disponibilite_pourcentage": 99.8})
    import_schedule(contract)
    return contract
