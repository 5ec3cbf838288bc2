"""A tender holding every clause of the default library renders to PDF and DOCX, read back."""

import io
import json
import re

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.services import library_import
from documents.rendering.docx import render_tender_docx
from documents.rendering.html import render_tender_html
from documents.rendering.pdf import render_pdf
from tenders.selectors import tender_document
from tenders.services import tender_clause_add, tender_create

from ..factories import member

pytestmark = pytest.mark.django_db


def squash(text):
    return re.sub(r"\s+", "", text).replace("’", "'")


def test_a_tender_of_every_default_clause_renders_to_pdf_and_docx(group, curator, hospital):
    buyer = member(hospital, "buyer")
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    library = library_import(user=curator, organization=group, data=data)
    tender = tender_create(user=buyer, organization=hospital, reference="AO-DEFAUT", title="Toutes les clauses")
    for clause in library.clauses.select_related("current").order_by("key"):
        tender_clause_add(user=buyer, tender=tender, clause=clause)
    doc = tender_document(tender)
    every = [article["title"] for section in doc["sections"] for article in section["articles"]]
    assert len(every) == len(data["clauses"])
    # The annex holds the technical clauses; the others go to the CCAP, the RC or the price schedule.
    titles = [a["title"] for s in doc["sections"] if s["destination"] == "annex" for a in s["articles"]]

    pdf = PdfReader(io.BytesIO(render_pdf(render_tender_html(doc, for_print=True))))
    pdf_text = squash("".join(page.extract_text() for page in pdf.pages))
    assert len(pdf.pages) > 10
    assert "{{" not in pdf_text and "[" + "fhir_version]" not in pdf_text
    missing = [title for title in titles if squash(title) not in pdf_text]
    assert missing == []

    word = WordDocument(io.BytesIO(render_tender_docx(doc)))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert all(any(title in heading for heading in headings) for title in titles)
    assert not any("{{" in p.text for p in word.paragraphs)
