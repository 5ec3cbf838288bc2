"""The tender file as a contract (issue 22): composed from the tender, never from the library's keys.

Every piece of every recommended set of the default library, and of a tender holding every clause,
read back from the files the registered builders make (pypdf, python-docx, openpyxl, zipfile): no
library key and no parameter code. Each tender is built once and its whole file made once, through the
`dce` archive, which holds every piece in every format, each made by its own registered builder.
The guard of the pipeline is tested both ways on small tenders.
"""

import io
import json
import re
import zipfile

import openpyxl
import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.models import Library
from clause_library.services import library_import
from documents import registry
from documents.models import Document
from documents.services import RenderError
from tenders.guidance import tender_set_apply
from tenders.selectors import tender_document
from tenders.services import tender_clause_add, tender_create

from ..factories import make_clause as factory_clause
from .conftest import add_clause

pytestmark = pytest.mark.django_db

DEFAULT = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
RECOMMENDED = [s["key"] for s in DEFAULT["sets"] if s["key"].endswith("-recommended")]
KEYS = {clause["key"] for clause in DEFAULT["clauses"]}
PARAMETERS = {p["name"] for clause in DEFAULT["clauses"] for p in clause.get("parameters") or []}
URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
# Keys that are also path segments of the references' links (".../pro-sante-connect/..."): a PDF may wrap a
# link over two lines, and its second half no longer reads as a link. The DOCX keeps links whole.
IN_LINKS = {
    term
    for term in KEYS | PARAMETERS
    for clause in DEFAULT["clauses"]
    for reference in clause.get("references") or []
    if term in (reference.get("url") or "")
}


class Progress:
    def __call__(self, value):
        pass

    def scaled(self, low, high):
        return self


def build(tender, kind, fmt):
    document = Document.objects.create(tender=tender, kind=kind, format=fmt, draft=tender.is_draft)
    return registry.builder_for(kind, fmt)(document, Progress())[0]


