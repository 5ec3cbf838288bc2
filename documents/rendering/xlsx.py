"""The vendors' answer form ("cadre de réponse") as XLSX, and reading it back safely. The only module
importing openpyxl.

Writing (`render_questionnaire_xlsx`): sheets "Instructions", "Candidat" (identity, SIRET, signatory,
commitment), "Exigences" (one row per requirement, identified by its visible article number: type,
question, compliance drop-down — Oui / Non, « Partiel » only for a deferrable requirement —, answer,
evidence), "Valeurs engagées" (one row per value the vendor may improve: the required value, its
direction and the committed one), "Feuille de route" (deferrable requirements only: native / roadmap
with a date / not planned; dates shown in words, read in three forms) and a hidden "meta"
(reference, inputs digest). Text wraps and each row's height is computed from its text (openpyxl does
not auto-fit); every sheet prints A4 landscape, fitted to the width, its header row repeated, with the
tender reference in the page header and "Page n / N" in the footer. Sheets are protected, only the
yellow answer cells unlocked, and the workbook structure is locked. Same document → same bytes.

Reading (`read_questionnaire_xlsx`): the file comes from a vendor, so it is untrusted. Before openpyxl
sees it we check its size, that it is a ZIP, its entry count and total uncompressed size (zip bombs),
and refuse macro-enabled workbooks. openpyxl parses the XML with defusedxml (installed;
`openpyxl.xml.DEFUSEDXML` is True), which stops entity-expansion attacks, and any part with a DTD is
refused beforehand. The reader checks the form's own rules (headers, compliance and roadmap values,
SIRET with its Luhn key, dates, e-mail, required candidate cells) and reports every problem at once as
`QuestionnaireError`s naming sheet, row and column; what depends on the tender (article numbers,
"Partiel" on an eliminatory requirement, parameter types) is the importer's job (scoring/questionnaire.py).
"""

import codecs
import datetime
import io
import re
import zipfile
import zlib

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from stdnum.fr import siret as siret_number

from organizations.formatting import to_date

from . import answer_form
from .archive import normalize_zip

INSTRUCTIONS_SHEET = "Instructions"
CANDIDATE_SHEET = "Candidat"
REQUIREMENTS_SHEET = "Exigences"
VALUES_SHEET = "Valeurs engagées"
ROADMAP_SHEET = "Feuille de route"
META_SHEET = "meta"
SHEET = REQUIREMENTS_SHEET
FORMAT = "clausier-questionnaire/3"
MAX_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_ROWS = 5000
# Cells the worksheets of an imported form may declare: the form has a few per requirement.
MAX_CELLS = 200_000
MAX_CELL_CHARS = 32767  # Excel's own limit per cell
COMPLIANCE = {"fr": ("Oui", "Non", "Partiel"), "en": ("Yes", "No", "Partial")}
# Any accepted spelling → the canonical French value we return.
_COMPLIANCE_VALUES = {
    value.casefold(): COMPLIANCE["fr"][index] for values in COMPLIANCE.values() for index, value in enumerate(values)
}
_ROADMAP_VALUES = {
    label.casefold(): code for language in ("fr", "en") for code, label in answer_form.roadmap_labels(language).items()
}
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
ANSWER_FILL = PatternFill("solid", fgColor="FFF8E1")
BODY_FONT = Font(name="Calibri", size=10)
HEADER_FONT = Font(name="Calibri", size=10, bold=True, color="FFFFFF")
WRAP = Alignment(vertical="top", wrap_text=True)
UNLOCKED = Protection(locked=False)
PAPER_A4 = "9"  # OOXML paper size code
# Each sheet's columns are (title, width) pairs, widths in characters of the default font. The
# reader reads cells by position: Exigences A article, B title, C type, D question, E compliance,
# F answer, G evidence; Valeurs engagées A article, B title, C the value asked (the parameter's label,
# never its code), D direction (« au plus » / « au moins »), E required value, F committed value;
# Feuille de route A article, B title, C status, D date, E comment.


