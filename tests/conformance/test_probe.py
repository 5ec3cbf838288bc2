"""The probe end to end: POST /api/v1/bids/{id}/probe/ queues a job that fetches (or takes uploaded) documents,
validates them and evaluates every check of the tender; GET returns the latest report."""

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from conformance import selectors, services, tasks
from conformance.checks import error_text
from conformance.models import ProbeReport
from scoring.models import Bid

from ..factories import member
from .conftest import (
    BULK_SERVER,
    INFERNO,
    SMART_22,
    all_checks,
    fixture_json,
    fixture_text,
    make_probe_tender,
    with_fhir_version,
    with_plain_pkce,
    without_capability,
    without_export,
    without_search_type,
)

pytestmark = pytest.mark.django_db
CLAUSE_PATIENT = all_checks()[2]


def url(bid):
    return f"/api/v1/bids/{bid.pk}/probe/"


def upload(name, content):
    if not isinstance(content, (str, bytes)):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def post(api, user, bid, capture, **files):
    with capture(execute=True):
        response = api(user).post(url(bid), files or {}, format="multipart")
    return response


def outcomes(report_json):
    return [result["outcome"] for result in report_json["results"]]


def failed_checks(report_json):
    return [result["check"] for result in report_json["results"] if result["outcome"] == "fail"]


# Fetched from the vendor's server ---------------------------------------------------------------


def test_it_fetches_both_documents_and_passes_every_check(
    api, probed, server, allow_local, eager, django_capture_on_commit_callbacks
):
    server.serve_fhir(fixture_json(INFERNO), fixture_json(SMART_22))
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=server.url("/fhir/"))
    response = post(api, probed.lead, probed.bid, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    report = ProbeReport.objects.get()
    assert response.json() == {"id": report.pk, "status": "queued"}
    assert server.received == ["/fhir/metadata", "/fhir/.well-known/smart-configuration"]

    body = api(probed.lead).get(url(probed.bid)).json()
    assert set(body) == {"status", "fetched_at", "source", "documents", "results"}
    assert (body["status"], body["source"]) == ("done", "url")
    assert body["fetched_at"]
    assert [(d["kind"], d["valid"], d["errors"]) for d in body["documents"]] == [
        ("capability_statement", True, []),
        ("smart_configuration", True, []),
    ]
    served = [server.routes[path].body for path in ("/fhir/metadata", "/fhir/.well-known/smart-configuration")]
    assert [d["sha256"] for d in body["documents"]] == [hashlib.sha256(data).hexdigest() for data in served]
    assert [r["check"] for r in body["results"]] == all_checks()
    assert outcomes(body) == ["pass"] * len(all_checks())
    clause_ids = [r["tender_clause"] for r in body["results"]]
    assert (
        clause_ids
        == [probed.clauses["fhir-base"].pk] * 2
        + [probed.clauses["patient"].pk]
        + [probed.clauses["bulk"].pk] * 3
        + [probed.clauses["smart"].pk] * 4
    )
    assert all(set(r["evidence"]) == {"path", "excerpt", "message"} for r in body["results"])


VARIANTS = [
    (
        "capability removed",
        lambda cs, smart: (cs, without_capability(smart)),
        [{"type": "smart_capability", "value": "permission-v2"}],
        "$.capabilities",
    ),
    (
        "plain added to PKCE",
        lambda cs, smart: (cs, with_plain_pkce(smart)),
        [{"type": "smart_pkce", "value": "S256"}],
        "$.code_challenge_methods_supported",
    ),
    (
        "FHIR 3.0.2",
        lambda cs, smart: (with_fhir_version(cs), smart),
        [{"type": "fhir_version", "value": "4.0.1"}],
        "$.fhirVersion",
    ),
    ("search-type removed", lambda cs, smart: (without_search_type(cs), smart), [all_checks()[2]], ".interaction"),
    (
        "no $export",
        lambda cs, smart: (without_export(cs), smart),
        [c for c in all_checks() if c["type"] == "fhir_operation"],
        "$.rest[0]",
    ),
]


@pytest.mark.parametrize("label,derive,expected,path", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_it_fails_exactly_the_matching_checks_of_a_served_variant(
    api, probed, server, allow_local, eager, django_capture_on_commit_callbacks, label, derive, expected, path
):
    statement, smart = derive(fixture_json(INFERNO), fixture_json(SMART_22))
    server.serve_fhir(statement, smart)
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=server.url("/fhir"))
    assert post(api, probed.lead, probed.bid, django_capture_on_commit_callbacks).status_code == 202
    body = api(probed.evaluator).get(url(probed.bid)).json()
    assert body["status"] == "done"
    assert failed_checks(body) == expected
    for result in body["results"]:
        if result["outcome"] == "fail":
            assert path in result["evidence"]["path"] and result["evidence"]["message"]
        else:
            assert result["outcome"] == "pass"


@pytest.mark.parametrize("label,derive,expected,path", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_it_fails_exactly_the_matching_checks_of_an_uploaded_variant(
    api, probed, eager, django_capture_on_commit_callbacks, label, derive, expected, path
):
    statement, smart = derive(fixture_json(INFERNO), fixture_json(SMART_22))
    response = post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", statement),
        smart_configuration=upload("smart.json", smart),
    )
    assert response.status_code == 202
    body = api(probed.lead).get(url(probed.bid)).json()
    assert (body["status"], body["source"]) == ("done", "upload")
    assert failed_checks(body) == expected


def test_it_probes_the_bulk_servers_statement_with_warnings_and_matches_its_exports(
    api, probed, eager, django_capture_on_commit_callbacks
):
    response = post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", fixture_text(BULK_SERVER)),
    )
    assert response.status_code == 202
    body = api(probed.lead).get(url(probed.bid)).json()
    statement, smart = body["documents"]
    assert statement["valid"] is True and any("acceptUnknown" in e for e in statement["errors"])
    assert smart == {"kind": "smart_configuration", "sha256": None, "valid": False, "errors": ["Document non fourni."]}
    by_check = {json.dumps(r["check"], sort_keys=True): r for r in body["results"]}
    for level, name in (("system", "export"), ("patient", "patient-export"), ("group", "group-export")):
        result = by_check[json.dumps({"type": "fhir_operation", "name": "export", "level": level}, sort_keys=True)]
        assert result["outcome"] == "pass" and result["evidence"]["excerpt"]["name"] == name
    # No SMART document: its checks are unknown, not failed.
    assert [r["outcome"] for r in body["results"] if r["check"]["type"].startswith("smart_")] == ["unknown"] * 4
    assert body["status"] == "done"


