"""The pieces of the tender file, built through their registered builders and read back
(pypdf, python-docx, openpyxl, zipfile): what each holds, what it must not hold, legal hygiene."""

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from documents import registry
from documents.models import Document
from scoring.models import Criterion
from tenders.models import TenderClause
from tenders.selectors import tender_document
from tenders.services import tender_publish

from ..factories import make_clause
from .conftest import add_clause

pytestmark = pytest.mark.django_db

QUESTION = "Joignez **la réponse** de `GET [base]/metadata` et le `CapabilityStatement`."


class Progress:
    def __init__(self):
        self.values = []

    def __call__(self, value):
        self.values.append(value)

    def scaled(self, low, high):
        return lambda value: self(low + (high - low) * value / 100)


def build(tender, kind, fmt):
    """The bytes the registered builder makes (as the worker would), and the progress it reported."""
    document = Document.objects.create(tender=tender, kind=kind, format=fmt, draft=tender.is_draft)
    progress = Progress()
    content, digest = registry.builder_for(kind, fmt)(document, progress)
    return content, digest, progress.values


def pdf_pages(data):
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def docx_text(data):
    word = WordDocument(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def xlsx_text(data):
    """What a reader sees: the visible sheets (a hidden sheet holds machine data for the import)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell.value)
        for sheet in workbook.worksheets
        if sheet.sheet_state == "visible"
        for row in sheet.iter_rows()
        for cell in row
        if cell.value
    )


@pytest.fixture
def file_tender(tender, visible_library):
    """Two annex clauses (one with a typed date, references of the three kinds and a Markdown question),
    two CCAP clauses declaring derogations, one RC clause, one price clause, and a criteria grid whose
    weights do not divide evenly."""
    fhir = make_clause(
        visible_library,
        key="fhir-api",
        title="API FHIR ouverte",
        category="api_access",
        requirement="mandatory",
        body="Le titulaire ouvre une API FHIR sécurisée par TLS au plus tard le {{ echeance }}.",
        parameters=[{"name": "echeance", "label": "Échéance", "type": "date", "default": "2029-03-26"}],
        question=QUESTION,
        references=[
            {"label": "HL7 FHIR R4 RESTful API", "url": "https://hl7.org/fhir/R4/http.html"},
            {"label": "45 CFR 170.404 modèle américain", "url": "https://www.ecfr.gov/", "informative": True},
            {"label": "Code de la commande publique, art. R2111-9", "url": "https://www.legifrance.gouv.fr/"},
        ],
    )
    pkce = make_clause(
        visible_library,
        key="smart-pkce",
        title="Méthode PKCE imposée",
        category="security",
        requirement="scored",
        body="Le serveur d'autorisation impose PKCE.",
        parameters=[],
        question="Décrivez *votre* mise en œuvre.",
        references=[{"label": "IETF RFC 7636 PKCE", "url": "https://www.rfc-editor.org/rfc/rfc7636"}],
    )
    penalties = make_clause(
        visible_library,
        key="penalites",
        title="Pénalités de retard d'interopérabilité",
        category="anti_blocking",
        requirement="mandatory",
        body="Par dérogation à l'article 14 du CCAG-TIC, tout retard donne lieu à pénalité.",
        parameters=[],
        question="",
        references=[{"label": "CCAG-TIC 2021, art. 14", "url": "https://www.legifrance.gouv.fr/"}],
        destination="ccap",
        derogations=["14.1.1", "14.2"],
    )
    vulnerabilities = make_clause(
        visible_library,
        key="vulnerabilites",
        title="Signalement des vulnérabilités",
        category="security",
        requirement="mandatory",
        body="Le titulaire ouvre un canal de signalement des vulnérabilités.",
        parameters=[],
        question="",
        references=[],
        destination="ccap",
        derogations=["5.4"],
    )
    documents = make_clause(
        visible_library,
        key="pieces-a-fournir",
        title="Documentation à remettre avec l'offre",
        category="documentation",
        requirement="informative",
        body="Le candidat joint la documentation de son API.",
        parameters=[],
        question="",
        references=[],
        destination="rc",
    )
    no_fees = make_clause(
        visible_library,
        key="sans-frais",
        title="Accès aux données sans frais",
        category="anti_blocking",
        requirement="mandatory",
        body="Aucun frais par connecteur : compris dans le prix.",
        parameters=[],
        question="",
        references=[],
        destination="price",
    )
    clauses = {}
    for clause in (penalties, fhir, documents, pkce, no_fees, vulnerabilities):
        clauses[clause.key] = add_clause(tender, clause)

    def criterion(name, weight, parent=None, kind="scored", position=0, tender_clause=None):
        return Criterion.objects.create(
            tender=tender,
            name=name,
            weight=None if weight is None else Decimal(weight),
            parent=parent,
            kind=kind,
            position=position,
            tender_clause=tender_clause,
        )

    technical = criterion("Valeur technique", "60", position=0)
    interop = criterion("Interopérabilité", "33.33", technical, position=0)
    criterion("API et sécurité", "50", interop, position=0, tender_clause=clauses["smart-pkce"])
    criterion("Documentation", "50", interop, position=1)
    criterion("Organisation du projet", "33.33", technical, position=1)
    criterion("Support", "33.34", technical, position=2)
    delays = criterion("Délais", "10", position=1)
    for index, weight in enumerate(("33.33", "33.33", "33.34")):
        criterion(f"Délai {index + 1}", weight, delays, position=index)
    criterion("Prix", "30", kind="price", position=2)
    criterion("API FHIR ouverte", None, kind="eliminatory", position=3, tender_clause=clauses["fhir-api"])
    tender.refresh_from_db()
    return tender


CRITERIA = [
    "Valeur technique",
    "Interopérabilité",
    "API et sécurité",
    "Documentation",
    "Organisation du projet",
    "Support",
    "Délais",
    "Délai 1",
    "Délai 2",
    "Délai 3",
    "Prix",
    "API FHIR ouverte",
]


@pytest.fixture
def pieces_text(file_tender):
    """{(kind, format): [page texts] or text} of every piece of the draft tender."""
    texts = {}
    for kind in ("annex", "ccap", "rc"):
        texts[(kind, "pdf")] = pdf_pages(build(file_tender, kind, "pdf")[0])
        texts[(kind, "docx")] = docx_text(build(file_tender, kind, "docx")[0])
    texts[("price_schedule", "xlsx")] = xlsx_text(build(file_tender, "price_schedule", "xlsx")[0])
    texts[("questionnaire", "xlsx")] = xlsx_text(build(file_tender, "questionnaire", "xlsx")[0])
    texts[("questionnaire", "docx")] = docx_text(build(file_tender, "questionnaire", "docx")[0])
    return texts


def joined(text):
    return " ".join(text) if isinstance(text, list) else text


def test_the_annex_carries_no_weight_nor_award_criteria(pieces_text):
    for fmt in ("pdf", "docx"):
        text = joined(pieces_text[("annex", fmt)])
        assert "%" not in text
        assert "pondération" not in text.lower()
        for name in ("Valeur technique", "Interopérabilité", "Organisation du projet", "Délai 1"):
            assert name not in text
        assert "annexe n° 1 au cctp — annexe technique d'interopérabilité" in text.lower()  # the PDF cover capitalises
        assert "API FHIR ouverte" in text and "Méthode PKCE imposée" in text
        # Not the other pieces' clauses.
        assert "Pénalités de retard" not in text and "Documentation à remettre" not in text


def test_the_annex_has_a_preamble_with_the_order_of_precedence_and_a_glossary_of_the_acronyms_used(pieces_text):
    text = joined(pieces_text[("annex", "pdf")])
    assert "Préambule" in text and "article 4.1 du CCAG-TIC" in text
    assert "Glossaire" in text
    for term in ("API", "FHIR", "TLS", "PKCE", "CCTP", "CCAP"):
        assert term in text
    assert "OMOP" not in text and "Observational Medical Outcomes" not in text  # not used by these clauses


def rc_weights(data):
    """(rows of the RC DOCX criteria table as (name, weight in the whole), total row)."""
    word = WordDocument(io.BytesIO(data))
    table = next(t for t in word.tables if t.rows[0].cells[1].text == "Critère")
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    return rows[:-1], rows[-1]


def as_decimal(text):
    return Decimal(text.replace("\u00a0%", "").replace(",", "."))


def test_the_rc_lists_every_criterion_with_weights_adding_up_to_exactly_100(file_tender, pieces_text):
    rows, total = rc_weights(build(file_tender, "rc", "docx")[0])
    assert [row[1] for row in rows] == CRITERIA
    weights = {row[1]: row[4] for row in rows}
    # Two decimals, more only when the weight applied has them (printed = applied, issue 22 item 5).
    assert all(re.fullmatch(r"\d+,\d\d\d*\u00a0%", weights[name]) for name in CRITERIA[:-1])
    assert weights["Valeur technique"] == "60,00\u00a0%" and weights["Interopérabilité"] == "19,998\u00a0%"
    assert weights["API FHIR ouverte"] == "—"  # eliminatory: no weight
    top = [as_decimal(weights[name]) for name in ("Valeur technique", "Délais", "Prix")]
    assert sum(top) == Decimal("100.00")
    assert total[4] == "100,00\u00a0%"
    assert sum(as_decimal(weights[f"Délai {i}"]) for i in (1, 2, 3)) == as_decimal(weights["Délais"])
    assert [weights[f"Délai {i}"] for i in (1, 2, 3)] == ["3,333\u00a0%", "3,333\u00a0%", "3,334\u00a0%"]
    children = ("Interopérabilité", "Organisation du projet", "Support")
    assert sum(as_decimal(weights[name]) for name in children) == Decimal("60.00")
    assert as_decimal(weights["API et sécurité"]) + as_decimal(weights["Documentation"]) == as_decimal(
        weights["Interopérabilité"]
    )
    pdf = joined(pieces_text[("rc", "pdf")])
    for name in CRITERIA:
        assert name in pdf
    assert "100,00 %" in pdf.replace("\u00a0", " ")
    # The price formula in words and symbols, and how eliminatory requirements are judged.
    assert "N × P_min / P" in pdf and "l'offre la moins chère obtient la totalité des points" in pdf
    assert "L2152-2" in pdf and "irrégulière" in pdf
    assert "Documentation à remettre avec l'offre" in pdf  # the RC clause
    # How bids tied first are settled, as the tender's rule says (the award applies it).
    assert "Offres à égalité" in pdf and "meilleure note technique" in pdf
    word = WordDocument(io.BytesIO(build(file_tender, "rc", "docx")[0]))
    texts = [p.text for p in word.paragraphs]
    assert "Offres à égalité" in texts
    assert any(t.startswith("Lorsque deux offres ou plus sont classées premières") for t in texts)


def test_the_ccap_lists_each_derogation_its_clauses_declare_in_its_last_article(file_tender, pieces_text):
    word = WordDocument(io.BytesIO(build(file_tender, "ccap", "docx")[0]))
    articles = [p.text for p in word.paragraphs if p.style.name == "Heading 2" and p.text.startswith("Article ")]
    assert articles == [
        "Article C1 — Pénalités de retard d'interopérabilité",
        "Article C2 — Signalement des vulnérabilités",
        "Article C3 — Liste des dérogations au CCAG-TIC",
    ]
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Article du CCAG-TIC")
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert rows == [
        ["Article 5.4", "Article C2 — Signalement des vulnérabilités"],
        ["Article 14.1.1", "Article C1 — Pénalités de retard d'interopérabilité"],
        ["Article 14.2", "Article C1 — Pénalités de retard d'interopérabilité"],
    ]
    pdf = joined(pieces_text[("ccap", "pdf")])
    last = pdf[pdf.index("Article C3") :]
    for article in ("5.4", "14.1.1", "14.2"):
        assert f"Article {article}" in last
    assert "article 1.2 du CCAG-TIC" in last
    assert "Exigence éliminatoire" not in pdf  # an obligation of the contract, not an award requirement


def test_ou_equivalent_follows_each_normative_reference_and_informative_ones_stand_apart(pieces_text, file_tender):
    for fmt in ("pdf", "docx"):
        text = joined(pieces_text[("annex", fmt)])
        for label in ("HL7 FHIR R4 RESTful API", "IETF RFC 7636 PKCE"):
            assert text.count(label) == text.count(f"{label} (ou équivalent)") >= 1
        # Informative references (a US rule here) are not published: they go to the buyer's note.
        assert "À titre informatif, sans valeur contractuelle" not in text
        assert "45 CFR 170.404" not in text
        assert "R2111-9 (ou équivalent)" not in text  # a legal text, not a standard
    note = docx_text(build(file_tender, "buyer_note", "docx")[0])
    informative = note.index("À titre informatif, sans valeur contractuelle")
    assert note.index("45 CFR 170.404 modèle américain") > informative
    assert "45 CFR 170.404 modèle américain (ou équivalent)" not in note


def test_no_piece_shows_raw_markdown(pieces_text):
    for key, text in pieces_text.items():
        text = joined(text)
        assert "`" not in text, key
        assert "**" not in text, key
    assert "Joignez la réponse de GET [base]/metadata et le CapabilityStatement." in joined(
        pieces_text[("annex", "pdf")]
    )


def test_dates_are_written_in_words_never_iso(pieces_text):
    annex = joined(pieces_text[("annex", "pdf")])
    assert "26 mars 2029" in annex
    for key, text in pieces_text.items():
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", joined(text)), key


def test_the_digest_is_on_the_last_page_and_in_the_metadata_never_on_the_cover(file_tender):
    digest = tender_document(file_tender)["inputs_digest"]
    for kind in ("annex", "ccap", "rc"):
        data, returned, _progress = build(file_tender, kind, "pdf")
        assert returned == digest
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() for page in reader.pages]
        assert digest not in pages[0] and digest[:16] not in pages[0]
        assert "Traçabilité" in pages[-1] and digest in pages[-1].replace("\n", "")
        assert digest in (reader.metadata.get("/Keywords") or "")
        word = WordDocument(io.BytesIO(build(file_tender, kind, "docx")[0]))
        assert digest in word.core_properties.keywords
        assert any(digest in p.text for p in word.paragraphs[-30:])
        cover = " ".join(p.text for p in word.paragraphs[:8])
        assert digest not in cover


def test_every_page_footer_carries_the_version_and_the_generation_date(file_tender):
    for kind in ("annex", "rc"):
        for page in pdf_pages(build(file_tender, kind, "pdf")[0]):
            assert "Projet non publié" in page and "généré le" in page
        word = WordDocument(io.BytesIO(build(file_tender, kind, "docx")[0]))
        section = word.sections[0]
        assert not section.different_first_page_header_footer
        assert "Projet non publié — généré le" in section.footer.paragraphs[0].text


def test_drafts_carry_projet_on_every_page_and_published_pieces_do_not(file_tender, buyer):
    for page in pdf_pages(build(file_tender, "annex", "pdf")[0]):
        assert "PROJET" in page
    word = WordDocument(io.BytesIO(build(file_tender, "ccap", "docx")[0]))
    header = word.sections[0].header._element.xml
    assert "PROJET" in word.sections[0].header.paragraphs[0].text and 'string="PROJET"' in header
    assert "PROJET" in xlsx_text(build(file_tender, "price_schedule", "xlsx")[0])

    tender_publish(user=buyer, tender=file_tender)
    file_tender.refresh_from_db()
    for page in pdf_pages(build(file_tender, "annex", "pdf")[0]):
        assert "PROJET" not in page and "Version 1 publiée le" in page
    word = WordDocument(io.BytesIO(build(file_tender, "ccap", "docx")[0]))
    assert "PROJET" not in word.sections[0].header._element.xml
    assert "PROJET" not in xlsx_text(build(file_tender, "price_schedule", "xlsx")[0])


def numbers(tender):
    return {a["key"]: a["number"] for s in tender_document(tender)["sections"] for a in s["articles"]}


def test_a_draft_renumbers_and_publication_freezes_the_article_numbers(file_tender, buyer):
    assert numbers(file_tender) == {
        "fhir-api": "1.1",
        "smart-pkce": "2.1",
        "penalites": "C1",
        "vulnerabilites": "C2",
        "pieces-a-fournir": "R1",
        "sans-frais": "P1",
    }
    # Moving the security clause before the API one in a new category order changes nothing for
    # sections (category order), but removing a CCAP clause renumbers the other in a draft.
    TenderClause.objects.filter(tender=file_tender, clause__key="penalites").delete()
    assert numbers(file_tender)["vulnerabilites"] == "C1"
    assert set(TenderClause.objects.filter(tender=file_tender).values_list("article_number", flat=True)) == {""}

    tender_publish(user=buyer, tender=file_tender)
    file_tender.refresh_from_db()
    stored = dict(TenderClause.objects.filter(tender=file_tender).values_list("clause__key", "article_number"))
    assert stored == {k: v for k, v in numbers(file_tender).items()}
    assert stored["vulnerabilites"] == "C1"
    # Whatever happens to the rows afterwards (here a position change made behind the services'
    # back), the published numbers are the ones read.
    TenderClause.objects.filter(tender=file_tender, clause__key="smart-pkce").update(position=0)
    assert numbers(file_tender) == stored


def test_the_price_schedule_holds_the_tenders_lines_and_the_price_articles_conditions(file_tender):
    """Lines come from the tender and its clauses (tests/scoring/test_price_schedule.py covers them in
    detail); a `price` article without lines is a condition on the "Conditions" sheet, not a line."""
    file_tender.price_lines = [
        {"code": "licences", "label": "Licences", "unit": "licence", "quantity": 5, "period": "year"}
    ]
    file_tender.save(update_fields=["price_lines"])
    data, _digest, _progress = build(file_tender, "price_schedule", "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["Bordereau des prix"]
    assert "AO-2026-014" in sheet["A2"].value and "AO-2026-014" in sheet.oddHeader.center.text
    header = [cell.value for cell in sheet[6]]
    assert header[:5] == ["N°", "Désignation", "Article", "Unité", "Quantité"]
    line = [cell.value for cell in sheet[7]]
    assert line[:7] == [1, "Licences", "—", "licence", 5, "Par an", 4]
    assert line[8] == "=ROUND(E7*H7*G7,2)"
    assert sheet["H7"].protection.locked is False and sheet["E7"].protection.locked is True
    assert sheet.protection.sheet and workbook.security.lockStructure
    # The column titles stay in view on screen and on every printed page, which fits the width.
    assert sheet.freeze_panes == "C7" and sheet.print_title_rows == "$6:$6"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    # Printed on A4 like every piece of the tender file, the conditions sheet too.
    assert {str(s.page_setup.paperSize) for s in workbook.worksheets} == {"9"}
    assert sheet["B8"].value == "Montant total HT sur 48 mois" and sheet["I8"].value == "=SUM(I7:I7)"
    conditions = [[cell.value for cell in row] for row in workbook["Conditions"].iter_rows()]
    assert ["P1", "Accès aux données sans frais\nAucun frais par connecteur : compris dans le prix."] in conditions


def test_the_dce_zips_every_piece_with_a_manifest_that_matches(file_tender):
    data, digest, progress = build(file_tender, "dce", "zip")
    assert digest == tender_document(file_tender)["inputs_digest"]
    assert progress == sorted(progress) and max(progress) >= 90  # reported while building
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    manifest = json.loads(archive.read("manifest.json"))
    assert [(entry["kind"], entry["format"]) for entry in manifest] == [
        ("annex", "pdf"),
        ("annex", "docx"),
        ("ccap", "pdf"),
        ("ccap", "docx"),
        ("rc", "pdf"),
        ("rc", "docx"),
        ("questionnaire", "xlsx"),
        ("questionnaire", "docx"),
        ("price_schedule", "xlsx"),
    ]
    for entry in manifest:
        content = archive.read(entry["file"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"]
        assert len(content) == entry["size"]
        assert entry["tender_version"] == "Projet non publié"
    assert set(names) == {"LISEZMOI.txt", "manifest.json", *(entry["file"] for entry in manifest)}
    readme = archive.read("LISEZMOI.txt").decode("utf-8")
    assert all(entry["file"] in readme for entry in manifest) and "PROJET" in readme
    assert build(file_tender, "dce", "zip")[0] == data  # deterministic


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [("ccap", "pdf"), ("ccap", "docx"), ("rc", "pdf"), ("rc", "docx"), ("price_schedule", "xlsx"), ("dce", "zip")],
)
def test_the_api_accepts_the_new_pieces_and_marks_drafts(api, buyer, file_tender, kind, fmt):
    response = api(buyer).post(
        f"/api/v1/tenders/{file_tender.pk}/documents/", {"kind": kind, "format": fmt}, format="json"
    )
    assert response.status_code == 202
    assert Document.objects.get(pk=response.json()["id"]).draft is True


@pytest.mark.parametrize(
    ("kind", "fmt"), [("ccap", "xlsx"), ("rc", "zip"), ("price_schedule", "pdf"), ("dce", "pdf"), ("cctp", "pdf")]
)
def test_the_api_refuses_pieces_in_formats_they_do_not_come_in(api, buyer, file_tender, kind, fmt):
    response = api(buyer).post(
        f"/api/v1/tenders/{file_tender.pk}/documents/", {"kind": kind, "format": fmt}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) <= {"kind", "format"}
    assert not Document.objects.exists()


def test_a_published_tenders_documents_are_not_drafts(api, buyer, file_tender):
    tender_publish(user=buyer, tender=file_tender)
    response = api(buyer).post(
        f"/api/v1/tenders/{file_tender.pk}/documents/", {"kind": "rc", "format": "pdf"}, format="json"
    )
    assert response.status_code == 202
    assert Document.objects.get(pk=response.json()["id"]).draft is False


def test_outsiders_and_evaluators_cannot_ask_for_pieces(api, outsider, evaluator, file_tender):
    url = f"/api/v1/tenders/{file_tender.pk}/documents/"
    assert api(outsider).post(url, {"kind": "dce", "format": "zip"}, format="json").status_code == 404
    assert api(evaluator).post(url, {"kind": "dce", "format": "zip"}, format="json").status_code == 403
    assert not Document.objects.exists()


def test_the_editor_offers_the_pieces_and_queues_them_without_javascript(client, buyer, file_tender):
    client.force_login(buyer)
    editor = f"/tenders/{file_tender.pk}/"
    content = client.get(editor).content.decode()
    for label in ("Extrait de CCAP (PDF)", "Bordereau des prix (XLSX)", "Dossier complet (ZIP)"):
        assert label in content
    assert 'name="kind" value="dce"' in content
    response = client.post(f"/tenders/{file_tender.pk}/documents/", {"kind": "dce", "format": "zip"})
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.kind, document.format, document.draft) == ("dce", "zip", True)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_opens_the_draft_pieces_with_their_watermark(file_tender, tmp_path):
    names = []
    for kind, fmt in (("annex", "docx"), ("ccap", "docx"), ("rc", "docx"), ("price_schedule", "xlsx")):
        name = f"{kind}.{fmt}"
        (tmp_path / name).write_bytes(build(file_tender, kind, fmt)[0])
        names.append(name)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--convert-to", "pdf"]
        + ["--outdir", str(tmp_path), *names],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=240,
    )
    ccap = " ".join(pdf_pages((tmp_path / "ccap.pdf").read_bytes()))
    assert "Liste des dérogations au CCAG-TIC" in ccap and "PROJET" in ccap
    assert "Accès aux données sans frais" in " ".join(pdf_pages((tmp_path / "price_schedule.pdf").read_bytes()))
    for kind in ("annex", "rc"):
        assert (tmp_path / f"{kind}.pdf").stat().st_size > 0
