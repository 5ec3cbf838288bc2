"""Outbound HTTP for the live probe, under the static probe's rules (conformance/fetch.py): https only (plain http
only for settings.PROBE_ALLOWED_HOSTS, tests), no credentials in the URL, every resolved address public unless the
host is listed, the connection made to the checked address, never a redirect followed, one total deadline per
request enforced by a watchdog, a size cap on the body.

`Budget` bounds a whole run: a request count, a wall-clock deadline, and a cancellation callback; it also keeps
the method allow-list — GET everywhere, POST only to the token URL (the IG's Bulk kick-off is sent as a GET),
nothing else ever — and the evidence of every request (method, path without query, status, milliseconds).
"""

import http.client
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import urllib3
import urllib3.connection
from django.conf import settings
from django.utils.translation import gettext_noop as N_
from urllib3.util.ssl_match_hostname import CertificateError

from .fetch import (
    USER_AGENT,
    FetchRefused,
    _check_url,
    _scrub,
    host_header,
    pinned_connection,
    resolve,
    socket_watchdog,
)

CHUNK = 64 * 1024
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0


class BudgetExhausted(Exception):
    """The run's request count, deadline or cancellation stops it: `reason` says which."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(reason)


@dataclass
class Answer:
    status: int
    headers: dict  # lower-case names
    body: bytes
    ms: int


@dataclass
class Budget:
    max_requests: int
    deadline: float  # time.monotonic() value
    token_url: str = ""
    cancelled: object = None  # a callable: True when the run must stop
    count: int = 0
    log: list = field(default_factory=list)

    def remaining(self):
        return self.deadline - time.monotonic()

    def admit(self, method, url):
        if method == "POST" and url != self.token_url:
            raise BudgetExhausted("write")  # never happens by design; kept as a guard
        if method not in ("GET", "POST"):
            raise BudgetExhausted("write")
        if self.cancelled is not None and self.cancelled():
            raise BudgetExhausted("cancelled")
        if self.count >= self.max_requests:
            raise BudgetExhausted("requests")
        if self.remaining() <= 0:
            raise BudgetExhausted("deadline")
        self.count += 1

    def sleep(self, seconds):
        """Wait, in short steps so that a cancellation or the deadline stops the wait."""
        end = time.monotonic() + seconds
        while True:
            if self.cancelled is not None and self.cancelled():
                raise BudgetExhausted("cancelled")
            left = min(end, self.deadline) - time.monotonic()
            if left <= 0:
                if time.monotonic() >= self.deadline:
                    raise BudgetExhausted("deadline")
                return
            time.sleep(min(left, 0.5))


def request(budget, method, url, *, headers=None, body=None, max_bytes, deadline=None, entry=None, shown=None):
    """One exchange under the outbound rules; returns an Answer whatever the status (a 3xx is returned, never
    followed). Raises FetchRefused for a refused URL or a transport failure, BudgetExhausted when the run must stop.
    The exchange is appended to `entry` (a list of evidence requests) and to the budget's log, under its path
    without query, or `shown` (a path with the resource id masked)."""
    budget.admit(method, url)
    # Recorded before any check: a refused request shows in the evidence with no status.
    record = {"method": method, "path": shown or urlsplit(url).path or "/", "status": None, "ms": 0}
    if entry is not None:
        entry.append(record)
    budget.log.append(record)
    parts, host, port, allowed = _check_url(url, settings.PROBE_ALLOWED_HOSTS)
    address = resolve(host, port, allowed=allowed)
    limit = max(0.1, min(deadline or float(settings.PROBE_DEADLINE), budget.remaining()))
    ca_file = getattr(settings, "PROBE_CA_FILE", None)
    conn = pinned_connection(parts, host, port, address, connect_timeout=min(CONNECT_TIMEOUT, limit), ca_file=ca_file)
    sent = {"Host": host_header(parts.scheme, host, port), "User-Agent": USER_AGENT}
    sent.update(headers or {})
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    expired, watchdog = socket_watchdog(conn, limit)
    try:
        conn.connect()
        if expired.is_set():
            raise TimeoutError
        conn.timeout = min(READ_TIMEOUT, limit)
        conn.request(method, path, body=body, headers=sent, preload_content=False)
        response = conn.getresponse()
        if expired.is_set():
            raise TimeoutError
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchRefused(N_("Réponse trop volumineuse (plus de %(max)s octets)."), {"max": max_bytes})
        chunks, size = [], 0
        while True:
            if expired.is_set():
                raise TimeoutError
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused(N_("Réponse trop volumineuse (plus de %(max)s octets)."), {"max": max_bytes})
            chunks.append(chunk)
    except FetchRefused:
        raise
    except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        raise FetchRefused(N_("Le serveur a mis trop de temps à envoyer sa réponse."))
    except (urllib3.exceptions.SSLError, ssl.SSLError, CertificateError) as exc:
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
        record["ms"] = int((time.monotonic() - started) * 1000)
    record["status"] = response.status
    answer_headers = {name.lower(): value for name, value in response.headers.items()}
    return Answer(status=response.status, headers=answer_headers, body=b"".join(chunks), ms=record["ms"])


def same_origin(url, other):
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
