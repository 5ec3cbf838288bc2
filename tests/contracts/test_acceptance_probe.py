"""The must-show: the acceptance plan of a 58-clause contract, its probe rows filled by the probe of the delivered
system served from a local server (real FHIR/SMART documents from shared/fixtures), run by the task."""

import pytest

from conformance import checks
from contracts.models import AcceptanceEvent, AcceptanceProbe, AcceptanceRow

from ..conformance.conftest import INFERNO, SMART_22, fixture_json, with_fhir_version

pytestmark = pytest.mark.django_db


def plan(api, user, contract, **params):
    response = api(user).get(f"/api/v1/contracts/{contract.pk}/acceptance/", params)
    assert response.status_code == 200, response.content
    return response.json()


# What the local server's connection gives the checks on the transport: plain http, so no TLS version.
PLAIN_HTTP = {
    kind: {"tls_version": None, "headers": {"Content-Type": content_type}}
    for kind, content_type in (
        ("capability_statement", "application/fhir+json"),
        ("smart_configuration", "application/json"),
    )
}


def expected_outcomes(tender_clauses, statement, smart):
    """{article: pass|fail|pending} computed from the clauses' checks with conformance.checks alone."""
    expected = {}
    for tender_clause in tender_clauses:
        outcomes = [
            checks.evaluate(check, statement, smart, PLAIN_HTTP)["outcome"] for check in tender_clause.version.checks
        ]
        if not outcomes:
            continue
        if "fail" in outcomes:
            expected[tender_clause.article_number] = "fail"
        elif all(outcome == "pass" for outcome in outcomes):
            expected[tender_clause.article_number] = "pass"
        else:
            expected[tender_clause.article_number] = "pending"
    return expected


def test_the_probe_of_the_delivered_system_fills_the_probe_rows_of_a_58_clause_plan(
    api, accepted, server, allow_local, eager, django_capture_on_commit_callbacks
):
    contract, lead = accepted.contract, accepted.lead
    # The delivered system declares FHIR 3.0.2 where the contract asks for 4.0.1: that requirement must fail.
    statement, smart = with_fhir_version(fixture_json(INFERNO)), fixture_json(SMART_22)
    server.serve_fhir(statement, smart)
    before = plan(api, lead, contract)
    assert len(before["rows"]) == 58
    assert {row["result"] for row in before["rows"]} == {"pending"}

    with django_capture_on_commit_callbacks(execute=True):
        response = api(lead).post(
            f"/api/v1/contracts/{contract.pk}/acceptance/probe/", {"fhir_base_url": server.url("/fhir")}, format="json"
        )
    assert response.status_code == 202, response.content
    probe = AcceptanceProbe.objects.get(pk=response.json()["id"])
    assert probe.status == "done"
    assert "/fhir/metadata" in server.received and "/fhir/.well-known/smart-configuration" in server.received

    after = plan(api, lead, contract)
    rows = {row["article"]: row for row in after["rows"]}
    probe_rows = {article: row for article, row in rows.items() if row["method"] == "probe"}
    with_checks = [tc for tc in accepted.clauses.values() if tc.version.checks and tc.article_number in rows]
    assert len(probe_rows) == len(with_checks) > 10
    expected = expected_outcomes(with_checks, statement, smart)
    assert {article: row["result"] for article, row in probe_rows.items()} == expected
    assert "fail" in expected.values() and "pass" in expected.values()
    fhir_version_article = accepted.clauses["fhir-api-rest-r4"].article_number
    assert probe_rows[fhir_version_article]["result"] == "fail"
    assert "Version FHIR 4.0.1" in probe_rows[fhir_version_article]["evidence"]
    # Served over plain http: the TLS requirement cannot pass.
    assert probe_rows[accepted.clauses["tls-transport-security"].article_number]["result"] == "fail"
    for row in probe_rows.values():
        assert row["probe"] == probe.pk
        assert f"n° {probe.pk}" in row["evidence"]
        assert row["updated_by"] == lead.username
    # Rows verified otherwise are left as they were.
    assert {row["result"] for row in rows.values() if row["method"] != "probe"} == {"pending"}
    assert after["proposed_decision"] == "ajournement"
    assert AcceptanceEvent.objects.filter(plan__contract=contract, action="probe").count() == len(probe_rows)
    latest = api(lead).get(f"/api/v1/contracts/{contract.pk}/acceptance/probe/").json()
    assert latest["id"] == probe.pk and latest["status"] == "done"
    assert len(latest["results"]) == sum(len(tc.version.checks) for tc in accepted.clauses.values())
    linked = api(lead).get(f"/api/v1/contracts/{contract.pk}/acceptance/probe/", {"id": probe.pk})
    assert linked.status_code == 200 and linked.json()["id"] == probe.pk
    assert api(lead).get(f"/api/v1/contracts/{contract.pk}/acceptance/probe/", {"id": probe.pk + 1}).status_code == 404


