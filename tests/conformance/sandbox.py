"""The vendor sandbox the live probe's tests run against, built on a FHIR server framework from PyPI: fhirstarter
(FastAPI and fhir.resources; pinned in requirements-dev.txt) served by uvicorn over HTTPS, its certificate signed by
a CA the tests make (`make_ca`), on 127.0.0.1 only.

The framework serves what a FHIR server serves: the CapabilityStatement it generates from the interactions
registered here (Patient read and search on `_id` and `identifier`, Observation search), amended as a vendor's
would be (the SMART security service, the Bulk Data operations, R4's version number — the R4B models used are the
same as R4's for the resources served), the reads and searches, and every error as an OperationOutcome. Around it,
as a server's own routes: the SMART configuration (derived from the real authorisation server's discovery
document), the Bulk Data `$export` kick-off at the system, Patient and Group levels, its status URL and its NDJSON
files, generated here from the same resources.

Every request needs a bearer token that the real authorisation server issued (npm `oidc-provider`,
tests/oidc/smart_server.mjs), verified against that server's JWKS (signature, audience = this FHIR base, issuer,
expiry) and whose scopes cover the resource type read; an expired one is refused with 401. Every request's method
and path is recorded (`log`) before anything else, so that a test can assert that the probe never writes.

Faults a test switches on (`state`, reset by `reset()`): `slow_polls` (the status answers 202 + Retry-After: 1 that
many times), `throttle_once` (a 429 + Retry-After: 1 at the first poll), `throttle_search_once` (the same at the
first Patient search), `malformed_line` (the Patient file's line
3 is not JSON, its line 5 a Patient with an invalid birthDate), `redirect` ("files": each file answers 302 to
another host; "kickoff": the kick-off answers 307 to another host), `ignore_identifier` (the search ignores
`identifier`), `drop_identifier_search` (the connection is cut in the middle of that search's answer). Expired
tokens come from the authorisation server itself (its token lifetime, tests/oidc/smart_server.mjs).
"""

import datetime
import ipaddress
import json
import os
import socket
import ssl
import threading
import time
import urllib.request
from itertools import count
from types import SimpleNamespace

os.environ.setdefault("FHIR_SEQUENCE", "R4B")  # read by fhirstarter when it is first imported

import jwt  # noqa: E402
import uvicorn  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from fhir.resources.R4B.bundle import Bundle  # noqa: E402
from fhir.resources.R4B.observation import Observation  # noqa: E402
from fhir.resources.R4B.patient import Patient  # noqa: E402
from fhirstarter import FHIR_SEQUENCE, Depends, FHIRProvider, FHIRStarter, InteractionContext, Request  # noqa: E402
from fhirstarter.exceptions import FHIRForbiddenError, FHIRResourceNotFoundError, FHIRUnauthorizedError  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402

assert FHIR_SEQUENCE == "R4B", "fhirstarter was imported with another FHIR sequence before the stand-in"

BULK = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
ELSEWHERE = "https://169.254.169.254/latest/meta-data/"  # where a redirect fault points: never to be followed


def _patients():
    return [
        Patient.model_validate(
            {
                "resourceType": "Patient",
                "id": f"p{n}",
                "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": f"IPP-{n:04d}"}],
                "gender": "female" if n % 2 else "male",
                "birthDate": f"19{60 + n}-0{n}-1{n}",
            }
        )
        for n in range(1, 5)
    ]


def _observations():
    return [
        Observation.model_validate(
            {
                "resourceType": "Observation",
                "id": f"o{n}",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "subject": {"reference": f"Patient/p{n}"},
                "valueQuantity": {"value": 60 + n, "unit": "/min"},
            }
        )
        for n in range(1, 4)
    ]


FAULTS = {
    "slow_polls": 0,
    "throttle_once": False,
    "throttle_search_once": False,
    "malformed_line": False,
    "redirect": None,
    "ignore_identifier": False,
    "drop_identifier_search": False,
}