@pytest.mark.parametrize(
    "content,message",
    [
        ({"resourceType": "Patient", "id": "p1"}, "resourceType « Patient » au lieu de « CapabilityStatement »."),
        ("ceci n'est pas du JSON", "JSON illisible"),
    ],
)
def test_it_reports_an_invalid_statement_invalid_with_the_validators_message(
    api, probed, eager, django_capture_on_commit_callbacks, content, message
):
    response = post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", content),
        smart_configuration=upload("smart.json", fixture_text(SMART_22)),
    )
    assert response.status_code == 202
    body = api(probed.lead).get(url(probed.bid)).json()
    statement = body["documents"][0]
    assert statement["valid"] is False and statement["errors"][0].startswith(message)
    assert len(statement["sha256"]) == 64
    assert [r["outcome"] for r in body["results"] if r["check"]["type"].startswith("fhir_")] == ["unknown"] * 6
    assert [r["outcome"] for r in body["results"] if r["check"]["type"].startswith("smart_")] == ["pass"] * 4


def test_it_fails_the_report_when_no_document_can_be_read(api, probed, eager, django_capture_on_commit_callbacks):
    post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", "<html>"),
    )
    body = api(probed.lead).get(url(probed.bid)).json()
    assert body["status"] == "failed"
    assert outcomes(body) == ["unknown"] * len(all_checks())
    assert error_text(ProbeReport.objects.get().error).startswith("capability_statement : JSON illisible")


def test_it_refuses_an_upload_that_is_too_big_or_not_utf8(api, probed, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(services, "MAX_DOCUMENT_BYTES", 100)
    response = post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", fixture_text(INFERNO)),
    )
    assert response.status_code == 400 and "capability_statement" in response.json()
    response = post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        smart_configuration=upload("smart.json", b"\xff\xfe{}"),
    )
    assert response.status_code == 400 and "smart_configuration" in response.json()
    assert ProbeReport.objects.count() == 0


