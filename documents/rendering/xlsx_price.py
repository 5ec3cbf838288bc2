"""The price schedule (bordereau des prix, DPGF/DQE style) as XLSX, and reading a filled one back safely.

With `xlsx.py` and `xlsx_sections.py`, one of the three modules importing openpyxl.

Writing (`render_price_schedule_xlsx(doc)`, from `doc["price"]`, tenders/prices.py): sheet
"Bordereau des prix" with the tender in its first rows, then one row per line of the tender (the buyer's
lines, then each clause's in article order): number, label, article, unit, quantity, periodicity,
number of periods over the duration, unit price € HT (the vendor's: the only unlocked cells, a decimal
≥ 0), amount = ROUND(quantity × unit price × periods, 2) as a formula, and the total € HT (a SUM).
Sheet "Conditions": the compared amount (price basis), how to fill the schedule and the conditions of
the tender's `price` articles. A hidden sheet "meta" identifies the file (format, tender reference,
inputs digest, duration) and maps each line's row to its code, so an import can check that the file is
this tender's schedule and read each unit price by line. Every text goes through `_text_cell` (stays
text, never a formula); sheets protected, structure locked, A4 landscape like the other pieces.

Reading (`read_price_schedule_xlsx(data)`): the file comes from a vendor. The archive checks of the
answer form run first (size, entries, uncompressed size, macros, DTDs; openpyxl parses with
defusedxml), then the workbook is read in read-only mode, cached values only (formulas are never
trusted: the importer recomputes every amount from the tender's own quantities and periods).
"""

import io
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from .archive import normalize_zip
from .xlsx import (
    ANSWER_FILL,
    MAX_BYTES,
    MAX_CELL_CHARS,
    UNLOCKED,
    WRAP,
    QuestionnaireError,
    _check_archive,
    _header_footer_text,
    _new_workbook,
    _protect,
    _set_up_sheet,
    _text,
    _text_cell,
)

PRICE_SHEET = "Bordereau des prix"
CONDITIONS_SHEET = "Conditions"
META_SHEET = "meta"
FORMAT = "clausier-price-schedule/1"
HEADER_ROW = 6  # rows 1–5: the tender and the duration
PRICE_FIRST_ROW = HEADER_ROW + 1
PRICE_COLUMN = "H"
MAX_LINES = 2000
MONEY = "#,##0.00"


def _price_headers(duration_months):
    return [
        (gettext("N°"), 6),
        (gettext("Désignation"), 46),
        (gettext("Article"), 9),
        (gettext("Unité"), 12),
        (gettext("Quantité"), 10),
        (gettext("Périodicité"), 12),
        (gettext("Nombre de périodes sur %(months)s mois") % {"months": duration_months}, 14),
        (gettext("Prix unitaire HT (€)"), 16),
        (gettext("Montant HT (€)"), 18),
    ]


def period_label(period):
    return {
        "once": gettext("Une fois"),
        "year": gettext("Par an"),
        "month": gettext("Par mois"),
    }.get(period, period or "")


def _price_articles(doc):
    return [
        article
        for section in doc.get("sections", [])
        if section.get("destination") == "price"
        for article in section.get("articles", [])
    ]


def _instructions(doc, price):
    return [
        gettext(
            "Le candidat indique dans les cellules jaunes le prix unitaire hors taxes, en euros, de chaque ligne : "
            "un nombre positif ou nul (0 lorsque la prestation est comprise sans supplément). Toutes les lignes "
            "sont à renseigner."
        ),
        gettext(
            "Le montant de chaque ligne est la quantité × le prix unitaire HT × le nombre de périodes sur la durée "
            "du marché (%(months)s mois), arrondi au centime ; le total est leur somme. L'acheteur recalcule ces "
            "montants à l'import du bordereau."
        )
        % {"months": price["duration_months"]},
        gettext(
            "Ne modifiez ni les lignes, ni les quantités, ni la structure du classeur : un bordereau modifié ou "
            "celui d'un autre appel d'offres est refusé à l'import."
        ),
    ]