def _requirement_headers():
    return [
        (gettext("N° d'article"), 10),
        (gettext("Exigence"), 26),
        (gettext("Type d'exigence"), 13),
        (gettext("Question"), 46),
        (gettext("Conformité"), 12),
        (gettext("Réponse"), 50),
        (gettext("Preuves (références des documents)"), 28),
    ]


def _value_headers():
    return [
        (gettext("N° d'article"), 10),
        (gettext("Exigence"), 30),
        (gettext("Engagement"), 30),
        (gettext("Sens"), 10),
        (gettext("Valeur exigée"), 22),
        (gettext("Valeur engagée"), 24),
    ]


def _former_value_headers():
    """Forms generated before the parameter codes left the form (column D held the code): still read."""
    return [
        (gettext("N° d'article"), 10),
        (gettext("Exigence"), 30),
        (gettext("Paramètre"), 30),
        (gettext("Code du paramètre"), 18),
        (gettext("Valeur exigée"), 24),
        (gettext("Valeur engagée"), 24),
    ]


def _roadmap_headers():
    return [
        (gettext("N° d'article"), 10),
        (gettext("Exigence"), 40),
        (gettext("Statut"), 18),
        (gettext("Date de disponibilité"), 18),
        (gettext("Commentaire"), 60),
    ]


def _former_roadmap_headers():
    return [(title, width) for title, width in _roadmap_headers()[:3]] + [
        (gettext("Date de disponibilité (JJ/MM/AAAA)"), 18),
        _roadmap_headers()[4],
    ]


# Excel number formats showing a date in words in the form's language (LCID 040C French, 0809 English).
_DATE_WORDS_FORMAT = {"fr": "[$-40C]D MMMM YYYY", "en": "[$-809]D MMMM YYYY"}


def _date_prompt(cells, language):
    """An input message on date cells saying which forms are read (no type check: text dates are welcome)."""
    prompt = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle=gettext("Date")[:32],
        prompt=answer_form.date_hint(language)[:255],
    )
    for cell in cells:
        prompt.add(cell)
    return prompt


def _candidate_headers():
    return [(gettext("Rubrique"), 42), (gettext("Valeur"), 80)]


def headers():
    """The requirements sheet's column titles in the active language (the reader accepts French and English)."""
    return [title for title, _width in _requirement_headers()]


class QuestionnaireError(ValueError):
    """A questionnaire file we cannot import. `sheet`, `row` (1-based, as Excel shows) and `column`
    (a letter) say where; `errors` holds every problem found when there are several (self first)."""

    def __init__(self, sheet, row, message, *, column=None, errors=None):
        self.sheet = sheet
        self.row = row
        self.column = column
        self.message = message
        self.errors = errors or [self]
        super().__init__(self.__str__())

    @classmethod
    def several(cls, errors):
        first = errors[0]
        return cls(first.sheet, first.row, first.message, column=first.column, errors=list(errors))

    def messages(self):
        return [error.located() for error in self.errors]

    def located(self):
        where = []
        if self.sheet:
            where.append(gettext("feuille « %(sheet)s »") % {"sheet": self.sheet})
        if self.row:
            where.append(gettext("ligne %(row)s") % {"row": self.row})
        if self.column:
            where.append(gettext("colonne %(column)s") % {"column": self.column})
        if not where:
            return self.message
        prefix = ", ".join(where)
        return prefix[0].upper() + prefix[1:] + " : " + self.message

    def __str__(self):
        return self.located()


def _protect(sheet):
    sheet.protection.sheet = True
    # Leave column/row formatting locked: a vendor must not reshape the form the import reads.
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


# Writing ------------------------------------------------------------------------------------


def _header_footer_text(text):
    return text.replace("&", "&&")  # "&" starts a code in Excel's header language