def test_the_probe_takes_uploaded_documents_and_keeps_other_rows_results(
    api, accepted, eager, django_capture_on_commit_callbacks
):
    contract, lead = accepted.contract, accepted.lead
    plan(api, lead, contract)
    demonstration = AcceptanceRow.objects.filter(plan__contract=contract, method="demonstration").first()
    api(lead).put(
        f"/api/v1/contracts/{contract.pk}/acceptance/{demonstration.article}/",
        {"result": "pass", "evidence": "Démonstration du 12 janvier"},
        format="json",
    )
    files = {
        "capability_statement": (
            "metadata.json",
            (checks.json.dumps(fixture_json(INFERNO))).encode(),
            "application/json",
        ),
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = {name: SimpleUploadedFile(*value) for name, value in files.items()}
    uploads["smart_configuration"] = SimpleUploadedFile(
        "smart.json", checks.json.dumps(fixture_json(SMART_22)).encode(), "application/json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(lead).post(f"/api/v1/contracts/{contract.pk}/acceptance/probe/", uploads, format="multipart")
    assert response.status_code == 202, response.content
    assert AcceptanceProbe.objects.get(pk=response.json()["id"]).source == "upload"
    demonstration.refresh_from_db()
    assert (demonstration.result, demonstration.evidence) == ("pass", "Démonstration du 12 janvier")
    results = set(
        AcceptanceRow.objects.filter(plan__contract=contract, method="probe").values_list("result", flat=True)
    )
    assert "pass" in results


def test_the_probe_request_names_what_is_missing_and_queues_nothing(api, accepted, django_capture_on_commit_callbacks):
    contract, lead = accepted.contract, accepted.lead
    url = f"/api/v1/contracts/{contract.pk}/acceptance/probe/"
    with django_capture_on_commit_callbacks() as callbacks:
        missing = api(lead).post(url, {}, format="json")
        live = api(lead).post(url, {"mode": "live"}, format="json")
        plain = api(lead).post(url, {"fhir_base_url": "http://ehr.example.org/fhir"}, format="json")
        sandbox = api(lead).post(url, {"mode": "live", "sandbox": {"fhir_base_url": "ftp://x"}}, format="json")
    assert missing.status_code == 400 and "fhir_base_url" in missing.json()
    assert live.status_code == 400 and "sandbox" in live.json()
    assert plain.status_code == 400 and "fhir_base_url" in plain.json()
    assert sandbox.status_code == 400 and "sandbox" in sandbox.json()
    assert not callbacks
    assert not AcceptanceProbe.objects.exists()


def test_the_task_runs_on_the_probes_queue():
    from contracts.tasks import run_acceptance_probe

    assert run_acceptance_probe.queue == "probes"


def test_a_probe_asked_for_while_the_broker_was_down_is_requeued_by_beat(
    accepted, django_capture_on_commit_callbacks, monkeypatch
):
    import datetime

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from contracts import acceptance_services, tasks

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.run_acceptance_probe, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        probe = acceptance_services.probe_request(
            user=accepted.lead, contract=accepted.contract, fhir_base_url="https://ehr.example.org/fhir"
        )
    probe.refresh_from_db()
    assert probe.status == "queued" and probe.error
    AcceptanceProbe.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    queued = []
    monkeypatch.setattr(tasks.run_acceptance_probe, "apply_async", lambda args, **kwargs: queued.append(args))
    assert tasks.requeue_stale_acceptance_probes() == 1
    assert queued == [[probe.pk]]
    probe.refresh_from_db()
    assert probe.error == ""


def test_the_live_probe_uses_the_contracts_sandbox_and_its_results_fill_the_rows(
    api, accepted, eager, django_capture_on_commit_callbacks, monkeypatch, server, allow_local
):
    """The live checks themselves are tested against a real OAuth server in tests/conformance/test_live.py; here:
    the contract's sandbox (given with the request, stored on the contract) is the one exercised, as the
    contract's organisation, and a live result decides its clause's row."""
    from conformance import live

    contract, lead = accepted.contract, accepted.lead
    server.serve_fhir(fixture_json(INFERNO), fixture_json(SMART_22))
    patient = accepted.clauses["fhir-api-rest-r4"]
    calls = []

    def run_live(sandbox, organization, clause_checks, cancelled=None):
        calls.append((sandbox, organization, clause_checks))
        failed = {"tender_clause": patient.pk, "check": {"type": "live_read", "resource": "Patient"}, "outcome": "fail"}
        return [{**failed, "basis": "observed", "evidence": {"requests": [], "counts": {}, "note": "404"}}], None

    monkeypatch.setattr(live, "run_live", run_live)
    sandbox = {"fhir_base_url": server.url("/fhir"), "token_url": "https://auth.example.org/token", "client_id": "chu"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(lead).post(
            f"/api/v1/contracts/{contract.pk}/acceptance/probe/", {"mode": "live", "sandbox": sandbox}, format="json"
        )
    # An https sandbox is required, as for a bid: the local server's http URL is refused first.
    assert response.status_code == 400 and "sandbox" in response.json()
    contract.sandbox = sandbox
    contract.save(update_fields=["sandbox"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api(lead).post(f"/api/v1/contracts/{contract.pk}/acceptance/probe/", {"mode": "live"}, format="json")
    assert response.status_code == 202, response.content
    probe = AcceptanceProbe.objects.get(pk=response.json()["id"])
    assert (probe.mode, probe.status) == ("live", "done")
    [(used_sandbox, organization, clause_checks)] = calls
    assert used_sandbox == sandbox and organization == contract.organization
    assert len(clause_checks) == sum(len(tc.version.checks) for tc in accepted.clauses.values())
    row = AcceptanceRow.objects.get(plan__contract=contract, tender_clause=patient)
    assert row.result == "fail" and "live_read" not in row.evidence  # described, not a raw type
