"""Writes of the conformance probe: ask for a probe, run it, fail it.

The probe reads a vendor's CapabilityStatement (`[base]/metadata`) and SMART configuration
(`[base]/.well-known/smart-configuration`) — fetched through conformance/fetch.py or uploaded —,
validates them (conformance/validate.py) and evaluates every check of every clause of the tender
(conformance/checks.py). Only buyers and admins of the tender's organisation may ask for one.
"""

import datetime
import hashlib
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from documents import jobs
from organizations.errors import ApplicationError

from . import access, checks, selectors, tasks
from .fetch import FetchRefused, fetch_json
from .models import MAX_DOCUMENT_BYTES, ProbeReport
from .validate import CAPABILITY_STATEMENT, SMART_CONFIGURATION, VALIDATORS, Message

logger = logging.getLogger(__name__)

KINDS = (CAPABILITY_STATEMENT, SMART_CONFIGURATION)
PATHS = {CAPABILITY_STATEMENT: "/metadata", SMART_CONFIGURATION: "/.well-known/smart-configuration"}
ACCEPT = {
    CAPABILITY_STATEMENT: "application/fhir+json, application/json;q=0.9, application/fhir+xml;q=0.5",
    SMART_CONFIGURATION: "application/json",
}
BROKER_DOWN_NOTE = jobs.BROKER_DOWN_NOTE