def _new_workbook(doc, title):
    """A workbook whose properties (dates, author, title) come from the document only, never from the
    clock: same document, same bytes."""
    workbook = Workbook()
    moment = datetime.datetime.combine(to_date(doc["generated_on"]), datetime.time(0, 0))
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = doc["organization"]
    workbook.properties.lastModifiedBy = doc["organization"]
    workbook.properties.title = f"{doc['reference']} — {title}"
    return workbook


def _text_cell(sheet, row, column, value, **style):
    """A cell that stays text even when the text starts with "=" (never a formula we did not write)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _set_up_sheet(sheet, columns, *, header_row=1, header_font=HEADER_FONT, freeze_panes="B2", header_height=None):
    """What every sheet we write shares: when `columns` ((title, width) pairs) are given, their titles in
    `header_row` (white on the dark fill, wrapped, repeated on each printed page), the column widths and
    the frozen panes; always, landscape A4 printing fitted to the page width (as many pages down as needed).
    Protection is `_protect`, called once the sheet is filled."""
    if columns:
        for index, (title, width) in enumerate(columns, start=1):
            _text_cell(
                sheet,
                header_row,
                index,
                title,
                font=header_font,
                fill=HEADER_FILL,
                alignment=Alignment(vertical="center", wrap_text=True),
            )
            sheet.column_dimensions[get_column_letter(index)].width = width
        if header_height is not None:
            sheet.row_dimensions[header_row].height = header_height
        sheet.print_title_rows = f"{header_row}:{header_row}"
        sheet.freeze_panes = freeze_panes
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.8
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _new_sheet(workbook, title, columns, doc, *, first=False):
    """An answer-form sheet: the shared set-up (`_set_up_sheet`, header row frozen below column A)
    with grid lines, and the running header/footer naming the tender and the sheet."""
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    _set_up_sheet(sheet, columns, header_height=answer_form.row_height(columns) if columns else None)
    sheet.print_options.gridLines = True
    reference = _header_footer_text(f"{doc['reference']} — {doc['title']}")
    sheet.oddHeader.left.text = reference
    sheet.oddHeader.left.size = 9
    sheet.oddHeader.right.text = _header_footer_text(title)
    sheet.oddHeader.right.size = 9
    sheet.oddFooter.left.text = _header_footer_text(
        gettext("Cadre de réponse — %(reference)s") % {"reference": doc["reference"]}
    )
    sheet.oddFooter.left.size = 9
    sheet.oddFooter.right.text = gettext("Page &P / &N")
    sheet.oddFooter.right.size = 9
    return sheet


def _add_row(sheet, values, columns, *, unlocked=()):
    """Append a wrapped row sized to its text; cells whose column index (1-based) is in `unlocked`
    are the vendor's to fill (yellow, unlocked)."""
    sheet.append(values)
    row = sheet.max_row
    for index in range(1, len(values) + 1):
        cell = sheet.cell(row=row, column=index)
        cell.font = BODY_FONT
        cell.alignment = WRAP
        if index in unlocked:
            cell.protection = UNLOCKED
            cell.fill = ANSWER_FILL
    # Leave room to write in the answer cells: at least three lines.
    texts = [(value, width) for value, (_name, width) in zip(values, columns, strict=False)]
    sheet.row_dimensions[row].height = max(answer_form.row_height(texts), 42.0 if unlocked else 0)
    return row


def _list_validation(values, title, cells):
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=gettext("Valeur non prévue"),
        error=gettext("Choisissez %(choices)s.") % {"choices": " / ".join(values)},
        promptTitle=title[:32],
        prompt=" / ".join(values),
        showInputMessage=True,
    )
    for cell in cells:
        validation.add(cell)
    return validation


