"""The vendors' answer form as XLSX, and reading it back safely. The only module importing openpyxl.

Writing: sheet "Questionnaire", one row per question; the id column (A) is hidden and locked,
only the answer, compliance (drop-down Oui / Non / Partiel) and evidence cells are unlocked, the
sheet is protected and the workbook structure locked (the hidden "meta" sheet keeps the tender
reference and inputs digest). Same document → same bytes.

Reading: the file comes from a vendor, so it is untrusted. Before openpyxl sees it we check its
size, that it is a ZIP, its entry count and total uncompressed size (zip bombs), and refuse
macro-enabled workbooks. openpyxl parses the XML with defusedxml (installed; `openpyxl.xml.DEFUSEDXML`
is True), which stops entity-expansion attacks, and any part with a DTD is refused beforehand. Every problem raises `QuestionnaireError` with the
sheet and row, in French.
"""

import datetime
import io
import zipfile

from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from .archive import normalize_zip
from .html import format_date

SHEET = "Questionnaire"
META_SHEET = "meta"
MAX_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ROWS = 5000
MAX_CELL_CHARS = 32767  # Excel's own limit per cell
COMPLIANCE = {"fr": ("Oui", "Non", "Partiel"), "en": ("Yes", "No", "Partial")}
# Any accepted spelling → the canonical French value we return.
_COMPLIANCE_VALUES = {
    value.casefold(): COMPLIANCE["fr"][index] for values in COMPLIANCE.values() for index, value in enumerate(values)
}
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
ANSWER_FILL = PatternFill("solid", fgColor="FFF8E1")
COLUMN_WIDTHS = {"A": 12, "B": 9, "C": 28, "D": 22, "E": 60, "F": 60, "G": 14, "H": 40}
ANSWER_COLUMNS = (6, 7, 8)  # F answer, G compliance, H evidence


class QuestionnaireError(ValueError):
    """A questionnaire file we cannot import; `sheet` and `row` (1-based, as Excel shows) say where."""

    def __init__(self, sheet, row, message):
        self.sheet = sheet
        self.row = row
        self.message = message
        super().__init__(self.__str__())

    def __str__(self):
        where = []
        if self.sheet:
            where.append(gettext("feuille « %(sheet)s »") % {"sheet": self.sheet})
        if self.row:
            where.append(gettext("ligne %(row)s") % {"row": self.row})
        if not where:
            return self.message
        prefix = ", ".join(where)
        return prefix[0].upper() + prefix[1:] + " : " + self.message


def headers():
    """Column titles in the active language (the reader accepts French and English)."""
    return [
        gettext("Identifiant"),
        gettext("Article"),
        gettext("Catégorie"),
        gettext("Exigence"),
        gettext("Question"),
        gettext("Réponse"),
        gettext("Conformité"),
        gettext("Preuves"),
    ]


def _protect(sheet):
    sheet.protection.sheet = True
    # Leave column/row formatting locked: it would let a vendor unhide the id column.
    sheet.protection.selectLockedCells = False
    sheet.protection.selectUnlockedCells = False


