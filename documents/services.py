"""The document job, whatever the kind: claim the row, call the builder its app registered
(documents/registry.py), save the file once, commit the row.

Idempotent by the row's state, so a redelivered task (acks_late, worker killed) is harmless:
- a `done` or `failed` document is left alone;
- a `queued` or `running` one (a previous attempt died) is rendered again;
- the file name is fixed by the document and the content by its inputs; it is written through the
  storage API only (a filesystem or an object store), and a failed write removes what it left;
- the final row update (`status=done` with file, sha256, size) is the commit point; a database
  constraint refuses `done` without a file.
"""

import hashlib
import logging
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from . import jobs, prerender, registry
from .models import Document

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """Worth another try later (a storage or service hiccup), not a rendering bug."""


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def document_file_name(document):
    """The document's one and only storage name."""
    stem = registry.file_stem(document.kind)
    return f"documents/{document.tender_id}/{document.pk}/{stem}.{document.format}"


def download_name(document):
    reference = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in document.tender.reference).strip("-")
    return f"{reference or 'ao'}-{os.path.basename(document.file.name)}"


def document_download_response(document):
    """The HTTP answer that hands a finished document's file to a reader the view has authorised.

    Files are private: no static or media handler ever serves them (config/urls.py has no media
    route), so every download passes here. Three ways, by settings:
    - `DOCUMENT_ACCEL_REDIRECT_PREFIX` (e.g. "/protected/"): an empty response whose
      `X-Accel-Redirect` tells nginx to send the file from an `internal` location;
    - `DOCUMENT_DOWNLOAD_REDIRECT` (object store): a redirect to a short-lived signed URL
      (`default_storage.url`, querystring auth, `AWS_QUERYSTRING_EXPIRE`);
    - else the file streamed by Django.
    """
    name = document.file.name
    filename = download_name(document)
    media_type = MEDIA_TYPES[document.format]
    prefix = getattr(settings, "DOCUMENT_ACCEL_REDIRECT_PREFIX", "")
    if prefix:
        response = HttpResponse(content_type=media_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + name.lstrip("/")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    if getattr(settings, "DOCUMENT_DOWNLOAD_REDIRECT", False):
        parameters = {
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": media_type,
        }
        try:
            url = default_storage.url(name, parameters=parameters)
        except TypeError:  # a storage without S3's signed-URL parameters
            url = default_storage.url(name)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404(_("Le fichier de ce document est introuvable.")) from exc
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=media_type)


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


def _render(document, progress):
    """(bytes, inputs_digest) of the document, from the builder its app registered."""
    builder = registry.builder_for(document.kind, document.format)
    if builder is None:
        raise RenderError(_("Ce type de document n'existe pas dans ce format."))
    content, digest = builder(document, progress)
    return content, digest or hashlib.sha256(content).hexdigest()


class RenderError(Exception):
    """A rendering failure with a message meant for the user."""


def store_file(name, content):
    """Put `content` at `name` through the storage API only (filesystem or object store), replacing
    what is there. A failed write (full disk, store down) leaves nothing behind and propagates, so the
    task retries; the row becomes `done` only after this returns, so a half-written file is never served.
    """
    if default_storage.exists(name):
        default_storage.delete(name)
    try:
        return default_storage.save(name, ContentFile(content))
    except BaseException:
        # Nor must it eat the space the next attempt needs.
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
        except OSError:
            logger.warning("could not remove the partial file %s", name)
        raise


def document_render(*, document_id):
    """Render one document (the task's body). Returns the final status, or None if nothing to do.

    Transient errors (TransientError, database and storage OS errors) propagate so the task
    retries; any other failure marks the document `failed` with a message a person can read.
    """
    document = _claim(document_id)
    if document is None:
        return None
    report = _Progress(document.pk)
    version_before = prerender.tender_version(document.tender_id)
    try:
        content, digest = _render(document, report)
    except (TransientError, OSError):
        _note(document.pk, _("Incident passager, nouvel essai en cours."))
        raise
    except Exception as exc:  # a rendering bug must end the job, readably, not loop
        if isinstance(exc, DatabaseError):
            raise
        logger.exception("document %s failed", document.pk)
        document_fail(document_id=document.pk, message=_failure_message(exc))
        return Document.Status.FAILED
    if not isinstance(content, (bytes, bytearray)) or not content:
        document_fail(document_id=document.pk, message=_("Le rendu n'a produit aucun contenu."))
        return Document.Status.FAILED
    report(92)
    name = store_file(document_file_name(document), bytes(content))
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
    # The next request for the same inputs gets this file at once (documents/prerender.py).
    prerender.remember_job(document, bytes(content), digest, version_before)
    return Document.Status.DONE


def _failure_message(exc):
    return jobs.failure_message(exc, known=(RenderError,))


def _note(document_id, message):
    Document.objects.filter(pk=document_id).exclude(status=Document.Status.DONE).update(error=message)


def document_fail(*, document_id, message):
    """End a document as failed (unless it already finished)."""
    Document.objects.filter(pk=document_id).exclude(status=Document.Status.DONE).update(
        status=Document.Status.FAILED, error=message[:2000], finished_at=timezone.now()
    )