def _instructions_sheet(workbook, doc):
    sheet = _new_sheet(workbook, INSTRUCTIONS_SHEET, None, doc, first=True)
    sheet.column_dimensions["A"].width = 130
    for index, text in enumerate(answer_form.instructions(doc)):
        sheet.append([text])
        cell = sheet.cell(row=sheet.max_row, column=1)
        cell.alignment = WRAP
        cell.font = Font(name="Calibri", size=13 if index == 0 else 10, bold=index == 0)
        sheet.row_dimensions[sheet.max_row].height = answer_form.row_height(
            [(text, 130)], line_points=18 if index == 0 else 13
        )
    _protect(sheet)


def _candidate_sheet(workbook, doc, language):
    columns = _candidate_headers()
    sheet = _new_sheet(workbook, CANDIDATE_SHEET, columns, doc)
    fields = answer_form.candidate_fields(language)
    for key, label in fields:
        if key == "commitment":
            _add_row(sheet, [label, answer_form.commitment_text(doc)], columns)
        else:
            row = _add_row(sheet, [label, None], columns, unlocked=(2,))
            if key == "siret":
                sheet.cell(row=row, column=2).number_format = "@"  # keep leading zeros: text, not a number
            if key == "accepted":
                yes = answer_form.compliance_choices(language, eliminatory=True)[0]
                sheet.add_data_validation(_list_validation([yes], label, [f"B{row}"]))
    _protect(sheet)


def _requirements_sheet(workbook, doc, rows, language):
    columns = _requirement_headers()
    sheet = _new_sheet(workbook, REQUIREMENTS_SHEET, columns, doc)
    binary_cells, partial_cells = [], []
    for requirement in rows:
        row = _add_row(
            sheet,
            [
                requirement["article"],
                requirement["title"],
                requirement["type_label"],
                requirement["question"],
                None,
                None,
                None,
            ],
            columns,
            unlocked=(5, 6, 7),
        )
        sheet.cell(row=row, column=1).font = Font(name="Calibri", size=10, bold=True)
        (partial_cells if requirement["deferrable"] else binary_cells).append(f"E{row}")
    title = gettext("Conformité")
    if partial_cells:
        choices = answer_form.compliance_choices(language, deferrable=True)
        sheet.add_data_validation(_list_validation(choices, title, partial_cells))
    if binary_cells:
        choices = answer_form.compliance_choices(language)
        sheet.add_data_validation(_list_validation(choices, title, binary_cells))
    _protect(sheet)


def _values_sheet(workbook, doc, rows, language):
    """One row per value the vendor may improve (the parameter's label, never its code), with the
    required value and its direction (« au plus » / « au moins »)."""
    columns = _value_headers()
    sheet = _new_sheet(workbook, VALUES_SHEET, columns, doc)
    date_cells = []
    for requirement in rows:
        for parameter in requirement["parameters"]:
            row = _add_row(
                sheet,
                [
                    requirement["article"],
                    requirement["title"],
                    parameter["label"],
                    parameter["direction_label"],
                    parameter.get("value", ""),
                    None,
                ],
                columns,
                unlocked=(6,),
            )
            if parameter.get("type") == "date":
                sheet.cell(row=row, column=6).number_format = _DATE_WORDS_FORMAT.get(language, "DD/MM/YYYY")
                date_cells.append(f"F{row}")
    if date_cells:
        sheet.add_data_validation(_date_prompt(date_cells, language))
    _protect(sheet)


def _roadmap_sheet(workbook, doc, rows, language):
    columns = _roadmap_headers()
    sheet = _new_sheet(workbook, ROADMAP_SHEET, columns, doc)
    first = sheet.max_row + 1
    # Only what may be delivered after acceptance has a roadmap (the clause's `deferrable`).
    for requirement in rows:
        if not requirement["deferrable"]:
            continue
        row = _add_row(
            sheet, [requirement["article"], requirement["title"], None, None, None], columns, unlocked=(3, 4, 5)
        )
        sheet.cell(row=row, column=4).number_format = _DATE_WORDS_FORMAT.get(language, "DD/MM/YYYY")
    last = sheet.max_row
    if last >= first:
        labels = list(answer_form.roadmap_labels(language).values())
        sheet.add_data_validation(_list_validation(labels, gettext("Statut"), [f"C{first}:C{last}"]))
        sheet.add_data_validation(_date_prompt([f"D{first}:D{last}"], language))
    _protect(sheet)


