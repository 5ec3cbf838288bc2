"""Two admins removing (or demoting) each other at the same instant: one wins, the other gets 409, and
the organisation keeps an admin. select_for_update is a no-op on SQLite: PostgreSQL only."""

import pytest

from organizations.models import Membership

from ..concurrency import POSTGRES_ONLY, api_call, run_together
from ..factories import member

pytestmark = POSTGRES_ONLY


@pytest.mark.parametrize("action", ["delete", "demote"])
def test_two_admins_cannot_remove_each_other_at_once(hospital, action):
    first = member(hospital, "admin", username="admin-1")
    second = member(hospital, "admin", username="admin-2")
    base = f"/api/v1/organizations/{hospital.pk}/members/"
    if action == "delete":
        calls = [api_call(first, "delete", base + "admin-2/"), api_call(second, "delete", base + "admin-1/")]
    else:
        body = {"role": "buyer"}
        calls = [api_call(first, "patch", base + "admin-2/", body), api_call(second, "patch", base + "admin-1/", body)]
    statuses = sorted(run_together(calls))
    # One wins. The other is refused: 409 when both hold the lock at once; when it arrives after the winner
    # committed, it is no longer an admin there: 404 (removed, the organisation is gone from its view) or 403
    # (demoted). Either way the organisation keeps exactly one admin.
    success, refused = (204, {409, 404}) if action == "delete" else (200, {409, 403})
    assert statuses[0] == success and statuses[1] in refused, statuses
    assert Membership.objects.filter(organization=hospital, role="admin").count() == 1
