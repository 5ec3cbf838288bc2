"""The answer form prints: LibreOffice turns the XLSX into A4 landscape pages with the requirements'
header row on every page, and the DOCX form opens with python-docx and converts too."""

import copy
import io
import shutil
import subprocess

import docx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from documents.rendering.docx import render_questionnaire_docx
from documents.rendering.xlsx import render_questionnaire_xlsx

from ..tenders.test_rendering import build_document

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
needs_soffice = pytest.mark.skipif(
    not shutil.which("soffice") and not __import__("os").path.exists(SOFFICE),
    reason="LibreOffice (soffice) is not installed: the print layout cannot be checked here",
)
LONG = (
    "Décrivez précisément comment votre solution expose les données du dossier patient par une API FHIR R4, "
    "les ressources couvertes, les profils français appliqués, l'authentification SMART on FHIR et les délais. "
)


@pytest.fixture(scope="module")
def big_doc():
    """40 requirements with long questions: the requirements sheet spans several pages."""
    doc = build_document()
    articles = []
    for index in range(40):
        article = copy.deepcopy(doc["sections"][index % 4]["articles"][0])
        article["number"] = f"{index // 10 + 1}.{index % 10 + 1}"
        article["id"] = f"TC-{500 + index}"
        article["title"] = f"Exigence {index + 1}"
        article["requirement"] = ("mandatory", "scored")[index % 2]
        article["question"] = f"Marqueur{index + 1:02d}. " + LONG * (1 + index % 3)
        articles.append(article)
    doc["sections"] = [{"number": 1, "category": "api_access", "title": "Accès par API", "articles": articles}]
    return doc


def convert(tmp_path, name, data):
    source = tmp_path / name
    source.write_bytes(data)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return PdfReader(tmp_path / (source.stem + ".pdf"))


def test_it_sizes_rows_to_their_text_and_sets_the_print_layout(big_doc):
    workbook = load_workbook(io.BytesIO(render_questionnaire_xlsx(big_doc)))
    sheet = workbook["Exigences"]
    assert sheet["A1"].value == "N° d'article" and not sheet.column_dimensions["A"].hidden
    short, long = sheet.row_dimensions[2].height, sheet.row_dimensions[4].height  # 1 and 3 times LONG
    assert long > short >= 42
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert "AO-2026-014" in sheet.oddHeader.left.text and sheet.oddFooter.right.text == "Page &P / &N"
    assert sheet.freeze_panes == "B2"
    assert workbook.sheetnames[:5] == ["Instructions", "Candidat", "Exigences", "Valeurs engagées", "Feuille de route"]
    assert "Partiel" in " ".join(str(cell.value) for cell in workbook["Instructions"]["A"])
    # Eliminatory rows offer Oui / Non only.
    validations = {str(v.sqref).split()[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations["E2"] == '"Oui,Non"' and validations["E3"] == '"Oui,Non,Partiel"'


@needs_soffice
def test_libreoffice_prints_the_xlsx_form_on_a4_landscape_with_the_header_on_every_page(big_doc, tmp_path):
    reader = convert(tmp_path, "cadre.xlsx", render_questionnaire_xlsx(big_doc))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    requirement_pages = [text for text in texts if "Marqueur" in text and "Question" in text]
    assert len(requirement_pages) >= 2, "the requirements must span several pages for this test"
    for text in requirement_pages:
        assert "Type d'exigence" in text and "Conformité" in text  # the header row, repeated
        assert "AO-2026-014" in text  # the page header
    every_marker = " ".join(requirement_pages)
    assert all(f"Marqueur{index:02d}" in every_marker for index in range(1, 41))
    # Rows sized to their text: every line of a question lies inside its own row, above the next
    # row's first line (question n holds 1 + (n - 1) % 3 sentences, each ending in "délais.").
    for page in reader.pages:
        fragments = []

        def collect(text, matrix, text_matrix, font, size, fragments=fragments):
            if text.strip():
                fragments.append((text_matrix[5] * matrix[3] + matrix[5], text.strip()))

        page.extract_text(visitor_text=collect)
        markers = sorted(((y, int(t[8:10])) for y, t in fragments if t.startswith("Marqueur")), reverse=True)
        ends = [y for y, t in fragments if "délais" in t]
        for position, (top, index) in enumerate(markers):
            bottom = markers[position + 1][0] if position + 1 < len(markers) else float("-inf")
            inside = [y for y in ends if bottom < y <= top]
            assert len(inside) == 1 + (index - 1) % 3, f"question {index} overflows its row"


@needs_soffice
def test_the_docx_form_opens_and_libreoffice_converts_it(big_doc, tmp_path):
    data = render_questionnaire_docx(big_doc)
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "Marqueur01" in text and "2.5" in text
    reader = convert(tmp_path, "cadre.docx", data)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert width > height
    assert "Marqueur40" in " ".join(page.extract_text() for page in reader.pages)
