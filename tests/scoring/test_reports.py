"""The procedure report read back in PDF, DOCX and XLSX: each R2184-2 / R2184-3 item, provisional rules."""

import io

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from documents.models import Document
from documents.services import RenderError
from scoring.models import EliminatoryDecision, Score
from scoring.report import chart, data, sections

from .reporting import build, flat, make_decided

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(evaluation):
    return make_decided(evaluation)


@pytest.fixture
def texts(decided):
    pdf = flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(build(decided, "pdf"))).pages))
    word = WordDocument(io.BytesIO(build(decided, "docx")))
    docx = flat(
        "\n".join(
            [p.text for p in word.paragraphs]
            + [cell.text for table in word.tables for row in table.rows for cell in row.cells]
        )
    )
    workbook = load_workbook(io.BytesIO(build(decided, "xlsx")))
    xlsx = flat(
        "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    )
    return {"pdf": pdf, "docx": docx, "xlsx": xlsx}


def test_the_decided_evaluation_is_final(decided):
    doc = data.report_document(decided.tender)
    assert doc["provisional"] is False and doc["awardee"]["vendor"] == "Alpha"


@pytest.mark.parametrize(
    "item, expected",
    [
        ("buyer name and address", ["CHU", "12 rue de l’Hôpital, 75012 Paris"]),
        ("subject and value HT and TTC", ["Dossier patient informatisé", "120 000,00 € HT", "144 000,00 € TTC"]),
        (
            "candidates admitted and excluded with reasons",
            ["Capacités suffisantes.", "Delta", "Attestation fiscale manquante."],
        ),
        (
            "rejected tenderer, qualification and buyer's reason",
            ["Charlie", "Offre irrégulière", "Aucun certificat HDS fourni."],
        ),
        (
            "abnormally low offer explanations and decision",
            ["Décomposez le prix des licences.", "maintenue", "Explications convaincantes"],
        ),
        ("holder and why", ["Attributaire", "Alpha", "Motifs du choix", "86,20"]),
        ("subcontracted share and subcontractors", ["30 %", "HébergeurSanté SAS"]),
        ("reasons for a single lot", ["l’allotissement rendrait l’intégration impossible"]),
        ("conflicts detected and measures", ["Un évaluateur a travaillé chez Bravo.", "Il s’est déporté"]),
        ("evaluators' justifications per score", ["API FHIR complète et documentée", "Démo décevante"]),
        (
            "regularisation: date, request, answer, outcome",
            ["2 novembre 2026", "Fournir le certificat HDS manquant.", "Certificat transmis", "Offre régularisée."],
        ),
        ("full names, never logins", ["Élise Martin", "Paul Durand", "Bruno Achat"]),
        ("signatory and date in words", ["Claire Directrice", "Directrice des achats", "3 décembre 2026"]),
    ],
)
@pytest.mark.parametrize("format", ["pdf", "docx", "xlsx"])
def test_the_final_report_carries_each_legal_item(texts, format, item, expected):
    for text in expected:
        assert text in texts[format], (item, text)


@pytest.mark.parametrize("format", ["pdf", "docx", "xlsx"])
def test_the_report_never_quotes_the_vendor_s_own_answer_nor_logins(texts, format):
    assert "Notre hébergeur maison suffit" not in texts[format]
    assert "par buyer" not in texts[format] and "eval1" not in texts[format]
    assert "PROVISOIRE" not in texts[format]


def test_a_range_formula_is_named_and_explained_in_the_price_section(decided):
    decided.tender.price_formula = "range"
    decided.tender.save()
    text = flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(build(decided, "pdf"))).pages))
    text = text.replace("- ", "-")  # words cut at a line end
    assert "Formule « par l’écart » (range)" in text and "Belleville-sur-Loire" in text
    assert "P_min = 80 000,00 € HT" not in text  # Charlie is eliminated: not in P_min
    assert "P_min = 100 000,00 € HT et P_max = 125 000,00 € HT" in text


def test_the_chart_and_the_table_show_the_same_rounded_numbers(decided):
    Score.objects.filter(bid=decided.alpha, criterion=decided.criteria.doc).update(value=Decimal_("7.123"))
    doc = data.report_document(decided.tender)
    ranking = next(s for s in sections.report_sections(doc) if s["key"] == "ranking")
    table = ranking["blocks"][0]
    # Offers set aside have no points and no bar: the chart shows the scored ones.
    shown = [row[6]["text"] for row in table["rows"] if row[6]["text"] != "—"]
    assert len(shown) == 2
    picture = chart.layout(next(b for b in ranking["blocks"] if b["type"] == "chart")["bars"], "fr")
    labels = [shape[3] for shape in picture["shapes"] if shape[0] == "text" and shape[5] == "start" and shape[4] == 10][
        : len(shown)
    ]
    assert [label.split(" (")[0] for label in labels] == shown
    assert all(len(text.split(",")[1]) == 2 for text in shown)
    # the same numbers in the spreadsheet's chart data and ranking table
    assert doc["bids"][0]["total"] == round(doc["bids"][0]["total"], 2)


