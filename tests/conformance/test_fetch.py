"""Outbound safety of the probe's fetcher: a vendor URL must never reach the hospital's network.

Refused cases are checked twice: the reason is clear, and nothing was sent — the local listener (standing
for an internal service) records no request and no socket connection was even attempted.
"""

import json
import socket

import pytest
import urllib3

from conformance import fetch
from conformance.fetch import FetchRefused, fetch_json

from .conftest import json_route


@pytest.fixture
def connections(monkeypatch):
    """Every address urllib3 opens a socket to, in order (the real connection still happens)."""
    opened = []
    real = urllib3.util.connection.create_connection

    def record(address, *args, **kwargs):
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return opened


@pytest.fixture
def no_allowed_hosts(settings):
    settings.PROBE_ALLOWED_HOSTS = []


def refused(url, **kwargs):
    with pytest.raises(FetchRefused) as info:
        fetch_json(url, **kwargs)
    return info.value.reason


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "[::ffff:127.0.0.1]"])
def test_it_refuses_loopback_addresses_and_names_and_sends_nothing(no_allowed_hosts, listener, connections, host):
    listener.routes["/metadata"] = json_route({"resourceType": "CapabilityStatement"})
    reason = refused(f"https://{host}:{listener.port}/metadata")
    assert "refusée" in reason and "réseau local, privé ou réservé" in reason
    assert listener.received == [] and connections == []


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "192.168.1.10",
        "172.16.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "[fe80::1]",
        "[fc00::1]",
    ],
)
def test_it_refuses_private_link_local_shared_multicast_and_reserved_addresses(no_allowed_hosts, connections, address):
    reason = refused(f"https://{address}/latest/meta-data/")
    assert "réseau local, privé ou réservé" in reason
    assert connections == []


def test_it_refuses_a_name_that_resolves_to_a_private_address_among_public_ones(
    no_allowed_hosts, connections, monkeypatch
):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in ("93.184.216.34", "10.1.2.3")]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    reason = refused("https://vendor.example/fhir/metadata")
    # The refused address is not named (issue 18, finding 13: no DNS oracle); the host name is.
    assert "10.1.2.3" not in reason and "vendor.example" in reason and "réseau local" in reason
    assert connections == []


def test_it_connects_to_the_address_it_checked_without_a_second_lookup(no_allowed_hosts, connections, monkeypatch):
    """DNS rebinding: the first answer is public, a later one would be loopback; only one lookup happens."""
    lookups = []

    def resolve(host, port, *args, **kwargs):
        lookups.append(host)
        ip = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    def refuse_to_connect(address, *args, **kwargs):
        connections.append(address)
        raise OSError("test: no outside network")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse_to_connect)
    reason = refused("https://rebind.example/metadata")
    assert "Connexion impossible" in reason
    assert lookups == ["rebind.example"]
    assert connections == [("93.184.216.34", 443)]


def test_it_refuses_plain_http_and_other_schemes(no_allowed_hosts, listener, connections):
    assert "https" in refused("http://fhir.example.org/metadata")
    assert "https" in refused(f"http://127.0.0.1:{listener.port}/metadata")
    assert "https" in refused("file:///etc/passwd")
    assert "https" in refused("ftp://fhir.example.org/metadata")
    assert listener.received == [] and connections == []


def test_it_refuses_credentials_in_the_url(no_allowed_hosts, connections):
    assert "identifiants" in refused("https://user:secret@fhir.example.org/metadata")
    assert connections == []


def test_it_allows_plain_http_to_listed_hosts_only(settings, server):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    server.routes["/metadata"] = json_route({"resourceType": "CapabilityStatement"})
    fetched = fetch_json(server.url("/metadata"))
    assert fetched.data == {"resourceType": "CapabilityStatement"}
    assert json.loads(fetched.body) == fetched.data
    assert server.received == ["/metadata"]
    # localhost is another name: not listed, so refused although it is the same server.
    assert "réseau local" in refused(
        server.url("/metadata", host="localhost", scheme="https"), allowed_hosts=["127.0.0.1"]
    )
    assert server.received == ["/metadata"]


def test_it_refuses_a_redirect_to_a_private_address_without_following_it(settings, server, connections):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    server.routes["/metadata"] = json_route(b"", status=302, headers={"Location": "http://10.0.0.1/"})
    reason = refused(server.url("/metadata"))
    assert reason == "Redirection refusée (HTTP 302 vers http://10.0.0.1/)."
    assert server.received == ["/metadata"]
    assert connections == [("127.0.0.1", server.port)]