class Sandbox:
    """The stand-in, started on a free port of 127.0.0.1 by `start`; `base` its origin, `resource` its FHIR base."""

    def __init__(self, issuer, cert_file, key_file, ca_file):
        self.issuer = issuer
        self.log = []
        self.refusals = []  # why tokens were refused, in order
        self.state = SimpleNamespace()
        self.reset()
        self.data = {"Patient": _patients(), "Observation": _observations()}
        self._trust = ssl.create_default_context(cafile=str(ca_file))
        self._jwks = jwt.PyJWKClient(f"{issuer}/jwks", ssl_context=self._trust, timeout=5)
        self._jobs = count(1)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.base = f"https://127.0.0.1:{self._socket.getsockname()[1]}"
        self.resource = f"{self.base}/fhir"
        config = uvicorn.Config(
            Recorder(self._application(), self),
            ssl_certfile=str(cert_file),
            ssl_keyfile=str(key_file),
            lifespan="off",
            log_config=None,
            log_level="critical",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def reset(self):
        self.log.clear()
        self.refusals.clear()
        self.state.__dict__.update(FAULTS, polls=0)

    def stop(self):
        self._server.should_exit = True
        self._thread.join(timeout=10)

    # Bearer tokens --------------------------------------------------------------------------------

    def token_problem(self, request, resource_type=None):
        """None when the request carries a valid token (for `resource_type` when given), else the reason."""
        problem = self._token_problem(request, resource_type)
        if problem:
            self.refusals.append(problem)
        return problem

    def _token_problem(self, request, resource_type):
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return "no bearer token"
        token = header.removeprefix("Bearer ")
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.resource, issuer=self.issuer)
        except jwt.ExpiredSignatureError:
            return "the access token expired"
        except jwt.PyJWTError as exc:
            return f"invalid access token ({exc.__class__.__name__})"
        if resource_type and not ({f"system/{resource_type}.rs", f"system/{resource_type}.read"} & _scopes(claims)):
            return "forbidden"
        return None

    def authorise(self, request: Request):
        """A FastAPI dependency of the framework's interactions: a 401 (or 403) OperationOutcome when refused."""
        resource_type = request.url.path.rstrip("/").removeprefix("/fhir/").split("/")[0]
        problem = self.token_problem(request, resource_type)
        if problem == "forbidden":
            raise FHIRForbiddenError(f"the token's scopes do not cover {resource_type}")
        if problem:
            raise FHIRUnauthorizedError(problem)

    # The FHIR server (the framework) ----------------------------------------------------------------

    def _application(self):
        fhir = FHIRStarter(title="Clausier test sandbox", openapi_url=None, docs_url=None, redoc_url=None)
        # The kick-offs first: the framework's `Patient/{id}` route would otherwise take `Patient/$export`.
        for path in ("/$export", "/Patient/$export", "/Group/{group_id}/$export"):
            fhir.get(path, include_in_schema=False)(self._kickoff)
        fhir.get("/.well-known/smart-configuration", include_in_schema=False)(self._smart_configuration)
        provider = FHIRProvider(dependencies=[Depends(self.authorise)])
        data = self.data

        @provider.read(Patient)
        def patient_read(context: InteractionContext, id_: str) -> Patient:
            for patient in data["Patient"]:
                if patient.id == id_:
                    return patient
            raise FHIRResourceNotFoundError

        @provider.search_type(Patient)
        def patient_search(context: InteractionContext, _id: str | None, identifier: str | None) -> Bundle:
            found = [p for p in data["Patient"] if _id is None or p.id == _id]
            if identifier is not None and not self.state.ignore_identifier:
                system, _, value = identifier.rpartition("|")
                found = [p for p in found if any(_same(i, system, value) for i in p.identifier or [])]
            return _searchset(found, context)

        @provider.search_type(Observation)
        def observation_search(context: InteractionContext, _id: str | None) -> Bundle:
            return _searchset([o for o in data["Observation"] if _id is None or o.id == _id], context)

        fhir.add_providers(provider)
        fhir.set_capability_statement_modifier(self._declare)
        fhir.set_exception_callback(_challenge)
        return Starlette(
            routes=[
                Mount("/fhir", app=fhir),
                Route("/status/{job}", self._status),
                Route("/files/{name}", self._file),
            ]
        )

    def _declare(self, statement, request, response):
        """What a vendor adds to the generated CapabilityStatement: R4, SMART, the Bulk Data operations."""
        statement["fhirVersion"] = "4.0.1"
        rest = statement["rest"][0]
        rest["security"] = {
            "service": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                            "code": "SMART-on-FHIR",
                        }
                    ]
                }
            ],
            "extension": [
                {
                    "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                    "extension": [{"url": "token", "valueUri": f"{self.issuer}/token"}],
                }
            ],
        }
        rest["operation"] = [{"name": "export", "definition": BULK + "export"}]
        for resource in rest["resource"]:
            if resource["type"] == "Patient":
                resource["operation"] = [{"name": "export", "definition": BULK + "patient-export"}]
        rest["resource"].append(
            {"type": "Group", "operation": [{"name": "export", "definition": BULK + "group-export"}]}
        )
        return statement

    def _smart_configuration(self):
        """The SMART configuration, from the authorisation server's own discovery document."""
        url = f"{self.issuer}/.well-known/openid-configuration"
        with urllib.request.urlopen(url, context=self._trust, timeout=5) as answer:
            discovery = json.load(answer)
        keep = (
            "issuer",
            "jwks_uri",
            "token_endpoint",
            "grant_types_supported",
            "token_endpoint_auth_methods_supported",
            "token_endpoint_auth_signing_alg_values_supported",
            "code_challenge_methods_supported",
        )
        smart = {name: discovery[name] for name in keep if name in discovery}
        smart["grant_types_supported"] = ["client_credentials"]
        smart["code_challenge_methods_supported"] = ["S256"]
        smart["scopes_supported"] = ["system/Patient.rs", "system/Observation.rs", "system/Group.rs"]
        smart["capabilities"] = ["client-confidential-asymmetric", "permission-v2"]
        return JSONResponse(smart)

    # Bulk Data ------------------------------------------------------------------------------------------

    def _kickoff(self, request: Request):
        problem = self.token_problem(request)
        if problem:
            return _outcome(401, problem, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if self.state.redirect == "kickoff":
            return Response(status_code=307, headers={"Location": ELSEWHERE})
        if request.path_params.get("group_id", "g1") != "g1":
            return _outcome(404, "no such group")
        if request.headers.get("prefer") != "respond-async":
            return _outcome(400, "Prefer: respond-async is required")
        return Response(status_code=202, headers={"Content-Location": f"{self.base}/status/{next(self._jobs)}"})

    def _status(self, request):
        problem = self.token_problem(request)
        if problem:
            return _outcome(401, problem, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        state = self.state
        state.polls += 1
        if state.throttle_once and state.polls == 1:
            return _outcome(429, "too many requests", {"Retry-After": "1"})
        if state.polls <= state.slow_polls:
            return Response(status_code=202, headers={"Retry-After": "1", "X-Progress": f"{state.polls} of n"})
        manifest = {
            "transactionTime": "2026-12-07T10:00:00Z",
            "request": f"{self.resource}/$export",
            "requiresAccessToken": True,
            "output": [
                {"type": kind, "url": f"{self.base}/files/{kind}.ndjson"} for kind in ("Patient", "Observation")
            ],
            "error": [],
        }
        return JSONResponse(manifest)

    def _file(self, request):
        problem = self.token_problem(request)
        if problem:
            return _outcome(401, problem, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        if self.state.redirect == "files":
            return Response(status_code=302, headers={"Location": ELSEWHERE})
        kind = request.path_params["name"].removesuffix(".ndjson")
        if kind not in self.data:
            return _outcome(404, "no such file")
        lines = [resource.model_dump_json() for resource in self.data[kind]]
        if kind == "Patient" and self.state.malformed_line:
            lines.insert(2, '{"resourceType": "Patient", "id": ')
            lines.insert(
                4,
                json.dumps({**self.data["Patient"][0].model_dump(mode="json"), "id": "p9", "birthDate": "not-a-date"}),
            )
        return Response("".join(line + "\n" for line in lines), media_type="application/fhir+ndjson")


class Recorder:
    """ASGI middleware in front of the server: records every request's method and path before the application sees
    it, and plays the faults a gateway would — a 429 with Retry-After on the first Patient search, a connection cut
    in the middle of an identifier search's answer — when they are switched on."""

    def __init__(self, app, sandbox):
        self.app, self.sandbox = app, sandbox

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.sandbox.log.append((scope["method"], scope["path"]))
            query = scope.get("query_string", b"")
            state = self.sandbox.state
            if state.throttle_search_once and scope["path"] == "/fhir/Patient":
                state.throttle_search_once = False
                headers = [(b"content-type", b"application/fhir+json"), (b"retry-after", b"1")]
                await send({"type": "http.response.start", "status": 429, "headers": headers})
                await send({"type": "http.response.body", "body": b'{"resourceType": "OperationOutcome"}'})
                return
            if state.drop_identifier_search and b"identifier=" in query:
                headers = [(b"content-type", b"application/fhir+json"), (b"content-length", b"4096")]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": b'{"resourceType": "Bun', "more_body": True})
                raise ConnectionAbortedError("the stand-in cuts the connection mid-answer")
        await self.app(scope, receive, send)


def _scopes(claims):
    return set(str(claims.get("scope") or "").split())


def _same(identifier, system, value):
    return identifier.value == value and (not system or identifier.system == system)


def _searchset(resources, context):
    limit = context.request.query_params.get("_count", "")
    shown = resources[: int(limit)] if limit.isdigit() else resources
    entries = [{"resource": r, "search": {"mode": "match"}} for r in shown]
    return Bundle.model_validate({"type": "searchset", "total": len(resources), "entry": entries or None})


def _outcome(status, text, headers=None):
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "processing", "diagnostics": text}],
    }
    return JSONResponse(outcome, status_code=status, headers=headers, media_type="application/fhir+json")


async def _challenge(request, response, exception):
    """The framework's error answers, with the challenge a 401 must carry (RFC 6750)."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def start(issuer, cert_file, key_file, ca_file):
    """The stand-in, running; `stop()` it."""
    sandbox = Sandbox(issuer, cert_file, key_file, ca_file)
    sandbox._thread.start()
    deadline = time.monotonic() + 10
    while not sandbox._server.started:
        if time.monotonic() > deadline or not sandbox._thread.is_alive():
            raise RuntimeError("the FHIR stand-in did not start")
        time.sleep(0.02)
    return sandbox


def make_ca(directory):
    """A test CA and a certificate for 127.0.0.1 signed by it: (CA file, certificate file, key file), PEM."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Clausier test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths
