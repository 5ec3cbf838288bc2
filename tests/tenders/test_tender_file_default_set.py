"""The tender file of a "dossier patient informatisé" tender started from the default library's
recommended set: each clause lands in the piece its destination names, read back from the files."""

import io
import json
import re

import openpyxl
import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.models import Library
from clause_library.services import library_import
from documents import registry
from documents.models import Document
from tenders.guidance import tender_set_apply
from tenders.selectors import tender_document
from tenders.services import tender_create

pytestmark = pytest.mark.django_db

SET = "patient-record-recommended"


class Progress:
    def __call__(self, value):
        pass

    def scaled(self, low, high):
        return self


def build(tender, kind, fmt):
    document = Document.objects.create(tender=tender, kind=kind, format=fmt, draft=True)
    return registry.builder_for(kind, fmt)(document, Progress())[0]


@pytest.fixture
def dpi_tender(group, curator, hospital, buyer):
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    library = library_import(user=curator, organization=group, data=data)
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    tender = tender_create(
        single_lot_reason="Prestation indivisible.",
        user=buyer,
        organization=hospital,
        reference="AO-DPI",
        title="Dossier patient informatisé",
    )
    tender_set_apply(user=buyer, tender=tender, library_id=library.pk, set_key=SET)
    return tender


def article_headings(data):
    word = WordDocument(io.BytesIO(data))
    return [p.text for p in word.paragraphs if p.style.name == "Heading 2" and p.text.startswith("Article ")]


def test_each_clause_of_the_recommended_set_lands_in_the_piece_of_its_destination(dpi_tender):
    doc = tender_document(dpi_tender)
    by_destination = {}
    for section in doc["sections"]:
        for article in section["articles"]:
            by_destination.setdefault(article["destination"], []).append(article)
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    destinations = {clause["key"]: clause["destination"] for clause in data["clauses"]}
    keys = next(s for s in data["sets"] if s["key"] == SET)["clauses"]
    assert {a["key"]: d for d, articles in by_destination.items() for a in articles} == {
        key: destinations[key] for key in keys
    }
    assert {"annex", "ccap", "price"} <= set(by_destination)

    headings = {kind: article_headings(build(dpi_tender, kind, "docx")) for kind in ("annex", "ccap", "rc")}
    for kind, destination in (("annex", "annex"), ("ccap", "ccap"), ("rc", "rc")):
        expected = [f"Article {a['number']} — {a['title']}" for a in by_destination.get(destination, [])]
        if kind == "ccap":
            expected.append(f"Article C{len(expected) + 1} — Liste des dérogations au CCAG-TIC")
        assert headings[kind] == expected
    assert all(re.fullmatch(r"\d+\.\d+", a["number"]) for a in by_destination["annex"])
    assert [a["number"] for a in by_destination["ccap"]] == [f"C{i}" for i in range(1, len(by_destination["ccap"]) + 1)]

    # The price schedule holds every line of the tender (the clauses' price_lines), numbered 1, 2…
    sheet = openpyxl.load_workbook(io.BytesIO(build(dpi_tender, "price_schedule", "xlsx")))["Bordereau des prix"]
    assert doc["price"]["lines"] and all(line["article"] for line in doc["price"]["lines"])  # the clauses' lines
    lines = [row for row in sheet.iter_rows(min_row=7, max_row=6 + len(doc["price"]["lines"]), values_only=True)]
    assert [(row[0], row[1]) for row in lines] == [(line["number"], line["label"]) for line in doc["price"]["lines"]]


def test_the_recommended_sets_ccap_lists_the_penalties_derogations(dpi_tender):
    doc = tender_document(dpi_tender)
    declared = {
        (str(ccag), article["number"])
        for section in doc["sections"]
        for article in section["articles"]
        for ccag in article["derogations"]
    }
    assert any(ccag == "14.1.1" for ccag, _number in declared)  # the penalties clause's
    word = WordDocument(io.BytesIO(build(dpi_tender, "ccap", "docx")))
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Article du CCAG-TIC")
    listed = set()
    for row in table.rows[1:]:
        ccag = row.cells[0].text.removeprefix("Article ")
        for number in re.findall(r"Article (C\d+)", row.cells[1].text):
            listed.add((ccag, number))
    assert listed == declared and declared


def test_the_recommended_sets_annex_is_clean(dpi_tender):
    doc = tender_document(dpi_tender)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(build(dpi_tender, "annex", "pdf"))).pages]
    text = " ".join(" ".join(pages).split())
    assert "`" not in text and "**" not in text, [
        text[max(0, i - 80) : i + 40] for i in range(len(text)) if text[i] == "`"
    ][:3]
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert "26 mars 2029" in text  # the EHDS deadline, a typed date, in words
    assert "pondération" not in text.lower() and "Critère noté —" not in text
    document = WordDocument(io.BytesIO(build(dpi_tender, "annex", "docx")))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    word = "\n".join([*(p.text for p in document.paragraphs), *cells])
    assert "`" not in word and "**" not in word
    annex = [a for s in doc["sections"] if s["destination"] == "annex" for a in s["articles"]]
    for article in annex:
        for reference in article["references_normative"]:
            assert reference["text"].endswith("(ou équivalent)")
            assert reference["text"] in word
        for reference in article["references_informative"]:  # not published: the buyer's note has them
            assert reference["label"] not in word
    assert "À titre informatif, sans valeur contractuelle" not in word
    assert "Glossaire" in word and "Fast Healthcare Interoperability Resources" in word