def test_it_asks_for_a_base_url_or_files(api, probed, django_capture_on_commit_callbacks):
    response = post(api, probed.lead, probed.bid, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "fhir_base_url" in response.json()
    assert ProbeReport.objects.count() == 0


# Outbound safety through the whole probe --------------------------------------------------------


@pytest.mark.parametrize(
    "base", ["https://127.0.0.1:{port}/fhir", "https://localhost:{port}/fhir", "http://127.0.0.1:{port}/fhir"]
)
def test_it_refuses_a_local_base_url_and_the_listener_receives_nothing(
    api, probed, listener, eager, settings, django_capture_on_commit_callbacks, base
):
    settings.PROBE_ALLOWED_HOSTS = []
    listener.serve_fhir(fixture_json(INFERNO), fixture_json(SMART_22))
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=base.format(port=listener.port))
    assert post(api, probed.lead, probed.bid, django_capture_on_commit_callbacks).status_code == 202
    body = api(probed.lead).get(url(probed.bid)).json()
    assert body["status"] == "failed"
    assert all(not d["valid"] and d["sha256"] is None for d in body["documents"])
    reason = body["documents"][0]["errors"][0]
    assert "réseau local" in reason or "https" in reason
    assert outcomes(body) == ["unknown"] * len(all_checks())
    assert listener.received == []


def test_it_reports_a_redirect_as_a_failure_with_its_reason(
    api, probed, server, allow_local, eager, django_capture_on_commit_callbacks
):
    from .conftest import json_route

    server.routes["/fhir/metadata"] = json_route(b"", status=302, headers={"Location": "http://10.0.0.1/metadata"})
    server.routes["/fhir/.well-known/smart-configuration"] = json_route(fixture_json(SMART_22))
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=server.url("/fhir"))
    post(api, probed.lead, probed.bid, django_capture_on_commit_callbacks)
    body = api(probed.lead).get(url(probed.bid)).json()
    assert body["status"] == "done"  # the SMART document was read
    assert body["documents"][0]["errors"] == ["Redirection refusée (HTTP 302 vers http://10.0.0.1/metadata)."]
    assert server.received == ["/fhir/metadata", "/fhir/.well-known/smart-configuration"]


# Job ---------------------------------------------------------------------------------------------


