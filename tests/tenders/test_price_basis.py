"""Tender fields duration_months, price_basis and price_lines (API.md, "The tender file as a contract"):
the API and the tender form accept valid lines; an invalid one is refused naming the line and the field,
with nothing saved; codes are unique with the clauses' lines; draft only."""

import pytest
from django.urls import reverse

from tenders.models import Tender
from tenders.selectors import tender_document

from ..factories import make_clause
from .conftest import add_clause

pytestmark = pytest.mark.django_db

LINES = [
    {"code": "licences", "label": "Licences du logiciel", "unit": "licence", "quantity": 10, "period": "year"},
    {"code": "formation", "label": "Formation des référents", "unit": "jour", "quantity": 2.5, "period": "once"},
]


def test_the_api_reads_and_writes_the_price_basis(api, buyer, tender):
    client = api(buyer)
    body = client.get(f"/api/v1/tenders/{tender.pk}/").json()
    assert (body["duration_months"], body["price_basis"], body["price_lines"]) == (48, "", [])
    response = client.patch(
        f"/api/v1/tenders/{tender.pk}/",
        {"duration_months": 36, "price_basis": "Le total HT sur 36 mois.", "price_lines": LINES},
        format="json",
    )
    assert response.status_code == 200, response.json()
    tender.refresh_from_db()
    assert (tender.duration_months, tender.price_basis, tender.price_lines) == (36, "Le total HT sur 36 mois.", LINES)
    price = tender_document(tender)["price"]
    assert price["basis"] == "Le total HT sur 36 mois."
    assert [(line["number"], line["periods"]) for line in price["lines"]] == [(1, 3), (2, 1)]


def test_the_default_basis_names_the_duration(tender):
    Tender.objects.filter(pk=tender.pk).update(duration_months=30, price_lines=LINES[:1])
    tender.refresh_from_db()
    price = tender_document(tender)["price"]
    assert "30 mois" in price["basis"] and "hors taxes" in price["basis"]
    assert price["lines"][0]["periods"] == 2.5


def test_a_creation_takes_the_price_fields(api, buyer, hospital):
    response = api(buyer).post(
        "/api/v1/tenders/",
        {"organization": hospital.pk, "reference": "AO-9", "title": "DPI", "duration_months": 60, "price_lines": LINES},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Tender.objects.get(reference="AO-9").price_lines == LINES


@pytest.mark.parametrize(
    ("line", "field", "expected"),
    [
        ({"quantity": 0}, "quantity", "Ligne de prix 2 (quantity)"),
        ({"period": "week"}, "period", "Ligne de prix 2 (period)"),
        ({"code": "Licences!"}, "code", "Ligne de prix 2 (code)"),
        ({"label": ""}, "label", "Ligne de prix 2 (label)"),
        ({"code": "licences"}, "code", "Ligne de prix 2 (code) : le code « licences » est déjà"),
        ({"colour": "red"}, "colour", "Ligne de prix 2 (colour)"),
    ],
)
def test_an_invalid_line_is_a_400_naming_line_and_field_and_nothing_is_saved(api, buyer, tender, line, field, expected):
    lines = [LINES[0], {**LINES[1], **line}]
    response = api(buyer).patch(
        f"/api/v1/tenders/{tender.pk}/", {"price_lines": lines, "duration_months": 24}, format="json"
    )
    assert response.status_code == 400
    messages = response.json()["price_lines"]
    assert any(message.startswith(expected) for message in messages), messages
    tender.refresh_from_db()
    assert (tender.price_lines, tender.duration_months) == ([], 48)


@pytest.mark.parametrize("duration", [0, -3, 241, "douze"])
def test_a_wrong_duration_is_a_400(api, buyer, tender, duration):
    response = api(buyer).patch(f"/api/v1/tenders/{tender.pk}/", {"duration_months": duration}, format="json")
    assert response.status_code == 400 and "duration_months" in response.json()


def test_codes_are_unique_with_the_clauses_lines(api, buyer, tender, visible_library):
    clause = make_clause(
        visible_library,
        key="replication-db",
        title="Base de réplication",
        parameters=[],
        body="Une base de réplication.",
        price_lines=[{"code": "licences", "label": "Réplication", "unit": "an", "quantity": 1, "period": "year"}],
    )
    tender_clause = add_clause(tender, clause)
    response = api(buyer).patch(f"/api/v1/tenders/{tender.pk}/", {"price_lines": LINES}, format="json")
    assert response.status_code == 400
    assert "Base de réplication" in response.json()["price_lines"][0]
    # The other way round: a clause whose line reuses a buyer's code is refused when added.
    tender_clause.delete()
    assert api(buyer).patch(f"/api/v1/tenders/{tender.pk}/", {"price_lines": LINES}, format="json").status_code == 200
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/clauses/", {"clause": clause.pk}, format="json")
    assert response.status_code == 400 and "licences" in response.json()["clause"][0]


def test_a_published_tender_keeps_its_price_fields(api, buyer, tender):
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.PUBLISHED)
    response = api(buyer).patch(f"/api/v1/tenders/{tender.pk}/", {"price_lines": LINES}, format="json")
    assert response.status_code == 409


