"""Shared pieces of the probe tests: the real FHIR fixtures, a local JSON server, a probed tender.

The fixtures in ./fixtures are copies of /work/shared/fixtures/fhir (SOURCES.md there and here says
where each comes from and under which licence).
"""

import copy
import http.server
import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from scoring.models import Bid, Evaluator
from tenders.models import Tender, TenderClause

from ..factories import make_clause

FIXTURES = Path(__file__).parent / "fixtures"

INFERNO = "capability-inferno-reference-server-r4.json"
BULK_SERVER = "capability-smart-bulk-data-server-r4.json"
ANS = "capability-ans-annuaire-sante-fr-requirements.json"
SMART_22 = "smart-config-ig-2.2-example.json"
SMART_10 = "smart-config-ig-1.0-example.json"
SMART_ISIK = "smart-config-isik-sicherheit-example.json"


def fixture_text(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name):
    return json.loads(fixture_text(name))


# The checks a tender on interoperability would carry, grouped as clauses.
CLAUSE_CHECKS = {
    "fhir-base": [{"type": "fhir_version", "value": "4.0.1"}, {"type": "fhir_format", "value": "json"}],
    "patient": [
        {
            "type": "fhir_resource",
            "resource": "Patient",
            "interactions": ["read", "search-type"],
            "search_params": ["identifier"],
        }
    ],
    "bulk": [
        {"type": "fhir_operation", "name": "export", "level": "system"},
        {"type": "fhir_operation", "name": "export", "level": "patient"},
        {"type": "fhir_operation", "name": "export", "level": "group"},
    ],
    "smart": [
        {"type": "smart_capability", "value": "permission-v2"},
        {"type": "smart_grant_type", "value": "client_credentials"},
        {"type": "smart_pkce", "value": "S256"},
        {"type": "smart_endpoint", "value": "token_endpoint"},
    ],
}


def all_checks():
    return [check for checks in CLAUSE_CHECKS.values() for check in checks]


# Variants derived from the real documents: (CapabilityStatement, SMART configuration) → the checks that must fail.
def without_capability(smart):
    smart = copy.deepcopy(smart)
    smart["capabilities"].remove("permission-v2")
    return smart


def with_plain_pkce(smart):
    smart = copy.deepcopy(smart)
    smart["code_challenge_methods_supported"].append("plain")
    return smart


def with_fhir_version(statement, version="3.0.2"):
    statement = copy.deepcopy(statement)
    statement["fhirVersion"] = version
    return statement


def without_search_type(statement, resource_type="Patient"):
    statement = copy.deepcopy(statement)
    for resource in statement["rest"][0]["resource"]:
        if resource["type"] == resource_type:
            resource["interaction"] = [i for i in resource["interaction"] if i["code"] != "search-type"]
    return statement


def without_export(statement):
    statement = copy.deepcopy(statement)
    for rest in statement["rest"]:
        rest["operation"] = [op for op in rest.get("operation", []) if "export" not in op["definition"]]
        for resource in rest["resource"]:
            if "operation" in resource:
                resource["operation"] = [op for op in resource["operation"] if "export" not in op["definition"]]
    return statement


# A local JSON server ----------------------------------------------------------------------------


class Route(SimpleNamespace):
    """What the server answers on one path: status, headers, body (bytes), delay before answering."""


def json_route(data, status=200, content_type="application/fhir+json", delay=0.0, headers=None):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return Route(
        status=status,
        body=body,
        delay=delay,
        headers={"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})},
    )


class LocalServer:
    def __init__(self):
        self.routes = {}
        self.received = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's API)
                server.received.append(self.path)
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    if getattr(route, "trickle", None):
                        for byte in route.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(route.trickle)
                    else:
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path="", host="127.0.0.1", scheme="http"):
        return f"{scheme}://{host}:{self.port}{path}"

    def serve_fhir(self, statement, smart, base="/fhir"):
        self.routes[f"{base}/metadata"] = json_route(statement)
        self.routes[f"{base}/.well-known/smart-configuration"] = json_route(smart, content_type="application/json")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    """A JSON server on 127.0.0.1 that records every request it receives."""
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def listener():
    """A second server on 127.0.0.1 standing for the hospital's network: it must receive nothing."""
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def allow_local(settings):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def eager():
    """Tasks run in the calling thread (celery's conf is not a plain object: no monkeypatch)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


# A tender whose clauses carry the checks -------------------------------------------------------


def make_probe_tender(organization, library, clause_checks=None, reference="AO-2026-077", key_prefix=""):
    tender = Tender.objects.create(
        organization=organization,
        reference=reference,
        title="Entrepôt de données de santé",
        status=Tender.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    clauses = {}
    for position, (key, checks) in enumerate((clause_checks or CLAUSE_CHECKS).items()):
        clause = make_clause(library, key=f"{key_prefix}{key}", title=f"Clause {key}", checks=checks)
        clauses[key] = TenderClause.objects.create(
            tender=tender, clause=clause, version=clause.current, position=position
        )
    return tender, clauses


@pytest.fixture
def probed(hospital, library, buyer, evaluator):
    """A published tender of the hospital with the check-bearing clauses, a bid and a named evaluator."""
    tender, clauses = make_probe_tender(hospital, library)
    Evaluator.objects.create(tender=tender, user=evaluator, declared_at=timezone.now())
    bid = Bid.objects.create(tender=tender, vendor="Alpha Santé", price=100000)
    return SimpleNamespace(tender=tender, clauses=clauses, bid=bid, lead=buyer, evaluator=evaluator)
