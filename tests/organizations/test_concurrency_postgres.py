"""Two admins removing (or demoting) each other at the same instant: one wins, the other gets 409, and
the organisation keeps an admin. select_for_update is a no-op on SQLite: PostgreSQL only."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from organizations.models import Membership

from ..factories import member

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


def run_together(functions):
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


def call(user, method, url, body=None):
    def go():
        client = APIClient()
        client.force_authenticate(user)
        return getattr(client, method)(url, body, format="json").status_code

    return go


@pytest.mark.parametrize("action", ["delete", "demote"])
def test_two_admins_cannot_remove_each_other_at_once(hospital, action):
    first = member(hospital, "admin", username="admin-1")
    second = member(hospital, "admin", username="admin-2")
    base = f"/api/v1/organizations/{hospital.pk}/members/"
    if action == "delete":
        calls = [call(first, "delete", base + "admin-2/"), call(second, "delete", base + "admin-1/")]
    else:
        body = {"role": "buyer"}
        calls = [call(first, "patch", base + "admin-2/", body), call(second, "patch", base + "admin-1/", body)]
    statuses = run_together(calls)
    assert sorted(statuses) == ([204, 409] if action == "delete" else [200, 409])
    assert Membership.objects.filter(organization=hospital, role="admin").count() == 1
