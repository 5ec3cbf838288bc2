"""The live probe against real parts started here, over HTTPS with a CA the tests make (trusted through
PROBE_CA_FILE): the authorisation server is npm `oidc-provider` (tests/oidc/smart_server.mjs: client_credentials,
private_key_jwt, JWT access tokens for one resource server), the FHIR sandbox a server built on the FHIR framework
fhirstarter (tests/conformance/sandbox.py) that verifies those tokens against the provider's JWKS, serves generated
resources and NDJSON, records every request and has fault switches. Both on 127.0.0.1, listed in
PROBE_ALLOWED_HOSTS for the tests only."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conformance import identity, live

from . import sandbox as standin

OIDC = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "clausier-live-probe"
GRANTED = "system/Patient.rs system/Observation.rs system/Group.rs"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the OAuth server runs on Node"),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def keys():
    """The client's key pairs, made once: the provider registers their public halves at start."""
    return {"ES384": ec.generate_private_key(ec.SECP384R1()), "RS384": rsa.generate_private_key(65537, 3072)}


@pytest.fixture(scope="module")
def parts(keys, tmp_path_factory):
    if not (OIDC / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OIDC, check=True, capture_output=True, timeout=300)
    folder = tmp_path_factory.mktemp("live")
    ca_file, cert_file, key_file = standin.make_ca(folder)
    port = _free_port()
    issuer = f"https://127.0.0.1:{port}"
    fhir = standin.start(issuer, cert_file, key_file, ca_file)
    jwks = {"keys": []}
    for algorithm, private in keys.items():
        public = identity._public_jwk(private.public_key())
        jwks["keys"].append(public | {"kid": identity.thumbprint(public), "alg": algorithm, "use": "sig"})
    ttl_file = folder / "token-ttl"
    env = {
        **os.environ,
        "OP_PORT": str(port),
        "SMART_CLIENT_ID": CLIENT_ID,
        "SMART_JWKS": json.dumps(jwks),
        "SMART_RESOURCE": fhir.resource,
        "SMART_SCOPES": GRANTED,
        "SMART_TLS_CERT": str(cert_file),
        "SMART_TLS_KEY": str(key_file),
        "SMART_TTL_FILE": str(ttl_file),
    }
    process = subprocess.Popen(
        ["node", "smart_server.mjs"], cwd=OIDC, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        line = ""
        while "ready" not in line:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail("the OAuth server did not start")
        yield SimpleNamespace(issuer=issuer, fhir=fhir, ca_file=ca_file, ttl_file=ttl_file)
    finally:
        process.terminate()
        process.wait(timeout=10)
        fhir.stop()


@pytest.fixture
def sandbox(parts, settings, hospital, keys):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PROBE_CA_FILE = str(parts.ca_file)
    settings.PROBE_EXPORT_CEILING = 20
    parts.fhir.reset()
    parts.ttl_file.unlink(missing_ok=True)
    identity.store_key(hospital, keys["ES384"], "ES384")
    config = {
        "fhir_base_url": parts.fhir.resource,
        "token_url": f"{parts.issuer}/token",
        "client_id": CLIENT_ID,
        "group_id": "g1",
    }
    return parts.fhir, config


PATIENT = {
    "type": "fhir_resource",
    "resource": "Patient",
    "interactions": ["read", "search-type"],
    "search_params": ["_id", "identifier"],
}
EXPORT = {"type": "fhir_operation", "name": "export", "level": "system"}


def by_type(results):
    return {(r["check"]["type"], r["check"].get("level")): r for r in results}


def test_token_reads_searches_and_export_pass_and_nothing_is_written(sandbox, hospital):
    fhir, config = sandbox
    started = time.monotonic()
    results, budget = live.run_live(config, hospital, [(1, PATIENT), (2, EXPORT)])
    elapsed = time.monotonic() - started
    found = by_type(results)
    assert [r["check"]["type"] for r in results] == [
        "live_token",
        "live_search",
        "live_read",
        "live_export",
        "live_ndjson",
    ]
    assert all(r["outcome"] == "pass" for r in results), [(r["check"], r["evidence"]["note"]) for r in results]
    token = found[("live_token", None)]
    assert token["check"]["scopes"] == ["system/Patient.rs"]
    assert token["evidence"]["counts"] == {"scopes_asked": 1, "scopes_granted": 1, "expires_in": 300}
    assert token["evidence"]["requests"][0]["method"] == "POST" and token["evidence"]["requests"][0]["status"] == 200
    search = found[("live_search", None)]
    assert search["evidence"]["counts"]["params_honoured"] == 2
    ndjson = found[("live_ndjson", "system")]
    assert ndjson["evidence"]["counts"]["resources"] == {"Patient": 4, "Observation": 3}
    assert ndjson["evidence"]["counts"]["invalid"] == 0
    # Never a write: the sandbox saw GETs only (the one POST went to the OAuth server's token URL).
    assert {method for method, _path in fhir.log} == {"GET"}
    assert all(entry["method"] == "GET" for entry in budget.log[1:]) and budget.log[0]["method"] == "POST"
    # Bounded: one token, three searches (all, by _id, by identifier), one read, a kick-off, one status poll, two
    # files — nine requests, in a second or two on loopback.
    assert budget.count == len(budget.log) == 9 and len(fhir.log) == 8
    assert elapsed < 5
    # Evidence without patient content: no identifier value, no query string, no birth date anywhere.
    text = json.dumps(results)
    assert "IPP-0001" not in text and "?" not in json.dumps([r["evidence"]["requests"] for r in results])
    assert "1961" not in text
    assert found[("live_read", None)]["evidence"]["requests"][0]["path"] == "/fhir/Patient/[id]"
    assert "/p1" not in text


def test_the_probe_never_writes_whatever_it_checks(sandbox, hospital, parts):
    fhir, config = sandbox
    # The recorder would see a write: one sent here by hand is recorded (and refused by the framework).
    request = urllib.request.Request(f"{fhir.resource}/Patient/p1", data=b"{}", method="PUT")
    context = ssl.create_default_context(cafile=str(parts.ca_file))
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, context=context, timeout=5)
    assert fhir.log == [("PUT", "/fhir/Patient/p1")]
    fhir.reset()
    observation = {"type": "fhir_resource", "resource": "Observation", "interactions": ["search-type"]}
    checks = [(1, PATIENT), (1, observation)] + [
        (2, {**EXPORT, "level": level}) for level in ("system", "patient", "group")
    ]
    results, budget = live.run_live(config, hospital, checks)
    assert all(r["outcome"] == "pass" for r in results), [(r["check"], r["evidence"]["note"]) for r in results]
    assert {method for method, _path in fhir.log} == {"GET"}
    kickoffs = [path for _method, path in fhir.log if path.endswith("$export")]
    assert kickoffs == ["/fhir/$export", "/fhir/Patient/$export", "/fhir/Group/g1/$export"]
    # The only POST of the run is the token request, to the authorisation server's token URL.
    assert [(e["method"], e["path"]) for e in budget.log if e["method"] != "GET"] == [("POST", "/token")]
    assert budget.count <= 25


