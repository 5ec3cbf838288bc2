"""Outbound HTTP for the probe: a vendor's URL must never become a way into the hospital's network.

`fetch_json(url)` GETs one JSON document and refuses, with a French reason (`FetchRefused`):
- any scheme but https (plain http only for hosts listed in settings.PROBE_ALLOWED_HOSTS, i.e. tests);
- user:password in the URL;
- a host that resolves to a loopback, private, link-local (169.254.169.254), shared, multicast,
  reserved or unspecified address — every resolved address is checked, and the connection is then made
  to the checked IP itself (no second DNS lookup), so DNS rebinding cannot slip through. Hosts listed
  in settings.PROBE_ALLOWED_HOSTS skip the address check (empty by default);
- redirects (a 3xx is a failure naming its target), other non-2xx answers;
- a slow server (connect and read timeouts, plus a total deadline while reading);
- an answer over the size cap (read in chunks, stopped at the cap) or not JSON (Content-Type and body).
"""

import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

MAX_BYTES = 2 * 1024 * 1024
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
TOTAL_DEADLINE = 10.0
CHUNK = 64 * 1024
JSON_TYPES = ("application/json", "application/fhir+json", "application/json+fhir")
USER_AGENT = "Clausier-conformance-probe/1.0"


class FetchRefused(Exception):
    """The URL was not fetched, or its answer not accepted. `reason` is a French sentence."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(reason)


@dataclass
class Fetched:
    url: str
    body: bytes
    data: object
    content_type: str


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def resolve(host: str, port: int, *, allowed: bool) -> str:
    """The address to connect to: every address the name resolves to must be public (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(_("Le nom %(host)s ne se résout pas (%(error)s).") % {"host": host, "error": exc})
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchRefused(_("Le nom %(host)s ne se résout pas.") % {"host": host})
    if not allowed:
        for address in addresses:
            if not _is_public(address):
                raise FetchRefused(
                    _("Adresse %(address)s refusée pour %(host)s : réseau local, privé ou réservé.")
                    % {"address": address, "host": host}
                )
    return addresses[0]


def _check_url(url, allowed_hosts):
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise FetchRefused(
            _("Seules les URL https sont acceptées (reçu : %(scheme)s).") % {"scheme": parts.scheme or "?"}
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused(_("URL sans nom d'hôte : %(url)s.") % {"url": url})
    allowed = host in {item.lower() for item in allowed_hosts}
    if parts.scheme != "https" and not (parts.scheme == "http" and allowed):
        raise FetchRefused(
            _("Seules les URL https sont acceptées (reçu : %(scheme)s).") % {"scheme": parts.scheme or "?"}
        )
    if parts.username or parts.password:
        raise FetchRefused(_("Les identifiants dans l'URL sont refusés."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused(_("Port invalide dans l'URL %(url)s.") % {"url": url})
    return parts, host, port, allowed


def fetch_json(
    url,
    *,
    allowed_hosts=None,
    max_bytes=MAX_BYTES,
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    deadline=TOTAL_DEADLINE,
    accept="application/json",
    ca_file=None,
) -> Fetched:
    """GET `url` and return its JSON answer, or raise FetchRefused with the reason.

    Certificates are verified against the system's authorities, or `ca_file` (default: the optional
    setting PROBE_CA_FILE, for a test server with its own certificate).
    """
    if allowed_hosts is None:
        allowed_hosts = settings.PROBE_ALLOWED_HOSTS
    if ca_file is None:
        ca_file = getattr(settings, "PROBE_CA_FILE", None)
    parts, host, port, allowed = _check_url(url, allowed_hosts)
    address = resolve(host, port, allowed=allowed)
    started = time.monotonic()
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    if parts.scheme == "https":
        # Connect to the checked IP while verifying the certificate against the URL's host name.
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_file,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    default_port = 443 if parts.scheme == "https" else 80
    named = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets in Host
    host_header = named if port == default_port else f"{named}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        response = pool.urlopen(
            "GET",
            path,
            headers={"Host": host_header, "Accept": accept, "User-Agent": USER_AGENT},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            body = _read(response, url, max_bytes, started, deadline)
        finally:
            response.release_conn()
    except urllib3.exceptions.NewConnectionError as exc:  # a subclass of ConnectTimeoutError, but a refusal
        raise FetchRefused(
            _("Connexion impossible à %(host)s : %(error)s") % {"host": host, "error": exc.__class__.__name__}
        )
    except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        raise FetchRefused(_("Le serveur %(host)s n'a pas répondu à temps.") % {"host": host})
    except urllib3.exceptions.SSLError as exc:
        raise FetchRefused(_("Connexion TLS refusée avec %(host)s : %(error)s") % {"host": host, "error": exc})
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchRefused(
            _("Connexion impossible à %(host)s : %(error)s") % {"host": host, "error": exc.__class__.__name__}
        )
    finally:
        pool.close()
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FetchRefused(_("La réponse de %(url)s n'est pas du JSON valide.") % {"url": url})
    return Fetched(url=url, body=body, data=data, content_type=response.headers.get("Content-Type", ""))


def _read(response, url, max_bytes, started, deadline):
    status = response.status
    if 300 <= status < 400:
        raise FetchRefused(
            _("Redirection refusée (HTTP %(status)s vers %(location)s).")
            % {"status": status, "location": response.headers.get("Location", "?")}
        )
    if not 200 <= status < 300:
        raise FetchRefused(_("Réponse HTTP %(status)s pour %(url)s.") % {"status": status, "url": url})
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if content_type not in JSON_TYPES and not content_type.endswith("+json"):
        raise FetchRefused(
            _("Réponse refusée : type %(type)s au lieu de JSON.") % {"type": content_type or _("non indiqué")}
        )
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchRefused(_("Réponse trop volumineuse (plus de %(max)s octets).") % {"max": max_bytes})
    chunks, size = [], 0
    while True:
        if time.monotonic() - started > deadline:
            raise FetchRefused(_("Le serveur a mis trop de temps à envoyer sa réponse."))
        # read1: at most one socket read, so the deadline is checked even against a trickling server.
        chunk = response.read1(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchRefused(_("Réponse trop volumineuse (plus de %(max)s octets).") % {"max": max_bytes})
        chunks.append(chunk)
    return b"".join(chunks)
