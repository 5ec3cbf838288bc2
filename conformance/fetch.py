"""Outbound HTTP for the probe: a vendor's URL must never become a way into the hospital's network.

`fetch_json(url)` GETs one JSON document and refuses, with a reason (`FetchRefused`):
- any scheme but https (plain http only for hosts listed in settings.PROBE_ALLOWED_HOSTS, i.e. tests);
- user:password in the URL;
- a host that resolves (the error never names the address: no DNS oracle) to a loopback, private, link-local (169.254.169.254), shared, multicast,
  reserved or unspecified address — every resolved address is checked, and the connection is then made
  to the checked IP itself (no second DNS lookup), so DNS rebinding cannot slip through. Hosts listed
  in settings.PROBE_ALLOWED_HOSTS skip the address check (empty by default);
- redirects (a 3xx is a failure naming its target), other non-2xx answers;
- a slow server: connect and read timeouts, and one total deadline (settings.PROBE_DEADLINE) over connect,
  handshake, headers and body, enforced by a watchdog that shuts the socket down;
- an answer over the size cap (read in chunks, stopped at the cap) or not JSON (Content-Type and body).
"""

import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
import urllib3.connection
from django.conf import settings
from django.utils.translation import gettext_noop as N_
from urllib3.util.ssl_match_hostname import CertificateError

from .validate import Message