def test_scopes_narrowed_by_the_server_fail_the_token_check(sandbox, hospital):
    _fhir, config = sandbox
    condition = {"type": "fhir_resource", "resource": "Condition", "interactions": ["search-type"]}
    results, _budget = live.run_live(config, hospital, [(1, PATIENT), (1, condition)])
    token = results[0]
    assert token["outcome"] == "fail"
    assert token["message_code"]["params"] == {"scopes": "system/Condition.rs"}
    assert token["evidence"]["counts"]["scopes_asked"] == 2 and token["evidence"]["counts"]["scopes_granted"] == 1


def test_an_unregistered_key_gets_no_token_and_nothing_else_is_tried(sandbox, hospital):
    fhir, config = sandbox
    identity.rotate_key(hospital, "ES384")  # a new key the vendor has not registered
    results, _budget = live.run_live(config, hospital, [(1, PATIENT), (2, EXPORT)])
    assert results[0]["outcome"] == "fail" and results[0]["evidence"]["counts"] == {"status": 401}
    assert results[0]["message_code"]["params"]["error"] == "invalid_client"
    assert all(r["outcome"] == "unknown" for r in results[1:])
    assert fhir.log == []


def test_an_rs384_key_is_accepted_too(sandbox, hospital, keys):
    _fhir, config = sandbox
    identity.store_key(hospital, keys["RS384"], "RS384")
    results, _budget = live.run_live(config, hospital, [(1, PATIENT)])
    assert results[0]["outcome"] == "pass"


def test_a_search_parameter_the_server_ignores_fails_the_search(sandbox, hospital):
    fhir, config = sandbox
    fhir.state.ignore_identifier = True
    results, _budget = live.run_live(config, hospital, [(1, PATIENT)])
    search = by_type(results)[("live_search", None)]
    assert search["outcome"] == "fail" and search["message_code"]["params"] == {"params": "identifier"}