def _read_upload(kind, upload):
    """The uploaded document as text; too big or not UTF-8 is refused at once (400)."""
    data = upload if isinstance(upload, bytes) else upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ApplicationError(
            {kind: [_("Fichier trop volumineux (%(max)s octets au plus).") % {"max": MAX_DOCUMENT_BYTES}]}
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError({kind: [_("Le fichier doit être du JSON encodé en UTF-8.")]})


def probe_request(*, user, bid, files=None, mode="static") -> ProbeReport:
    """Create a queued report for `bid` and queue its job after commit.

    `files` ({"capability_statement": file, "smart_configuration": file}, either optional) makes it an
    upload probe; without files the documents are fetched from the bid's FHIR base URL, which must
    then be set. The caller has already checked the bid is in the user's organisations.
    """
    access.require_prober(user, bid)
    files = {kind: upload for kind, upload in (files or {}).items() if upload is not None}
    files.pop("mode", None)
    if mode == "live":
        return _live_request(user, bid)
    unknown = sorted(set(files) - set(KINDS))
    if unknown:
        raise ApplicationError(
            {name: [_("Document inconnu (attendu : %(kinds)s).") % {"kinds": ", ".join(KINDS)}] for name in unknown}
        )
    texts = {kind: _read_upload(kind, upload) for kind, upload in files.items()}
    if not texts and not bid.fhir_base_url:
        raise ApplicationError(
            {"fhir_base_url": [_("L'offre n'a pas d'URL de base FHIR : renseignez-la ou téléversez les documents.")]}
        )
    with transaction.atomic():
        report = ProbeReport.objects.create(
            bid=bid,
            source=ProbeReport.Source.UPLOAD if texts else ProbeReport.Source.URL,
            base_url="" if texts else bid.fhir_base_url,
            capability_statement=texts.get(CAPABILITY_STATEMENT),
            smart_configuration=texts.get(SMART_CONFIGURATION),
            created_by=user,
        )
        transaction.on_commit(lambda: probe_enqueue(report=report))
    return report


def _live_request(user, bid):
    """A live probe of the bid's sandbox (API.md "Live probe"): its discovery documents and the live checks."""
    sandbox = bid.sandbox or {}
    if not all(
        isinstance(sandbox.get(key), str) and sandbox[key] for key in ("fhir_base_url", "token_url", "client_id")
    ):
        raise ApplicationError(
            {"sandbox": [_("L'offre n'a pas de bac à sable complet (fhir_base_url, token_url, client_id).")]}
        )
    with transaction.atomic():
        report = ProbeReport.objects.create(
            bid=bid,
            source=ProbeReport.Source.URL,
            mode=ProbeReport.Mode.LIVE,
            base_url=sandbox["fhir_base_url"],
            created_by=user,
        )
        transaction.on_commit(lambda: probe_enqueue(report=report))
    return report


def probe_cancel(*, user, bid) -> ProbeReport | None:
    """Ask the bid's latest unfinished probe to stop: a live run stops before its next request or wait, and ends
    `cancelled` with the results it has (the checks not reached are unknown). A queued one is cancelled at once."""
    access.require_prober(user, bid)
    report = selectors.latest_report(bid)
    if report is None or report.is_finished:
        return report
    ProbeReport.objects.filter(pk=report.pk).update(cancel_requested=True)
    ProbeReport.objects.filter(pk=report.pk, status=ProbeReport.Status.QUEUED).update(
        status=ProbeReport.Status.CANCELLED, finished_at=timezone.now()
    )
    report.refresh_from_db()
    return report


def probe_enqueue(*, report) -> bool:
    """Hand the report's job to the broker; False (and a note on the row) when the broker is down."""
    return jobs.enqueue(tasks.run_probe, report, queued_status=ProbeReport.Status.QUEUED)


def probes_requeue(*, older_than_seconds=60, running_longer_than_seconds=None) -> int:
    """Hand again to the broker the probes still queued (requested while it was down: their note
    promises a retry) and those left running by a worker that died whole (`jobs.abandoned`: no live
    worker holds their job; or, given `running_longer_than_seconds`, simply that old). A report keeps
    no start time: its age counts from the request. Returns how many were sent.
    """
    now = timezone.now()
    running = ProbeReport.objects.filter(status=ProbeReport.Status.RUNNING)
    if running_longer_than_seconds is None:
        # The probe task's own hard limit (a live run may last PROBE_LIVE_DEADLINE), not the default one.
        running = jobs.abandoned(
            running,
            started_field="created_at",
            task_names=(tasks.run_probe.name,),
            now=now,
            dead_after_seconds=tasks.run_probe.time_limit + 60,
        )
    else:
        running = running.filter(created_at__lt=now - datetime.timedelta(seconds=running_longer_than_seconds))
    waiting = ProbeReport.objects.filter(
        Q(status=ProbeReport.Status.QUEUED, created_at__lt=now - datetime.timedelta(seconds=older_than_seconds))
        | Q(pk__in=running)
    )
    return jobs.requeue(waiting, lambda report: probe_enqueue(report=report))


def _sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fetch_documents(base_url, transport=None):
    """{kind: text or None}, {kind: reason} for the documents that could not be fetched.

    `transport`, a dict, receives {kind: {"tls_version", "headers"}} for the checks on the connection.
    """
    texts, reasons = {}, {}
    base = base_url.rstrip("/")
    for kind in KINDS:
        try:
            fetched = fetch_json(base + PATHS[kind], accept=ACCEPT[kind], allow_xml=kind == CAPABILITY_STATEMENT)
        except FetchRefused as exc:
            texts[kind], reasons[kind] = None, exc.reason
        else:
            texts[kind] = fetched.body.decode("utf-8", errors="replace")
            if transport is not None:
                transport[kind] = {"tls_version": fetched.tls_version, "headers": fetched.headers or {}}
    return texts, reasons


def _errors(messages):
    """A document's `errors` (the active language) and `error_codes`, rendered again in the reader's language
    when the report is read (validate.localize_documents)."""
    return {
        "errors": [str(message) for message in messages],
        "error_codes": [message.as_code() if isinstance(message, Message) else None for message in messages],
    }


def evaluate_documents(*, texts, reasons=None, clause_checks, transport=None):
    """Pure: (documents, results, usable) for the documents' texts and the tender's [(tender_clause_id, check)]."""
    reasons = reasons or {}
    documents, data = [], {}
    for kind in KINDS:
        text = texts.get(kind)
        if text is None:
            reason = reasons.get(kind) or Message(N_("Document non fourni."))
            documents.append({"kind": kind, "sha256": None, "valid": False, **_errors([reason])})
            data[kind] = None
            continue
        validation = VALIDATORS[kind](text)
        documents.append(
            {"kind": kind, "sha256": _sha256(text), "valid": validation.valid, **_errors(validation.messages)}
        )
        data[kind] = validation.data if validation.usable else None
    results = []
    for tender_clause_id, check in clause_checks:
        outcome = checks.evaluate(check, data[CAPABILITY_STATEMENT], data[SMART_CONFIGURATION], transport)
        results.append({"tender_clause": tender_clause_id, "check": check, **outcome})
    usable = any(value is not None for value in data.values())
    return documents, results, usable


def probe_run(*, report_id):
    """Run the probe of report `report_id`; safe to run twice (a finished report is left as it is)."""
    with transaction.atomic():
        report = (
            ProbeReport.objects.select_for_update(of=("self",))
            .select_related("bid__tender")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.is_finished:
            return report
        report.status = ProbeReport.Status.RUNNING
        report.attempts += 1
        report.save(update_fields=["status", "attempts"])
    # The network is read outside any transaction: a slow vendor must not hold database locks.
    reasons, transport = {}, None
    if report.source == ProbeReport.Source.URL:
        transport = {}
        texts, reasons = _fetch_documents(report.base_url, transport)
        report.capability_statement = texts[CAPABILITY_STATEMENT]
        report.smart_configuration = texts[SMART_CONFIGURATION]
    texts = {CAPABILITY_STATEMENT: report.capability_statement, SMART_CONFIGURATION: report.smart_configuration}
    clause_checks = selectors.tender_checks(report.bid.tender)
    documents, results, usable = evaluate_documents(
        texts=texts, reasons=reasons, clause_checks=clause_checks, transport=transport
    )
    cancelled = False
    if report.mode == ProbeReport.Mode.LIVE:
        live_results, cancelled = _run_live(report, clause_checks)
        results = results + live_results
        usable = usable or bool(live_results)
    report.documents, report.results = documents, results
    report.fetched_at = report.finished_at = timezone.now()
    if cancelled:
        report.status, report.error = ProbeReport.Status.CANCELLED, ""
    elif usable:
        report.status, report.error = ProbeReport.Status.DONE, ""
    else:
        report.status, report.error = ProbeReport.Status.FAILED, _unreadable_error(documents)
    report.save(
        update_fields=[
            "capability_statement",
            "smart_configuration",
            "documents",
            "results",
            "fetched_at",
            "finished_at",
            "status",
            "error",
        ]
    )
    return report


def _run_live(report, clause_checks):
    """The live checks of the report's bid sandbox, as the tender's organisation (its signing key); (results,
    cancelled). Outside any transaction; the cancellation flag is read before each request and during waits."""
    from . import live  # the live probe loads PyJWT and, for NDJSON, fhir.resources: only the worker needs them

    if not clause_checks:
        return [], False

    def cancelled():
        return ProbeReport.objects.filter(pk=report.pk, cancel_requested=True).exists()

    results, budget = live.run_live(report.bid.sandbox, report.bid.tender.organization, clause_checks, cancelled)
    return results, cancelled()


def _unreadable_error(documents):
    """The note of a probe that read no document: each document's kind and errors, kept as codes
    (checks.stored_error) and shown "capability_statement : JSON illisible : … smart_configuration : …"."""
    parts = []
    for document in documents:
        parts.append({"id": N_("%(document)s :"), "params": {"document": document["kind"]}})
        pairs = zip(document["error_codes"], document["errors"], strict=True)
        parts += [code or {"id": text, "params": {}} for code, text in pairs]
    return checks.stored_error(parts)


def probe_fail(*, report_id, message):
    """The job gave up: the report ends failed with a readable note (unless it finished meanwhile).

    `message` is a `validate.Message`: kept as its code, shown in the reader's language."""
    ProbeReport.objects.filter(pk=report_id, status__in=[ProbeReport.Status.QUEUED, ProbeReport.Status.RUNNING]).update(
        status=ProbeReport.Status.FAILED, error=checks.stored_error([message.as_code()]), finished_at=timezone.now()
    )
