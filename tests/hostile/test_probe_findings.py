"""Issue 18, findings 9 and 13: the probe against a hostile vendor server and a hostile DNS answer."""

import socket
import threading
import time

import pytest

from conformance import fetch
from conformance.fetch import FetchRefused, fetch_json

# Finding 9 ----------------------------------------------------------------------------------------


@pytest.fixture
def header_trickler():
    """A server that answers 200 and then sends one header line every 0.3 s (the attack used 3 s)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _address = listener.accept()
            except OSError:
                continue
            try:
                client.recv(4096)
                client.sendall(b"HTTP/1.1 200 OK\r\n")
                for index in range(60):
                    if stop.is_set():
                        break
                    client.sendall(f"X-Slow-{index}: x\r\n".encode())
                    time.sleep(0.3)
            except OSError:
                pass
            finally:
                client.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    listener.close()


def test_a_server_trickling_its_headers_is_cut_at_the_total_deadline(settings, header_trickler):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    started = time.monotonic()
    with pytest.raises(FetchRefused) as info:
        # Each header line comes well within the read timeout: only a deadline over the headers stops it.
        fetch_json(f"http://127.0.0.1:{header_trickler}/metadata", read_timeout=2, deadline=1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"held {elapsed:.1f}s past a 1 s deadline"
    assert "trop de temps" in info.value.reason


def test_the_deadline_is_a_setting(settings, header_trickler):
    settings.PROBE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PROBE_DEADLINE = 1
    started = time.monotonic()
    with pytest.raises(FetchRefused):
        fetch_json(f"http://127.0.0.1:{header_trickler}/metadata", read_timeout=2)
    assert time.monotonic() - started < 2.5


def test_probes_run_on_a_queue_of_their_own():
    import conformance.tasks  # noqa: F401
    from config.celery import app

    route = app.amqp.router.route({}, "conformance.tasks.run_probe", args=(1,), kwargs={})
    assert route["queue"].name == "probes"
    # The documents' tasks keep the default queue.
    assert app.amqp.router.route({}, "tenders.tasks.anything", args=(), kwargs={})["queue"].name == "celery"


# Finding 13 ---------------------------------------------------------------------------------------


def test_a_refusal_does_not_name_the_internal_address(settings, monkeypatch):
    settings.PROBE_ALLOWED_HOSTS = []

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(FetchRefused) as info:
        fetch_json("https://intranet-oracle.example/metadata")
    assert "10.20.30.40" not in info.value.reason
    assert "intranet-oracle.example" in info.value.reason


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::1",  # 6to4 embedding 127.0.0.1
        "2002:0a00:0001::1",  # 6to4 embedding 10.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 embedding 169.254.169.254 (cloud metadata)
        "fec0::1",  # site-local (deprecated, still routed inside some networks)
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::ffff:10.0.0.1",  # IPv4-mapped private
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    ],
)
def test_ipv6_forms_that_reach_a_private_network_are_refused(address):
    assert fetch._is_public(address) is False


@pytest.mark.parametrize("address", ["2606:4700::1111", "2002:0808:0808::1", "93.184.216.34", "::ffff:93.184.216.34"])
def test_public_addresses_are_still_accepted(address):
    assert fetch._is_public(address) is True
