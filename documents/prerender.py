"""The piece at the click: stored renders and the background pre-render of a draft's pieces (issue 29).

- Every finished job of a kind made from the tender only keeps its file as the piece's stored render
  (`StoredRender`: one per tender, kind and format) with the fingerprint of its inputs (`fingerprint`).
- A request whose inputs have that fingerprint is finished at once with a copy of the stored file
  (`reuse`, called by `tenders.services.document_request`): same bytes, no job.
- A draft's edits schedule `pre-render` a few seconds later (`schedule`, `DOCUMENT_PRERENDER_DELAY_SECONDS`):
  the task carries the tender's content version it was scheduled for, so an older one finds the version
  moved on and stops (every edit supersedes the runs scheduled before it: debounced); it yields, and
  comes back later, whenever a requested document is queued or running (`busy`), checked before each
  piece; it renders the pieces of `DOCUMENT_PRERENDER_PIECES` whose stored render is not already of
  these inputs, and keeps a file only when the version did not move while it was made.

The fingerprint is the tender's `content_version` (raised in the transaction of every write that changes
what the documents show, docs/RENDERING.md "Stale documents"), the kind's source version (0 for the
tender's pieces) and draft or not: what `Document.stale` compares, so a reused file is never one the
same request would have been told is stale.
"""

import datetime
import hashlib
import logging

from celery import current_app
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import registry
from .models import Document, StoredRender

logger = logging.getLogger(__name__)

# A requested document queued or running for longer than this no longer holds the pre-render back (a row
# left queued while the broker was down waits for the requeue, not for us).
BUSY_WINDOW_SECONDS = 600
# How many times a pre-render yields to requested documents before it gives up (the next edit, or the
# click itself, makes the file).
MAX_YIELDS = 20


def _services():
    from . import services  # services imports this module

    return services


def fingerprint(tender_version, source_version, draft):
    """What a file of a tender's piece was made from, as far as staleness goes."""
    return f"v{tender_version}-s{source_version or 0}-{'draft' if draft else 'final'}"


def document_fingerprint(document):
    return fingerprint(document.tender_version, document.source_version, document.draft)


def reusable(kind):
    """Only kinds made from the tender alone: the tender's version says everything they show."""
    return registry.source_lookup(kind) is None


def _stored_name(tender_id, kind, format, print_):
    return f"documents/{tender_id}/stored/{registry.file_stem(kind)}-{print_}.{format}"


def remember(*, tender_id, kind, format, fingerprint, content, inputs_digest):
    """Keep `content` as the stored render of the piece, in place of the one before (file and row)."""
    name = _services().store_file(_stored_name(tender_id, kind, format, fingerprint), bytes(content))
    try:
        old_name = _save_row(tender_id, kind, format, fingerprint, name, content, inputs_digest)
    except IntegrityError:  # another worker stored the same piece at the same moment: theirs stays
        if not StoredRender.objects.filter(file=name).exists():
            _delete_quietly(name)
        return
    if old_name and old_name != name:
        _delete_quietly(old_name)


def _save_row(tender_id, kind, format, fingerprint, name, content, inputs_digest):
    """Point the piece's row at `name`; returns the file name it held before ("" when new)."""
    with transaction.atomic():
        previous = (
            StoredRender.objects.select_for_update().filter(tender_id=tender_id, kind=kind, format=format).first()
        )
        old_name = previous.file.name if previous else ""
        StoredRender.objects.update_or_create(
            tender_id=tender_id,
            kind=kind,
            format=format,
            defaults={
                "fingerprint": fingerprint,
                "file": name,
                "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content),
                "inputs_digest": inputs_digest or "",
            },
        )
    return old_name


def _delete_quietly(name):
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not remove the former stored render %s", name)


def _stored_content(stored):
    """The stored file's bytes, or None when it is gone or not what the row says."""
    try:
        with default_storage.open(stored.file.name, "rb") as handle:
            content = handle.read()
    except OSError:
        return None
    return content if hashlib.sha256(content).hexdigest() == stored.sha256 else None


