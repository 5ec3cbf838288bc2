"""Issue 11: one way to refuse. Services and access checks raise Django's PermissionDenied with a reason;
the API answers 403 `{"detail": reason}` (in the request's language), the pages the 403 page with it."""

import ast
import pathlib

import pytest
from django.test import Client

from documents.models import Document
from scoring.models import Evaluator

from ..factories import member

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("organizations", "clause_library", "documents", "tenders", "scoring", "conformance", "contracts")


def test_a_service_refusal_reaches_the_api_as_403_with_its_reason_in_the_callers_language(api, evaluation):
    url = f"/api/v1/tenders/{evaluation.tender.pk}/documents/"
    body = {"kind": "tender", "format": "pdf"}

    french = api(evaluation.eval1).post(url, body, format="json")
    english = api(evaluation.eval1).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert french.status_code == english.status_code == 403
    assert french.json() == {
        "detail": "Seuls les acheteurs et administrateurs de l'organisation peuvent modifier cet appel d'offres."
    }
    assert english.json() == {"detail": "Only buyers and administrators of the organisation can modify this tender."}
    assert not Document.objects.exists()


def test_a_service_refusal_reaches_the_page_as_the_403_page_with_its_reason(evaluation, hospital):
    stranger = member(hospital, "evaluator", username="eval9")
    client = Client()
    client.force_login(stranger)

    response = client.post(f"/evaluation/tenders/{evaluation.tender.pk}/declaration/", {"no_conflict": "on"})

    assert response.status_code == 403
    assert "Vous n&#x27;êtes pas évaluateur de ce marché." in response.content.decode()
    assert not Evaluator.objects.filter(user=stranger).exists()


def test_an_access_refusal_keeps_its_reason_on_the_api_and_on_the_page(api, evaluation):
    url = f"/evaluation/tenders/{evaluation.tender.pk}/consensus/"
    client = Client()
    client.force_login(evaluation.eval1)

    page = client.get(url)
    answer = api(evaluation.eval1).post(f"/api/v1/tenders/{evaluation.tender.pk}/reveal/")

    reason = "Seuls les acheteurs et administrateurs de l'organisation peuvent faire cela."
    assert page.status_code == answer.status_code == 403
    assert reason.replace("'", "&#x27;") in page.content.decode()
    assert answer.json() == {"detail": reason}


def _raises(path: pathlib.Path):
    """(line, text) of each `raise` in the module whose call names DRF's PermissionDenied or passes status=403."""
    tree = ast.parse(path.read_text())
    drf_names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "rest_framework.exceptions"
        for alias in node.names
        if alias.name == "PermissionDenied"
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            status_403 = any(
                k.arg == "status" and isinstance(k.value, ast.Constant) and k.value.value == 403 for k in call.keywords
            )
            if name in drf_names or status_403:
                found.append((node.lineno, ast.unparse(call)[:80]))
    return found


def test_outside_the_api_modules_refusals_are_djangos_permission_denied():
    """A service, access check or page that refused with DRF's exception or an ApplicationError(status=403)
    would be turned into a 403 differently on the pages and on the API: there is one way."""
    offenders = {
        str(path.relative_to(ROOT)): found
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "api" not in path.relative_to(ROOT).parts and "migrations" not in path.parts
        for found in [_raises(path)]
        if found
    }
    assert offenders == {}
