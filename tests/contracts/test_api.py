"""Contracts and public data through the API (API.md): creation from a three-bid evaluation, the DECP and
OCDS files checked against the official schemas kept in contracts/schemas, modifications and
subcontracting acts in the next export, refusals naming the missing field, who may do what."""

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT4

from contracts.models import Contract
from scoring.models import EliminatoryDecision, EvaluationState

from ..factories import member
from .conftest import ALPHA_SIRET, BUYER_SIRET

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"


def payload(**overrides):
    body = {
        "notified_on": "2026-12-15",
        "amount": 100000,
        "duration_months": 48,
        "cpv": "48000000",
        "price_form": "mixte",
        "place_code": "75",
        "place_type": "department",
    }
    body.update(overrides)
    return body


def create(api, evaluation, user=None, **overrides):
    return api(user or evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/contracts/", payload(**overrides), format="json"
    )


def decp_schema_check(document):
    """The official DECP schema, read here straight from its file (not through the app's own helper)."""
    schema = json.loads((SCHEMAS / "decp-2.0.3-marches.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(document)


def ocds_schema_check(package):
    package_schema = json.loads((SCHEMAS / "ocds-1.1.5-release-package-schema.json").read_text(encoding="utf-8"))
    release_schema = json.loads((SCHEMAS / "ocds-1.1.5-release-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resources(
        [(s["id"], DRAFT4.create_resource(s)) for s in (package_schema, release_schema)]
    )
    validator = jsonschema.Draft4Validator(
        package_schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]
    assert errors == []


def test_it_creates_the_contract_of_a_three_bid_evaluation_for_the_retained_bid(api, decided):
    response = create(api, decided)
    assert response.status_code == 201, response.json()
    body = response.json()
    contract = Contract.objects.get()
    assert body == {
        "id": contract.pk,
        "uid": "202600000100",
        "tender": decided.tender.pk,
        "lot": None,
        "bid": decided.alpha.pk,
        "holder": {"siret": ALPHA_SIRET, "name": "Alpha Santé SAS"},
        "amount": 100000.0,
        "notified_on": "2026-12-15",
        "duration_months": 48,
        "modifications": [],
    }
    assert contract.ccag == "tic" and contract.procedure == "open"
    assert api(decided.lead).get(f"/api/v1/contracts/{contract.pk}/").json() == body


def test_it_numbers_the_contracts_of_an_organisation_by_year(api, decided):
    assert create(api, decided).json()["uid"] == "202600000100"
    second = create(api, decided, lot="2")
    assert second.status_code == 201
    assert second.json()["uid"] == "202600000202"
    assert second.json()["lot"] == "2"


def test_it_refuses_a_second_contract_for_the_same_tender(api, decided):
    assert create(api, decided).status_code == 201
    response = create(api, decided)
    assert response.status_code == 409
    assert "existe déjà" in json.dumps(response.json(), ensure_ascii=False)


def test_it_refuses_while_the_results_are_provisional(api, decided):
    EvaluationState.objects.filter(tender=decided.tender).update(technical_closed_at=None)
    response = create(api, decided)
    assert response.status_code == 409
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "provisoires" in text and "notation technique n'est pas close" in text
    assert not Contract.objects.exists()


def test_it_refuses_while_an_eliminatory_requirement_is_undecided(api, decided):
    EliminatoryDecision.objects.filter(bid=decided.alpha).delete()
    response = create(api, decided)
    assert response.status_code == 409
    assert "Exigences éliminatoires non décidées" in json.dumps(response.json(), ensure_ascii=False)


def test_it_refuses_garbage_with_the_field_named(api, decided):
    response = create(api, decided, cpv="4800", price_form="au forfait", duration_months=0)
    assert response.status_code == 400
    assert set(response.json()) == {"cpv", "price_form", "duration_months"}


def test_the_decp_export_is_valid_against_the_official_schema(api, decided):
    contract_id = create(api, decided).json()["id"]
    response = api(decided.lead).get(f"/api/v1/contracts/{contract_id}/decp/")
    assert response.status_code == 200, response.json()
    document = response.json()
    decp_schema_check(document)
    (marche,) = document["marches"]["marche"]
    assert marche["id"] == "202600000100"
    assert marche["acheteur"] == {"id": BUYER_SIRET}
    assert marche["offresRecues"] == 3  # Charlie, eliminated, was received all the same
    assert marche["titulaires"] == [{"titulaire": {"typeIdentifiant": "SIRET", "id": ALPHA_SIRET}}]
    assert marche["ccag"] == "Techniques de l'information et de la communication"
    assert marche["procedure"] == "Appel d'offres ouvert"
    assert marche["formePrix"] == "Mixte"
    assert marche["montant"] == 100000 and marche["dureeMois"] == 48
    assert marche["dateNotification"] == "2026-12-15"
    assert "modifications" not in marche and "actesSousTraitance" not in marche


def test_a_modification_and_a_subcontracting_act_appear_in_the_next_export(api, decided):
    contract_id = create(api, decided).json()["id"]
    client = api(decided.lead)
    modification = client.post(
        f"/api/v1/contracts/{contract_id}/modifications/",
        {"notified_on": "2027-06-01", "object": "Module de téléconsultation", "amount": "115 000 €"},
        format="json",
    )
    assert modification.status_code == 201, modification.json()
    assert modification.json()["number"] == 1 and modification.json()["amount"] == 115000.0
    act = client.post(
        f"/api/v1/contracts/{contract_id}/subcontracting/",
        {
            "subcontractor_name": "HébergeurSanté SAS",
            "subcontractor_siret": "44306184100047",
            "notified_on": "2027-02-01",
            "amount": 30000,
            "duration_months": 48,
            "price_variation": "revisable",
        },
        format="json",
    )
    assert act.status_code == 201, act.json()
    document = client.get(f"/api/v1/contracts/{contract_id}/decp/").json()
    decp_schema_check(document)
    (marche,) = document["marches"]["marche"]
    assert marche["montant"] == 100000  # the initial amount stays; the new one is in the modification
    assert marche["modifications"] == [
        {
            "modification": {
                "id": 1,
                "dateNotificationModification": "2027-06-01",
                "datePublicationDonneesModification": "2027-06-01",
                "montant": 115000,
            }
        }
    ]
    (entry,) = marche["actesSousTraitance"]
    assert entry["acteSousTraitance"]["sousTraitant"] == {"typeIdentifiant": "SIRET", "id": "44306184100047"}
    assert entry["acteSousTraitance"]["montant"] == 30000
    assert entry["acteSousTraitance"]["variationPrix"] == "Révisable"
    assert client.get(f"/api/v1/contracts/{contract_id}/").json()["modifications"][0]["object"] == (
        "Module de téléconsultation"
    )
    package = client.get(f"/api/v1/tenders/{decided.tender.pk}/ocds/").json()
    ocds_schema_check(package)
    (contract_block,) = package["releases"][0]["contracts"]
    assert contract_block["value"] == {"amount": 115000, "currency": "EUR"}
    assert contract_block["amendments"][0]["description"] == "Module de téléconsultation"


def test_a_modification_notified_before_the_contract_is_refused(api, decided):
    contract_id = create(api, decided).json()["id"]
    response = api(decided.lead).post(
        f"/api/v1/contracts/{contract_id}/modifications/",
        {"notified_on": "2026-01-01", "object": "Avenant antidaté"},
        format="json",
    )
    assert response.status_code == 400
    assert "notified_on" in response.json()


def test_a_record_missing_a_required_field_is_refused_with_the_field_and_its_page(api, decided):
    contract_id = create(api, decided, cpv="").json()["id"]
    organization = decided.tender.organization
    organization.siret = ""
    organization.save()
    response = api(decided.lead).get(f"/api/v1/contracts/{contract_id}/decp/")
    assert response.status_code == 409
    body = response.json()
    by_field = {error["field"]: error for error in body["errors"]}
    assert set(by_field) == {"codeCPV", "acheteur"}
    assert by_field["codeCPV"]["path"] == "marches.marche[0].codeCPV"
    assert "code CPV manquant" in by_field["codeCPV"]["message"]
    assert "page du marché" in by_field["codeCPV"]["message"]
    assert "SIRET de l'acheteur" in by_field["acheteur"]["message"]
    assert "page de l'organisation" in by_field["acheteur"]["message"]
    assert (by_field["acheteur"]["page"], by_field["codeCPV"]["page"]) == ("organization", "contract")


def test_a_holder_without_siret_is_named_in_english_too(api, decided):
    decided.alpha.__class__.objects.filter(pk=decided.alpha.pk).update(candidate_siret="")
    contract_id = create(api, decided).json()["id"]
    response = api(decided.lead).get(f"/api/v1/contracts/{contract_id}/decp/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["field"] == "titulaires"
    assert "holder's SIRET" in error["message"]


def test_the_ocds_package_of_the_tender_is_valid_against_the_release_package_schema(api, decided, settings):
    settings.OCDS_OCID_PREFIX = "ocds-213czf"
    create(api, decided)
    response = api(decided.lead).get(f"/api/v1/tenders/{decided.tender.pk}/ocds/")
    assert response.status_code == 200, response.json()
    package = response.json()
    ocds_schema_check(package)
    (release,) = package["releases"]
    assert release["ocid"] == f"ocds-213czf-{decided.tender.organization_id}-{decided.tender.pk}"
    assert release["tag"] == ["planning", "tender", "award", "contract"]
    assert release["planning"] == {"budget": {"amount": {"amount": 120000, "currency": "EUR"}}}
    tender = release["tender"]
    assert tender["numberOfTenderers"] == 3 and len(tender["tenderers"]) == 3
    assert tender["items"][0]["classification"] == {"scheme": "CPV", "id": "48000000"}
    assert "Valeur technique : 60 %" in tender["awardCriteriaDetails"]
    assert "API FHIR : 50 % (30 % du total)" in tender["awardCriteriaDetails"]
    assert "Prix : 40 %" in tender["awardCriteriaDetails"]
    (award,) = release["awards"]
    assert award["suppliers"] == [{"id": f"bid-{decided.alpha.pk}", "name": "Alpha Santé SAS"}]
    (contract,) = release["contracts"]
    assert contract["awardID"] == award["id"]
    assert contract["value"] == {"amount": 100000, "currency": "EUR"}
    assert contract["period"] == {"startDate": "2026-12-15T00:00:00Z", "endDate": "2030-12-15T00:00:00Z"}
    buyer = next(p for p in release["parties"] if "buyer" in p["roles"])
    assert buyer["identifier"] == {"scheme": "FR-SIRET", "id": BUYER_SIRET}


def test_the_ocds_package_of_a_tender_without_contract_is_valid_too(api, evaluation):
    response = api(evaluation.lead).get(f"/api/v1/tenders/{evaluation.tender.pk}/ocds/")
    assert response.status_code == 200
    ocds_schema_check(response.json())
    assert response.json()["releases"][0]["tag"] == ["tender"]


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [("buyer", 200, 201), ("admin", 200, 201), ("evaluator", 200, 403), ("curator", 200, 403)],
)
def test_who_may_read_and_write_in_the_organisation(api, decided, role, read, write):
    contract_id = create(api, decided).json()["id"]
    user = member(decided.tender.organization, role, username=f"someone-{role}")
    client = api(user)
    assert client.get(f"/api/v1/contracts/{contract_id}/").status_code == read
    assert client.get(f"/api/v1/contracts/{contract_id}/decp/").status_code == read
    assert client.get(f"/api/v1/tenders/{decided.tender.pk}/ocds/").status_code == read
    assert client.get(f"/api/v1/tenders/{decided.tender.pk}/contracts/").status_code == read
    response = client.post(
        f"/api/v1/contracts/{contract_id}/modifications/",
        {"notified_on": "2027-06-01", "object": "Avenant"},
        format="json",
    )
    assert response.status_code == write
    Contract.objects.all().delete()
    assert create(api, decided, user=user).status_code == write


def test_another_organisation_sees_nothing(api, decided, outsider):
    contract_id = create(api, decided).json()["id"]
    client = api(outsider)
    for path in (
        f"/api/v1/contracts/{contract_id}/",
        f"/api/v1/contracts/{contract_id}/decp/",
        f"/api/v1/contracts/{contract_id}/subcontracting/",
        f"/api/v1/tenders/{decided.tender.pk}/ocds/",
        f"/api/v1/tenders/{decided.tender.pk}/contracts/",
    ):
        assert client.get(path).status_code == 404, path
    assert create(api, decided, user=outsider).status_code == 404
    response = client.post(
        f"/api/v1/contracts/{contract_id}/modifications/", {"notified_on": "2027-06-01", "object": "x"}, format="json"
    )
    assert response.status_code == 404


def test_anonymous_callers_are_refused(api, decided):
    contract_id = create(api, decided).json()["id"]
    assert api().get(f"/api/v1/contracts/{contract_id}/").status_code in (401, 403)


def test_the_tender_contract_list_has_a_fixed_number_of_queries(api, decided):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contract_id = create(api, decided).json()["id"]
    client = api(decided.lead)
    url = f"/api/v1/tenders/{decided.tender.pk}/contracts/"

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.json()

    small, body = count()
    for n in range(3):
        client.post(
            f"/api/v1/contracts/{contract_id}/modifications/",
            {"notified_on": f"2027-0{n + 1}-01", "object": f"Avenant {n + 1}"},
            format="json",
        )
    create(api, decided, lot="2")
    large, body = count()
    assert [len(row["modifications"]) for row in body["results"]] == [3, 0]
    assert small == large
