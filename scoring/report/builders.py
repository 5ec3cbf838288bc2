"""The document job's builders for the report and the letters (registered in scoring/apps.py)."""

import hashlib
import json

from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from clause_library.text import strip_forbidden_characters_deep
from documents.rendering.zip import render_zip
from documents.services import RenderError
from organizations.errors import ConflictError
from tenders.models import Tender

from .. import rules
from . import data, letters, sections, writers


def _doc(tender_id):
    tender = Tender.objects.select_related("organization").get(pk=tender_id)
    try:
        doc = data.report_document(tender)
    except rules.CriteriaError as error:
        raise RenderError(" ".join(error.messages))
    except rules.PriceError as error:
        raise RenderError(str(error))
    if not doc["bids"]:
        raise RenderError(_("Aucune offre n’est enregistrée : il n’y a rien à analyser."))
    # Text written before writes were cleaned may still hold characters DOCX/XLSX cannot carry.
    return strip_forbidden_characters_deep(doc)


def report_sectioned(doc) -> dict:
    """The report as a sectioned document (scoring/report/writers.py)."""
    with translation.override(doc["language"]):
        return {
            "language": doc["language"],
            "title": _("Rapport de la procédure (article R2184-1 du code de la commande publique)"),
            "subtitle": f"{doc['reference']} — {doc['title']}",
            "organization": doc["organization"],
            "reference": doc["reference"],
            "generated_on": doc["generated_on"],
            "notice": sections.notice(doc),
            "sections": sections.report_sections(doc),
        }


def build_report(document, progress=None):
    """(bytes, inputs digest) of an evaluation_report row in its format."""
    doc = _doc(document.tender_id)
    writer = writers.WRITERS.get(document.format)
    if writer is None:
        raise RenderError(_("Ce type de document n'existe pas dans ce format."))
    return writer(report_sectioned(doc)), doc["inputs_digest"]


def build_letters(document, progress=None):
    """(zip bytes, inputs digest) of a rejection_letters row: DOCX and PDF of each letter, plus manifest.json."""
    doc = _doc(document.tender_id)
    with translation.override(doc["language"]):
        refusal = letters.letters_refusal(doc)
        if refusal:
            raise RenderError(refusal)
        items = letters.letters(doc)
    entries, manifest = [], []
    for index, (kind, bid, letter) in enumerate(items, start=1):
        stem = f"rejet/{index:02d}-{slugify(bid['vendor'])[:40] or 'candidat'}-{kind}"
        for format in ("docx", "pdf"):
            content = writers.WRITERS[format](letter)
            name = f"{stem}.{format}"
            entries.append((name, content))
            manifest.append(
                {
                    "file": name,
                    "kind": kind,
                    "bid": bid["id"],
                    "vendor": bid["vendor"],
                    "format": format,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "size": len(content),
                }
            )
        if progress:
            progress(10 + 80 * index // max(len(items), 1))
    entries.append(("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")))
    digest = data.digest({**doc, "letters_sent_on": letters.sending_date(doc).isoformat()})
    return render_zip(entries, doc["generated_on"]), digest


def build_award_notice(document, progress=None):
    """(bytes, inputs digest) of an award_notice row (pdf or docx): the letter to the awardee."""
    doc = _doc(document.tender_id)
    with translation.override(doc["language"]):
        refusal = letters.letters_refusal(doc)
        if refusal:
            raise RenderError(refusal)
        notice = letters.award_notice(doc, letters.sending_date(doc))
    digest = data.digest({**doc, "letters_sent_on": letters.sending_date(doc).isoformat()})
    return writers.WRITERS[document.format](notice), digest


def letters_request_check(tender):
    """Refuse (409, saying what is missing) to queue letters or the award notice before the award sequence
    allows them: results final, the award decision recorded, the awardee's certificates received."""
    try:
        doc = data.report_document(tender)
    except (rules.CriteriaError, rules.PriceError) as error:
        raise ConflictError({"kind": [str(error)]})
    with translation.override(doc["language"]):
        refusal = letters.letters_refusal(doc)
    if refusal:
        raise ConflictError({"kind": [refusal]})
