"""The decision after verification (CCAG-TIC): admission, ajournement, réfaction with its percent, rejet."""

import pytest

from contracts import acceptance
from contracts.models import AcceptanceEvent, AcceptancePlan, AcceptanceRow

from .acceptance_fixtures import plan_url, read_plan, set_all

pytestmark = pytest.mark.django_db


def decide(api, user, contract, **body):
    return api(user).put(plan_url(contract, "decision/"), body, format="json")


def test_admission_is_refused_while_rows_are_pending_and_names_them(api, accepted):
    contract, lead = accepted.contract, accepted.lead
    read_plan(api, lead, contract)
    set_all(contract, "pass")
    first = AcceptanceRow.objects.filter(plan__contract=contract).order_by("position").first()
    AcceptanceRow.objects.filter(pk=first.pk).update(result="pending")
    for decision in ("admission", "refaction"):
        response = decide(
            api,
            lead,
            contract,
            decision=decision,
            reason="Tout est vu",
            refaction_percent=10 if decision == "refaction" else None,
        )
        assert response.status_code == 409
        assert f"article {first.article})" in response.json()["detail"]
    assert AcceptancePlan.objects.get(contract=contract).decision == ""
    assert not AcceptanceEvent.objects.filter(action="decision").exists()


@pytest.mark.parametrize("decision", ["ajournement", "rejet"])
def test_adjournment_and_rejection_are_possible_with_pending_rows(api, accepted, decision):
    contract, lead = accepted.contract, accepted.lead
    response = decide(api, lead, contract, decision=decision, reason="Les flux HL7 ne sont pas livrés.")
    assert response.status_code == 200, response.content
    recorded = response.json()["decision"]
    assert (recorded["decision"], recorded["reason"], recorded["decided_by"]) == (
        decision,
        "Les flux HL7 ne sont pas livrés.",
        lead.username,
    )
    assert recorded["decided_at"]
    event = AcceptanceEvent.objects.get(action="decision")
    assert (event.user, event.new["decision"]) == (lead, decision)


def test_admission_when_every_row_passes_is_the_proposed_decision(api, accepted):
    contract, lead = accepted.contract, accepted.lead
    read_plan(api, lead, contract)
    set_all(contract, "pass")
    assert read_plan(api, lead, contract)["proposed_decision"] == "admission"
    response = decide(api, lead, contract, decision="admission", reason="Vérifications conformes.")
    assert response.status_code == 200 and response.json()["decision"]["decision"] == "admission"
    # Closed: results no longer change, nor does the decision.
    article = response.json()["rows"][0]["article"]
    assert api(lead).put(plan_url(contract, f"{article}/"), {"result": "fail"}, format="json").status_code == 409
    assert decide(api, lead, contract, decision="rejet", reason="Revirement").status_code == 409


def test_admission_with_a_failed_row_is_refused_refaction_is_accepted(api, accepted):
    contract, lead = accepted.contract, accepted.lead
    read_plan(api, lead, contract)
    set_all(contract, "pass")
    AcceptanceRow.objects.filter(plan__contract=contract, position=0).update(result="fail")
    assert read_plan(api, lead, contract)["proposed_decision"] == "ajournement"
    assert decide(api, lead, contract, decision="admission", reason="Vu").status_code == 409
    response = decide(api, lead, contract, decision="refaction", reason="Export incomplet", refaction_percent="12.5")
    assert response.status_code == 200
    assert response.json()["decision"]["refaction_percent"] == 12.5


def test_an_adjournment_is_followed_by_another_decision(api, accepted):
    contract, lead = accepted.contract, accepted.lead
    assert decide(api, lead, contract, decision="ajournement", reason="Reprendre les tests").status_code == 200
    set_all(contract, "pass")
    assert decide(api, lead, contract, decision="admission", reason="Conforme après reprise").status_code == 200
    assert AcceptanceEvent.objects.filter(action="decision").count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"decision": "accepted", "reason": "x"}, "decision"),
        ({"decision": "rejet", "reason": "  "}, "reason"),
        ({"decision": "rejet"}, "reason"),
        ({"decision": "refaction", "reason": "x"}, "refaction_percent"),
        ({"decision": "refaction", "reason": "x", "refaction_percent": 0}, "refaction_percent"),
        ({"decision": "refaction", "reason": "x", "refaction_percent": 100}, "refaction_percent"),
        ({"decision": "refaction", "reason": "x", "refaction_percent": "dix"}, "refaction_percent"),
        ({"decision": "rejet", "reason": "x", "refaction_percent": 5}, "refaction_percent"),
    ],
)
def test_a_bad_decision_is_a_400_naming_the_field_and_nothing_is_recorded(api, accepted, body, field):
    contract, lead = accepted.contract, accepted.lead
    read_plan(api, lead, contract)
    set_all(contract, "pass")
    response = api(lead).put(plan_url(contract, "decision/"), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert AcceptancePlan.objects.get(contract=contract).decision == ""


def test_the_rules_alone():
    rows = [("1.1", "pass"), ("1.2", "reserved")]
    assert acceptance.proposed_decision([]) == "ajournement"
    assert acceptance.proposed_decision(["pass", "pass"]) == "admission"
    assert acceptance.proposed_decision(["pass", "reserved"]) == "ajournement"
    assert acceptance.decision_problems(decision="admission", reason="x", refaction_percent=None, rows=rows) == ({}, {})
    errors, conflicts = acceptance.decision_problems(
        decision="admission", reason="x", refaction_percent=None, rows=[("2.1", "pending"), ("2.2", "pending")]
    )
    assert not errors and "2 exigences restent à vérifier (articles 2.1, 2.2)" in conflicts["detail"][0]
    assert acceptance.probe_outcome([]) == "pending"
    assert acceptance.probe_outcome(["pass", "unknown"]) == "pending"
    assert acceptance.probe_outcome(["pass", "fail", "unknown"]) == "fail"
    assert acceptance.probe_outcome(["pass", "pass"]) == "pass"
    assert acceptance.method_for([{"type": "fhir_version", "value": "4.0.1"}], "documentation") == "probe"
    assert acceptance.method_for([], "roadmap") == "document"
    assert acceptance.method_for([], "security") == "demonstration"