MAX_BYTES = 2 * 1024 * 1024
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
TOTAL_DEADLINE = 10.0
CHUNK = 64 * 1024
JSON_TYPES = ("application/json", "application/fhir+json", "application/json+fhir")
XML_TYPES = ("application/fhir+xml", "application/xml+fhir", "application/xml", "text/xml")
# Sent as Origin so that a server's CORS answer (Access-Control-Allow-Origin) can be checked.
PROBE_ORIGIN = "https://clausier.invalid"
KEPT_HEADERS = ("Content-Type", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials")
USER_AGENT = "Clausier-conformance-probe/1.0"


class FetchRefused(Exception):
    """The URL was not fetched, or its answer not accepted. `reason` is a `validate.Message`: the sentence
    in the active language, which keeps its message id and parameters so that a report stores it
    untranslated and shows it in its reader's language."""

    def __init__(self, message_id, params=None):
        self.reason = Message(message_id, params)
        super().__init__(self.reason)


@dataclass
class Fetched:
    url: str
    body: bytes
    data: object
    content_type: str
    tls_version: str | None = None
    headers: dict | None = None


SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
TEREDO = ipaddress.ip_network("2001::/32")
SITE_LOCAL = ipaddress.ip_network("fec0::/10")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _is_public_v4(ip):
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def _is_public(address: str) -> bool:
    """Whether a connection to `address` stays on the public Internet.

    `ipaddress`'s `is_global`, plus what it lets through on some Python versions: IPv6 forms that carry an
    IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, 6to4 `2002:AABB:CCDD::/48`, NAT64 `64:ff9b::a.b.c.d`) are
    judged on that IPv4 address; Teredo (`2001::/32`, tunnels to an address the server cannot check) and the
    deprecated site-local `fec0::/10` are refused.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_public_v4(ip)
    if ip.ipv4_mapped is not None:
        return _is_public_v4(ip.ipv4_mapped)
    if ip in TEREDO or ip in SITE_LOCAL or ip.is_site_local:
        return False
    if ip in SIX_TO_FOUR:
        return _is_public_v4(ip.sixtofour) and _is_public_v6(ip)
    if any(ip in network for network in NAT64):
        return _is_public_v4(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return _is_public_v6(ip)


def _is_public_v6(ip):
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    )


def resolve(host: str, port: int, *, allowed: bool) -> str:
    """The address to connect to: every address the name resolves to must be public (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(N_("Le nom %(host)s ne se résout pas (%(error)s)."), {"host": host, "error": exc})
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchRefused(N_("Le nom %(host)s ne se résout pas."), {"host": host})
    if not allowed:
        for address in addresses:
            if not _is_public(address):
                # The address itself is not named: the message would otherwise map the internal network.
                raise FetchRefused(
                    N_("Adresse refusée pour %(host)s : réseau local, privé ou réservé."), {"host": host}
                )
    return addresses[0]


def _check_url(url, allowed_hosts):
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise FetchRefused(
            N_("Seules les URL https sont acceptées (reçu : %(scheme)s)."), {"scheme": parts.scheme or "?"}
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused(N_("URL sans nom d'hôte : %(url)s."), {"url": url})
    allowed = host in {item.lower() for item in allowed_hosts}
    if parts.scheme != "https" and not (parts.scheme == "http" and allowed):
        raise FetchRefused(
            N_("Seules les URL https sont acceptées (reçu : %(scheme)s)."), {"scheme": parts.scheme or "?"}
        )
    if parts.username or parts.password:
        raise FetchRefused(N_("Les identifiants dans l'URL sont refusés."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused(N_("Port invalide dans l'URL %(url)s."), {"url": url})
    return parts, host, port, allowed


def pinned_connection(parts, host, port, address, *, connect_timeout, ca_file):
    """An unopened connection to the checked `address` (never a new DNS answer); over HTTPS the certificate is
    verified against the URL's host name, with the system's authorities or `ca_file`."""
    if parts.scheme == "https":
        return urllib3.connection.HTTPSConnection(
            address,
            port,
            timeout=connect_timeout,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_file,
        )
    return urllib3.connection.HTTPConnection(address, port, timeout=connect_timeout)


def host_header(scheme, host, port):
    """The Host header of a URL: an IPv6 literal keeps its brackets, a default port is left out."""
    named = f"[{host}]" if ":" in host else host
    return named if port == (443 if scheme == "https" else 80) else f"{named}:{port}"


def socket_watchdog(conn, limit):
    """(expired, timer): once `limit` seconds have passed, `expired` is set and the connection's socket is shut
    down, whatever the server trickles; the caller cancels the timer when the exchange ends."""
    expired = threading.Event()

    def expire():
        expired.set()
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(limit, expire)
    timer.daemon = True
    timer.start()
    return expired, timer


def fetch_json(
    url,
    *,
    allowed_hosts=None,
    max_bytes=MAX_BYTES,
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    deadline=None,
    accept="application/json",
    ca_file=None,
    allow_xml=False,
) -> Fetched:
    """GET `url` and return its JSON answer (or, with `allow_xml`, an XML one unparsed), or raise FetchRefused.

    Certificates are verified against the system's authorities, or `ca_file` (default: the optional
    setting PROBE_CA_FILE, for a test server with its own certificate). `deadline` (default: the setting
    PROBE_DEADLINE) bounds the whole exchange — connect, TLS handshake, headers and body: a watchdog shuts
    the socket down when it passes, whatever the server trickles.
    """
    if allowed_hosts is None:
        allowed_hosts = settings.PROBE_ALLOWED_HOSTS
    if ca_file is None:
        ca_file = getattr(settings, "PROBE_CA_FILE", None)
    if deadline is None:
        deadline = float(getattr(settings, "PROBE_DEADLINE", TOTAL_DEADLINE))
    parts, host, port, allowed = _check_url(url, allowed_hosts)
    address = resolve(host, port, allowed=allowed)
    started = time.monotonic()
    conn = pinned_connection(
        parts, host, port, address, connect_timeout=min(connect_timeout, deadline), ca_file=ca_file
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    expired, watchdog = socket_watchdog(conn, deadline)
    try:
        conn.connect()
        if expired.is_set():
            raise TimeoutError
        conn.timeout = read_timeout  # urllib3 sets it on the socket before sending and reading
        tls_version = conn.sock.version() if hasattr(conn.sock, "version") else None
        conn.request(
            "GET",
            path,
            headers={
                "Host": host_header(parts.scheme, host, port),
                "Accept": accept,
                "User-Agent": USER_AGENT,
                "Origin": PROBE_ORIGIN,
            },
            preload_content=False,
        )
        response = conn.getresponse()
        if expired.is_set():  # the watchdog cut the headers short: what was read is not an answer
            raise TimeoutError
        body = _read(response, url, max_bytes, started, deadline, allow_xml, expired)
    except FetchRefused:
        raise
    except urllib3.exceptions.NewConnectionError as exc:  # a subclass of ConnectTimeoutError, but a refusal
        raise FetchRefused(
            N_("Connexion impossible à %(host)s : %(error)s"), {"host": host, "error": exc.__class__.__name__}
        )
    except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        if expired.is_set():
            raise FetchRefused(N_("Le serveur a mis trop de temps à envoyer sa réponse."))
        raise FetchRefused(N_("Le serveur %(host)s n'a pas répondu à temps."), {"host": host})
    except (urllib3.exceptions.SSLError, ssl.SSLError, CertificateError) as exc:
        if expired.is_set():
            raise FetchRefused(N_("Le serveur a mis trop de temps à envoyer sa réponse."))
        raise FetchRefused(
            N_("Connexion TLS refusée avec %(host)s : %(error)s"), {"host": host, "error": _scrub(exc, address, host)}
        )
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
        if expired.is_set():
            raise FetchRefused(N_("Le serveur a mis trop de temps à envoyer sa réponse."))
        raise FetchRefused(
            N_("Connexion impossible à %(host)s : %(error)s"), {"host": host, "error": exc.__class__.__name__}
        )
    finally:
        watchdog.cancel()
        conn.close()
    content_type = response.headers.get("Content-Type", "")
    headers = {name: response.headers.get(name) for name in KEPT_HEADERS if response.headers.get(name) is not None}
    if allow_xml and _media_type(content_type) in XML_TYPES:
        return Fetched(
            url=url, body=body, data=None, content_type=content_type, tls_version=tls_version, headers=headers
        )
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FetchRefused(N_("La réponse de %(url)s n'est pas du JSON valide."), {"url": url})
    return Fetched(url=url, body=body, data=data, content_type=content_type, tls_version=tls_version, headers=headers)


def _scrub(exc, address, host):
    """An exception's text without the resolved address (it would name the internal network)."""
    return str(exc).replace(address, host)


def _media_type(content_type):
    return content_type.split(";", 1)[0].strip().lower()


def _read(response, url, max_bytes, started, deadline, allow_xml=False, expired=None):
    status = response.status
    if 300 <= status < 400:
        raise FetchRefused(
            N_("Redirection refusée (HTTP %(status)s vers %(location)s)."),
            {"status": status, "location": response.headers.get("Location", "?")},
        )
    if not 200 <= status < 300:
        raise FetchRefused(N_("Réponse HTTP %(status)s pour %(url)s."), {"status": status, "url": url})
    content_type = _media_type(response.headers.get("Content-Type", ""))
    xml = allow_xml and content_type in XML_TYPES
    if content_type not in JSON_TYPES and not content_type.endswith("+json") and not xml:
        if not content_type:
            raise FetchRefused(N_("Réponse refusée : type non indiqué au lieu de JSON."))
        raise FetchRefused(N_("Réponse refusée : type %(type)s au lieu de JSON."), {"type": content_type})
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchRefused(N_("Réponse trop volumineuse (plus de %(max)s octets)."), {"max": max_bytes})
    chunks, size = [], 0
    while True:
        if time.monotonic() - started > deadline or (expired is not None and expired.is_set()):
            raise FetchRefused(N_("Le serveur a mis trop de temps à envoyer sa réponse."))
        # read1: at most one socket read, so the deadline is checked even against a trickling server.
        chunk = response.read1(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchRefused(N_("Réponse trop volumineuse (plus de %(max)s octets)."), {"max": max_bytes})
        chunks.append(chunk)
    return b"".join(chunks)