def test_it_runs_a_report_once_even_when_the_task_is_delivered_twice(probed, server, allow_local, buyer):
    server.serve_fhir(fixture_json(INFERNO), fixture_json(SMART_22))
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=server.url("/fhir"))
    probed.bid.refresh_from_db()
    report = services.probe_request(user=buyer, bid=probed.bid)
    tasks.run_probe(report.pk)
    tasks.run_probe(report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("done", 1)
    assert len(server.received) == 2
    tasks.run_probe(report.pk + 1000)  # a deleted report is not an error


def test_it_fails_the_report_readably_when_the_job_gives_up(probed, buyer):
    report = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    tasks.run_probe.on_failure(RuntimeError("boom"), "task-id", (report.pk,), {}, None)
    report.refresh_from_db()
    assert report.status == "failed" and "RuntimeError" in error_text(report.error)


def test_it_queues_the_job_only_after_commit(probed, buyer, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.run_probe, "apply_async", lambda args, **kwargs: queued.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    assert queued == [] and len(callbacks) == 1
    callbacks[0]()
    assert queued == [[report.pk]]


def test_it_keeps_the_report_queued_with_a_note_when_the_broker_is_down(
    probed, buyer, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.run_probe, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    report.refresh_from_db()
    assert report.status == "queued" and report.error == services.BROKER_DOWN_NOTE


# Who may --------------------------------------------------------------------------------------------


def test_it_lets_buyers_and_admins_of_the_organisation_run_a_probe(
    api, probed, hospital_admin, eager, django_capture_on_commit_callbacks
):
    files = {"capability_statement": upload("m.json", fixture_text(INFERNO))}
    assert post(api, probed.lead, probed.bid, django_capture_on_commit_callbacks, **files).status_code == 202
    files = {"capability_statement": upload("m.json", fixture_text(INFERNO))}
    assert post(api, hospital_admin, probed.bid, django_capture_on_commit_callbacks, **files).status_code == 202
    assert ProbeReport.objects.count() == 2


def test_it_refuses_evaluators_and_other_members_to_run_a_probe(
    api, probed, hospital, eager, django_capture_on_commit_callbacks
):
    curator = member(hospital, "curator", username="curator-chu")
    for user in (probed.evaluator, curator):
        response = post(
            api,
            user,
            probed.bid,
            django_capture_on_commit_callbacks,
            capability_statement=upload("m.json", fixture_text(INFERNO)),
        )
        assert response.status_code == 403
    assert ProbeReport.objects.count() == 0


def test_it_never_runs_a_probe_for_another_organisations_tender(
    api, buyer, outsider, other_hospital, group, listener, allow_local, eager, django_capture_on_commit_callbacks
):
    from ..factories import LibraryFactory

    library = LibraryFactory(organization=group, name="Autre")
    tender, _clauses = make_probe_tender(other_hospital, library, reference="AO-AUTRE")
    listener.serve_fhir(fixture_json(INFERNO), fixture_json(SMART_22))
    foreign_bid = Bid.objects.create(tender=tender, vendor="Bravo", price=1, fhir_base_url=listener.url("/fhir"))
    assert post(api, buyer, foreign_bid, django_capture_on_commit_callbacks).status_code == 404
    files = {"capability_statement": upload("m.json", fixture_text(INFERNO))}
    assert post(api, buyer, foreign_bid, django_capture_on_commit_callbacks, **files).status_code == 404
    assert api(buyer).get(url(foreign_bid)).status_code == 404
    assert ProbeReport.objects.count() == 0 and listener.received == []
    # The service refuses too, should a caller forget the lookup.
    with pytest.raises(PermissionDenied):
        services.probe_request(user=buyer, bid=foreign_bid)
    assert ProbeReport.objects.count() == 0 and listener.received == []
    # Its own organisation may.
    assert post(api, outsider, foreign_bid, django_capture_on_commit_callbacks).status_code == 202
    assert len(listener.received) == 2


def test_it_hides_the_report_from_other_organisations_and_lets_named_evaluators_read_it(
    api, probed, outsider, hospital, eager, django_capture_on_commit_callbacks
):
    post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("m.json", fixture_text(INFERNO)),
    )
    assert api(probed.lead).get(url(probed.bid)).status_code == 200
    assert api(probed.evaluator).get(url(probed.bid)).status_code == 200
    unnamed = member(hospital, "evaluator", username="eval-not-named")
    assert api(unnamed).get(url(probed.bid)).status_code == 403
    assert api(outsider).get(url(probed.bid)).status_code == 404
    assert api(outsider).post(url(probed.bid), {}, format="multipart").status_code == 404
    assert api().get(url(probed.bid)).status_code in (401, 403)
    assert api().post(url(probed.bid), {}, format="multipart").status_code in (401, 403)


def test_it_answers_404_before_any_probe(api, probed):
    response = api(probed.lead).get(url(probed.bid))
    assert response.status_code == 404


# Reading ----------------------------------------------------------------------------------------


def test_it_returns_the_latest_report_and_lists_checks_added_since_as_unknown(
    api, probed, library, eager, django_capture_on_commit_callbacks
):
    from tenders.models import TenderClause

    from ..factories import make_clause

    post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("m.json", with_fhir_version(fixture_json(INFERNO))),
    )
    post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("m.json", fixture_text(INFERNO)),
    )
    body = api(probed.lead).get(url(probed.bid)).json()
    assert body["results"][0]["outcome"] == "pass"  # the second report, not the first
    clause = make_clause(library, key="late", checks=[{"type": "fhir_format", "value": "xml"}])
    late = TenderClause.objects.create(tender=probed.tender, clause=clause, version=clause.current, position=9)
    body = api(probed.lead).get(url(probed.bid)).json()
    assert body["results"][-1]["tender_clause"] == late.pk
    assert body["results"][-1]["outcome"] == "unknown"
    assert len(body["results"]) == len(all_checks()) + 1


