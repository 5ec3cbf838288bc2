"""The price schedule (bordereau des prix): the XLSX read back with openpyxl (every line, formulas, total,
unlocked cells), and POST /api/v1/bids/{id}/price-schedule/ setting the bid's price to the schedule's
total, recomputed by hand here over 36 and 48 months; refused imports change nothing."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from documents.rendering.xlsx_price import PRICE_FIRST_ROW, render_price_schedule_xlsx
from scoring.models import AuditEvent, Bid, EvaluationState
from tenders.models import Tender
from tenders.selectors import tender_document

from ..factories import make_clause
from ..tenders.conftest import add_clause
from .conftest import publish

pytestmark = pytest.mark.django_db

BUYER_LINES = [
    {"code": "licences", "label": "Licences du logiciel", "unit": "licence", "quantity": 10, "period": "year"},
    {
        "code": "deploiement",
        "label": '=HYPERLINK("https://evil.example","Déploiement")',
        "unit": "forfait",
        "quantity": 1,
        "period": "once",
    },
]
CLAUSE_LINES = [
    {
        "code": "replication",
        "label": "Base de réplication : hébergement",
        "unit": "mois",
        "quantity": 2,
        "period": "month",
    },
]


def schedule_tender(tender, library, duration=48):
    Tender.objects.filter(pk=tender.pk).update(duration_months=duration, price_lines=BUYER_LINES)
    tender.refresh_from_db()
    make_clause(
        library,
        key="replication-db",
        title="Base de réplication",
        requirement="mandatory",
        parameters=[],
        body="Le titulaire fournit une base de réplication.",
        price_lines=CLAUSE_LINES,
    )
    make_clause(
        library,
        key="conditions-prix",
        title="Conditions de prix",
        requirement="informative",
        parameters=[],
        body="Les prix sont fermes la première année.",
        destination="price",
        question="",
    )
    for tender_clause in list(library.clauses.all()):
        add_clause(tender, tender_clause)
    return tender


@pytest.fixture
def schedule(tender, library, hospital):
    schedule_tender(tender, library)
    publish(tender)
    bid = Bid.objects.create(tender=tender, vendor="Alpha Santé", price=Decimal("1"))
    return tender, bid


def workbook_of(tender):
    return load_workbook(io.BytesIO(render_price_schedule_xlsx(tender_document(tender))))


def filled(tender, unit_prices):
    """The generated schedule with unit prices typed in column H, row by row."""
    workbook = workbook_of(tender)
    sheet = workbook["Bordereau des prix"]
    for index, value in enumerate(unit_prices):
        sheet.cell(row=PRICE_FIRST_ROW + index, column=8).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, bid, content):
    return client.post(
        f"/api/v1/bids/{bid.pk}/price-schedule/",
        {"file": SimpleUploadedFile("bordereau.xlsx", content, content_type="application/octet-stream")},
        format="multipart",
    )


def test_the_document_lists_buyer_lines_then_clause_lines_with_their_periods(schedule):
    tender, _bid = schedule
    price = tender_document(tender)["price"]
    assert set(price) == {"duration_months", "basis", "lines", "total_label"}
    assert price["duration_months"] == 48 and "48 mois" in price["basis"] and "48 mois" in price["total_label"]
    assert [(line["number"], line["code"], line["periods"], line["article"]) for line in price["lines"]] == [
        (1, "licences", 4, None),
        (2, "deploiement", 1, None),
        (3, "replication", 48, "1.1"),
    ]
    assert set(price["lines"][0]) == {"number", "code", "label", "unit", "quantity", "period", "periods", "article"}


def test_the_xlsx_holds_every_line_with_formulas_a_total_and_only_unit_prices_unlocked(schedule):
    tender, _bid = schedule
    workbook = workbook_of(tender)
    sheet = workbook["Bordereau des prix"]
    assert "AO-2026-001" in sheet["A2"].value and "AO-2026-001" in sheet.oddHeader.center.text
    assert [cell.value for cell in sheet[PRICE_FIRST_ROW - 1]] == [
        "N°",
        "Désignation",
        "Article",
        "Unité",
        "Quantité",
        "Périodicité",
        "Nombre de périodes sur 48 mois",
        "Prix unitaire HT (€)",
        "Montant HT (€)",
    ]
    rows = [[cell.value for cell in sheet[PRICE_FIRST_ROW + i]] for i in range(3)]
    assert [row[:7] for row in rows] == [
        [1, "Licences du logiciel", "—", "licence", 10, "Par an", 4],
        [2, '=HYPERLINK("https://evil.example","Déploiement")', "—", "forfait", 1, "Une fois", 1],
        [3, "Base de réplication : hébergement", "1.1", "mois", 2, "Par mois", 48],
    ]
    # A label starting with "=" stays text, never a formula.
    assert sheet.cell(row=PRICE_FIRST_ROW + 1, column=2).data_type == "s"
    assert [row[8] for row in rows] == [
        f"=ROUND(E{r}*H{r}*G{r},2)" for r in range(PRICE_FIRST_ROW, PRICE_FIRST_ROW + 3)
    ]
    total_row = PRICE_FIRST_ROW + 3
    assert sheet.cell(row=total_row, column=2).value == "Montant total HT sur 48 mois"
    assert sheet.cell(row=total_row, column=9).value == f"=SUM(I{PRICE_FIRST_ROW}:I{PRICE_FIRST_ROW + 2})"
    unlocked = {cell.coordinate for row in sheet.iter_rows() for cell in row if cell.protection.locked is False}
    assert unlocked == {f"H{r}" for r in range(PRICE_FIRST_ROW, PRICE_FIRST_ROW + 3)}
    validation = next(v for v in sheet.data_validations.dataValidation if "H" in str(v.sqref))
    assert (validation.type, validation.operator, validation.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert sheet.protection.sheet and workbook.security.lockStructure
    assert {str(s.page_setup.paperSize) for s in workbook.worksheets} == {"9"}
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert workbook["meta"].sheet_state == "hidden"
    # The conditions sheet states the compared amount and the price article's text, no other line.
    conditions = "\n".join(str(c.value) for row in workbook["Conditions"].iter_rows() for c in row if c.value)
    assert "montant total hors taxes du bordereau des prix" in conditions
    assert "Les prix sont fermes la première année." in conditions
    # No code printed on the visible sheets.
    visible = "\n".join(
        str(c.value)
        for s in workbook.worksheets
        if s.sheet_state == "visible"
        for r in s.iter_rows()
        for c in r
        if c.value
    )
    assert "replication" not in visible.replace("réplication", "") and "licences" not in visible.split("Licences")[0]


def test_a_filled_schedule_sets_the_bid_price_over_48_months(api, buyer, schedule):
    tender, bid = schedule
    response = upload(api(buyer), bid, filled(tender, [1200.5, "15 000,00", 99.99]))
    assert response.status_code == 200, response.json()
    # 10 × 1 200,50 × 4 years + 1 × 15 000 × 1 + 2 × 99,99 × 48 months
    expected = Decimal("48020.00") + Decimal("15000.00") + Decimal("9599.04")
    assert response.json()["price"] == float(expected) and response.json()["price_source"] == "price_schedule"
    bid.refresh_from_db()
    assert (bid.price, bid.price_source) == (expected, "price_schedule")
    detail = AuditEvent.objects.get(action="bid.price_schedule")
    assert detail.new["total"] == str(expected) and len(detail.new["lines"]) == 3
    assert AuditEvent.objects.filter(action="bid.update", field="price").exists()
    # Typing a price afterwards makes it "entered" again.
    api(buyer).patch(f"/api/v1/bids/{bid.pk}/", {"price": "70000.00"}, format="json")
    bid.refresh_from_db()
    assert bid.price_source == "entered"


def test_36_months_and_a_forged_cached_total_do_not_fool_the_import(api, buyer, tender, library):
    schedule_tender(tender, library, duration=36)
    publish(tender)
    bid = Bid.objects.create(tender=tender, vendor="Beta", price=Decimal("1"))
    workbook = load_workbook(io.BytesIO(filled(tender, [100, 0, 10.005])))
    sheet = workbook["Bordereau des prix"]
    sheet.cell(row=PRICE_FIRST_ROW + 3, column=9).value = 1  # a forged total
    sheet.cell(row=PRICE_FIRST_ROW, column=5).value = 1  # a forged quantity: the tender's is used
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(api(buyer), bid, buffer.getvalue())
    assert response.status_code == 200, response.json()
    # 10 × 100 × 3 years + 0 + ROUND(2 × 10,005 × 36) = 3 000 + 720,36
    bid.refresh_from_db()
    assert bid.price == Decimal("3720.36")


@pytest.mark.parametrize(
    ("prices", "cell"),
    [
        ([100, None, 5], "ligne 8, colonne H"),
        ([100, -1, 5], "ligne 8, colonne H"),
        ([100, 1, "abc"], "ligne 9, colonne H"),
    ],
)
def test_a_missing_or_wrong_unit_price_is_a_400_naming_the_cell(api, buyer, schedule, prices, cell):
    tender, bid = schedule
    response = upload(api(buyer), bid, filled(tender, prices))
    assert response.status_code == 400
    assert any(cell in message for message in response.json()["file"]), response.json()
    bid.refresh_from_db()
    assert (bid.price, bid.price_source) == (Decimal("1"), "entered")
    assert not AuditEvent.objects.filter(action="bid.price_schedule").exists()


def test_another_tenders_schedule_is_refused(api, buyer, schedule, hospital, library):
    tender, bid = schedule
    other = Tender.objects.create(
        organization=hospital, reference="AO-2026-999", title="Autre", price_lines=BUYER_LINES
    )
    response = upload(api(buyer), bid, filled(other, [1, 1]))
    assert response.status_code == 400 and "AO-2026-999" in response.json()["file"][0]
    bid.refresh_from_db()
    assert bid.price == Decimal("1")


def test_a_schedule_of_other_lines_is_refused(api, buyer, schedule):
    tender, bid = schedule
    content = filled(tender, [1, 1, 1])
    Tender.objects.filter(pk=tender.pk).update(price_lines=BUYER_LINES[:1])
    response = upload(api(buyer), bid, content)
    assert response.status_code == 400 and "à jour" in response.json()["file"][0]


def test_unsafe_or_foreign_files_are_400(api, buyer, schedule):
    _tender, bid = schedule
    assert upload(api(buyer), bid, b"not a workbook").status_code == 400
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", '<!DOCTYPE x [<!ENTITY a "a">]><workbook/>')
    response = upload(api(buyer), bid, buffer.getvalue())
    assert response.status_code == 400 and "interdites" in response.json()["file"][0]
    # A macro-enabled workbook, and an archive of too many parts (zip bomb shape), are refused unread.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/vbaProject.bin", b"\0")
    assert "macros" in upload(api(buyer), bid, buffer.getvalue()).json()["file"][0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(300):
            archive.writestr(f"xl/part{index}.xml", "<x/>")
    assert "trop de fichiers" in upload(api(buyer), bid, buffer.getvalue()).json()["file"][0]
    # The answer form is not a price schedule.
    from documents.rendering.xlsx import render_questionnaire_xlsx

    response = upload(api(buyer), bid, render_questionnaire_xlsx(tender_document(bid.tender)))
    assert response.status_code == 400 and "bordereau des prix" in response.json()["file"][0]
    bid.refresh_from_db()
    assert bid.price == Decimal("1")


def test_refused_like_a_typed_price(api, buyer, evaluator, outsider, schedule):
    tender, bid = schedule
    content = filled(tender, [1, 1, 1])
    assert upload(api(evaluator), bid, content).status_code == 403
    assert upload(api(outsider), bid, content).status_code == 404
    EvaluationState.objects.update_or_create(tender=tender, defaults={"technical_closed_at": timezone.now()})
    response = upload(api(buyer), bid, content)
    assert response.status_code == 409
    bid.refresh_from_db()
    assert bid.price == Decimal("1")
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.DRAFT)
    assert upload(api(buyer), bid, content).status_code == 409


def test_the_bid_page_imports_the_schedule(client, buyer, evaluator, schedule):
    from scoring.models import Evaluator

    tender, bid = schedule
    url = f"/evaluation/tenders/{tender.pk}/bids/{bid.pk}/"
    client.force_login(buyer)
    assert 'id="price-schedule-form"' in client.get(url).content.decode()
    content = filled(tender, [1200.5, 15000, 99.99])
    response = client.post(
        url, {"action": "price_schedule", "file": SimpleUploadedFile("b.xlsx", content)}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bordereau des prix importé : 3 lignes" in page and "total du bordereau des prix importé" in page
    bid.refresh_from_db()
    assert (bid.price, bid.price_source) == (Decimal("72619.04"), "price_schedule")
    # A wrong file: the reason on the page, nothing changed.
    response = client.post(url, {"action": "price_schedule", "file": SimpleUploadedFile("b.xlsx", filled(tender, [1]))})
    assert response.status_code == 400 and "prix unitaire manquant" in response.content.decode()
    bid.refresh_from_db()
    assert bid.price == Decimal("72619.04")
    # An evaluator sees no upload form and cannot post one.
    Evaluator.objects.create(tender=tender, user=evaluator, declared_at=timezone.now())
    client.force_login(evaluator)
    assert 'id="price-schedule-form"' not in client.get(url).content.decode()
    response = client.post(url, {"action": "price_schedule", "file": SimpleUploadedFile("b.xlsx", content)})
    assert response.status_code == 403