def test_an_evaluator_cannot_change_them(api, evaluator, tender):
    response = api(evaluator).patch(f"/api/v1/tenders/{tender.pk}/", {"duration_months": 12}, format="json")
    assert response.status_code == 403


SETTINGS = {
    "reference": "AO-2026-014",
    "title": "DPI",
    "procedure": "open",
    "price_formula": "linear",
    "language": "fr",
}


def test_the_tender_form_edits_the_lines_one_a_line(client, buyer, tender):
    url = reverse("tenders:tender_settings", args=[tender.pk])
    client.force_login(buyer)
    text = "Licences du logiciel | licence | 10 | par an | licences\nFormation des référents | jour | 2,5 | une fois"
    response = client.post(url, {**SETTINGS, "duration_months": "36", "price_basis": "", "price_lines": text})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.duration_months == 36
    assert tender.price_lines == [
        LINES[0],
        {
            "code": "formation-des-referents",
            "label": "Formation des référents",
            "unit": "jour",
            "quantity": 2.5,
            "period": "once",
        },
    ]
    content = client.get(url).content.decode()
    assert "Formation des référents | jour | 2,5 | une fois | formation-des-referents" in content
    assert "Lignes de prix de l&#x27;acheteur" in content or "Lignes de prix de l'acheteur" in content


def test_the_tender_form_names_the_wrong_line_and_keeps_what_was_typed(client, buyer, tender):
    url = reverse("tenders:tender_settings", args=[tender.pk])
    client.force_login(buyer)
    text = "Licences | licence | 10 | par an\nFormation | jour | beaucoup | une fois\nHébergement | mois"
    response = client.post(url, {**SETTINGS, "duration_months": "36", "price_lines": text})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Ligne de prix 3 : 4 ou 5 parties" in content
    assert "Formation | jour | beaucoup | une fois" in content  # what was typed stays
    response = client.post(url, {**SETTINGS, "duration_months": "36", "price_lines": text.rsplit("\n", 1)[0]})
    assert response.status_code == 400
    assert "Ligne de prix 2 (quantity)" in response.content.decode()
    tender.refresh_from_db()
    assert (tender.price_lines, tender.duration_months) == ([], 48)


def test_the_english_form_speaks_english(client, buyer, tender):
    client.force_login(buyer)
    url = reverse("tenders:tender_settings", args=[tender.pk])
    content = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Buyer&#x27;s price lines" in content or "Buyer's price lines" in content
    response = client.post(
        url, {**SETTINGS, "price_lines": "Licences | licence | 0 | per year"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Price line 1 (quantity)" in response.content.decode()


def test_the_new_tender_page_takes_the_price_fields(client, buyer, hospital):
    client.force_login(buyer)
    response = client.post(
        reverse("tenders:tender_create"),
        {
            "organization": hospital.pk,
            "reference": "AO-NEW",
            "title": "DPI",
            "procedure": "open",
            "price_formula": "proportional",
            "language": "fr",
            "duration_months": "60",
            "price_basis": "Le total HT sur 60 mois.",
            "price_lines": "Hébergement | mois | 1 | par mois",
        },
    )
    assert response.status_code == 302
    tender = Tender.objects.get(reference="AO-NEW")
    assert (tender.duration_months, tender.price_basis) == (60, "Le total HT sur 60 mois.")
    assert tender.price_lines == [
        {"code": "hebergement", "label": "Hébergement", "unit": "mois", "quantity": 1, "period": "month"}
    ]


def test_an_english_tender_gets_an_english_basis_and_schedule(tender):
    import io

    from openpyxl import load_workbook

    from documents.rendering.xlsx_price import render_price_schedule_xlsx

    Tender.objects.filter(pk=tender.pk).update(language="en", duration_months=36, price_lines=LINES[:1])
    tender.refresh_from_db()
    doc = tender_document(tender)
    assert doc["price"]["basis"].startswith("The price compared is the total amount excluding VAT")
    assert doc["price"]["total_label"] == "Total excluding VAT over 36 months"
    sheet = load_workbook(io.BytesIO(render_price_schedule_xlsx(doc)))["Bordereau des prix"]
    assert [cell.value for cell in sheet[6]][6:] == [
        "Number of periods over 36 months",
        "Unit price excl. VAT (€)",
        "Amount excl. VAT (€)",
    ]
    assert sheet["F7"].value == "Per year" and sheet["G7"].value == 3