def test_it_refuses_an_error_status(settings, server):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    assert "HTTP 404" in refused(server.url("/nothing-here"))


def test_it_refuses_an_oversized_answer_with_or_without_content_length(settings, server):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    big = json.dumps({"resourceType": "CapabilityStatement", "text": "x" * (fetch.MAX_BYTES + 10)}).encode()
    server.routes["/declared"] = json_route(big)
    assert "trop volumineuse" in refused(server.url("/declared"))
    server.routes["/undeclared"] = json_route(big)
    del server.routes["/undeclared"].headers["Content-Length"]
    server.routes["/undeclared"].headers["Connection"] = "close"
    assert "trop volumineuse" in refused(server.url("/undeclared"))


def test_it_refuses_an_answer_that_is_not_json(settings, server):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    server.routes["/html"] = json_route(b"<html><body>Connexion</body></html>", content_type="text/html")
    assert refused(server.url("/html")) == "Réponse refusée : type text/html au lieu de JSON."
    server.routes["/lying"] = json_route(b"<html>not json</html>", content_type="application/json")
    assert "n'est pas du JSON valide" in refused(server.url("/lying"))


def test_it_gives_up_on_a_slow_server(settings, server):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    server.routes["/slow"] = json_route({"resourceType": "CapabilityStatement"}, delay=1.5)
    assert "n'a pas répondu à temps" in refused(server.url("/slow"), read_timeout=0.3)


def test_it_gives_up_on_a_server_that_trickles_its_answer(settings, server):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    server.routes["/trickle"] = json_route({"resourceType": "CapabilityStatement", "padding": "x" * 50})
    server.routes["/trickle"].trickle = 0.05
    assert "trop de temps" in refused(server.url("/trickle"), read_timeout=1, deadline=0.5)


def test_it_refuses_a_name_that_does_not_resolve(no_allowed_hosts):
    assert "ne se résout pas" in refused("https://nothing.invalid/metadata")


def test_it_connects_to_a_public_ipv6_address_it_checked(no_allowed_hosts, connections, monkeypatch):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2606:4700::1111", port, 0, 0))]

    def refuse_to_connect(address, *args, **kwargs):
        connections.append(address)
        raise OSError("test: no outside network")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse_to_connect)
    assert "Connexion impossible" in refused("https://fhir.example.org/metadata")
    assert connections == [("2606:4700::1111", 443)]


def test_it_refuses_a_compressed_answer_that_inflates_past_the_cap(settings, server):
    import gzip

    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    bomb = gzip.compress(b'{"resourceType": "CapabilityStatement", "text": "' + b"x" * (fetch.MAX_BYTES * 4) + b'"}')
    assert len(bomb) < fetch.MAX_BYTES / 50
    server.routes["/bomb"] = json_route(bomb, headers={"Content-Encoding": "gzip"})
    assert "trop volumineuse" in refused(server.url("/bomb"))


# HTTPS: the certificate is checked against the URL's host name while connecting to the checked IP.


@pytest.fixture
def tls_server(tmp_path):
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=probe.test",
            "-addext",
            "subjectAltName=DNS:probe.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    from .conftest import LocalServer

    local = LocalServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    local.httpd.socket = context.wrap_socket(local.httpd.socket, server_side=True)
    local.routes["/fhir/metadata"] = json_route({"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1"})
    local.cert = str(cert)
    yield local
    local.close()


@pytest.fixture
def probe_test_resolves_to_loopback(monkeypatch):
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in ("probe.test", "other.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def test_it_verifies_the_certificate_against_the_host_name(settings, tls_server, probe_test_resolves_to_loopback):
    settings.PROBE_ALLOWED_HOSTS = ["probe.test", "other.test"]
    url = f"https://probe.test:{tls_server.port}/fhir/metadata"
    # Self-signed, unknown to the system's authorities: refused.
    assert "TLS" in refused(url)
    # Trusted through PROBE_CA_FILE: read, with SNI and Host naming probe.test though the socket goes to 127.0.0.1.
    settings.PROBE_CA_FILE = tls_server.cert
    assert fetch_json(url).data["fhirVersion"] == "4.0.1"
    # The same certificate for another name: refused.
    assert "TLS" in refused(f"https://other.test:{tls_server.port}/fhir/metadata")
    assert tls_server.received == ["/fhir/metadata"]
