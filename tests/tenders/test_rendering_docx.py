"""The DOCX writers, reopened with python-docx and read part by part."""

import io
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from documents.rendering.docx import STYLES_USED, render_piece_docx, render_questionnaire_docx, render_tender_docx

from .test_rendering import all_articles, build_document


@pytest.fixture(scope="module")
def doc():
    return build_document()


@pytest.fixture(scope="module")
def tender(doc):
    return docx.Document(io.BytesIO(render_tender_docx(doc)))


def paragraphs_with_style(document, style):
    return [paragraph.text for paragraph in document.paragraphs if paragraph.style.name == style]


def instructions(part_element):
    return " ".join(element.text for element in part_element.iter(qn("w:instrText")))


def test_it_uses_title_and_heading_styles_for_sections_and_articles(doc, tender):
    assert paragraphs_with_style(tender, "Title") == ["Dossier patient informatisé"]
    headings_1 = paragraphs_with_style(tender, "Heading 1")
    for section in doc["sections"]:
        assert f"{section['number']}. {section['title']}" in headings_1
    # Weights belong to the RC (issue 12): the annex has no criteria table.
    assert not any("Critères" in heading for heading in headings_1)
    headings_2 = [text for text in paragraphs_with_style(tender, "Heading 2") if text.startswith("Article ")]
    assert headings_2 == [f"Article {a['number']} — {a['title']}" for a in all_articles(doc)]


def test_it_writes_markdown_bodies_with_runs_and_list_styles(tender):
    bullets = paragraphs_with_style(tender, "List Bullet")
    numbers = paragraphs_with_style(tender, "List Number")
    assert "accès documenté ;" in bullets and "sans frais par connecteur." in bullets
    assert numbers.count("environnement de test ;") == 10
    bold_runs = [run.text for paragraph in tender.paragraphs for run in paragraph.runs if run.bold]
    italic_runs = [run.text for paragraph in tender.paragraphs for run in paragraph.runs if run.italic]
    assert "CHU Valeur1" in bold_runs and "FHIR" in italic_runs
    link_paragraph = next(p.text for p in tender.paragraphs if p.text.startswith("Voir la spécification"))
    assert link_paragraph == "Voir la spécification (https://hl7.org/fhir/R4/)."


def test_it_restarts_numbering_for_each_numbered_list(tender):
    num_ids = {
        paragraph._p.pPr.numPr.numId.val
        for paragraph in tender.paragraphs
        if paragraph.style.name == "List Number" and paragraph.text == "environnement de test ;"
    }
    assert len(num_ids) == 10  # one w:num per list, each restarting at 1
    numbering = tender.part.numbering_part.element
    starts = [
        num.find(qn("w:lvlOverride")).find(qn("w:startOverride")).get(qn("w:val"))
        for num in numbering.findall(qn("w:num"))
        if int(num.get(qn("w:numId"))) in num_ids
    ]
    assert starts == ["1"] * 10


def test_it_has_the_criteria_table_with_a_repeated_header_row_in_the_rc(doc):
    # The criteria moved from the annex to the RC extract (issue 12); weights show 2 decimals.
    rc = docx.Document(io.BytesIO(render_piece_docx(doc, "rc")))
    table = next(t for t in rc.tables if t.rows[0].cells[1].text == "Critère")
    assert table.style.name == "Table Grid"
    assert [cell.text for cell in table.rows[0].cells] == [
        "N°",
        "Critère",
        "Nature",
        "Pondération dans le critère parent",
        "Poids dans la note finale",
        "Article",
    ]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    names = [row.cells[1].text for row in table.rows[1:-1]]
    assert names == [criterion["name"] for criterion in doc["criteria"]]
    assert table.rows[3].cells[3].text == "100,00\u00a0%"
    indents = [row.cells[1].paragraphs[0].paragraph_format.left_indent or 0 for row in table.rows[1:4]]
    assert indents[0] < indents[1] < indents[2]


def test_it_has_a_toc_field_and_page_fields_in_the_footer(tender):
    assert 'TOC \\o "1-2"' in instructions(tender.element)
    settings = tender.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    section = tender.sections[0]
    assert not section.different_first_page_header_footer  # version and date on every page, cover included
    assert "AO-2026-014" in section.header.paragraphs[0].text
    footer = instructions(section.footer._element)
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert "généré le 28 novembre 2026 — Page " in section.footer.paragraphs[0].text


def test_it_defines_every_style_it_uses_in_the_base_document(tender):
    names = {style.name for style in tender.styles}
    assert set(STYLES_USED) <= names