def render_questionnaire_xlsx(doc, *, progress=None):
    """The answer form as XLSX bytes (see the module docstring for the layout); `progress`, if
    given, is called with 50 then 100."""
    report = progress or (lambda value: None)
    language = doc.get("language", "fr")
    with translation.override(language):
        workbook = _new_workbook(doc, gettext("Cadre de réponse"))
        rows = answer_form.requirement_rows(doc)
        _instructions_sheet(workbook, doc)
        _candidate_sheet(workbook, doc, language)
        _requirements_sheet(workbook, doc, rows, language)
        _values_sheet(workbook, doc, rows, language)
        _roadmap_sheet(workbook, doc, rows, language)
        meta = workbook.create_sheet(META_SHEET)
        for row in (
            ("reference", doc["reference"]),
            ("inputs_digest", doc.get("inputs_digest", "")),
            ("generated_on", str(doc["generated_on"])),
            ("language", language),
            ("format", FORMAT),
        ):
            meta.append(row)
        meta.sheet_state = "hidden"
        _protect(meta)
        workbook.active = 0
        workbook.security = WorkbookProtection(lockStructure=True)

        report(50)
        keep_text(workbook)
        buffer = io.BytesIO()
        workbook.save(buffer)
    data = normalize_zip(buffer.getvalue(), doc["generated_on"])
    report(100)
    return data


# Reading ------------------------------------------------------------------------------------


def check_workbook(data, *, max_bytes=MAX_BYTES):
    """What can be checked of an uploaded workbook without building it, in bounded time: its size, that it
    is a ZIP, its entries and uncompressed size, no macros, no DTD in any XML part, and the cells its
    worksheets declare (`MAX_CELLS`). Raises `QuestionnaireError`. The readers run it first too."""
    _check_archive(data, max_bytes)


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
    try:
        with archive:
            _check_parts(archive)
    except QuestionnaireError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        # A damaged entry (bad CRC, truncated stream), an unsupported compression or an encrypted part.
        raise QuestionnaireError(None, None, gettext("Le classeur est illisible ou endommagé."))


def _check_parts(archive):
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
    cells = 0
    for entry in entries:
        name = entry.filename.lower()
        if not name.endswith((".xml", ".rels", ".vml")):
            continue
        # OOXML parts never carry a DTD; refusing one outright adds a layer to defusedxml (openpyxl parses
        # some parts with lxml, which only declines to resolve entities). Read as text in its own encoding:
        # a UTF-16 or UTF-32 part would hide "<!DOCTYPE" from a byte search.
        content = _xml_text(archive.read(entry))
        if "<!DOCTYPE" in content or "<!ENTITY" in content:
            raise QuestionnaireError(None, None, gettext("Le classeur contient des déclarations XML interdites."))
        if name.startswith("xl/worksheets/"):
            cells = _count_cells(content, cells)
            if cells > MAX_CELLS:
                # Counted before openpyxl builds anything: a small file can declare millions of cells.
                raise QuestionnaireError(
                    None,
                    None,
                    gettext("Le classeur contient trop de cellules (%(max)s au plus) : utilisez le formulaire fourni.")
                    % {"max": MAX_CELLS},
                )


# A cell element in any of its spellings: <c r="A1">, <c/>, <c\t/>, <x:c …> (a namespace prefix).
_CELL_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def _count_cells(content, counted):
    """`counted` plus the cell elements of a worksheet's XML, stopping once past `MAX_CELLS` (bounded time)."""
    for _match in _CELL_TAG.finditer(content):
        counted += 1
        if counted > MAX_CELLS:
            break
    return counted