def test_a_slow_export_is_polled_with_retry_after_and_a_429_is_honoured(sandbox, hospital):
    fhir, config = sandbox
    fhir.state.slow_polls, fhir.state.throttle_once = 3, True
    results, _budget = live.run_live(config, hospital, [(2, EXPORT)])
    export = by_type(results)[("live_export", "system")]
    assert export["outcome"] == "pass", export["evidence"]["note"]
    assert export["evidence"]["counts"]["polls"] == 3 and export["evidence"]["counts"]["throttled"] == 1
    statuses = [r["status"] for r in export["evidence"]["requests"]]
    assert statuses[:2] == [202, 429] and statuses.count(429) == 1  # the 429 was waited out, then retried
    assert export["evidence"]["counts"]["seconds"] >= 3


def test_a_429_on_a_search_is_waited_out_and_the_search_retried(sandbox, hospital):
    fhir, config = sandbox
    fhir.state.throttle_search_once = True
    started = time.monotonic()
    results, _budget = live.run_live(config, hospital, [(1, PATIENT)])
    search = by_type(results)[("live_search", None)]
    assert search["outcome"] == "pass", search["evidence"]["note"]
    assert [r["status"] for r in search["evidence"]["requests"]][:2] == [429, 200]
    assert time.monotonic() - started >= 1  # Retry-After: 1 was honoured
    assert fhir.log[:2] == [("GET", "/fhir/Patient"), ("GET", "/fhir/Patient")]


def test_the_export_ceiling_stops_the_polling(sandbox, hospital, settings):
    fhir, config = sandbox
    fhir.state.slow_polls = 100
    settings.PROBE_EXPORT_CEILING = 2
    results, _budget = live.run_live(config, hospital, [(2, EXPORT)])
    export = by_type(results)[("live_export", "system")]
    assert export["outcome"] == "fail" and export["message_code"]["params"] == {"ceiling": 2}
    assert by_type(results)[("live_ndjson", "system")]["outcome"] == "unknown"
    assert fhir.state.polls <= 4


def test_an_expired_token_is_renewed_once(sandbox, hospital, parts):
    fhir, config = sandbox
    # The authorisation server now issues tokens that live 2 s; the export answers 202 twice, a second apart: the
    # token expires during the polling, the sandbox refuses it (401, its expiry checked), the probe gets another.
    parts.ttl_file.write_text("2")
    fhir.state.slow_polls = 2
    results, budget = live.run_live(config, hospital, [(2, EXPORT)])
    export = by_type(results)[("live_export", "system")]
    assert export["outcome"] == "pass", export["evidence"]["note"]
    assert by_type(results)[("live_token", None)]["evidence"]["counts"]["expires_in"] == 2
    assert "the access token expired" in fhir.refusals
    methods = [(r["method"], r["status"]) for r in export["evidence"]["requests"]]
    assert ("GET", 401) in methods and ("POST", 200) in methods  # refused, new token, retried
    assert methods.index(("GET", 401)) < methods.index(("POST", 200))
    assert by_type(results)[("live_ndjson", "system")]["outcome"] == "pass"


def test_a_malformed_ndjson_line_is_reported_with_its_line_number(sandbox, hospital):
    fhir, config = sandbox
    fhir.state.malformed_line = True
    results, _budget = live.run_live(config, hospital, [(2, EXPORT)])
    ndjson = by_type(results)[("live_ndjson", "system")]
    assert ndjson["outcome"] == "fail"
    invalid = ndjson["evidence"]["invalid_lines"]
    assert [(i["file"], i["line"]) for i in invalid] == [(1, 3), (1, 5)]
    assert invalid[0]["errors"] == ["json"]
    assert any(error.startswith("birthDate") for error in invalid[1]["errors"])
    assert "not-a-date" not in json.dumps(results)  # the value itself is not kept
    assert ndjson["evidence"]["counts"]["resources"] == {"Patient": 4, "Observation": 3}


def test_a_file_that_redirects_elsewhere_is_refused_and_not_followed(sandbox, hospital):
    fhir, config = sandbox
    fhir.state.redirect = "files"
    results, budget = live.run_live(config, hospital, [(2, EXPORT)])
    ndjson = by_type(results)[("live_ndjson", "system")]
    assert ndjson["outcome"] == "fail" and ndjson["evidence"]["counts"]["files_refused"] == 2
    assert [r["status"] for r in ndjson["evidence"]["requests"]] == [302, 302]
    assert all("169.254" not in entry["path"] for entry in budget.log)
    assert "169.254" not in json.dumps(results)  # the target is not even named