def keep_text(workbook):
    """Text that people typed stays text: openpyxl writes any string starting with "=" as a formula,
    which Excel or LibreOffice would evaluate (=HYPERLINK exfiltration, DDE). Our writers put no
    formula in cells, so every one found is typed text."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def render_questionnaire_xlsx(doc, *, progress=None):
    """The answer form as XLSX bytes (see the module docstring for the layout); `progress`, if
    given, is called with 50 then 100."""
    report = progress or (lambda value: None)
    language = doc.get("language", "fr")
    with translation.override(language):
        workbook = Workbook()
        moment = datetime.datetime.combine(format_date(doc["generated_on"]), datetime.time(0, 0))
        workbook.properties.created = moment
        workbook.properties.modified = moment
        workbook.properties.creator = doc["organization"]
        workbook.properties.lastModifiedBy = doc["organization"]
        workbook.properties.title = f"{doc['reference']} — {gettext('Formulaire de réponse')}"
        sheet = workbook.active
        sheet.title = SHEET
        sheet.append(headers())
        for cell in sheet[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        wrap = Alignment(vertical="top", wrap_text=True)
        unlocked = Protection(locked=False)
        for question in doc.get("questions", []):
            sheet.append(
                [
                    question["id"],
                    question["article"],
                    question.get("category", ""),
                    question.get("requirement_label", ""),
                    question["question"],
                    None,
                    None,
                    None,
                ]
            )
            row = sheet.max_row
            for column in range(1, 9):
                cell = sheet.cell(row=row, column=column)
                cell.alignment = wrap
                if column in ANSWER_COLUMNS:
                    cell.protection = unlocked
                    cell.fill = ANSWER_FILL
        last_row = max(sheet.max_row, 2)
        choices = COMPLIANCE.get(language, COMPLIANCE["fr"])
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=gettext("Valeur non prévue"),
            error=gettext("Choisissez %(choices)s.") % {"choices": " / ".join(choices)},
            promptTitle=gettext("Conformité"),
            prompt=" / ".join(choices),
            showInputMessage=True,
        )
        validation.add(f"G2:G{last_row}")
        sheet.add_data_validation(validation)
        for column, width in COLUMN_WIDTHS.items():
            sheet.column_dimensions[column].width = width
        sheet.column_dimensions["A"].hidden = True
        sheet.freeze_panes = "C2"
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        _protect(sheet)

        meta = workbook.create_sheet(META_SHEET)
        for row in (
            ("reference", doc["reference"]),
            ("inputs_digest", doc.get("inputs_digest", "")),
            ("generated_on", str(doc["generated_on"])),
            ("language", language),
            ("format", "clausier-questionnaire/1"),
        ):
            meta.append(row)
        meta.sheet_state = "hidden"
        _protect(meta)
        workbook.security = WorkbookProtection(lockStructure=True)

        report(50)
        keep_text(workbook)
        buffer = io.BytesIO()
        workbook.save(buffer)
    data = normalize_zip(buffer.getvalue(), doc["generated_on"])
    report(100)
    return data


# Reading ------------------------------------------------------------------------------------


def _check_archive(data, max_bytes):
    if not isinstance(data, (bytes, bytearray)):
        raise QuestionnaireError(None, None, gettext("Aucun fichier reçu."))
    if len(data) > max_bytes:
        raise QuestionnaireError(
            None,
            None,
            gettext("Le fichier dépasse la taille maximale de %(size)s Mo.") % {"size": max_bytes // (1024 * 1024)},
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise QuestionnaireError(None, None, gettext("Ce n'est pas un classeur Excel (.xlsx)."))
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise QuestionnaireError(None, None, gettext("Le classeur contient trop de fichiers internes."))
        if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED:
            raise QuestionnaireError(None, None, gettext("Le classeur décompressé est trop volumineux."))
        names = {entry.filename.lower() for entry in entries}
        if any(name.endswith("vbaproject.bin") for name in names):
            raise QuestionnaireError(None, None, gettext("Les classeurs contenant des macros sont refusés."))
        if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
            raise QuestionnaireError(None, None, gettext("Ce n'est pas un classeur Excel (.xlsx)."))
        content_types = archive.read("[Content_Types].xml")
        if b"macroEnabled" in content_types or b"vbaProject" in content_types:
            raise QuestionnaireError(None, None, gettext("Les classeurs contenant des macros sont refusés."))
        # OOXML parts never carry a DTD; refusing one outright adds a layer to defusedxml
        # (openpyxl parses some parts with lxml, which only declines to resolve entities).
        for entry in entries:
            if entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                content = archive.read(entry)
                if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
                    raise QuestionnaireError(
                        None, None, gettext("Le classeur contient des déclarations XML interdites.")
                    )


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_questionnaire_xlsx(data, *, max_bytes=MAX_BYTES):
    """The vendor's answers, one dict per question row: ``[{"id", "answer", "compliance", "evidence"}]``.

    ``compliance`` is ``"Oui"``, ``"Non"``, ``"Partiel"`` or ``""`` (English spellings are accepted
    and mapped). Raises `QuestionnaireError` for an unsafe or malformed file, a missing sheet or
    header, a row without id, a duplicate id or an unknown compliance value. Mapping ids to the
    tender's criteria is the caller's job.
    """
    _check_archive(data, max_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise QuestionnaireError(None, None, gettext("Le classeur est illisible ou endommagé."))
    try:
        if SHEET not in workbook.sheetnames:
            raise QuestionnaireError(SHEET, None, gettext("La feuille « %(sheet)s » est absente.") % {"sheet": SHEET})
        sheet = workbook[SHEET]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(value) for value in (next(rows, None) or ())][:8]
        expected = []
        for language in COMPLIANCE:
            with translation.override(language):
                expected.append(headers())
        if header not in expected:
            raise QuestionnaireError(
                SHEET,
                1,
                gettext("L'en-tête ne correspond pas au formulaire (attendu : %(columns)s).")
                % {"columns": ", ".join(expected[0])},
            )
        answers = []
        seen = set()
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise QuestionnaireError(SHEET, number, gettext("Le formulaire contient trop de lignes."))
            cells = [_text(value) for value in (values or ())][:8]
            cells += [""] * (8 - len(cells))
            if not any(cells):
                continue
            identifier, answer, compliance, evidence = cells[0], cells[5], cells[6], cells[7]
            if not identifier:
                raise QuestionnaireError(SHEET, number, gettext("L'identifiant de la question est vide."))
            if identifier in seen:
                raise QuestionnaireError(
                    SHEET, number, gettext("L'identifiant %(id)s apparaît deux fois.") % {"id": identifier}
                )
            seen.add(identifier)
            if compliance and compliance.casefold() not in _COMPLIANCE_VALUES:
                raise QuestionnaireError(
                    SHEET,
                    number,
                    gettext("Conformité « %(value)s » inconnue : choisissez Oui, Non ou Partiel.")
                    % {"value": compliance[:40]},
                )
            for value in (answer, evidence):
                if len(value) > MAX_CELL_CHARS:
                    raise QuestionnaireError(SHEET, number, gettext("Une cellule dépasse la longueur maximale."))
            answers.append(
                {
                    "id": identifier,
                    "answer": answer,
                    "compliance": _COMPLIANCE_VALUES.get(compliance.casefold(), ""),
                    "evidence": evidence,
                }
            )
        return answers
    finally:
        workbook.close()


# Price schedule (bordereau des prix) --------------------------------------------------------------

PRICE_SHEET = "Bordereau des prix"
PRICE_FIRST_ROW = 6  # rows 1–4: the tender, row 5: the column titles
PRICE_COLUMN_WIDTHS = {"A": 8, "B": 50, "C": 12, "D": 10, "E": 16, "F": 16, "G": 10, "H": 16, "I": 18}
VAT_RATE = 0.2


def _text_cell(sheet, row, column, value, **style):
    """A cell that stays text even when the text starts with "=" (never a formula we did not write)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def render_price_schedule_xlsx(doc, *, progress=None):
    """The price schedule as XLSX bytes: one line per `price` article of the plain TenderDocument.

    An article whose `values` say `prix_inclus: false` is a line the vendor prices (unit price
    unlocked); any other is "included in the price": 0 € HT, locked, with a confirmation cell
    (drop-down Oui / Non) the vendor must fill. Totals HT and TTC are formulas; the VAT rate is
    unlocked. The sheet and the workbook structure are protected; the tender reference heads the
    sheet and its printed pages. Same document → same bytes.
    """
    report = progress or (lambda value: None)
    language = doc.get("language", "fr")
    lines = [
        article
        for section in doc.get("sections", [])
        if section.get("destination") == "price"
        for article in section.get("articles", [])
    ]
    with translation.override(language):
        yes_no = COMPLIANCE.get(language, COMPLIANCE["fr"])[:2]
        workbook = Workbook()
        moment = datetime.datetime.combine(format_date(doc["generated_on"]), datetime.time(0, 0))
        workbook.properties.created = moment
        workbook.properties.modified = moment
        workbook.properties.creator = doc["organization"]
        workbook.properties.lastModifiedBy = doc["organization"]
        workbook.properties.title = f"{doc['reference']} — {gettext('Bordereau des prix')}"
        workbook.properties.keywords = f"inputs-digest:{doc.get('inputs_digest', '')}"
        sheet = workbook.active
        sheet.title = PRICE_SHEET
        bold = Font(bold=True)
        _text_cell(sheet, 1, 1, f"{doc['organization']} — {doc['title']}", font=Font(bold=True, size=13))
        _text_cell(
            sheet, 2, 1, gettext("Bordereau des prix — référence %(reference)s") % {"reference": doc["reference"]}
        )
        _text_cell(sheet, 3, 1, doc.get("version", {}).get("label", ""))
        if doc.get("draft"):
            _text_cell(sheet, 4, 1, gettext("PROJET — appel d'offres non publié"), font=Font(bold=True, color="A4262C"))
        titles = [
            gettext("Article"),
            gettext("Désignation"),
            gettext("Unité"),
            gettext("Quantité"),
            gettext("Prix unitaire HT (€)"),
            gettext("Total HT (€)"),
            gettext("Taux de TVA"),
            gettext("Total TTC (€)"),
            gettext("Inclus dans le prix : confirmation (Oui / Non)"),
        ]
        header_row = PRICE_FIRST_ROW - 1
        for column, title in enumerate(titles, start=1):
            _text_cell(
                sheet,
                header_row,
                column,
                title,
                font=Font(bold=True, color="FFFFFF"),
                fill=HEADER_FILL,
                alignment=Alignment(vertical="center", wrap_text=True),
            )
        unlocked = Protection(locked=False)
        wrap = Alignment(vertical="top", wrap_text=True)
        money = "#,##0.00"
        row = PRICE_FIRST_ROW
        for article in lines:
            values = article.get("values") or {}
            included = values.get("prix_inclus", True) is not False
            _text_cell(sheet, row, 1, article["number"], alignment=wrap)
            _text_cell(sheet, row, 2, article["title"], alignment=wrap)
            _text_cell(sheet, row, 3, str(values.get("unite") or gettext("forfait")), alignment=wrap)
            sheet.cell(row=row, column=4, value=values.get("quantite") or 1)
            price = sheet.cell(row=row, column=5, value=0 if included else None)
            price.number_format = money
            sheet.cell(row=row, column=6, value=f"=D{row}*E{row}").number_format = money
            rate = sheet.cell(row=row, column=7, value=VAT_RATE)
            rate.number_format = "0.0%"
            rate.protection = unlocked
            rate.fill = ANSWER_FILL
            sheet.cell(row=row, column=8, value=f"=F{row}*(1+G{row})").number_format = money
            confirmation = sheet.cell(row=row, column=9)
            if included:
                confirmation.protection = unlocked
                confirmation.fill = ANSWER_FILL
            else:
                price.protection = unlocked
                price.fill = ANSWER_FILL
                _text_cell(sheet, row, 9, "—")
            row += 1
        last = max(row - 1, PRICE_FIRST_ROW)
        _text_cell(sheet, row, 2, gettext("Total"), font=bold)
        sheet.cell(row=row, column=6, value=f"=SUM(F{PRICE_FIRST_ROW}:F{last})").number_format = money
        sheet.cell(row=row, column=8, value=f"=SUM(H{PRICE_FIRST_ROW}:H{last})").number_format = money
        for column in (6, 8):
            sheet.cell(row=row, column=column).font = bold
        notes_row = row + 2
        _text_cell(
            sheet,
            notes_row,
            1,
            gettext(
                "Les lignes « incluses » sont comprises dans le prix (0 € HT) : le candidat confirme chacune par "
                "« %(yes)s ». Une ligne incluse facturée ou non confirmée rend l'offre irrégulière "
                "(article L2152-2 du code de la commande publique)."
            )
            % {"yes": yes_no[0]},
        )
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(yes_no) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=gettext("Valeur non prévue"),
            error=gettext("Choisissez %(choices)s.") % {"choices": " / ".join(yes_no)},
            showInputMessage=True,
            promptTitle=gettext("Confirmation"),
            prompt=" / ".join(yes_no),
        )
        validation.add(f"I{PRICE_FIRST_ROW}:I{last}")
        sheet.add_data_validation(validation)
        for column, width in PRICE_COLUMN_WIDTHS.items():
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = f"A{PRICE_FIRST_ROW}"
        sheet.print_title_rows = f"{header_row}:{header_row}"
        sheet.oddHeader.center.text = f"{doc['reference']} — {gettext('Bordereau des prix')}"
        sheet.oddFooter.left.text = doc.get("version", {}).get("label", "")
        sheet.oddFooter.right.text = "&P / &N"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        _protect(sheet)

        notes = workbook.create_sheet(gettext("Conditions"))
        _text_cell(notes, 1, 1, gettext("Article"), font=bold)
        _text_cell(notes, 1, 2, gettext("Conditions de la ligne"), font=bold)
        for index, article in enumerate(lines, start=2):
            _text_cell(notes, index, 1, article["number"], alignment=wrap)
            _text_cell(notes, index, 2, article.get("body_text", "")[:MAX_CELL_CHARS], alignment=wrap)
        notes.column_dimensions["A"].width = 10
        notes.column_dimensions["B"].width = 120
        _protect(notes)
        workbook.security = WorkbookProtection(lockStructure=True)
        report(50)
        buffer = io.BytesIO()
        workbook.save(buffer)
    data = normalize_zip(buffer.getvalue(), doc["generated_on"])
    report(100)
    return data
