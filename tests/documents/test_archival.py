"""Archival and accessible files (issue 12, item 6): every PDF the application writes is PDF/A-3b,
tagged, with its fonts embedded; the DOCX table of contents is filled at generation; LibreOffice
opens every DOCX and XLSX kind that is registered."""

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from documents import registry
from documents.models import Document
from documents.rendering.docx import render_tender_docx
from documents.rendering.html import render_tender_html
from documents.rendering.pdf import render_pdf
from scoring.models import Evaluator
from tenders.models import Tender, TenderClause

from ..factories import member
from ..scoring.conftest import build_tree
from ..scoring.test_api_results import fill
from ..tenders.conftest import make_clauses
from ..tenders.test_rendering import build_document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _noop(value):
    pass


_noop.scaled = lambda low, high: _noop


@pytest.fixture
def evaluation_with_clauses(hospital, buyer, library):
    """A published tender with clauses, criteria, three bids and the evaluators' scores (the data
    every registered builder needs)."""
    from django.utils import timezone

    from scoring.models import Bid

    library.visibility = "shared"
    library.save()
    library.shared_with.add(hospital)
    tender = Tender.objects.create(organization=hospital, reference="AO-2026-001", title="Dossier patient informatisé")
    for position, clause in enumerate(make_clauses(library, 6)):
        TenderClause.objects.create(tender=tender, clause=clause, version=clause.current, position=position)
    criteria = build_tree(tender)
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.PUBLISHED, published_at=timezone.now())
    tender.refresh_from_db()
    eval1 = member(hospital, "evaluator", username="eval1")
    eval2 = member(hospital, "evaluator", username="eval2")
    now = timezone.now()
    Evaluator.objects.create(tender=tender, user=eval1, declared_at=now)
    Evaluator.objects.create(tender=tender, user=eval2, declared_at=now)
    from types import SimpleNamespace

    evaluation = SimpleNamespace(
        tender=tender,
        criteria=criteria,
        lead=buyer,
        eval1=eval1,
        eval2=eval2,
        alpha=Bid.objects.create(tender=tender, vendor="Alpha", price=100000),
        bravo=Bid.objects.create(tender=tender, vendor="Bravo", price=125000),
        charlie=Bid.objects.create(tender=tender, vendor="Charlie", price=80000),
    )
    fill(evaluation)
    tender.refresh_from_db()
    return evaluation


def build(tender, kind, format):
    document = Document.objects.create(tender=tender, kind=kind, format=format)
    content, _digest = registry.builder_for(kind, format)(document, _noop)
    return content


# PDF/A-3b and tags -------------------------------------------------------------------------------


def assert_archival_and_tagged(data):
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])  # pypdf BooleanObject(True)
    structure = root["/StructTreeRoot"].get_object()
    assert structure["/Type"] == "/StructTreeRoot"
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xmp), xmp
    assert re.search(r'pdfaid:conformance(="|>)B', xmp), xmp
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts.append(descriptor.get_object())
    assert fonts
    assert all(any(key in d for key in ("/FontFile", "/FontFile2", "/FontFile3")) for d in fonts)
    return structure_types(structure)


def structure_types(node, found=None):
    """Every structure element type (/H1, /Table, /TH, /L…) under `node`."""
    found = set() if found is None else found
    node = node.get_object()
    if hasattr(node, "get"):
        if node.get("/S"):
            found.add(node["/S"])
        kids = node.get("/K")
    else:
        kids = node
    if kids is None:
        return found
    kids = kids.get_object()
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, (dict, list)) or hasattr(kid, "keys"):
            structure_types(kid, found)
    return found


def test_it_writes_the_tender_pdf_as_tagged_pdf_a_3b_with_headings_lists_and_table_headers():
    data = render_pdf(render_tender_html(build_document(), for_print=True))
    types = assert_archival_and_tagged(data)
    assert {"/H1", "/H2"} <= types, types
    assert {"/Table", "/TH", "/TD"} <= types, types


def test_it_keeps_the_same_bytes_for_the_same_inputs_under_pdf_a():
    html = render_tender_html(build_document(), for_print=True)
    first, second = render_pdf(html), render_pdf(html)
    assert first == second
    xmp = PdfReader(io.BytesIO(first)).trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "2026-11-28" in xmp  # the document's date, not the clock's


@pytest.mark.django_db
def test_it_writes_every_registered_pdf_kind_as_tagged_pdf_a_3b(evaluation_with_clauses):
    kinds = [kind for kind, format in registry.registered() if format == "pdf"]
    assert {"tender", "evaluation_report", "award_notice"} <= set(kinds)
    kinds.remove("gdpr_annex")  # only for a tender with the GDPR clause: tests/tenders/test_contract_composition.py
    # A contract's kinds need a notified contract: tests/contracts/test_penalties.py checks them the same way.
    kinds = [kind for kind in kinds if kind not in Document.CONTRACT_KINDS]
    award_settled(evaluation_with_clauses)  # the award notice needs final results and the award sequence
    contract = notified_contract(evaluation_with_clauses)
    for kind in kinds:
        if kind in Document.CONTRACT_KINDS:  # a contract's document (the acceptance record…): made for its contract
            document = Document.objects.create(tender=contract.tender, contract=contract, kind=kind, format="pdf")
            assert_archival_and_tagged(registry.builder_for(kind, "pdf")(document, _noop)[0])
            continue
        assert_archival_and_tagged(build(evaluation_with_clauses.tender, kind, "pdf"))


