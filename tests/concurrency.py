"""Races on PostgreSQL: requests sent at the same instant from threads, each with its own connection.
select_for_update and row locks are no-ops on SQLite, so these tests skip unless DATABASE_URL names a
PostgreSQL database, and they commit for real (the other threads must see the rows)."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

POSTGRES_ONLY = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


def run_together(functions):
    """Start every function at once (a barrier), wait for all, return their results in order. Each
    thread closes its database connections when done (Django opens one per thread)."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def api_call(user, method, url, body=None):
    """A function that sends one JSON API request as `user` and returns its status code."""

    def call():
        client = APIClient()
        client.force_authenticate(user)
        return getattr(client, method)(url, body, format="json").status_code

    return call