def test_a_kickoff_that_redirects_elsewhere_fails_the_export_and_is_not_followed(sandbox, hospital):
    fhir, config = sandbox
    fhir.state.redirect = "kickoff"
    results, budget = live.run_live(config, hospital, [(2, EXPORT)])
    export = by_type(results)[("live_export", "system")]
    assert export["outcome"] == "fail" and export["message_code"]["params"] == {"status": 307}
    assert by_type(results)[("live_ndjson", "system")]["outcome"] == "unknown"
    assert [path for _method, path in fhir.log] == ["/fhir/$export"]
    assert all("169.254" not in entry["path"] for entry in budget.log)


def test_the_run_is_bounded_in_requests_and_can_be_cancelled(sandbox, hospital, settings):
    fhir, config = sandbox
    settings.PROBE_LIVE_MAX_REQUESTS = 3
    results, budget = live.run_live(config, hospital, [(1, PATIENT), (2, EXPORT)])
    assert budget.count == 3
    assert by_type(results)[("live_export", "system")]["outcome"] == "unknown"
    settings.PROBE_LIVE_MAX_REQUESTS = 200
    results, budget = live.run_live(config, hospital, [(1, PATIENT)], cancelled=lambda: True)
    assert budget.count == 0 and all(r["outcome"] == "unknown" for r in results)


def test_a_group_export_without_group_id_is_not_tried(sandbox, hospital):
    fhir, config = sandbox
    config = {**config, "group_id": ""}
    results, _budget = live.run_live(config, hospital, [(2, {**EXPORT, "level": "group"})])
    assert by_type(results)[("live_export", "group")]["outcome"] == "unknown"
    assert not any("$export" in path for _method, path in fhir.log)


