"""Form posts without a CSRF token: every page that takes a POST refuses it (403) and changes nothing,
even for its rightful user; API writes through the session refuse it too (tokens carry no cookie)."""

import pytest
from django.test import Client
from django.urls import get_resolver

from .test_cross_tenant import BODY, KWARG_RE, NAME_RE, object_for, snapshot, walk

pytestmark = pytest.mark.django_db


def page_routes():
    for route, _pattern in walk(get_resolver().url_patterns):
        route = KWARG_RE.sub(lambda m: "<" + (m.group(1) or m.group(2)) + ">", route.replace("^", "").replace("$", ""))
        if route.startswith(("admin/", "media/", "api/")):
            continue
        yield route


def test_every_page_refuses_a_post_without_csrf_token(dataset_a):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(dataset_a.admin)
    before = snapshot()
    accepted = []
    routes = list(page_routes())
    for route in routes:
        url = "/" + NAME_RE.sub(lambda m, route=route: str(object_for(route, m.group(1), dataset_a)), route)
        response = client.post(url, {k: str(v) for k, v in BODY.items()})
        if response.status_code not in (403, 405):
            accepted.append((url, response.status_code))
    assert not accepted, accepted
    assert len(routes) >= 30
    assert snapshot() == before


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_session_api_writes_without_csrf_token_are_refused(dataset_a, method):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(dataset_a.admin)
    before = snapshot()
    for url in (
        f"/api/v1/tenders/{dataset_a.tender.pk}/",
        f"/api/v1/clauses/{dataset_a.clause.pk}/",
        f"/api/v1/bids/{dataset_a.bid.pk}/scores/{dataset_a.criterion.pk}/",
    ):
        response = getattr(client, method)(url, '{"title": "x", "value": 1}', content_type="application/json")
        assert response.status_code in (403, 405), (url, response.status_code)
        if response.status_code == 403:
            assert "CSRF" in response.json()["detail"]
    assert snapshot() == before
