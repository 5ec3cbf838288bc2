"""The tender's documents: the tender file (PDF, DOCX) and the answer form (XLSX, DOCX).

Registered in TendersConfig.ready() (documents/registry.py). Each builds the plain TenderDocument
(docs/RENDERING.md) and hands it to a writer. The writers are imported inside the builders on
purpose: WeasyPrint, python-docx and openpyxl are heavy and only the worker needs them, so a web
process that never renders never loads them.
"""

from .models import Tender
from .selectors import tender_document


def _document(document, progress):
    tender = Tender.objects.select_related("organization").get(pk=document.tender_id)
    doc = tender_document(tender)
    progress(20)
    return doc


def tender_pdf(document, progress):
    from documents.rendering import html, pdf  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    page = html.render_tender_html(doc, for_print=True)
    progress(35)
    return pdf.render_pdf(page, progress=progress.scaled(35, 90)), doc["inputs_digest"]


def tender_docx(document, progress):
    from documents.rendering import docx  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    return docx.render_tender_docx(doc), doc["inputs_digest"]


def questionnaire_xlsx(document, progress):
    from documents.rendering import xlsx  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    return xlsx.render_questionnaire_xlsx(doc), doc["inputs_digest"]


def questionnaire_docx(document, progress):
    from documents.rendering import docx  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    return docx.render_questionnaire_docx(doc), doc["inputs_digest"]