def notified_contract(evaluation):
    """Alpha's contract straight in the database (the award sequence has its own tests), with its acceptance plan."""
    import datetime

    from contracts.acceptance_services import plan_generate
    from contracts.models import Contract

    contract = Contract.objects.create(
        organization=evaluation.tender.organization,
        tender=evaluation.tender,
        bid=evaluation.alpha,
        uid="202600000100",
        holder_name="Alpha",
        amount=100000,
        duration_months=48,
        notified_on=datetime.date(2026, 12, 15),
        price_form="mixte",
    )
    plan_generate(user=evaluation.lead, contract=contract)
    return contract


def award_settled(evaluation):
    """Final results (HDS decided for every bid, technical scoring closed), Alpha awarded, certificates in."""
    import datetime

    from django.utils import timezone

    from scoring.models import Award, EliminatoryDecision, EvaluationState

    for bid in (evaluation.alpha, evaluation.bravo):
        EliminatoryDecision.objects.update_or_create(
            bid=bid, criterion=evaluation.criteria.hds, defaults={"decision": "compliant"}
        )
    EvaluationState.objects.update_or_create(tender=evaluation.tender, defaults={"technical_closed_at": timezone.now()})
    Award.objects.create(
        tender=evaluation.tender,
        bid=evaluation.alpha,
        decided_on=datetime.date(2026, 12, 1),
        advantages="Interface FHIR native.",
        certificates_received_on=datetime.date(2026, 12, 2),
    )


# DOCX table of contents ----------------------------------------------------------------------------


def toc_entries(data):
    """[(text, anchor, has PAGEREF, cached page)] of the entries inside the TOC field.

    The field starts at the paragraph holding `TOC \\o` and ends at the `end` that balances its
    `begin`; every entry paragraph between them is read.
    """
    body = WordDocument(io.BytesIO(data)).element.body
    entries, depth, started = [], 0, False
    for paragraph in body.iter(f"{W}p"):
        instructions = "".join(t.text or "" for t in paragraph.iter(f"{W}instrText"))
        if not started and "TOC \\o" not in instructions:
            continue
        started = True
        for link in paragraph.iter(f"{W}hyperlink"):
            texts = [t.text for t in link.iter(f"{W}t")]
            link_instructions = "".join(t.text for t in link.iter(f"{W}instrText"))
            entries.append((texts[0], link.get(f"{W}anchor"), "PAGEREF" in link_instructions, texts[-1]))
        for char in paragraph.iter(f"{W}fldChar"):
            depth += {"begin": 1, "end": -1}.get(char.get(f"{W}fldCharType"), 0)
        if depth == 0:
            return entries
    raise AssertionError("no complete TOC field in the document")


def headings(data, styles=("Heading1", "Heading2")):
    """[(text, bookmark)] of the headings of these styles."""
    found = []
    for paragraph in WordDocument(io.BytesIO(data)).element.body.iter(f"{W}p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(f"{W}val") in styles:
            bookmark = paragraph.find(f"{W}bookmarkStart")
            found.append(("".join(t.text for t in paragraph.iter(f"{W}t")), bookmark.get(f"{W}name")))
    return found


def test_it_fills_the_docx_table_of_contents_with_every_section_heading():
    data = render_tender_docx(build_document())
    entries = toc_entries(data)
    expected = headings(data)
    assert len(expected) > 10
    assert [(text, anchor) for text, anchor, _pageref, _page in entries] == expected
    assert all(pageref for _text, _anchor, pageref, _page in entries)
    pages = [int(page) for _text, _anchor, _pageref, page in entries]
    assert pages == sorted(pages) and pages[0] >= 2  # after the cover and the contents page
    assert "Mettez à jour les champs" not in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()


def test_it_keeps_the_filled_docx_deterministic():
    doc = build_document()
    assert render_tender_docx(doc) == render_tender_docx(doc)


# LibreOffice opens every DOCX and XLSX kind ------------------------------------------------------------------


@pytest.mark.django_db
def test_libreoffice_converts_every_registered_docx_and_xlsx_kind(evaluation_with_clauses, tmp_path):
    soffice = shutil.which("soffice") or (shutil.which("/usr/bin/soffice"))
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed on this machine: the conversion check cannot run")
    pairs = [
        (kind, format)
        for kind, format in registry.registered()
        if format in ("docx", "xlsx") and kind not in Document.CONTRACT_KINDS  # tests/contracts/test_penalties.py
    ]
    assert {("tender", "docx"), ("questionnaire", "xlsx"), ("evaluation_report", "docx")} <= set(pairs)
    sources = []
    for kind, format in pairs:
        path = tmp_path / f"{kind}.{format}"
        path.write_bytes(build(evaluation_with_clauses.tender, kind, format))
        sources.append(path)
    out = tmp_path / "pdf"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, sources),
        ],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    for source in sources:
        converted = out / (source.stem + ".pdf")
        assert converted.exists(), f"LibreOffice could not open {source.name}: {result.stderr.decode(errors='replace')}"
        reader = PdfReader(io.BytesIO(converted.read_bytes()))
        assert len(reader.pages) >= 1
        assert "".join(page.extract_text() or "" for page in reader.pages[:3]).strip(), source.name