def reuse(document):
    """Finish the queued `document` with a copy of the stored render of the same inputs. True when done.

    Called inside the request's transaction, right after the row is created: no job is queued then.
    """
    if not getattr(settings, "DOCUMENT_REUSE", True) or not reusable(document.kind):
        return False
    stored = StoredRender.objects.filter(
        tender_id=document.tender_id,
        kind=document.kind,
        format=document.format,
        fingerprint=document_fingerprint(document),
    ).first()
    content = _stored_content(stored) if stored else None
    if content is None:
        return False
    name = _services().store_file(_services().document_file_name(document), content)
    now = timezone.now()
    fields = {
        "status": Document.Status.DONE,
        "progress": 100,
        "file": name,
        "sha256": stored.sha256,
        "size": stored.size,
        "inputs_digest": stored.inputs_digest,
        "error": "",
        "started_at": now,
        "finished_at": now,
    }
    Document.objects.filter(pk=document.pk, status=Document.Status.QUEUED).update(**fields)
    for field, value in fields.items():
        setattr(document, field, value)
    return True


def remember_job(document, content, digest, version_before):
    """After a job: keep its file as the stored render when the tender did not move while it was made (the whole
    tender's pieces only: one lot's piece is made on request)."""
    if not reusable(document.kind) or document.lot_id is not None:
        return
    if not version_before == tender_version(document.tender_id) == document.tender_version:
        return
    try:
        remember(
            tender_id=document.tender_id,
            kind=document.kind,
            format=document.format,
            fingerprint=document_fingerprint(document),
            content=content,
            inputs_digest=digest,
        )
    except Exception:  # noqa: BLE001 — the document is done; the stored render is only a shortcut
        logger.warning("could not keep document %s as the stored render", document.pk, exc_info=True)


def tender_version(tender_id):
    """The tender's content version now (None when it is gone)."""
    return (
        Document.tender.field.related_model.objects.filter(pk=tender_id)
        .values_list("content_version", flat=True)
        .first()
    )


def busy():
    """A requested document is queued or running (recently): the worker is theirs, not ours."""
    since = timezone.now() - datetime.timedelta(seconds=BUSY_WINDOW_SECONDS)
    return Document.objects.filter(
        status__in=(Document.Status.QUEUED, Document.Status.RUNNING), created_at__gte=since
    ).exists()


def pieces():
    return [tuple(piece.split(".", 1)) for piece in getattr(settings, "DOCUMENT_PRERENDER_PIECES", ())]


def enabled():
    """Pre-rendering is on (setting) and tasks go to a worker (run inline, they would render in the request)."""
    return getattr(settings, "DOCUMENT_PRERENDER", False) and not current_app.conf.task_always_eager


def schedule(tender_id, *, version, draft, attempt=0, countdown=None):
    """Queue the pre-render of the tender's pieces as of `version`, a few seconds from now. False when it
    is off (`enabled`), for a published tender, or when the broker refused it."""
    if not enabled() or not draft:
        return False
    from .tasks import prerender_pieces  # tasks imports this module

    delay = settings.DOCUMENT_PRERENDER_DELAY_SECONDS if countdown is None else countdown
    try:
        prerender_pieces.apply_async(args=[tender_id, version, draft, attempt], countdown=delay, retry=False)
    except OperationalError:
        logger.warning("broker unavailable: no pre-render of tender %s (a click renders it)", tender_id)
        return False
    return True


class _Silent:
    def __call__(self, value):
        pass

    def scaled(self, low, high):
        return self


def run(*, tender_id, version, draft, attempt=0):
    """The pre-render task's body. Returns what happened: done | superseded | busy | gone."""
    for kind, format in pieces():
        current = tender_version(tender_id)
        if current is None:
            return "gone"
        if current != version:
            return "superseded"
        if busy():
            if attempt < MAX_YIELDS:
                schedule(tender_id, version=version, draft=draft, attempt=attempt + 1)
            return "busy"
        print_ = fingerprint(version, 0, draft)
        builder = registry.builder_for(kind, format)
        done = StoredRender.objects.filter(tender_id=tender_id, kind=kind, format=format, fingerprint=print_)
        if builder is None or done.exists():
            continue
        piece = Document(tender_id=tender_id, kind=kind, format=format, tender_version=version, draft=draft)
        try:
            content, digest = builder(piece, _Silent())
        except Exception:  # noqa: BLE001 — a draft may not render yet (a value missing): a click will say why
            logger.info("pre-render of %s.%s for tender %s failed", kind, format, tender_id, exc_info=True)
            continue
        if tender_version(tender_id) != version:
            return "superseded"
        remember(
            tender_id=tender_id, kind=kind, format=format, fingerprint=print_, content=content, inputs_digest=digest
        )
    return "done"