def read_back(name, data, *, skip_header=None):
    """The text a reader sees in one file of the archive; `skip_header`: a table column left out
    (the answer form's import key column, which the guard leaves out too)."""
    if name.endswith(".pdf"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if name.endswith(".docx"):
        word = WordDocument(io.BytesIO(data))
        parts = [p.text for p in word.paragraphs]
        for table in word.tables:
            header = [cell.text for cell in table.rows[0].cells]
            skipped = {index for index, text in enumerate(header) if text == skip_header}
            parts += [c.text for row in table.rows for i, c in enumerate(row.cells) if i not in skipped]
        parts += [p.text for s in word.sections for p in s.header.paragraphs + s.footer.paragraphs]
        return "\n".join(parts)
    if name.endswith(".xlsx"):
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        parts = []
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue  # machine data for the import, never shown
            skipped = set()
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is not None and str(cell.value) == skip_header:
                        skipped.add(cell.column)
                    elif cell.value and cell.column not in skipped:
                        parts.append(str(cell.value))
        return "\n".join(parts)
    return data.decode("utf-8")


def printed_codes(text, *, exempt_columns_of=None):
    """Library keys and parameter names standing as whole tokens (links left out). A PDF's text may
    break a long key at a line end: the line breaks are read as the hyphenation they are not."""
    text = URL.sub(" ", text)
    flat = re.sub(r"\u2010\s+", "", re.sub(r"-\n", "-", text))  # a hyphenation point, a hyphen at a line end
    found = set()
    for term in KEYS | PARAMETERS:
        if not re.search(r"[-_\d]", term):
            continue  # a plain word (`terminologies`): an ordinary word of the text, see composition.code_like
        if re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", flat):
            found.add(term)
    return found


@pytest.fixture
def default_library(group, curator, hospital):
    library = library_import(user=curator, organization=group, data=DEFAULT)  # as load_demo does
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    return library


def file_of(tender):
    """{file name: bytes} of the whole tender file (the `dce` archive), built once."""
    try:
        archive = build(tender, "dce", "zip")
    except RenderError as error:  # the guard stopped a piece: say which and why
        pytest.fail(f"the guard refused a piece: {error}")
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def assert_no_key_nor_code(files):
    names = set(files)
    for stem, formats in (
        ("1-annexe-technique-cctp", ("pdf", "docx")),
        ("2-clauses-administratives-ccap", ("pdf", "docx")),
        ("3-reglement-consultation", ("pdf", "docx")),
        ("4-cadre-de-reponse", ("xlsx", "docx")),
        ("5-bordereau-des-prix", ("xlsx",)),
    ):
        assert {f"{stem}.{fmt}" for fmt in formats} <= names
    assert not any("note" in name for name in names)  # the buyer's note is never shipped
    leaks = {}
    for name, data in files.items():
        if name == "manifest.json":
            continue
        found = printed_codes(read_back(name, data))
        if name.endswith(".pdf"):
            found -= IN_LINKS
        if found:
            leaks[name] = sorted(found)
    assert not leaks


@pytest.mark.parametrize("set_key", RECOMMENDED)
def test_no_piece_of_a_recommended_set_prints_a_library_key_or_a_parameter_code(
    set_key, default_library, buyer, hospital
):
    tender = tender_create(
        single_lot_reason="Prestation indivisible.",
        user=buyer,
        organization=hospital,
        reference=f"AO-{set_key}",
        title="Logiciel hospitalier",
    )
    tender_set_apply(user=buyer, tender=tender, library_id=default_library.pk, set_key=set_key)
    files = file_of(tender)
    assert_no_key_nor_code(files)
    if any(a["ccap_annex"] for s in tender_document(tender)["sections"] for a in s["articles"]):
        assert {"2b-annexe-rgpd-ccap.pdf", "2b-annexe-rgpd-ccap.docx"} <= set(files)


def test_no_piece_of_a_tender_holding_every_clause_prints_a_library_key_or_a_parameter_code(
    default_library, buyer, hospital
):
    tender = tender_create(
        single_lot_reason="Prestation indivisible.",
        user=buyer,
        organization=hospital,
        reference="AO-TOUT",
        title="Toutes les clauses",
    )
    for clause in default_library.clauses.select_related("current").order_by("key"):
        tender_clause_add(user=buyer, tender=tender, clause=clause, allow_incomplete=True)
    assert_no_key_nor_code(file_of(tender))


# The guard, both ways ------------------------------------------------------------------------------


def make_clause(library, **content):
    """A clause with its own body: no parameter unless given, mandatory unless said."""
    content.setdefault("parameters", [])
    content.setdefault("requirement", "mandatory")
    content.setdefault("question", "")
    content.setdefault("references", [])
    content.setdefault("body", f"Le titulaire respecte l'exigence « {content.get('title', '')} ».")
    return factory_clause(library, **content)


@pytest.fixture
def small(tender, visible_library):
    """An annex clause citing another clause the old way (a backticked key) and the new way."""
    body = (
        "Le titulaire met l'API à disposition.\n\n"
        "- Elle respecte {{ ref:smart-launch }} ;\n"
        "- ses tarifs figurent à la ligne {{ price:api-fees }} du bordereau des prix ;\n"
        "- elle est documentée.\n\n"
        "Les terminologies de référence sont celles du CI-SIS."
    )
    api = make_clause(visible_library, key="fhir-api", title="API FHIR", category="api_access", body=body)
    add_clause(tender, api)
    return tender, visible_library


def text_of(tender, kind, fmt):
    return read_back(f"x.{fmt}", build(tender, kind, fmt))


def test_a_reference_to_an_absent_clause_drops_its_list_item_and_a_present_one_prints_its_article(small):
    tender, library = small
    for fmt in ("pdf", "docx"):
        text = " ".join(text_of(tender, "annex", fmt).split())
        assert "Le titulaire met l'API à disposition." in text and "elle est documentée." in text
        assert "Elle respecte" not in text and "ses tarifs" not in text and "smart-launch" not in text
    launch = make_clause(library, key="smart-launch", title="Lancement SMART", category="security")
    add_clause(tender, launch)
    text = " ".join(text_of(tender, "annex", "docx").split())
    assert "Elle respecte article 2.1 ;" in text
    assert "ses tarifs" not in text  # no price schedule line with that code: its item goes
    tender.price_lines = [
        {"code": "licences", "label": "Licences", "unit": "an", "quantity": 1, "period": "year"},
        {"code": "api-fees", "label": "Accès à l'API", "unit": "forfait", "quantity": 1, "period": "once"},
    ]
    tender.save()
    for fmt in ("pdf", "docx"):
        text = " ".join(text_of(tender, "annex", fmt).split())
        assert "ses tarifs figurent à la ligne n° 2 du bordereau des prix ;" in text, fmt


def test_the_guard_fails_a_piece_that_would_print_a_library_key_naming_the_article(small):
    tender, library = small
    old_style = make_clause(
        library,
        key="exports",
        title="Exports",
        category="bulk_export",
        body="Les exports suivent la clause `smart-launch` et la clause `fhir-api`.",
    )
    make_clause(library, key="smart-launch", title="Lancement SMART", category="security")  # in the library only
    add_clause(tender, old_style)
    for fmt in ("pdf", "docx"):
        with pytest.raises(RenderError) as error:
            build(tender, "annex", fmt)
        message = str(error.value)
        assert "article 2.1" in message and "« smart-launch »" in message and "clé de la bibliothèque" in message
    # The same tender in English: the reason in the reader's language.
    tender.language = "en"
    tender.save()
    with pytest.raises(RenderError) as error:
        build(tender, "annex", "docx")
    assert "article 2.1" in str(error.value) and "library key" in str(error.value)


def test_the_guard_fails_a_piece_that_would_print_a_parameter_code_and_lets_ordinary_words_through(small):
    tender, library = small
    coded = make_clause(
        library,
        key="delais",
        title="Délais",
        category="documentation",
        body="Le délai delai_livraison_jours court à la notification ; {{ delai_livraison_jours }} jours.",
        parameters=[{"name": "delai_livraison_jours", "label": "Délai", "type": "integer", "default": 30}],
    )
    add_clause(tender, coded)
    with pytest.raises(RenderError) as error:
        build(tender, "annex", "pdf")
    assert "article 2.1" in str(error.value) and "code de paramètre" in str(error.value)
    # The CCAP does not print that article: it is made (the word "terminologies" of the annex is prose).
    assert build(tender, "ccap", "docx")


def test_a_parameter_named_like_an_ordinary_word_stops_a_piece_only_as_a_code(small):
    tender, library = small
    worded = make_clause(
        library,
        key="terminologies-clause",
        title="Terminologies",
        category="standards",
        body="Les terminologies retenues : {{ terminologies }}.",
        parameters=[{"name": "terminologies", "label": "Terminologies", "type": "text", "default": "LOINC"}],
    )
    add_clause(tender, worded)
    assert "Les terminologies retenues : LOINC." in " ".join(text_of(tender, "annex", "docx").split())
    coded = make_clause(
        library,
        key="terminologies-code",
        title="Terminologies (code)",
        category="standards",
        body="Les `terminologies` retenues : {{ terminologies }}.",
        parameters=[{"name": "terminologies", "label": "Terminologies", "type": "text", "default": "LOINC"}],
    )
    add_clause(tender, coded)
    with pytest.raises(RenderError, match="terminologies"):
        build(tender, "annex", "docx")


# What is published, and what stays with the buyer ------------------------------------------------


def test_published_pieces_carry_no_legal_note_nor_traceability_table_and_the_buyers_note_does(tender, visible_library):
    clause = make_clause(
        visible_library,
        key="hds",
        title="Hébergement certifié",
        category="security",
        body="Le titulaire est certifié HDS.",
        references=[
            {"label": "Certification HDS (CSP L1111-8)", "url": "https://esante.gouv.fr/", "statutory": True},
            {"label": "ISO 27001", "url": "https://www.iso.org/"},
            {"label": "ONC 45 CFR 171", "url": "https://www.ecfr.gov/", "informative": True},
        ],
        legal_note="Arrêt Lianakis : ne pas noter l'expérience.",
    )
    add_clause(tender, clause)
    tender.completeness_annex = True
    tender.save()
    digest = tender_document(tender)["inputs_digest"]
    for fmt in ("pdf", "docx"):
        text = " ".join(text_of(tender, "annex", fmt).split())
        assert "Certification HDS (CSP L1111-8)" in text
        assert "Certification HDS (CSP L1111-8) (ou équivalent)" not in text  # statutory
        assert "ISO 27001 (ou équivalent)" in text  # a technical standard
        for absent in ("Lianakis", "45 CFR", "Complétude", "Clause de la bibliothèque"):
            assert absent not in text, (fmt, absent)
        assert digest in text.replace(" ", "")  # the digest stays (last page)
        note = " ".join(text_of(tender, "buyer_note", fmt).split())
        for present in ("note de l'acheteur", "lianakis", "onc 45 cfr 171", "complétude", "hds"):
            assert present in note.lower(), (fmt, present)
        assert digest in note.replace(" ", "")


def test_the_annex_prints_the_appreciation_under_a_scored_clause(tender, visible_library):
    clause = make_clause(
        visible_library,
        key="export",
        title="Export",
        category="bulk_export",
        requirement="scored",
        body="Le titulaire fournit au minimum un export quotidien.",
        appreciation="Sont appréciés un export horaire et la reprise sur incident.",
    )
    add_clause(tender, clause)
    for fmt in ("pdf", "docx"):
        text = " ".join(text_of(tender, "annex", fmt).split())
        heading = text.index("Éléments d'appréciation (non contractuels)")
        assert text.index("au minimum un export quotidien") < heading < text.index("un export horaire")


def test_the_gdpr_clause_ships_as_the_ccaps_annex_and_the_ccap_points_to_it(tender, visible_library):
    gdpr = make_clause(
        visible_library,
        key="gdpr-processor-terms",
        title="Sous-traitance de données personnelles",
        category="security",
        destination="ccap",
        body="Le titulaire agit en sous-traitant au sens de l'article 28 du RGPD et tient le registre.",
    )
    add_clause(tender, gdpr)
    ccap = " ".join(text_of(tender, "ccap", "docx").split())
    assert "Article C1 — Sous-traitance de données personnelles" in ccap
    assert "annexe RGPD au présent CCAP" in ccap and "tient le registre" not in ccap
    for fmt in ("pdf", "docx"):
        annex = " ".join(text_of(tender, "gdpr_annex", fmt).split())
        assert "Annexe RGPD au CCAP" in annex and "tient le registre" in annex
    files = file_of(tender)
    assert list(files)[:8] == [
        "LISEZMOI.txt",
        "manifest.json",
        "1-annexe-technique-cctp.pdf",
        "1-annexe-technique-cctp.docx",
        "2-clauses-administratives-ccap.pdf",
        "2-clauses-administratives-ccap.docx",
        "2b-annexe-rgpd-ccap.pdf",
        "2b-annexe-rgpd-ccap.docx",
    ]
    readme = files["LISEZMOI.txt"].decode()
    assert "Pièces du dossier" not in readme
    assert "pièces d'interopérabilité du dossier de consultation" in readme and "L'acheteur y joint" in readme
    assert "2b-annexe-rgpd-ccap.pdf : Annexe RGPD au CCAP (PDF)" in readme


def test_a_tender_without_the_gdpr_clause_has_no_gdpr_annex(tender, visible_library):
    add_clause(tender, make_clause(visible_library, key="x-y", title="X", category="security"))
    with pytest.raises(RenderError, match="annexe RGPD"):
        build(tender, "gdpr_annex", "pdf")
    assert not any("rgpd" in name for name in file_of(tender))


def test_a_draft_with_a_value_not_given_yet_says_which_article_lacks_it(small):
    tender, library = small
    clause = make_clause(
        library,
        key="delais-manquants",
        title="Délais",
        category="documentation",
        body="Le titulaire répond sous {{ delai_reponse_jours }} jours.",
        parameters=[{"name": "delai_reponse_jours", "label": "Délai", "type": "integer", "required": True}],
    )
    add_clause(tender, clause)
    with pytest.raises(RenderError) as error:
        build(tender, "annex", "docx")
    assert "l'article 2.1 n'a pas de valeur pour « delai_reponse_jours »" in str(error.value)
