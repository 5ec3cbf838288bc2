"""Who may read and change the acceptance plan: the contract's organisation's buyers and admins write, its
other members read, another organisation's people find nothing (404)."""

import pytest

from contracts.models import AcceptanceEvent, AcceptanceProbe
from documents.models import Document

from .acceptance_fixtures import plan_url, read_plan

pytestmark = pytest.mark.django_db


def writes(contract, article):
    return [
        ("put", plan_url(contract, f"{article}/"), {"result": "pass", "evidence": "vu"}),
        ("put", plan_url(contract, "decision/"), {"decision": "ajournement", "reason": "à reprendre"}),
        ("post", plan_url(contract, "probe/"), {"fhir_base_url": "https://ehr.example.org/fhir"}),
        ("post", plan_url(contract), {}),
        ("post", f"/api/v1/contracts/{contract.pk}/documents/", {"kind": "acceptance_report", "format": "pdf"}),
    ]


def reads(contract, article):
    return [
        plan_url(contract),
        plan_url(contract, "?result=pending"),
        plan_url(contract, "probe/"),
        plan_url(contract, f"{article}/evidence/"),
        f"/api/v1/contracts/{contract.pk}/documents/",
    ]


def test_an_evaluator_of_the_organisation_reads_and_is_refused_every_write(api, accepted, evaluator):
    contract = accepted.contract
    body = read_plan(api, evaluator, contract)
    assert len(body["rows"]) == 58
    article = body["rows"][0]["article"]
    client = api(evaluator)
    for method, url, data in writes(contract, article):
        assert getattr(client, method)(url, data, format="json").status_code == 403, url
    assert not AcceptanceEvent.objects.exclude(action="generated").exists()
    assert not AcceptanceProbe.objects.exists() and not Document.objects.exists()
    assert client.get(f"/api/v1/contracts/{contract.pk}/documents/").status_code == 200


def test_an_admin_of_the_organisation_writes(api, accepted, hospital_admin, django_capture_on_commit_callbacks):
    contract = accepted.contract
    article = read_plan(api, hospital_admin, contract)["rows"][0]["article"]
    client = api(hospital_admin)
    with django_capture_on_commit_callbacks():
        for method, url, data in writes(contract, article):
            assert getattr(client, method)(url, data, format="json").status_code in (200, 202), url


def test_another_organisation_finds_nothing(api, accepted, outsider):
    contract = accepted.contract
    article = read_plan(api, accepted.lead, contract)["rows"][0]["article"]
    client = api(outsider)
    for url in reads(contract, article):
        assert client.get(url).status_code == 404, url
    for method, url, data in writes(contract, article):
        assert getattr(client, method)(url, data, format="json").status_code == 404, url
    assert not AcceptanceEvent.objects.exclude(action="generated").exists()