def test_the_api_runs_a_live_probe_whose_results_sit_beside_the_static_ones(
    sandbox, api, probed, eager, django_capture_on_commit_callbacks, client
):
    fhir, config = sandbox
    assert probed.tender.organization == identity.active_key(probed.tender.organization).organization
    lead = api(probed.lead)
    # The sandbox is a bid field, set through the API; its URLs must be https.
    plain = {**config, "fhir_base_url": config["fhir_base_url"].replace("https:", "http:")}
    refused = lead.patch(f"/api/v1/bids/{probed.bid.pk}/", {"sandbox": plain}, format="json")
    assert refused.status_code == 400 and "sandbox" in refused.json()
    assert lead.post(f"/api/v1/bids/{probed.bid.pk}/probe/", {"mode": "live"}, format="json").status_code == 400
    spaced = {**config, "client_id": f" {config['client_id']} "}
    accepted = lead.patch(f"/api/v1/bids/{probed.bid.pk}/", {"sandbox": spaced}, format="json")
    assert accepted.status_code == 200 and accepted.json()["sandbox"] == config
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(f"/api/v1/bids/{probed.bid.pk}/probe/", {"mode": "live"}, format="json")
    assert response.status_code == 202
    report = lead.get(f"/api/v1/bids/{probed.bid.pk}/probe/").json()
    assert report["status"] == "done" and set(report) == {"status", "fetched_at", "source", "documents", "results"}
    static = [r for r in report["results"] if not r["check"]["type"].startswith("live_")]
    live_results = [r for r in report["results"] if r["check"]["type"].startswith("live_")]
    assert len(static) == 10 and all(r["outcome"] == "pass" for r in static)
    kinds = [(r["check"]["type"], r["check"].get("level")) for r in live_results]
    assert kinds == [
        ("live_token", None),
        ("live_search", None),
        ("live_read", None),
        ("live_export", "system"),
        ("live_ndjson", "system"),
        ("live_export", "patient"),
        ("live_ndjson", "patient"),
        ("live_export", "group"),
        ("live_ndjson", "group"),
    ]
    assert all(r["outcome"] == "pass" and r["basis"] == "observed" for r in live_results), [
        (r["check"], r["evidence"]["note"]) for r in live_results
    ]
    assert set(live_results[0]["evidence"]) >= {"requests", "counts", "note"}
    assert {method for method, _path in fhir.log} == {"GET"}
    # English readers get the notes in English.
    english = lead.get(f"/api/v1/bids/{probed.bid.pk}/probe/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["results"][-1]["evidence"]["note"].startswith("7 valid NDJSON")
    # The bid page shows the live checks beside the static ones, with their requests (no query strings).
    from django.urls import reverse

    client.force_login(probed.lead)
    page = client.get(reverse("scoring:bid_detail", args=[probed.tender.pk, probed.bid.pk])).content.decode()
    assert "En direct : export Bulk Data (niveau system)" in page and "Version FHIR 4.0.1" in page
    assert "GET /fhir/$export" in page and "observé sur le bac à sable" in page
    assert "Bac à sable (sondage en direct)" in page
    assert f"http://testserver/api/v1/organizations/{probed.tender.organization_id}/jwks/" in page
    assert "IPP-0001" not in page
    # The evaluation report's probe section counts them too.
    from conformance.report import probe_entries

    entry = probe_entries(probed.tender, [{"id": probed.bid.pk, "vendor": probed.bid.vendor}])[0]
    assert entry["counts"] == {"pass": 19, "fail": 0, "unknown": 0}


def test_a_live_probe_can_be_cancelled(api, probed, hospital, settings):
    from conformance.models import ProbeReport
    from scoring.models import Bid

    Bid.objects.filter(pk=probed.bid.pk).update(
        sandbox={
            "fhir_base_url": "https://sandbox.invalid/fhir",
            "token_url": "https://sandbox.invalid/token",
            "client_id": "x",
        }
    )
    report = ProbeReport.objects.create(
        bid=probed.bid, source="url", mode="live", base_url="https://sandbox.invalid/fhir"
    )
    response = api(probed.lead).post(f"/api/v1/bids/{probed.bid.pk}/probe/cancel/")
    assert response.status_code == 202 and response.json()["status"] == "cancelled"
    report.refresh_from_db()
    assert report.cancel_requested and report.is_finished


def test_outbound_rules_refuse_plain_http_and_local_addresses(hospital, settings):
    settings.PROBE_ALLOWED_HOSTS = []
    for token_url in ("http://sandbox.example.org/token", "https://localhost:9/token", "https://127.0.0.1:9/token"):
        config = {"fhir_base_url": "https://localhost:9/fhir", "token_url": token_url, "client_id": "x"}
        results, budget = live.run_live(config, hospital, [(1, PATIENT)])
        assert results[0]["outcome"] == "fail" and budget.log[0]["status"] is None
        assert "https" in results[0]["evidence"]["note"] or "local" in results[0]["evidence"]["note"]
    # A name that does not resolve: the reason (with the resolver's error as text) is stored as JSON.
    config = {"fhir_base_url": "https://x.invalid/fhir", "token_url": "https://x.invalid/token", "client_id": "x"}
    results, _budget = live.run_live(config, hospital, [(1, PATIENT)])
    assert results[0]["outcome"] == "fail" and "x.invalid" in json.dumps(results)


def test_without_the_test_ca_nothing_is_trusted_and_nothing_is_sent(sandbox, hospital, settings):
    fhir, config = sandbox
    settings.PROBE_CA_FILE = None
    results, budget = live.run_live(config, hospital, [(1, PATIENT), (2, EXPORT)])
    token = results[0]
    assert token["outcome"] == "fail" and "TLS" in token["evidence"]["note"]
    assert budget.log[0]["status"] is None and all(r["outcome"] == "unknown" for r in results[1:])
    assert fhir.log == []


def test_a_connection_dropped_mid_search_fails_that_check_and_the_run_goes_on(sandbox, hospital):
    fhir, config = sandbox
    fhir.state.drop_identifier_search = True
    results, _budget = live.run_live(config, hospital, [(1, PATIENT), (2, EXPORT)])
    found = by_type(results)
    assert found[("live_search", None)]["outcome"] == "fail"
    assert found[("live_search", None)]["message_code"]["params"] == {"params": "identifier"}
    assert found[("live_read", None)]["outcome"] == "pass"
    assert found[("live_export", "system")]["outcome"] == "pass"


def test_the_whole_run_stops_at_its_deadline(sandbox, hospital, settings):
    import time

    fhir, config = sandbox
    fhir.state.slow_polls = 100
    settings.PROBE_LIVE_DEADLINE = 3
    started = time.monotonic()
    results, _budget = live.run_live(config, hospital, [(2, EXPORT), (3, {**EXPORT, "level": "patient"})])
    assert time.monotonic() - started < 6
    found = by_type(results)
    assert found[("live_export", "system")]["outcome"] == "unknown"
    assert "Durée maximale" in found[("live_export", "system")]["evidence"]["note"]
    assert found[("live_export", "patient")]["outcome"] == "unknown"