@pytest.mark.parametrize("size", [2, 8])
def test_it_reads_a_report_in_a_fixed_number_of_queries(api, hospital, library, buyer, size, django_assert_num_queries):
    checks = {
        f"c{index}": [{"type": "fhir_version", "value": "4.0.1"}, {"type": "fhir_format", "value": "json"}]
        for index in range(size)
    }
    tender, _clauses = make_probe_tender(hospital, library, clause_checks=checks)
    bid = Bid.objects.create(tender=tender, vendor="Alpha", price=1)
    report = services.probe_request(user=buyer, bid=bid, files={"capability_statement": fixture_text(INFERNO).encode()})
    services.probe_run(report_id=report.pk)
    client = api(get_user_model().objects.get(pk=buyer.pk))
    # memberships, bid, is the lead also an evaluator? (issue 18: then not a lead), report, tender clauses
    with django_assert_num_queries(5):
        body = client.get(url(bid)).json()
    assert len(body["results"]) == 2 * size


def test_it_groups_the_latest_results_by_bid_and_tender_clause_for_the_scoring_grid(probed, buyer):
    assert selectors.latest_results_for_tender(probed.bid.tender).get(probed.bid.pk, {}) == {}
    report = services.probe_request(
        user=buyer,
        bid=probed.bid,
        files={
            "capability_statement": json.dumps(without_export(fixture_json(INFERNO))).encode(),
            "smart_configuration": fixture_text(SMART_22).encode(),
        },
    )
    services.probe_run(report_id=report.pk)
    grouped = selectors.latest_results_for_tender(probed.bid.tender).get(probed.bid.pk, {})
    assert list(grouped) == [clause.pk for clause in probed.clauses.values()]
    assert [r["outcome"] for r in grouped[probed.clauses["bulk"].pk]] == ["fail"] * 3
    assert [r["outcome"] for r in grouped[probed.clauses["smart"].pk]] == ["pass"] * 4
    assert set(grouped[probed.clauses["bulk"].pk][0]) == {"check", "outcome", "basis", "evidence"}  # basis: issue 15


# Issue 15: basis, language, transport checks, XML and DSTU2 through the API ---------------------

TRANSPORT_CHECKS = {
    "transport": [
        {"type": "tls_min_version", "value": "1.2"},
        {"type": "cors"},
        {"type": "well_known_content_type"},
        {"type": "smart_endpoints_match"},
    ],
    "smart": [{"type": "smart_capability", "value": "launch-standalone"}],
}


def test_each_result_has_a_basis_and_its_message_in_the_readers_language(
    api, probed, eager, django_capture_on_commit_callbacks
):
    post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", fixture_text(INFERNO)),
        smart_configuration=upload("smart.json", without_capability(fixture_json(SMART_22))),
    )
    french = api(probed.lead).get(url(probed.bid), HTTP_ACCEPT_LANGUAGE="fr").json()
    english = api(probed.lead).get(url(probed.bid), HTTP_ACCEPT_LANGUAGE="en").json()
    assert all(r["basis"] in ("declared", "implied", "absent", "unreadable") for r in english["results"])
    failed = [r for r in english["results"] if r["outcome"] == "fail"]
    assert [r["check"] for r in failed] == [{"type": "smart_capability", "value": "permission-v2"}]
    assert failed[0]["basis"] == "declared"
    assert failed[0]["evidence"]["message"] == "SMART capability “permission-v2” not advertised."
    assert [r for r in french["results"] if r["outcome"] == "fail"][0]["evidence"]["message"] == (
        "Capacité SMART « permission-v2 » non annoncée."
    )
    assert all(set(r["evidence"]) == {"path", "excerpt", "message"} for r in english["results"])


