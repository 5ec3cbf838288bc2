"""The tender file's pieces: technical annex, CCAP and RC extracts (PDF, DOCX), price schedule (XLSX),
the answer form (XLSX, DOCX) and the whole file zipped (`dce`).

Registered in TendersConfig.ready() (documents/registry.py). Each builds the plain TenderDocument
(docs/RENDERING.md) and hands it to a writer. The writers are imported inside the builders on
purpose: WeasyPrint, python-docx and openpyxl are heavy and only the worker needs them, so a web
process that never renders never loads them. Every piece returns the document's inputs digest, so
all pieces made from the same state of the tender carry the same one.
"""

import hashlib
import json

from django.utils import translation
from django.utils.translation import gettext

from documents import registry
from documents.services import RenderError
from organizations.formatting import format_date_words

from .models import Tender
from .selectors import tender_document


def _document(document, progress):
    tender = Tender.objects.select_related("organization").get(pk=document.tender_id)
    doc = tender_document(tender)
    progress(20)
    return doc


def _piece_pdf(piece):
    def build(document, progress):
        from documents.rendering import html, pdf  # heavy writer, loaded in the worker only

        doc = _document(document, progress)
        page = html.render_piece_html(doc, piece, for_print=True)
        progress(35)
        return pdf.render_pdf(page, progress=progress.scaled(35, 90)), doc["inputs_digest"]

    build.__name__ = build.__qualname__ = f"{piece}_pdf"
    return build


def _piece_docx(piece):
    def build(document, progress):
        from documents.rendering import docx  # heavy writer, loaded in the worker only

        doc = _document(document, progress)
        return docx.render_piece_docx(doc, piece), doc["inputs_digest"]

    build.__name__ = build.__qualname__ = f"{piece}_docx"
    return build


tender_pdf = _piece_pdf("annex")
tender_docx = _piece_docx("annex")
ccap_pdf = _piece_pdf("ccap")
ccap_docx = _piece_docx("ccap")
rc_pdf = _piece_pdf("rc")
rc_docx = _piece_docx("rc")


def price_schedule_xlsx(document, progress):
    from documents.rendering import xlsx_price  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    return xlsx_price.render_price_schedule_xlsx(doc), doc["inputs_digest"]


def questionnaire_xlsx(document, progress):
    from documents.rendering import xlsx  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    return xlsx.render_questionnaire_xlsx(doc), doc["inputs_digest"]


def questionnaire_docx(document, progress):
    from documents.rendering import docx  # heavy writer, loaded in the worker only

    doc = _document(document, progress)
    return docx.render_questionnaire_docx(doc), doc["inputs_digest"]


# The whole file zipped -------------------------------------------------------------------------

# (kind, format, file name stem) of every piece, in the order of the archive and its README.
DCE_PIECES = (
    ("annex", "pdf", "1-annexe-technique-cctp"),
    ("annex", "docx", "1-annexe-technique-cctp"),
    ("ccap", "pdf", "2-clauses-administratives-ccap"),
    ("ccap", "docx", "2-clauses-administratives-ccap"),
    ("rc", "pdf", "3-reglement-consultation"),
    ("rc", "docx", "3-reglement-consultation"),
    ("questionnaire", "xlsx", "4-cadre-de-reponse"),
    ("questionnaire", "docx", "4-cadre-de-reponse"),
    ("price_schedule", "xlsx", "5-bordereau-des-prix"),
)


def _readme(doc, entries):
    """The archive's README: what each file is (plain text, UTF-8)."""
    from documents.rendering.html import piece_title

    with translation.override(doc.get("language", "fr")):
        lines = [
            f"{doc['organization']} — {doc['title']}",
            gettext("Dossier de consultation — référence %(reference)s") % {"reference": doc["reference"]},
            f"{doc['version']['label']} — "
            + gettext("généré le %(date)s")
            % {"date": format_date_words(doc["generated_on"], language=doc["language"])},
            "",
            gettext("Pièces du dossier :"),
        ]
        for entry in entries:
            lines.append(f"- {entry['file']} : {piece_title(doc, entry['kind'])} ({entry['format'].upper()})")
        lines += [
            "",
            gettext(
                "manifest.json donne pour chaque fichier son empreinte SHA-256 et sa taille : vérifiez-les "
                "pour vous assurer que les pièces reçues sont celles publiées."
            ),
            gettext("Empreinte des données : %(digest)s") % {"digest": doc["inputs_digest"]},
        ]
        if doc.get("draft"):
            lines.insert(0, gettext("PROJET — document de travail, l'appel d'offres n'est pas publié."))
    return ("\n".join(lines) + "\n").encode("utf-8")


def dce_zip(document, progress):
    """Every piece, built by the builders registered for it (the answer form's included), plus
    `manifest.json` and `LISEZMOI.txt`. Deterministic: same tender state, same bytes."""
    from documents.rendering.zip import render_zip  # loaded in the worker only

    doc = _document(document, progress)
    files, manifest = [], []
    for index, (kind, format, stem) in enumerate(DCE_PIECES):
        builder = registry.builder_for(kind, format)
        if builder is None:
            raise RenderError(
                gettext("La pièce « %(kind)s » (%(format)s) ne peut pas être produite.")
                % {
                    "kind": kind,
                    "format": format,
                }
            )
        low = 20 + 70 * index / len(DCE_PIECES)
        high = 20 + 70 * (index + 1) / len(DCE_PIECES)
        sub = _SubProgress(progress, low, high)
        content, _digest = builder(document, sub)
        name = f"{stem}.{format}"
        files.append((name, content))
        manifest.append(
            {
                "file": name,
                "kind": kind,
                "format": format,
                "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content),
                "tender_version": doc["version"]["label"],
            }
        )
        progress(high)
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    entries = [("LISEZMOI.txt", _readme(doc, manifest)), ("manifest.json", manifest_bytes), *files]
    return render_zip(entries, doc["generated_on"]), doc["inputs_digest"]


class _SubProgress:
    """A piece's progress mapped into its share of the archive's (the builders call `scaled` too)."""

    def __init__(self, progress, low, high):
        self.progress, self.low, self.high = progress, low, high

    def __call__(self, value):
        self.progress(self.low + (self.high - self.low) * max(0, min(100, int(value))) / 100)

    def scaled(self, low, high):
        return lambda value: self(low + (high - low) * max(0, min(100, int(value))) / 100)
