"""The document job: build the plain data, call the writer, save the file once, commit the row.

Idempotent by the row's state, so a redelivered task (acks_late, worker killed) is harmless:
- a `done` or `failed` document is left alone;
- a `queued` or `running` one (a previous attempt died) is rendered again;
- the file name is fixed by the document and the content by its inputs, and it is written to a
  temporary name then moved into place, so there is never a half-written file nor two files;
- the final row update (`status=done` with file, sha256, size) is the commit point; a database
  constraint refuses `done` without a file.
"""

import hashlib
import logging
import os
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Document, Tender
from .selectors import tender_document

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """Worth another try later (a storage or service hiccup), not a rendering bug."""


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def document_file_name(document):
    """The document's one and only storage name."""
    stem = {"tender": "dossier", "questionnaire": "formulaire-reponse", "evaluation_report": "rapport-analyse"}
    return f"documents/{document.tender_id}/{document.pk}/{stem.get(document.kind, document.kind)}.{document.format}"


def download_name(document):
    reference = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in document.tender.reference).strip("-")
    return f"{reference or 'ao'}-{os.path.basename(document.file.name)}"


def _claim(document_id):
    """Mark the document running (one more attempt). None when there is nothing left to do."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.is_finished:
            return None
        document.status = Document.Status.RUNNING
        document.started_at = document.started_at or timezone.now()
        document.attempts += 1
        document.progress = 5
        document.error = ""
        document.save(update_fields=["status", "started_at", "attempts", "progress", "error"])
    return document


class _Progress:
    """Writes progress to the row when it moved by a few points (cheap, monotonic)."""

    def __init__(self, document_id, start=5):
        self.document_id = document_id
        self.last = start

    def __call__(self, value):
        value = max(0, min(99, int(value)))
        if value >= self.last + 3:
            Document.objects.filter(pk=self.document_id, status=Document.Status.RUNNING).update(progress=value)
            self.last = value

    def scaled(self, low, high):
        return lambda value: self(low + (high - low) * max(0, min(100, int(value))) / 100)


def _render(document, report):
    """(bytes, inputs_digest) of the document. Heavy writers are imported here, in the worker."""
    if document.kind == Document.Kind.EVALUATION_REPORT:
        try:
            from scoring.reports import build_report
        except ImportError:
            raise RenderError(_("Le rapport d'analyse des offres n'est pas encore disponible dans cette version."))
        result = build_report(document)
        content, digest = result if isinstance(result, tuple) else (result, None)
        return content, digest or hashlib.sha256(content).hexdigest()

    tender = Tender.objects.select_related("organization").get(pk=document.tender_id)
    doc = tender_document(tender)
    report(20)
    if document.kind == Document.Kind.TENDER and document.format == Document.Format.PDF:
        from .rendering.html import render_tender_html
        from .rendering.pdf import render_pdf

        html = render_tender_html(doc, for_print=True)
        report(35)
        content = render_pdf(html, progress=report.scaled(35, 90))
    elif document.kind == Document.Kind.TENDER and document.format == Document.Format.DOCX:
        from .rendering.docx import render_tender_docx

        content = render_tender_docx(doc)
    elif document.kind == Document.Kind.QUESTIONNAIRE and document.format == Document.Format.XLSX:
        from .rendering.xlsx import render_questionnaire_xlsx

        content = render_questionnaire_xlsx(doc)
    elif document.kind == Document.Kind.QUESTIONNAIRE and document.format == Document.Format.DOCX:
        from .rendering.docx import render_questionnaire_docx

        content = render_questionnaire_docx(doc)
    else:
        raise RenderError(_("Ce type de document n'existe pas dans ce format."))
    return content, doc["inputs_digest"]


class RenderError(Exception):
    """A rendering failure with a message meant for the user."""


def _store(name, content):
    """Put `content` at `name`, replacing what is there, never leaving a partial file."""
    if hasattr(default_storage, "path"):
        path = default_storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{uuid.uuid4().hex}.part"
        try:
            with open(temporary, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)  # atomic on one filesystem
        except BaseException:
            # A full disk (or any failed write) must not leave half a file behind, nor eat the space
            # the next attempt needs.
            try:
                os.remove(temporary)
            except OSError:
                pass
            raise
        return name
    # Object stores write an object in one request: replace it whole.
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def document_render(*, document_id):
    """Render one document (the task's body). Returns the final status, or None if nothing to do.

    Transient errors (TransientError, database and storage OS errors) propagate so the task
    retries; any other failure marks the document `failed` with a message a person can read.
    """
    document = _claim(document_id)
    if document is None:
        return None
    report = _Progress(document.pk)
    try:
        content, digest = _render(document, report)
    except (TransientError, OSError):
        _note(document.pk, _("Incident passager, nouvel essai en cours."))
        raise
    except Exception as exc:  # a rendering bug must end the job, readably, not loop
        from django.db import DatabaseError

        if isinstance(exc, DatabaseError):
            raise
        logger.exception("document %s failed", document.pk)
        document_fail(document_id=document.pk, message=_failure_message(exc))
        return Document.Status.FAILED
    if not isinstance(content, (bytes, bytearray)) or not content:
        document_fail(document_id=document.pk, message=_("Le rendu n'a produit aucun contenu."))
        return Document.Status.FAILED
    report(92)
    name = _store(document_file_name(document), bytes(content))
    updated = Document.objects.filter(pk=document.pk, status=Document.Status.RUNNING).update(
        status=Document.Status.DONE,
        progress=100,
        file=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        inputs_digest=digest or "",
        error="",
        finished_at=timezone.now(),
    )
    if not updated:
        logger.info("document %s was finished by another attempt", document.pk)
    return Document.Status.DONE


def _failure_message(exc):
    if isinstance(exc, RenderError):
        return str(exc)
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return _("Le rendu a pris trop de temps et a été interrompu.")
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc.__class__.__name__
    return _("Le rendu du document a échoué : %(detail)s") % {"detail": detail}


def _note(document_id, message):
    Document.objects.filter(pk=document_id).exclude(status=Document.Status.DONE).update(error=message)


def document_fail(*, document_id, message):
    """End a document as failed (unless it already finished)."""
    Document.objects.filter(pk=document_id).exclude(status=Document.Status.DONE).update(
        status=Document.Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )
