"""A notified contract whose tender holds the default library: its 58 annex requirements make the plan.

Built on tests/contracts/conftest.py's `contract` (three bids evaluated, Alpha awarded and notified). The
awardee committed to a shorter delay than required on one improvable clause (its answer form's values).
"""

import json
from types import SimpleNamespace

import pytest

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.models import Clause
from clause_library.parameters import normalize_definition
from clause_library.services import library_import
from scoring.models import Answer, Criterion
from tenders.models import TenderClause
from tenders.services import _freeze_article_numbers


def default_library_data():
    return json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))


def improvable_clause(data):
    """(key, parameter) of the first annex clause with an improvable 'max' integer parameter."""
    for clause in data["clauses"]:
        if clause.get("destination", "annex") != "annex" or clause["requirement"] == "informative":
            continue
        for parameter in map(normalize_definition, clause["parameters"]):
            if parameter["improvable"] and parameter["direction"] == "max" and parameter["type"] == "integer":
                return clause["key"], parameter
    raise AssertionError("the default library has no improvable delay")


def add_default_library(tender, group, curator):
    """Every clause of the default library in the tender, in the library's order; numbers frozen as at publication."""
    data = default_library_data()
    library = library_import(user=curator, organization=group, data=data)
    clauses = {clause.key: clause for clause in Clause.objects.filter(library=library).select_related("current")}
    tender_clauses = {}
    for position, item in enumerate(data["clauses"]):
        clause = clauses[item["key"]]
        tender_clauses[item["key"]] = TenderClause.objects.create(
            tender=tender, clause=clause, version=clause.current, position=position
        )
    _freeze_article_numbers(tender)
    for tender_clause in tender_clauses.values():
        tender_clause.refresh_from_db()
    return data, tender_clauses


@pytest.fixture
def accepted(contract, group, curator):
    """The contract, its tender's 72 clauses (58 annex requirements), and Alpha's better commitment on one delay."""
    data, tender_clauses = add_default_library(contract.tender, group, curator)
    key, parameter = improvable_clause(data)
    required = parameter["default"]
    criterion = Criterion.objects.create(
        tender=contract.tender,
        name="Engagement",
        kind="eliminatory",
        weight=None,
        scale_max=1,
        position=9,
        tender_clause=tender_clauses[key],
    )
    Answer.objects.create(
        bid=contract.bid,
        criterion=criterion,
        compliant=True,
        committed_values={parameter["name"]: required - 1},
    )
    return SimpleNamespace(
        contract=contract,
        tender=contract.tender,
        data=data,
        clauses=tender_clauses,
        improved=(key, parameter, required),
        lead=contract.created_by,
    )


def plan_url(contract, tail=""):
    return f"/api/v1/contracts/{contract.pk}/acceptance/{tail}"


def read_plan(api, user, contract, **params):
    response = api(user).get(plan_url(contract), params)
    assert response.status_code == 200, response.content
    return response.json()


def set_all(contract, result):
    """Every row of the contract's plan to `result` (a test shortcut: the API is tested row by row elsewhere)."""
    from contracts.models import AcceptanceRow

    AcceptanceRow.objects.filter(plan__contract=contract).update(result=result)
