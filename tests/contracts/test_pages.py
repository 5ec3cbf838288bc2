"""The contract pages: list, creation, the contract with its "Données essentielles" panel, downloads;
who may open and change them; the list's query count at two sizes; French and English."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contracts import services
from contracts.models import Contract, Modification
from scoring.models import Bid, EvaluationState
from tenders.models import Tender

from ..factories import member
from .conftest import contract_data

pytestmark = pytest.mark.django_db


def client_for(user, language="fr"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_contract_page_shows_a_valid_panel_and_downloads_a_valid_file(contract, decided):
    page = client_for(decided.lead).get(f"/contracts/{contract.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Données essentielles" in text
    assert "Conforme au schéma" in text
    assert "Alpha Santé SAS" in text and "2.0.3" in text
    download = client_for(decided.lead).get(f"/contracts/{contract.pk}/decp.json")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="decp-{contract.uid}.json"'
    document = json.loads(download.content)
    assert document["marches"]["marche"][0]["id"] == contract.uid


def test_an_invalid_record_shows_its_errors_and_is_never_downloaded(contract, decided):
    Contract.objects.filter(pk=contract.pk).update(cpv="", place_code="")
    page = client_for(decided.lead).get(f"/contracts/{contract.pk}/")
    text = page.content.decode()
    assert "Non conforme : 2 erreur(s)" in text
    assert "code CPV manquant (codeCPV)" in text
    assert '<a href="#contract-data"><code>marches.marche[0].codeCPV</code></a>' in text
    assert "lieu d&#x27;exécution" in text or "lieu d'exécution" in text
    download = client_for(decided.lead).get(f"/contracts/{contract.pk}/decp.json")
    assert download.status_code == 409
    assert "codeCPV" in download.content.decode()
    assert "attachment" not in download.get("Content-Disposition", "")


def test_the_page_in_english(contract, decided):
    text = client_for(decided.lead, "en").get(f"/contracts/{contract.pk}/").content.decode()
    assert "Essential data" in text and "Valid against the schema" in text
    assert "Modifications (amendments)" in text


def test_the_buyer_adds_a_modification_and_it_is_in_the_next_file(contract, decided):
    client = client_for(decided.lead)
    response = client.post(
        f"/contracts/{contract.pk}/",
        {
            "action": "modification",
            "modification-notified_on": "2027-03-01",
            "modification-object": "Interface avec le laboratoire",
            "modification-amount": "108 000 €",
        },
    )
    assert response.status_code == 302
    assert Modification.objects.get().amount == 108000
    document = json.loads(client.get(f"/contracts/{contract.pk}/decp.json").content)
    assert document["marches"]["marche"][0]["modifications"][0]["modification"]["montant"] == 108000


def test_the_buyer_sets_a_missing_field_on_the_contract_form(contract, decided):
    Contract.objects.filter(pk=contract.pk).update(cpv="")
    client = client_for(decided.lead)
    form = {
        "action": "contract",
        "contract-holder_name": "Alpha Santé SAS",
        "contract-holder_siret": contract.holder_siret,
        "contract-amount": "100 000",
        "contract-duration_months": "48",
        "contract-notified_on": "2026-12-15",
        "contract-cpv": "48180000",
        "contract-procedure": "open",
        "contract-price_form": "mixte",
        "contract-price_types": ["revisable"],
        "contract-ccag": "tic",
        "contract-place_code": "75056",
        "contract-place_type": "commune",
        "contract-techniques": ["framework"],
        "contract-execution_modes": ["orders"],
        "contract-grouping": "none",
        "contract-social_considerations": ["none"],
        "contract-environmental_considerations": ["none"],
    }
    assert client.post(f"/contracts/{contract.pk}/", form).status_code == 302
    contract.refresh_from_db()
    assert contract.cpv == "48180000" and contract.techniques == ["framework"]
    assert "Conforme au schéma" in client.get(f"/contracts/{contract.pk}/").content.decode()
    bad = client.post(f"/contracts/{contract.pk}/", {**form, "contract-cpv": "48"})
    assert bad.status_code == 200
    assert "code CPV" in bad.content.decode()
    contract.refresh_from_db()
    assert contract.cpv == "48180000"


def test_recording_the_publication_date_keeps_it(contract, decided):
    client = client_for(decided.lead)
    assert client.post(f"/contracts/{contract.pk}/", {"action": "published"}).status_code == 302
    contract.refresh_from_db()
    assert contract.data_published_on is not None


def test_the_creation_page_refuses_while_the_results_are_provisional(decided):
    EvaluationState.objects.filter(tender=decided.tender).update(technical_closed_at=None)
    response = client_for(decided.lead).get(f"/contracts/new/{decided.tender.pk}/")
    assert response.status_code == 409
    assert "notation technique n&#x27;est pas close" in response.content.decode()


def test_the_creation_page_creates_the_contract_of_the_retained_bid(decided):
    client = client_for(decided.lead)
    page = client.get(f"/contracts/new/{decided.tender.pk}/")
    assert page.status_code == 200
    assert "Alpha Santé SAS" in page.content.decode()
    response = client.post(
        f"/contracts/new/{decided.tender.pk}/",
        {"notified_on": "2026-12-15", "amount": "100 000", "duration_months": "48", "cpv": "", "price_form": "mixte"},
    )
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contracts/{contract.pk}/"
    assert contract.bid_id == decided.alpha.pk


@pytest.mark.parametrize(("role", "read", "write"), [("buyer", 200, 302), ("admin", 200, 302), ("evaluator", 200, 403)])
def test_who_may_open_and_change_the_pages(contract, decided, role, read, write):
    user = member(decided.tender.organization, role, username=f"page-{role}")
    client = client_for(user)
    assert client.get(f"/contracts/{contract.pk}/").status_code == read
    assert client.get(f"/contracts/{contract.pk}/decp.json").status_code == read
    assert client.get(f"/contracts/tender/{decided.tender.pk}/ocds.json").status_code == read
    response = client.post(
        f"/contracts/{contract.pk}/",
        {"action": "modification", "modification-notified_on": "2027-03-01", "modification-object": "Avenant"},
    )
    assert response.status_code == write
    assert client.get(f"/contracts/new/{decided.tender.pk}/").status_code == (403 if write == 403 else 302)


def test_another_organisation_gets_404_everywhere(contract, decided, outsider):
    client = client_for(outsider)
    for path in (
        f"/contracts/{contract.pk}/",
        f"/contracts/{contract.pk}/decp.json",
        f"/contracts/tender/{decided.tender.pk}/ocds.json",
        f"/contracts/new/{decided.tender.pk}/",
    ):
        assert client.get(path).status_code == 404, path
    assert "Alpha" not in client.get("/contracts/").content.decode()


def _more_contracts(decided, count):
    """`count` more tenders of the organisation, each with a contract (made directly: the list is read)."""
    for n in range(count):
        tender = Tender.objects.create(
            organization=decided.tender.organization, reference=f"AO-X-{n}", title=f"Marché {n}", status="closed"
        )
        bid = Bid.objects.create(tender=tender, vendor=f"Vendeur {n}", price=1000)
        Contract.objects.create(
            organization=tender.organization,
            tender=tender,
            bid=bid,
            uid=f"2026X{n}",
            holder_name=bid.vendor,
            amount=1000,
            duration_months=12,
            notified_on="2026-12-01",
            price_form="forfaitaire",
        )


def test_the_list_page_has_a_fixed_number_of_queries(contract, decided):
    client = client_for(decided.lead)
    services.modification_add(
        user=decided.lead,
        contract=contract,
        data={"notified_on": contract_data()["notified_on"], "object": "Avenant 1"},
    )
    client.get("/contracts/")  # warm the session and the caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/contracts/")
        assert response.status_code == 200
        return len(queries), response.content.decode()

    small, text = count()
    assert contract.uid in text
    _more_contracts(decided, 5)
    large, text = count()
    assert "AO-X-4" in text
    assert small == large == 5


def test_the_xml_file_is_valid_against_the_official_xsd(contract, decided):
    from lxml import etree

    from contracts import schemas

    services.modification_add(
        user=decided.lead,
        contract=contract,
        data={"notified_on": contract.notified_on, "object": "Avenant 1", "amount": 120000},
    )
    services.act_add(
        user=decided.lead,
        contract=contract,
        data={
            "subcontractor_siret": "44306184100047",
            "subcontractor_name": "HébergeurSanté SAS",
            "notified_on": contract.notified_on,
            "amount": 30000,
            "duration_months": 48,
            "price_variation": "firm",
        },
    )
    response = client_for(decided.lead).get(f"/contracts/{contract.pk}/decp.xml")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="decp-{contract.uid}.xml"'
    xsd = etree.XMLSchema(etree.parse(str(schemas.DECP_XSD_FILE)))
    tree = etree.fromstring(response.content)
    assert xsd.validate(tree), xsd.error_log
    assert tree.findtext("marche/titulaires/titulaire/id") == contract.holder_siret
    assert tree.findtext("marche/modifications/modification/montant") == "120000"
    assert tree.findtext("marche/actesSousTraitance/acteSousTraitance/variationPrix") == "Ferme"


def test_the_xml_file_of_an_invalid_record_is_refused(contract, decided):
    Contract.objects.filter(pk=contract.pk).update(cpv="")
    response = client_for(decided.lead).get(f"/contracts/{contract.pk}/decp.xml")
    assert response.status_code == 409
    assert "codeCPV" in response.content.decode()


def test_the_xsd_refuses_what_the_json_schema_refuses(contract, decided):
    from contracts import decp_xml, selectors

    document, _problems = selectors.decp_file(contract)
    del document["marches"]["marche"][0]["codeCPV"]
    problems = decp_xml.xml_problems(decp_xml.to_xml(document))
    assert problems and "codeCPV" in problems[0]["message"]