def _xml_text(content):
    """An XML part's text, decoded by its byte-order mark or its NUL pattern (UTF-8 otherwise, lenient)."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            return content.decode(encoding, errors="replace")
    head = content[:4]
    if head.startswith(b"<\x00\x00\x00"):
        return content.decode("utf-32-le", errors="replace")
    if head.startswith(b"\x00\x00\x00<"):
        return content.decode("utf-32-be", errors="replace")
    if head.startswith(b"<\x00"):
        return content.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return content.decode("utf-16-be", errors="replace")
    return content.decode("utf-8", errors="replace")


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _typed(value):
    """A committed value as typed: numbers stay numbers, dates become ISO text, text is stripped."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return _text(value)


def parse_date(value):
    """A date from a date cell or from text: "26 mars 2029", "26/03/2029", "2029-03-26" (answer_form.parse_date)."""
    return answer_form.parse_date(value)


def _expected_headers(build):
    expected = []
    for language in COMPLIANCE:
        with translation.override(language):
            expected.append([title for title, _width in build()])
    return expected


def _header(workbook, name):
    return [_text(value) for value in (next(workbook[name].iter_rows(values_only=True, max_col=30), None) or ())]


def _rows(workbook, name, build, errors, *, former=None):
    """(row number, cells) of a sheet's non-empty rows below its header; the header must be the form's
    (or, given `former`, the former form's)."""
    sheet = workbook[name]
    expected = _expected_headers(build) + (_expected_headers(former) if former else [])
    width = len(expected[0])
    # Bounded by the form's width and row limit: a sheet may declare a huge area it never fills.
    rows = sheet.iter_rows(values_only=True, max_col=width, max_row=MAX_ROWS + 2)
    header = [_text(value) for value in (next(rows, None) or ())][:width]
    if header not in expected:
        errors.append(
            QuestionnaireError(
                name,
                1,
                gettext("L'en-tête ne correspond pas au formulaire (attendu : %(columns)s).")
                % {"columns": ", ".join(expected[0])},
            )
        )
        return []
    found = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise QuestionnaireError(name, number, gettext("Le formulaire contient trop de lignes."))
        cells = list(values or ())[:width]
        cells += [None] * (width - len(cells))
        if not any(_text(value) for value in cells):
            continue
        for index, value in enumerate(cells):
            if len(_text(value)) > MAX_CELL_CHARS:
                errors.append(
                    QuestionnaireError(
                        name, number, gettext("La cellule dépasse la longueur maximale."), column="ABCDEFG"[index]
                    )
                )
        found.append((number, cells))
    return found


def _read_candidate(workbook, errors):
    with translation.override("fr"):
        keys = [key for key, _label in answer_form.candidate_fields("fr")]
    rows = dict(_rows(workbook, CANDIDATE_SHEET, _candidate_headers, errors))
    candidate = {}
    for number, key in enumerate(keys, start=2):
        if key == "commitment":
            continue
        value = _text((rows.get(number) or [None, None])[1])
        candidate[key] = value

        def refuse(message, number=number):
            errors.append(QuestionnaireError(CANDIDATE_SHEET, number, message, column="B"))

        if not value:
            refuse(gettext("Cellule obligatoire vide."))
        elif key == "siret":
            compact = re.sub(r"[\s.\u00a0\u202f-]", "", value)
            if not re.fullmatch(r"\d{14}", compact):
                refuse(gettext("Le SIRET compte 14 chiffres (« %(value)s »).") % {"value": value[:40]})
            elif not siret_number.is_valid(compact):
                refuse(gettext("Le SIRET « %(value)s » n'est pas valide (clé de contrôle).") % {"value": value[:40]})
            candidate[key] = compact
        elif key == "email":
            try:
                if len(value) > 254:
                    raise ValidationError("too long")
                validate_email(value)
            except ValidationError:
                refuse(gettext("Adresse électronique invalide (« %(value)s »).") % {"value": value[:80]})
        elif key == "accepted":
            if value.casefold() not in ("oui", "yes"):
                refuse(gettext("Acceptez l'engagement en saisissant « Oui »."))
            candidate[key] = value.casefold() in ("oui", "yes")
        elif len(value) > 300 and key != "address":
            refuse(gettext("Au plus 300 caractères."))
    return candidate


