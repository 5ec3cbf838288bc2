"""Sections of blocks (scoring/report/sections.py describes them) → an XLSX workbook, one sheet per section.

Kept apart from the answer form's writer (`xlsx.py`): this module and that one are the only two that
import openpyxl. A provisional document gets a banner row on every sheet and "PROVISOIRE" in every
sheet's printed header. A chart block becomes a native Excel bar chart drawn from a small table of
the same numbers written beside it. Same input → same bytes (fixed dates, normalised ZIP).
"""

import datetime
import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from organizations.formatting import to_date

from .archive import normalize_zip
from .xlsx import keep_text

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
BANNER_FILL = PatternFill("solid", fgColor="F8D7DA")
WRAP = Alignment(vertical="top", wrap_text=True)
INVALID_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def cell_value(cell):
    return cell.get("value") if isinstance(cell, dict) else cell


def cell_text(cell):
    return cell.get("text", "") if isinstance(cell, dict) else ("" if cell is None else str(cell))


def _sheet_title(title, used):
    base = (title or "Feuille").translate(INVALID_SHEET_CHARS)[:31].strip() or "Feuille"
    name, index = base, 2
    while name.casefold() in used:
        suffix = f" ({index})"
        name, index = base[: 31 - len(suffix)] + suffix, index + 1
    used.add(name.casefold())
    return name


def _header_row(sheet, values):
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _chart(sheet, block, labels):
    """The bars as a table (vendor, technical, price, total) and a stacked bar chart drawn from it."""
    sheet.append([])
    _header_row(sheet, [labels["vendor"], labels["technical"], labels["price"], labels["total"]])
    first = sheet.max_row
    for bar in block["bars"]:
        sheet.append([bar["vendor"], bar["technical_points"], bar["price_points"], bar["total"]])
    last = sheet.max_row
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = labels["title"]
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
    chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=first, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first + 1, max_row=last))
    chart.height, chart.width = max(6, 1 + len(block["bars"]) * 0.8), 18
    sheet.add_chart(chart, f"F{first}")


def render_sections_xlsx(document) -> bytes:
    """`document`: {"title", "organization", "generated_on" (ISO), "notice": {"watermark", "title",
    "blocking"}, "sections": [...], "chart_labels": {...}}."""
    workbook = Workbook()
    moment = datetime.datetime.combine(to_date(document["generated_on"]), datetime.time())
    workbook.properties.created = workbook.properties.modified = moment
    workbook.properties.creator = workbook.properties.lastModifiedBy = document["organization"]
    workbook.properties.title = document["title"]
    notice = document.get("notice") or {}
    watermark = notice.get("watermark") or ""
    used = set()
    workbook.remove(workbook.active)
    for section in document["sections"]:
        sheet = workbook.create_sheet(_sheet_title(section["sheet"], used))
        for column, width in zip("ABCDEFG", (30, 34, 22, 40, 22, 30, 30), strict=True):
            sheet.column_dimensions[column].width = width
        if watermark:
            sheet.append([f"{watermark} — {notice.get('title', '')}"])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, color="9B1C1C", size=12)
            sheet.cell(row=sheet.max_row, column=1).fill = BANNER_FILL
            for message in notice.get("blocking", []):
                sheet.append([f"• {message}"])
            sheet.oddHeader.center.text = watermark
            sheet.evenHeader.center.text = watermark
        sheet.oddFooter.right.text = "&P / &N"
        sheet.append([section["title"]])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=13, color="1F3A5F")
        for block in section["blocks"]:
            kind = block["type"]
            if kind == "facts":
                for label, value in block["rows"]:
                    sheet.append([label, value])
                    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
                    sheet.cell(row=sheet.max_row, column=2).alignment = WRAP
            elif kind == "paragraph":
                sheet.append([block["text"]])
                if block.get("style") in ("bold", "italic"):
                    sheet.cell(row=sheet.max_row, column=1).font = Font(
                        bold=block["style"] == "bold", italic=block["style"] == "italic"
                    )
            elif kind == "heading":
                sheet.append([])
                sheet.append([block["text"]])
                sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
            elif kind == "list":
                for item in block["items"]:
                    sheet.append([f"• {item}"])
            elif kind == "table":
                _header_row(sheet, block["header"])
                for row in block["rows"]:
                    sheet.append([cell_value(cell) for cell in row])
                    for cell in sheet[sheet.max_row]:
                        cell.alignment = WRAP
            elif kind == "chart":
                _chart(sheet, block, document["chart_labels"])
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    keep_text(workbook)  # vendor names, answers, comments: text, never formulas
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalize_zip(buffer.getvalue(), document["generated_on"])