def test_it_parses_every_xml_part(doc):
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(render_tender_docx(doc))) as archive:
        for name in archive.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(archive.read(name))


def test_it_gives_the_same_bytes_for_the_same_document(doc):
    first = render_tender_docx(doc)
    assert render_tender_docx(doc) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 28, 0, 0, 0)}
    properties = docx.Document(io.BytesIO(first)).core_properties
    assert properties.created.date().isoformat() == "2026-11-28"
    assert properties.modified == properties.created
    assert render_questionnaire_docx(doc) == render_questionnaire_docx(doc)


def test_it_writes_the_questionnaire_as_one_table_per_section(doc):
    """Issue 14: the answer form's DOCX carries instructions, the candidate sheet, one requirements
    table per section identified by article number, the committed values and the roadmap."""
    document = docx.Document(io.BytesIO(render_questionnaire_docx(doc)))
    assert paragraphs_with_style(document, "Heading 1") == [
        "Instructions",
        "Candidat",
        *[section["title"] for section in doc["sections"]],
        "Valeurs engagées",
        "Feuille de route",
    ]
    requirement_tables = document.tables[1 : 1 + len(doc["sections"])]
    numbers = []
    for table in requirement_tables:
        assert [cell.text for cell in table.rows[0].cells] == [
            "N° d'article",
            "Exigence",
            "Type d'exigence",
            "Question",
            "Conformité",
            "Réponse",
            "Preuves (références des documents)",
        ]
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        for row in table.rows[1:]:
            numbers.append(row.cells[0].text)
            assert row.cells[4].text in ("Oui / Non", "Oui / Non / Partiel")
            assert [cell.text for cell in row.cells[5:]] == ["", ""]
    assert numbers == [question["article"] for question in doc["questions"]]
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape


def test_it_maps_richer_markdown_to_word_structures():
    from documents.rendering.docx import DocxBuilder

    builder = DocxBuilder(title="t", author="a", date="2026-11-28")
    builder.markdown(
        "### Sous-titre\n\n"
        "- un\n  - un bis\n- deux\n\n"
        "3. trois\n4. quatre\n\n"
        "> citée\n\n"
        "| Colonne | Valeur |\n|---|---|\n| délai | 30 |\n\n"
        "```\ncode brut\n```\n\n"
        "Ligne avec `code` et <b>pas de HTML</b>."
    )
    document = docx.Document(io.BytesIO(builder.to_bytes()))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 3", "Sous-titre") in styled
    assert ("List Bullet", "un") in styled and ("List Bullet 2", "un bis") in styled
    assert ("List Number", "trois") in styled
    assert ("Quote", "citée") in styled
    assert ("No Spacing", "code brut") in styled
    assert ("Normal", "Ligne avec code et <b>pas de HTML</b>.") in styled
    number = next(p for p in document.paragraphs if p.text == "trois")._p.pPr.numPr.numId.val
    numbering = document.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == str(number))
    assert num.find(qn("w:lvlOverride")).find(qn("w:startOverride")).get(qn("w:val")) == "3"
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Colonne", "Valeur"]
    assert [c.text for c in table.rows[1].cells] == ["délai", "30"]


def test_it_reports_progress_when_asked(doc):
    from documents.rendering.xlsx import render_questionnaire_xlsx

    for render in (render_tender_docx, render_questionnaire_docx, render_questionnaire_xlsx):
        seen = []
        render(doc, progress=seen.append)
        assert seen == sorted(seen) and seen[-1] == 100 and len(seen) >= 2


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_it_converts_with_libreoffice(doc, tmp_path):
    """A file python-docx reopens can still break elsewhere: let LibreOffice lay it out."""
    for name, render in (("tender", render_tender_docx), ("questionnaire", render_questionnaire_docx)):
        (tmp_path / f"{name}.docx").write_bytes(render(doc))
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            "tender.docx",
            "questionnaire.docx",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    from pypdf import PdfReader

    tender = PdfReader(tmp_path / "tender.pdf")
    text = " ".join(" ".join(page.extract_text() for page in tender.pages).split())
    for article in all_articles(doc):
        assert f"Article {article['number']} — {article['title']}" in text
    total = len(tender.pages)
    assert total > 3 and f"Page 2 / {total}" in text and "AO-2026-014" in text
    questionnaire = " ".join(page.extract_text() for page in PdfReader(tmp_path / "questionnaire.pdf").pages)
    assert all(question["question"] in questionnaire for question in doc["questions"])
