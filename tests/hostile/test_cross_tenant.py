"""Cross-tenant id guessing, on every route: walks Django's URL map, fills each id with one of
organisation A's objects, and calls every method as an administrator of organisation B.

Every answer must be 404 (or 405): never 200, 403 (an existence leak) or 500; nothing of A changes.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver

from clause_library.models import Clause, ClauseVersion, Library
from conformance.models import ProbeReport
from contracts.models import (
    AcceptanceEvent,
    AcceptancePlan,
    AcceptanceProbe,
    AcceptanceRow,
    Contract,
    Modification,
    SubcontractingAct,
)
from documents.models import Document
from organizations.models import ApiToken, AuditEntry, Invitation, MemberOrganization, Membership
from scoring.models import (
    Answer,
    AuditEvent,
    Bid,
    Consensus,
    Criterion,
    EliminatoryDecision,
    EvaluationState,
    Evaluator,
    Score,
)
from tenders.models import Tender, TenderClause

pytestmark = pytest.mark.django_db

WATCHED = [
    Library,
    Clause,
    ClauseVersion,
    Tender,
    TenderClause,
    Document,
    Criterion,
    EvaluationState,
    Evaluator,
    Bid,
    Answer,
    Score,
    Consensus,
    EliminatoryDecision,
    AuditEvent,
    ProbeReport,
    Membership,
    Invitation,
    MemberOrganization,
    ApiToken,
    AuditEntry,
    Contract,
    Modification,
    SubcontractingAct,
    AcceptancePlan,
    AcceptanceRow,
    AcceptanceEvent,
    AcceptanceProbe,
]
# Bearer links (an invitation's token, a password reset's uid and token): whoever holds the link may open
# it, by design; tests/organizations checks them (one use, expiry). And the start of a single sign-on,
# named by provider, which belongs to no organisation (tests/oidc).
BEARER_KWARGS = {"token", "uidb64", "provider_id"}
METHODS = ("get", "post", "put", "patch", "delete")
KWARG_RE = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")
NAME_RE = re.compile(r"<(\w+)>")
# A body that gets past any validation a view might (wrongly) run before its tenancy check.
BODY = {
    "name": "x",
    "title": "x",
    "key": "x",
    "body": "x",
    "vendor": "x",
    "price": 1,
    "value": 1,
    "weight": 1,
    "kind": "scored",
    "format": "pdf",
    "comment": "x",
    "justification": "x",
    "text": "x",
    "criterion": 1,
    "clause": 1,
    "parameters": {},
    "user": "admin-b",
    "no_conflict": True,
    "organization": 1,
    "clauses": [1],
    "reference": "x",
    "category": "api_access",
    "requirement": "scored",
    "language": "fr",
}


def walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def methods_of(pattern):
    actions = getattr(pattern.callback, "actions", None)
    if actions:
        return [m for m in METHODS if m in actions]
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is not None:
        return [m for m in METHODS if hasattr(view_class, m)]
    return ["get", "post"]  # function views: try both


# Public by design, for anyone: an organisation's JSON Web Key Set holds only the public halves of its probe
# signing keys, which a vendor's token endpoint must fetch without signing in (SMART Backend Services).
PUBLIC_ROUTES = {"api/v1/organizations/<org_id>/jwks/"}


def routes_with_ids():
    for route, pattern in walk(get_resolver().url_patterns):
        route = KWARG_RE.sub(lambda m: "<" + (m.group(1) or m.group(2)) + ">", route.replace("^", "").replace("$", ""))
        names = NAME_RE.findall(route)
        if names and not route.startswith(("admin/", "media/")) and not BEARER_KWARGS & set(names):
            if route in PUBLIC_ROUTES:
                continue
            yield route, names, methods_of(pattern)


def object_for(route, name, data):
    """The object of A that the id kwarg `name` of `route` names (`tender_pk`, `bid_id`, `pk` after `bids/`…)."""
    if name == "number":
        return 1
    if name in BEARER_KWARGS:
        return "not-a-real-link"  # the CSRF walk posts to them too
    if name == "username":
        return data.admin.username
    if name == "article":
        return data.acceptance_row.article
    if name == "org_id":
        return (data.group if "/members-organizations/" in route else data.organization).pk
    if name == "member_id":
        return data.organization.pk
    base = name[:-3] if name.endswith(("_pk", "_id")) else name
    if base == "pk":
        base = {
            "libraries": "library",
            "tenders": "tender",
            "documents": "document",
            "criteria": "criterion",
            "bids": "bid",
            "clauses": "clause",
            "contracts": "contract",
            "lots": "lot",
            "imports": "import_job",
        }[route[: route.index("<pk>")].rstrip("/").split("/")[-1]]
    if base in ("clause", "tc"):
        in_tender = route.startswith(("api/v1/tenders/", "tenders/")) or base == "tc"
        return (data.tender_clause if in_tender else data.clause).pk
    objects = {
        "tender": data.tender,
        "bid": data.bid,
        "criterion": data.criterion,
        "library": data.library,
        "document": data.document,
        "probe": data.probe,
        "report": data.probe,
        "contract": data.contract,
        "lot": data.lot,
        "request": data.execution_request,
        "invitation": data.invitation,
        "token": data.api_token,
        "import_job": data.import_job,
    }
    assert base in objects, f"unknown id kwarg {name} in {route}: teach this test what it names"
    return objects[base].pk


def url_for(route, data):
    return "/" + NAME_RE.sub(lambda m: str(object_for(route, m.group(1), data)), route)


def snapshot():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


def test_it_walks_enough_of_the_url_map():
    routes = {route for route, _names, _methods in routes_with_ids()}
    api = {r for r in routes if r.startswith("api/v1/")}
    assert len(api) >= 25 and len(routes) - len(api) >= 20, sorted(routes)


def test_every_route_answers_404_to_another_organisation(dataset_a, member_b, django_user_model):
    from rest_framework.test import APIClient

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(member_b)
    pages = Client(raise_request_exception=False)
    pages.force_login(member_b)
    before = snapshot()
    failures = []
    calls = 0
    for route, _names, methods in routes_with_ids():
        url = url_for(route, dataset_a)
        for method in methods:
            if route.startswith("api/"):
                if route.endswith(("questionnaire/", "probe/")) and method == "post":
                    body = {
                        "file": SimpleUploadedFile("a.xlsx", b"PK"),
                        "capability_statement": SimpleUploadedFile("c.json", b"{}"),
                    }
                    response = getattr(api, method)(url, body, format="multipart")
                else:
                    response = getattr(api, method)(url, BODY if method != "get" else None, format="json")
            else:
                response = getattr(pages, method)(
                    url, {k: str(v) for k, v in BODY.items()} if method == "post" else None
                )
            calls += 1
            if response.status_code not in (404, 405):
                failures.append((method.upper(), url, response.status_code))
    assert not failures, failures
    assert calls >= 60
    assert snapshot() == before


def test_the_same_ids_are_found_by_their_own_organisation(dataset_a):
    """The control: the walk's ids are real, so the 404s above come from tenancy, not from bad ids."""
    from rest_framework.test import APIClient

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(dataset_a.admin)
    pages = Client(raise_request_exception=False)
    pages.force_login(dataset_a.admin)
    missing = []
    for route, _names, methods in routes_with_ids():
        if "get" not in methods or route.endswith(("/download/", "/export/")):
            continue
        client = api if route.startswith("api/") else pages
        response = client.get(url_for(route, dataset_a))
        if response.status_code == 404:
            missing.append(route)
    assert not missing, missing


def test_the_public_routes_show_only_public_keys(dataset_a, member_b):
    """The one route every organisation answers: its JWKS, public key material only (no private parameter)."""
    from rest_framework.test import APIClient

    assert PUBLIC_ROUTES == {"api/v1/organizations/<org_id>/jwks/"}
    response = APIClient().get(f"/api/v1/organizations/{dataset_a.organization.pk}/jwks/")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys and all(not {"d", "p", "q", "dp", "dq", "qi"} & set(key) for key in keys)