def _number_cell(sheet, row, column, value):
    """A number as a number; anything else (a row stored before the line rules) as text, never a formula."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return sheet.cell(row=row, column=column, value=value)
    return _text_cell(sheet, row, column, "" if value is None else str(value)[:MAX_CELL_CHARS])


def _price_sheet(workbook, doc, price):
    sheet = workbook.active
    sheet.title = PRICE_SHEET
    bold = Font(bold=True)
    months = price["duration_months"]
    _text_cell(sheet, 1, 1, f"{doc['organization']} — {doc['title']}", font=Font(bold=True, size=13))
    _text_cell(sheet, 2, 1, gettext("Bordereau des prix — référence %(reference)s") % {"reference": doc["reference"]})
    _text_cell(sheet, 3, 1, doc.get("version", {}).get("label", ""))
    if doc.get("draft"):
        _text_cell(sheet, 4, 1, gettext("PROJET — appel d'offres non publié"), font=Font(bold=True, color="A4262C"))
    _text_cell(
        sheet,
        5,
        1,
        gettext("Durée du marché : %(months)s mois. Prix en euros hors taxes.") % {"months": months},
    )
    columns = _price_headers(months)
    _set_up_sheet(
        sheet,
        columns,
        header_row=HEADER_ROW,
        header_font=Font(bold=True, color="FFFFFF"),
        freeze_panes=f"C{PRICE_FIRST_ROW}",
        header_height=45,
    )
    row = PRICE_FIRST_ROW
    for line in price["lines"]:
        sheet.cell(row=row, column=1, value=line["number"])
        _text_cell(sheet, row, 2, line["label"], alignment=WRAP)
        _text_cell(sheet, row, 3, line["article"] or "—", alignment=WRAP)
        _text_cell(sheet, row, 4, line["unit"], alignment=WRAP)
        _number_cell(sheet, row, 5, line["quantity"])
        _text_cell(sheet, row, 6, period_label(line["period"]))
        sheet.cell(row=row, column=7, value=line["periods"])
        unit_price = sheet.cell(row=row, column=8)
        unit_price.number_format = MONEY
        unit_price.protection = UNLOCKED
        unit_price.fill = ANSWER_FILL
        sheet.cell(row=row, column=9, value=f"=ROUND(E{row}*H{row}*G{row},2)").number_format = MONEY
        row += 1
    last = max(row - 1, PRICE_FIRST_ROW)
    total_row = row
    _text_cell(sheet, total_row, 2, price["total_label"], font=bold)
    total = sheet.cell(row=total_row, column=9, value=f"=SUM(I{PRICE_FIRST_ROW}:I{last})")
    total.number_format = MONEY
    total.font = bold
    _text_cell(sheet, total_row + 2, 1, gettext("Montant comparé par le critère prix"), font=bold)
    _text_cell(sheet, total_row + 3, 1, price["basis"][:MAX_CELL_CHARS])
    if price["lines"]:
        validation = DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=gettext("Prix unitaire"),
            error=gettext("Un prix unitaire HT en euros, positif ou nul, est attendu."),
            showInputMessage=True,
            promptTitle=gettext("Prix unitaire"),
            prompt=gettext("Prix unitaire HT en euros (0 si compris sans supplément)."),
        )
        validation.add(f"{PRICE_COLUMN}{PRICE_FIRST_ROW}:{PRICE_COLUMN}{last}")
        sheet.add_data_validation(validation)
    sheet.print_options.gridLines = True
    sheet.oddHeader.center.text = _header_footer_text(f"{doc['reference']} — {gettext('Bordereau des prix')}")
    sheet.oddHeader.center.size = 9
    sheet.oddFooter.left.text = _header_footer_text(doc.get("version", {}).get("label", ""))
    sheet.oddFooter.left.size = 9
    sheet.oddFooter.right.text = gettext("Page &P / &N")
    sheet.oddFooter.right.size = 9
    _protect(sheet)
    return total_row


def _conditions_sheet(workbook, doc, price):
    notes = workbook.create_sheet(gettext(CONDITIONS_SHEET))
    bold = Font(bold=True)
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 110
    _set_up_sheet(notes, None)
    notes.oddHeader.center.text = _header_footer_text(f"{doc['reference']} — {gettext('Bordereau des prix')}")
    notes.oddFooter.right.text = gettext("Page &P / &N")
    row = 1
    _text_cell(notes, row, 1, gettext("Montant comparé par le critère prix"), font=bold)
    row += 1
    _text_cell(notes, row, 2, price["basis"][:MAX_CELL_CHARS], alignment=WRAP)
    row += 2
    _text_cell(notes, row, 1, gettext("Comment remplir le bordereau"), font=bold)
    row += 1
    for text in _instructions(doc, price):
        _text_cell(notes, row, 2, text, alignment=WRAP)
        row += 1
    articles = _price_articles(doc)
    if articles:
        row += 1
        _text_cell(notes, row, 1, gettext("Article"), font=bold)
        _text_cell(notes, row, 2, gettext("Conditions de prix"), font=bold)
        row += 1
        for article in articles:
            _text_cell(notes, row, 1, article["number"], alignment=WRAP)
            text = f"{article['title']}\n{article.get('body_text', '')}".strip()
            _text_cell(notes, row, 2, text[:MAX_CELL_CHARS], alignment=Alignment(vertical="top", wrap_text=True))
            row += 1
    _protect(notes)


def _meta_sheet(workbook, doc, price):
    meta = workbook.create_sheet(META_SHEET)
    for values in (
        ("format", FORMAT),
        ("reference", doc["reference"]),
        ("inputs_digest", doc.get("inputs_digest", "")),
        ("duration_months", price["duration_months"]),
    ):
        meta.append(values)
    for index, line in enumerate(price["lines"]):
        meta.append(("line", line["number"], line["code"], PRICE_FIRST_ROW + index))
    for row in meta.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    meta.sheet_state = "hidden"
    _set_up_sheet(meta, None)  # printed (if ever unhidden) on A4 like the rest
    _protect(meta)


def render_price_schedule_xlsx(doc, *, progress=None):
    """The price schedule as XLSX bytes (see the module docstring). Same document → same bytes."""
    report = progress or (lambda value: None)
    language = doc.get("language", "fr")
    price = doc["price"]
    with translation.override(language):
        workbook = _new_workbook(doc, gettext("Bordereau des prix"))
        workbook.properties.keywords = f"inputs-digest:{doc.get('inputs_digest', '')}"
        _price_sheet(workbook, doc, price)
        _conditions_sheet(workbook, doc, price)
        _meta_sheet(workbook, doc, price)
        workbook.active = 0
        workbook.security = WorkbookProtection(lockStructure=True)
        report(50)
        buffer = io.BytesIO()
        workbook.save(buffer)
    data = normalize_zip(buffer.getvalue(), doc["generated_on"])
    report(100)
    return data


# Reading ------------------------------------------------------------------------------------


def _unit_price(value):
    """A unit price from a cell: a Decimal ≥ 0, or a message saying what is wrong."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, gettext("prix unitaire manquant.")
    if isinstance(value, bool):
        return None, gettext("un prix unitaire HT en euros est attendu.")
    text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    if isinstance(value, str):
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, gettext("un prix unitaire HT en euros est attendu (lu : « %(value)s »).") % {
            "value": _text(value)[:40]
        }
    if not number.is_finite():
        return None, gettext("un prix unitaire HT en euros est attendu.")
    if number < 0:
        return None, gettext("le prix unitaire ne peut pas être négatif.")
    if number >= Decimal("1e12"):
        return None, gettext("prix unitaire trop élevé.")
    return number, None