def _read_requirements(workbook, errors):
    requirements, seen = [], set()
    for number, cells in _rows(workbook, REQUIREMENTS_SHEET, _requirement_headers, errors):
        article, compliance = _text(cells[0]), _text(cells[4])
        if not article:
            errors.append(QuestionnaireError(REQUIREMENTS_SHEET, number, gettext("N° d'article vide."), column="A"))
            continue
        if article in seen:
            errors.append(
                QuestionnaireError(
                    REQUIREMENTS_SHEET,
                    number,
                    gettext("L'article %(article)s apparaît deux fois.") % {"article": article},
                    column="A",
                )
            )
            continue
        seen.add(article)
        if compliance and compliance.casefold() not in _COMPLIANCE_VALUES:
            errors.append(
                QuestionnaireError(
                    REQUIREMENTS_SHEET,
                    number,
                    gettext("Conformité « %(value)s » inconnue : choisissez Oui, Non ou Partiel.")
                    % {"value": compliance[:40]},
                    column="E",
                )
            )
        requirements.append(
            {
                "row": number,
                "article": article,
                "compliance": _COMPLIANCE_VALUES.get(compliance.casefold(), ""),
                "answer": _text(cells[5]),
                "evidence": _text(cells[6]),
            }
        )
    return requirements


def _read_values(workbook, errors):
    """The committed values, each identified by its article and the label it is asked under
    (`parameter` None), or by its code in a former form (`label` None)."""
    values, seen = [], set()
    width = len(_value_headers())
    former = _header(workbook, VALUES_SHEET)[:width] in _expected_headers(_former_value_headers)
    for number, cells in _rows(workbook, VALUES_SHEET, _value_headers, errors, former=_former_value_headers):
        article = _text(cells[0])
        code = _text(cells[3]) if former else None
        label = None if former else _text(cells[2])
        name = code if former else label
        if not article or not name:
            errors.append(
                QuestionnaireError(
                    VALUES_SHEET,
                    number,
                    gettext("N° d'article ou valeur demandée vide."),
                    column="A" if not article else ("D" if former else "C"),
                )
            )
            continue
        if (article, name.casefold()) in seen:
            errors.append(
                QuestionnaireError(
                    VALUES_SHEET,
                    number,
                    gettext("La valeur « %(name)s » de l'article %(article)s apparaît deux fois.")
                    % {"name": name[:80], "article": article},
                    column="D" if former else "C",
                )
            )
            continue
        seen.add((article, name.casefold()))
        values.append({"row": number, "article": article, "parameter": code, "label": label, "value": _typed(cells[5])})
    return values


def _read_roadmap(workbook, errors):
    roadmap, seen = [], set()
    for number, cells in _rows(workbook, ROADMAP_SHEET, _roadmap_headers, errors, former=_former_roadmap_headers):
        article, status_text, comment = _text(cells[0]), _text(cells[2]), _text(cells[4])

        def refuse(message, column, number=number):
            errors.append(QuestionnaireError(ROADMAP_SHEET, number, message, column=column))

        if not article:
            refuse(gettext("N° d'article vide."), "A")
            continue
        if article in seen:
            refuse(gettext("L'article %(article)s apparaît deux fois.") % {"article": article}, "A")
            continue
        seen.add(article)
        if not status_text and cells[3] in (None, "") and not comment:
            continue  # a requirement the vendor left out of the roadmap
        status = _ROADMAP_VALUES.get(status_text.casefold())
        if status is None:
            refuse(
                gettext("Statut « %(value)s » inconnu : choisissez Natif, Feuille de route ou Non prévu.")
                % {"value": status_text[:40]},
                "C",
            )
            continue
        date = None
        if status == "roadmap":
            if cells[3] in (None, ""):
                refuse(gettext("Date de disponibilité obligatoire pour une exigence en feuille de route."), "D")
                continue
            try:
                date = parse_date(cells[3])
            except ValueError:
                refuse(
                    gettext("Date « %(value)s » illisible : %(hint)s")
                    % {"value": _text(cells[3])[:40], "hint": answer_form.date_hint(translation.get_language())},
                    "D",
                )
                continue
        elif cells[3] not in (None, ""):
            refuse(gettext("Une date ne se renseigne que pour une exigence en feuille de route."), "D")
            continue
        roadmap.append(
            {
                "row": number,
                "article": article,
                "status": status,
                "date": date.isoformat() if date else None,
                "comment": comment,
            }
        )
    return roadmap


