"""A FHIR sandbox stand-in for the live probe's tests: a small threaded HTTP server on 127.0.0.1 (Python's
http.server — no FHIR server framework from PyPI installs here quickly) serving generated resources, searches,
and a Bulk Data export with NDJSON files. It checks the bearer token against the real authorisation server's
keys (oidc-provider's JWKS, PyJWT), and records every request's method and path, so the tests can assert that
the probe never writes.

Knobs (attributes of `server.state`): `slow_polls` (202 + Retry-After before the manifest), `throttle_once`
(a 429 + Retry-After on the first status poll), `malformed_line` (Patient file line 3 not JSON, line 5 an invalid
birthDate), `redirect_file` (the file answers 302 to another host), `ignore_identifier` (the search ignores
`identifier`), `expire_tokens_on_poll` (every token issued so far is refused from the first status poll on).
"""

import http.server
import json
import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import jwt

PATIENTS = [
    {
        "resourceType": "Patient",
        "id": f"p{n}",
        "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": f"IPP-{n:04d}"}],
        "gender": "female" if n % 2 else "male",
        "birthDate": f"19{60 + n}-0{n}-1{n}",
    }
    for n in range(1, 5)
]
OBSERVATIONS = [
    {
        "resourceType": "Observation",
        "id": f"o{n}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/p{n}"},
        "valueQuantity": {"value": 60 + n, "unit": "/min"},
    }
    for n in range(1, 4)
]
DATA = {"Patient": PATIENTS, "Observation": OBSERVATIONS}


def ndjson(resources):
    return "".join(json.dumps(resource) + "\n" for resource in resources).encode()


class Sandbox(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, issuer, resource):
        super().__init__(("127.0.0.1", 0), Handler)
        self.issuer, self.resource = issuer, resource
        self.log = []
        self.keys = None
        self.documents = {}  # path → JSON served without a token (/fhir/metadata, the SMART configuration)
        self.state = SimpleNamespace(
            slow_polls=0,
            throttle_once=False,
            malformed_line=False,
            redirect_file=False,
            ignore_identifier=False,
            expire_tokens_on_poll=False,
            drop_identifier_search=False,
            refused_before=0,
            polls=0,
        )

    scheme = "http"

    @property
    def base(self):
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def jwks(self):
        if self.keys is None:
            self.keys = jwt.PyJWKClient(f"{self.issuer}/jwks")
        return self.keys


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", content_type="application/fhir+json", headers=None):
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        token = header[7:]
        try:
            key = self.server.jwks().get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.server.resource)
        except jwt.PyJWTError:
            return False
        return claims["iat"] >= self.server.state.refused_before

    def do_POST(self):  # noqa: N802 - the probe must never send one: recorded and refused
        self.server.log.append(("POST", self.path))
        self._send(405, {"resourceType": "OperationOutcome"})

    do_PUT = do_PATCH = do_DELETE = do_POST  # noqa: N815

    def do_GET(self):  # noqa: N802
        self.server.log.append(("GET", self.path))
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        state = self.server.state
        if path in self.server.documents:  # the discovery documents, public as on real servers
            return self._send(200, self.server.documents[path], content_type="application/json")
        if path.startswith("/files/"):
            return self._file(path)
        if not self._authorised():
            return self._send(401, {"resourceType": "OperationOutcome"}, headers={"WWW-Authenticate": "Bearer"})
        if path in ("/fhir/$export", "/fhir/Patient/$export", "/fhir/Group/g1/$export"):
            if self.headers.get("Prefer") != "respond-async":
                return self._send(400, {"resourceType": "OperationOutcome"})
            return self._send(202, b"", headers={"Content-Location": f"{self.server.base}/status/1"})
        if path == "/status/1":
            state.polls += 1
            if state.expire_tokens_on_poll and state.polls == 1:
                state.refused_before = int(time.time()) + 1
                time.sleep(1.1)
                return self._send(401, {"resourceType": "OperationOutcome"})
            if state.throttle_once and state.polls == 1:
                return self._send(429, {"resourceType": "OperationOutcome"}, headers={"Retry-After": "1"})
            if state.polls <= state.slow_polls:
                return self._send(202, b"", headers={"Retry-After": "1", "X-Progress": f"{state.polls} of n"})
            manifest = {
                "transactionTime": "2026-12-07T10:00:00Z",
                "request": f"{self.server.base}/fhir/$export",
                "requiresAccessToken": False,
                "output": [
                    {"type": "Patient", "url": f"{self.server.base}/files/Patient.ndjson"},
                    {"type": "Observation", "url": f"{self.server.base}/files/Observation.ndjson"},
                ],
                "error": [],
            }
            return self._send(200, manifest, content_type="application/json")
        resource_type, _, ident = path.removeprefix("/fhir/").partition("/")
        if resource_type not in DATA:
            return self._send(404, {"resourceType": "OperationOutcome"})
        if ident:
            found = [r for r in DATA[resource_type] if r["id"] == ident]
            return self._send(200, found[0]) if found else self._send(404, {"resourceType": "OperationOutcome"})
        matches = DATA[resource_type]
        if "_id" in query:
            matches = [r for r in matches if r["id"] == query["_id"][0]]
        if "identifier" in query and state.drop_identifier_search:
            self.close_connection = True
            self.connection.shutdown(2)  # no answer at all
            return None
        if "identifier" in query and not state.ignore_identifier:
            system, _, value = query["identifier"][0].rpartition("|")
            matches = [r for r in matches if any(i["value"] == value for i in r.get("identifier", []))]
        count = int(query.get("_count", ["10"])[0])
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matches),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in matches[:count]],
        }
        return self._send(200, bundle)

    def _file(self, path):
        state = self.server.state
        if state.redirect_file:
            return self._send(302, b"", headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        if path == "/files/Patient.ndjson":
            body = ndjson(PATIENTS)
            if state.malformed_line:
                lines = body.split(b"\n")
                lines.insert(2, b'{"resourceType": "Patient", "id": ')
                bad = dict(PATIENTS[0], id="p9", birthDate="not-a-date")
                lines.insert(4, json.dumps(bad).encode())
                body = b"\n".join(lines)
            return self._send(200, body, content_type="application/fhir+ndjson")
        if path == "/files/Observation.ndjson":
            return self._send(200, ndjson(OBSERVATIONS), content_type="application/fhir+ndjson")
        return self._send(404, b"")


def start(issuer, resource, tls=None):
    """The stand-in on a free port; `tls` (an ssl.SSLContext) serves it over HTTPS."""
    server = Sandbox(issuer, resource)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