def _read_meta(workbook):
    if META_SHEET not in workbook.sheetnames or PRICE_SHEET not in workbook.sheetnames:
        raise QuestionnaireError(
            None, None, gettext("Ce fichier n'est pas un bordereau des prix de Clausier : téléchargez celui du marché.")
        )
    info, lines = {}, []
    for number, values in enumerate(workbook[META_SHEET].iter_rows(values_only=True), start=1):
        if number > MAX_LINES + 10:
            raise QuestionnaireError(META_SHEET, number, gettext("Le bordereau contient trop de lignes."))
        values = list(values or ())[:4]
        if not values or values[0] is None:
            continue
        if values[0] == "line" and len(values) == 4:
            lines.append({"number": values[1], "code": _text(values[2]), "row": values[3]})
        else:
            info[_text(values[0])] = _text(values[1] if len(values) > 1 else None)
    if info.get("format") != FORMAT:
        raise QuestionnaireError(
            None, None, gettext("Ce fichier n'est pas un bordereau des prix de Clausier : téléchargez celui du marché.")
        )
    rows = [line["row"] for line in lines]
    if any(isinstance(row, bool) or not isinstance(row, int) for row in rows) or rows != list(
        range(PRICE_FIRST_ROW, PRICE_FIRST_ROW + len(rows))
    ):
        raise QuestionnaireError(META_SHEET, None, gettext("La structure du bordereau a été modifiée."))
    return info, lines


def read_price_schedule_xlsx(data, *, max_bytes=MAX_BYTES):
    """A filled price schedule as plain data::

        {"reference", "inputs_digest", "duration_months",
         "lines": [{"row", "number", "code", "unit_price": Decimal}]}

    Raises `QuestionnaireError` (sheet, row, column) for an unsafe, unreadable or foreign file at once,
    and for missing or wrong unit prices all together (`errors`). Comparing the lines with the tender's
    and computing the amounts is the importer's job (scoring/price_schedule.py).
    """
    _check_archive(data, max_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise QuestionnaireError(None, None, gettext("Le classeur est illisible ou endommagé."))
    try:
        info, lines = _read_meta(workbook)
        cells = {}
        if lines:
            last = PRICE_FIRST_ROW + len(lines) - 1
            rows = workbook[PRICE_SHEET].iter_rows(min_row=PRICE_FIRST_ROW, max_row=last, max_col=8, values_only=True)
            for row, values in enumerate(rows, start=PRICE_FIRST_ROW):
                cells[row] = list(values or ()) + [None] * (8 - len(values or ()))
        errors, result = [], []
        for line in lines:
            values = cells.get(line["row"], [None] * 8)
            if _text(values[0]) != _text(line["number"]):
                errors.append(
                    QuestionnaireError(
                        PRICE_SHEET,
                        line["row"],
                        gettext("la ligne n'est plus à sa place (structure modifiée)."),
                        column="A",
                    )
                )
                continue
            unit_price, problem = _unit_price(values[7])
            if problem:
                errors.append(QuestionnaireError(PRICE_SHEET, line["row"], problem, column=PRICE_COLUMN))
                continue
            result.append(
                {"row": line["row"], "number": line["number"], "code": line["code"], "unit_price": unit_price}
            )
        if errors:
            raise QuestionnaireError.several(errors)
        duration = info.get("duration_months", "")
        return {
            "reference": info.get("reference", ""),
            "inputs_digest": info.get("inputs_digest", ""),
            "duration_months": int(duration) if duration.isdigit() else None,
            "lines": result,
        }
    finally:
        workbook.close()