def test_the_connection_checks_read_the_fetch_and_are_unknown_on_upload(
    api, hospital, library, buyer, server, allow_local, eager, django_capture_on_commit_callbacks
):
    tender, _clauses = make_probe_tender(hospital, library, clause_checks=TRANSPORT_CHECKS)
    bid = Bid.objects.create(tender=tender, vendor="Beta", price=1, fhir_base_url=server.url("/fhir/"))
    statement = fixture_json(INFERNO)
    smart = fixture_json(SMART_22)
    for extension in statement["rest"][0]["security"]["extension"]:
        for uri in extension["extension"]:
            uri["valueUri"] = {"token": smart["token_endpoint"], "authorize": smart["authorization_endpoint"]}.get(
                uri["url"], uri["valueUri"]
            )
    server.serve_fhir(statement, smart)
    server.routes["/fhir/.well-known/smart-configuration"].headers["Access-Control-Allow-Origin"] = "*"
    post(api, buyer, bid, django_capture_on_commit_callbacks)
    body = api(buyer).get(url(bid)).json()
    by_type = {r["check"]["type"]: r for r in body["results"]}
    # Plain http to the test server: no TLS at all.
    assert (by_type["tls_min_version"]["outcome"], by_type["tls_min_version"]["basis"]) == ("fail", "declared")
    assert by_type["cors"]["outcome"] == "pass" and by_type["cors"]["evidence"]["excerpt"] == "*"
    assert by_type["well_known_content_type"]["outcome"] == "pass"
    assert by_type["smart_endpoints_match"]["outcome"] == "pass"
    assert by_type["smart_capability"]["outcome"] == "fail"

    post(
        api,
        buyer,
        bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", statement),
        smart_configuration=upload("smart.json", smart),
    )
    body = api(buyer).get(url(bid)).json()
    by_type = {r["check"]["type"]: r for r in body["results"]}
    for kind in ("tls_min_version", "cors", "well_known_content_type"):
        assert (by_type[kind]["outcome"], by_type[kind]["basis"]) == ("unknown", "absent"), kind


def test_an_xml_statement_and_a_dstu2_conformance_are_probed(api, probed, eager, django_capture_on_commit_callbacks):
    for name, version_outcome in (
        ("corpus/nhs-gpconnect-stu3-capability-statement.xml", "fail"),
        ("corpus/cerner-millennium-dstu2-conformance.json", "fail"),
    ):
        post(
            api,
            probed.lead,
            probed.bid,
            django_capture_on_commit_callbacks,
            capability_statement=upload("metadata", fixture_text(name)),
        )
        body = api(probed.lead).get(url(probed.bid)).json()
        assert body["status"] == "done" and body["documents"][0]["valid"] is True, name
        by_check = {json.dumps(r["check"], sort_keys=True): r for r in body["results"]}
        version = by_check[json.dumps({"type": "fhir_version", "value": "4.0.1"}, sort_keys=True)]
        assert version["outcome"] == version_outcome and version["evidence"]["excerpt"] in ("3.0.1", "1.0.2")
        patient = by_check[json.dumps(CLAUSE_PATIENT, sort_keys=True)]
        assert patient["outcome"] == "pass", name


def test_it_fetches_an_xml_only_statement(api, probed, server, allow_local, eager, django_capture_on_commit_callbacks):
    from .conftest import json_route

    xml = fixture_text("corpus/nhs-gpconnect-stu3-capability-statement.xml").encode()
    server.routes["/fhir/metadata"] = json_route(xml, content_type="application/fhir+xml; charset=utf-8")
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=server.url("/fhir"))
    post(api, probed.lead, probed.bid, django_capture_on_commit_callbacks)
    body = api(probed.lead).get(url(probed.bid)).json()
    assert body["status"] == "done" and body["documents"][0]["valid"] is True
    by_check = {json.dumps(r["check"], sort_keys=True): r for r in body["results"]}
    assert by_check[json.dumps(CLAUSE_PATIENT, sort_keys=True)]["outcome"] == "pass"


def test_the_documents_validation_messages_follow_the_readers_language(
    api, probed, eager, django_capture_on_commit_callbacks
):
    smart = fixture_json(SMART_22)
    del smart["token_endpoint"]
    post(
        api,
        probed.lead,
        probed.bid,
        django_capture_on_commit_callbacks,
        capability_statement=upload("metadata.json", fixture_text(INFERNO)),
        smart_configuration=upload("smart.json", json.dumps(smart)),
    )
    french = api(probed.lead).get(url(probed.bid), HTTP_ACCEPT_LANGUAGE="fr").json()
    english = api(probed.lead).get(url(probed.bid), HTTP_ACCEPT_LANGUAGE="en").json()
    errors = {
        language: {d["kind"]: d["errors"] for d in report["documents"]}
        for language, report in (("fr", french), ("en", english))
    }
    assert errors["fr"]["smart_configuration"] == ["Champ requis par SMART App Launch 2 absent : token_endpoint."]
    assert errors["en"]["smart_configuration"] != errors["fr"]["smart_configuration"]
    assert "token_endpoint" in errors["en"]["smart_configuration"][0]
    assert "absent" not in errors["en"]["smart_configuration"][0]
    assert all(set(d) == {"kind", "sha256", "valid", "errors"} for d in english["documents"])
