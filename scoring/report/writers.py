"""The three writers of a sectioned document (the report, each letter): PDF, DOCX, XLSX.

A *sectioned document* is `{"language", "title", "subtitle", "organization", "reference",
"generated_on" (ISO), "notice": sections.notice(doc), "sections": [...]}`. Each writer lays the same
blocks out; none computes or formats a fact. Heavy libraries load in the worker only.
"""

import io

from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from documents.rendering.fetcher import static_print_url
from documents.rendering.html import PRINT_CSS, render_document

from . import chart
from .sections import colon

TEMPLATE = "scoring/documents/sections.html"


def cell_text(cell):
    return cell.get("text", "") if isinstance(cell, dict) else ("" if cell is None else str(cell))


def render_html(document) -> str:
    language = document["language"]
    with translation.override(language):
        sections = []
        for section in document["sections"]:
            blocks = []
            for block in section["blocks"]:
                if block["type"] == "table":
                    block = {**block, "rows": [[cell_text(cell) for cell in row] for row in block["rows"]]}
                elif block["type"] == "chart":
                    # Built from escaped values only (chart.svg escapes every text).
                    block = {**block, "svg": mark_safe(chart.svg(chart.layout(block["bars"], language)))}
                blocks.append(block)
            sections.append({**section, "blocks": blocks})
        context = {
            "document": document,
            "sections": sections,
            "notice": document["notice"],
            "print_css_url": static_print_url(PRINT_CSS),
            "report_css_url": static_print_url("css/scoring-print.css"),
        }
    return render_document(TEMPLATE, context, language)


def render_pdf(document) -> bytes:
    from documents.rendering.pdf import render_pdf as write  # heavy writer (WeasyPrint): in the worker only

    return write(render_html(document))


def render_docx(document) -> bytes:
    from documents.rendering.docx import DocxBuilder  # heavy writer (python-docx): in the worker only

    language = document["language"]
    notice = document["notice"]
    with translation.override(language):
        builder = DocxBuilder(
            title=document["title"], author=document["organization"], date=document["generated_on"], language=language
        )
        header = f"{document['organization']} — {document['reference']}"
        if notice["watermark"]:
            header = f"{notice['watermark']} — {header}"
        builder.header_footer(header)
        # header_footer leaves the cover page's header empty: a provisional document says so on every page.
        first = builder.document.sections[0].first_page_header.paragraphs[0]
        first.text = notice["watermark"] or ""
        builder.heading(document["title"], 0)
        if document.get("subtitle"):
            builder.paragraph(document["subtitle"], "Subtitle")
        if notice["watermark"]:
            builder.paragraph(notice["title"], bold=True, label=notice["watermark"] + " — ")
            for message in notice["blocking"]:
                builder.paragraph(message, "List Bullet")
        for section in document["sections"]:
            if section.get("title"):
                builder.heading(section["title"], 1)
            for block in section["blocks"]:
                _docx_block(builder, block, language)
        return builder.to_bytes()


def _docx_block(builder, block, language):
    kind = block["type"]
    if kind == "facts":
        for label, value in block["rows"]:
            builder.paragraph(value, label=f"{label}{colon(language)}")
    elif kind == "paragraph":
        builder.paragraph(block["text"], bold=block.get("style") == "bold", italic=block.get("style") == "italic")
    elif kind == "heading":
        builder.heading(block["text"], 2)
    elif kind == "list":
        for item in block["items"]:
            builder.paragraph(item, "List Bullet")
    elif kind == "table":
        builder.table(
            block["header"], [[cell_text(cell) for cell in row] for row in block["rows"]], widths=block.get("widths")
        )
    elif kind == "chart":
        picture = chart.layout(block["bars"], language)
        builder.paragraph(picture["title"], "Caption")
        builder.document.add_picture(io.BytesIO(chart.png(picture)), width=builder.usable_width)


def render_xlsx(document) -> bytes:
    from documents.rendering.xlsx_sections import render_sections_xlsx  # heavy writer (openpyxl): in the worker

    with translation.override(document["language"]):
        labels = {
            "vendor": _("Candidat"),
            "technical": _("Valeur technique"),
            "price": _("Prix"),
            "total": _("Total / 100"),
            "title": _("Points par offre (sur 100)"),
        }
        return render_sections_xlsx({**document, "chart_labels": labels})


WRITERS = {"pdf": render_pdf, "docx": render_docx, "xlsx": render_xlsx}