def Decimal_(text):
    from decimal import Decimal

    return Decimal(text)


# Provisional ------------------------------------------------------------------------------------


@pytest.fixture
def provisional(decided):
    EliminatoryDecision.objects.filter(bid=decided.alpha).delete()  # Alpha's HDS requirement is undecided again
    return decided


def test_a_provisional_pdf_has_the_watermark_on_every_page_the_blocking_reasons_and_no_awardee(provisional):
    pages = [flat(page.extract_text()) for page in PdfReader(io.BytesIO(build(provisional, "pdf"))).pages]
    assert len(pages) > 1
    assert all("PROVISOIRE" in page for page in pages)
    text = " ".join(pages)
    assert "Exigences éliminatoires non décidées : Alpha (Hébergement HDS)" in text
    assert "Attributaire : Alpha" not in text and "Le marché est attribué" not in text
    assert "Aucun attributaire n’est désigné" in text


def test_a_provisional_docx_has_the_watermark_in_every_header_and_no_awardee(provisional):
    word = WordDocument(io.BytesIO(build(provisional, "docx")))
    for section in word.sections:
        assert "PROVISOIRE" in section.header.paragraphs[0].text
        assert "PROVISOIRE" in section.first_page_header.paragraphs[0].text
    text = flat("\n".join(p.text for p in word.paragraphs))
    assert "Exigences éliminatoires non décidées" in text and "Attributaire : Alpha" not in text


def test_a_provisional_xlsx_has_a_banner_and_a_header_on_every_sheet(provisional):
    workbook = load_workbook(io.BytesIO(build(provisional, "xlsx")))
    for sheet in workbook.worksheets:
        assert str(sheet["A1"].value).startswith("PROVISOIRE")
        assert "non décidées" in str(sheet["A2"].value)
        assert sheet.oddHeader.center.text == "PROVISOIRE"
    summary = [row for row in workbook["Attributaire"].iter_rows(values_only=True)]
    assert not any(row[0] == "Attributaire" for row in summary)


def test_the_plain_report_has_no_awardee_while_provisional(provisional):
    doc = data.report_document(provisional.tender)
    assert doc["provisional"] and doc["awardee"] is None and doc["awarded_value"] is None


# Formats and the job ----------------------------------------------------------------------------


def test_the_docx_has_the_chart_as_an_image_and_the_xlsx_a_native_chart(decided):
    import zipfile

    content = build(decided, "docx")
    assert len(WordDocument(io.BytesIO(content)).inline_shapes) == 1
    workbook = build(decided, "xlsx")
    assert any(name.startswith("xl/charts/chart") for name in zipfile.ZipFile(io.BytesIO(workbook)).namelist())
    rows = list(load_workbook(io.BytesIO(workbook))["Classement"].iter_rows(values_only=True))
    ranking = [row for row in rows if row[1] in ("Alpha", "Bravo", "Charlie")][:3]
    assert [(row[0], row[1], row[6]) for row in ranking] == [
        (1, "Alpha", 86.2),
        (2, "Bravo", 74.0),
        # Set aside: « non notée — offre écartée (motif) », no points, and not in the chart.
        ("non notée — offre écartée (offre irrégulière)", "Charlie", None),
    ]


@pytest.mark.parametrize("format", ["docx", "xlsx"])
def test_it_gives_the_same_bytes_for_the_same_inputs(decided, format):
    assert build(decided, format) == build(decided, format)


def test_it_fails_readably_when_weights_do_not_add_up(decided):
    from scoring.models import Criterion

    Criterion.objects.filter(pk=decided.criteria.price.pk).update(weight=30)
    with pytest.raises(RenderError, match="niveau supérieur"):
        build(decided, "xlsx")


@pytest.mark.parametrize("format", ["pdf", "docx", "xlsx"])
def test_it_runs_through_the_document_job(decided, format, monkeypatch):
    from documents import services as documents
    from tenders import services

    monkeypatch.setattr(services, "document_enqueue", lambda *, document: True)  # no broker in unit tests
    document = services.document_request(
        user=decided.lead, tender=decided.tender, kind="evaluation_report", format=format
    )
    assert documents.document_render(document_id=document.pk) == Document.Status.DONE
    document.refresh_from_db()
    assert document.size > 0 and len(document.inputs_digest) == 64 and document.file.name.endswith(f".{format}")


def test_the_low_offer_gap_is_said_the_right_way_round():
    """A bid reviewed on the lead's initiative may be above the mean: the report must not call it below."""
    from decimal import Decimal

    from scoring.report.sections import Formats as F
    from scoring.report.sections import _low_offer_gap

    below = _low_offer_gap(F("fr"), {"gap_percent": Decimal("25"), "mean_of_others": Decimal("100000")})
    above = _low_offer_gap(F("fr"), {"gap_percent": Decimal("-25"), "mean_of_others": Decimal("100000")})
    assert "sous la moyenne" in below and "25" in below and "-" not in below.split("sous")[0]
    assert "au-dessus de la moyenne" in above and "-25" not in above and "−25" not in above