def read_questionnaire_xlsx(data, *, max_bytes=MAX_BYTES):
    """The vendor's filled form as plain data::

        {"candidate": {"name","siret","address","signatory_name","signatory_role","email","accepted"},
         "requirements": [{"row","article","compliance","answer","evidence"}],
         "values": [{"row","article","parameter","label","value"}],
         "roadmap": [{"row","article","status": native|roadmap|not_planned,"date": ISO|None,"comment"}]}

    ``compliance`` is ``"Oui"``, ``"Non"``, ``"Partiel"`` or ``""`` (English spellings are accepted
    and mapped). Raises `QuestionnaireError` for an unsafe or malformed file (at once) and for the
    form's own rules (every problem found, in `errors`, each naming sheet, row and column). Mapping
    article numbers to the tender's requirements is the caller's job.
    """
    _check_archive(data, max_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise QuestionnaireError(None, None, gettext("Le classeur est illisible ou endommagé."))
    try:
        if REQUIREMENTS_SHEET not in workbook.sheetnames and "Questionnaire" in workbook.sheetnames:
            raise QuestionnaireError(
                None,
                None,
                gettext("Ce fichier suit l'ancien modèle de formulaire : téléchargez le cadre de réponse à jour."),
            )
        missing = [
            QuestionnaireError(name, None, gettext("La feuille « %(sheet)s » est absente.") % {"sheet": name})
            for name in (CANDIDATE_SHEET, REQUIREMENTS_SHEET, VALUES_SHEET, ROADMAP_SHEET)
            if name not in workbook.sheetnames
        ]
        if missing:
            raise QuestionnaireError.several(missing)
        errors = []
        result = {
            "candidate": _read_candidate(workbook, errors),
            "requirements": _read_requirements(workbook, errors),
            "values": _read_values(workbook, errors),
            "roadmap": _read_roadmap(workbook, errors),
        }
        if errors:
            error = QuestionnaireError.several(errors)
            error.result = result  # what could be read, so that the caller can report its own problems too
            raise error
        return result
    finally:
        workbook.close()


# The price schedule (bordereau des prix) is written and read by xlsx_price.py.


def workbook_text(data, *, skip_headers=()):
    """The text of every cell of the visible sheets of a generated workbook, one line per row
    ("a | b | c"), for the document pipeline's guard (tenders/composition.py). A hidden sheet holds
    machine data for the import (never shown); a column whose header cell's text is in `skip_headers`
    is left out below that header (an import key column, not printed prose)."""
    workbook = load_workbook(io.BytesIO(data), read_only=False)
    lines = []
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            continue
        skipped = set()
        for row in sheet.iter_rows():
            cells = []
            for cell in row:
                if cell.value is None:
                    continue
                text = str(cell.value)
                if text in skip_headers:
                    skipped.add(cell.column)
                    continue
                if cell.column not in skipped:
                    cells.append(text)
            if cells:
                lines.append(" | ".join(cells))
    return "\n".join(lines)
