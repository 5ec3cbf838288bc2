"""Writes of the acceptance plan (VABF): make it, record results and evidence, run the probe, decide.

Who: every service starts with the contract's access rule (contracts/access.py): buyers and admins of the
contract's organisation write; the caller has already found the contract among the user's organisations
(404 otherwise). Each write runs in one transaction with its audit event (AcceptanceEvent: who, when, old and
new value), so a refused write leaves nothing behind.
"""

import datetime
import logging
import os

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clause_library.parameters import resolve_values
from conformance import checks as conformance_checks
from conformance import selectors as conformance_selectors
from conformance import services as conformance_services
from conformance.fetch import FetchRefused, fetch_json
from conformance.models import MAX_DOCUMENT_BYTES
from documents import jobs
from organizations.errors import ApplicationError, ConflictError
from scoring.models import Answer
from tenders import selectors as tender_selectors

from . import acceptance, access
from .models import AcceptanceEvent, AcceptancePlan, AcceptanceProbe, AcceptanceRow, Contract

logger = logging.getLogger(__name__)

MAX_EVIDENCE_CHARS = 5000
# What an evidence file may be: read by people, never executed or rendered by us (served as an attachment).
EVIDENCE_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".txt", ".csv", ".json", ".xml", ".docx", ".xlsx", ".odt")
MAGIC = {".pdf": b"%PDF", ".png": b"\x89PNG", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".docx": b"PK"}
MAGIC.update({".xlsx": b"PK", ".odt": b"PK"})


def _user(user):
    return user if user is not None and user.is_authenticated else None


# Making the plan ------------------------------------------------------------------------------------------


def _committed_values(contract) -> dict:
    """{tender clause id: the holder's committed values} from the retained bid's answers (one query)."""
    committed = {}
    answers = Answer.objects.filter(bid_id=contract.bid_id, criterion__tender_clause__isnull=False).values_list(
        "criterion__tender_clause_id", "committed_values"
    )
    for tender_clause_id, values in answers:
        if isinstance(values, dict):
            committed.setdefault(tender_clause_id, {}).update(values)
    return committed


def requirements(contract) -> list[dict]:
    """The rows the contract's tender calls for, in the annex's order, with the annex's article numbers."""
    tender = contract.tender
    clauses = list(tender_selectors.tender_clauses(tender))
    numbers = tender_selectors.article_numbers(tender, clauses)
    committed = _committed_values(contract)
    rows = []
    for position, tender_clause in enumerate(clauses):
        version = tender_clause.version
        if not acceptance.is_requirement(version.destination, version.requirement):
            continue
        required, _errors = resolve_values(
            version.parameters, tender_clause.parameters, tender.parameters, require=False
        )
        article = str(numbers[tender_clause.pk])
        rows.append(
            {
                "tender_clause": tender_clause,
                "article": article,
                "title": version.title[:300],
                "method": acceptance.method_for(version.checks, version.category),
                "expected": acceptance.expected_text(
                    article=article,
                    definitions=version.parameters,
                    required=required,
                    committed=committed.get(tender_clause.pk),
                    language=tender.language,
                ),
                "position": position,
            }
        )
    return rows


def _event(plan, action, *, user, article="", old=None, new=None):
    return AcceptanceEvent(plan=plan, action=action, article=article, old=old, new=new, user=_user(user))


def plan_generate(*, user, contract) -> AcceptancePlan:
    """Make the contract's plan, or bring it up to date with the tender: idempotent.

    A row is kept per tender clause: its recorded result, evidence and probe stay; only its article, title,
    method and expected value are written again. Rows for new requirements are added. One "generated" event
    when something was added.
    """
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        plan, created = AcceptancePlan.objects.get_or_create(contract=contract, defaults={"generated_by": _user(user)})
        existing = {row.tender_clause_id: row for row in plan.rows.all()}
        added, changed = [], []
        fields = ("article", "title", "method", "expected", "position")
        for requirement in requirements(contract):
            row = existing.get(requirement["tender_clause"].pk)
            if row is None:
                added.append(AcceptanceRow(plan=plan, **requirement))
                continue
            if any(getattr(row, name) != requirement[name] for name in fields):
                for name in fields:
                    setattr(row, name, requirement[name])
                changed.append(row)
        if changed:
            AcceptanceRow.objects.bulk_update(changed, fields)
        if added:
            AcceptanceRow.objects.bulk_create(added)
        if added or created:
            _event(plan, "generated", user=user, new={"rows": len(added)}).save()
    return plan


def plan_ensure(*, user, contract) -> AcceptancePlan:
    """The contract's plan, made on first reading (the same rows whoever reads first)."""
    plan = AcceptancePlan.objects.select_related("decided_by").filter(contract=contract).first()
    return plan if plan is not None else plan_generate(user=user, contract=contract)


# Results and evidence -----------------------------------------------------------------------------------


def _check_evidence_file(upload):
    name = os.path.basename(getattr(upload, "name", "") or "")[:200]
    extension = os.path.splitext(name)[1].lower()
    if extension not in EVIDENCE_EXTENSIONS:
        raise ApplicationError(
            {
                "evidence_file": [
                    _("Type de fichier refusé (acceptés : %(list)s).") % {"list": " ".join(EVIDENCE_EXTENSIONS)}
                ]
            }
        )
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise ApplicationError(
            {
                "evidence_file": [
                    _("Fichier trop volumineux (%(max)s octets au plus).") % {"max": settings.MAX_UPLOAD_BYTES}
                ]
            }
        )
    head = upload.read(8)
    upload.seek(0)
    magic = MAGIC.get(extension)
    if magic is not None and not head.startswith(magic):
        raise ApplicationError({"evidence_file": [_("Le contenu du fichier ne correspond pas à son extension.")]})
    return name


def _locked_plan(contract):
    plan = AcceptancePlan.objects.select_for_update().filter(contract=contract).first()
    if plan is None:
        raise Http404
    if plan.decision in acceptance.FINAL_DECISIONS:
        raise ConflictError(
            {"detail": [_("La décision (%(d)s) est prononcée : le plan n'est plus modifiable.") % {"d": plan.decision}]}
        )
    return plan


def row_record(*, user, contract, article, result, evidence=None, evidence_file=None) -> AcceptanceRow:
    """Record a row's result and evidence (note text, optionally a file). 400 naming the field on bad input,
    404 for an article the plan does not have, 409 once a final decision is taken. Audited."""
    access.require_writer(user, contract.organization_id)
    errors = {}
    if result not in acceptance.RESULTS:
        errors["result"] = [_("Résultat inconnu (attendu : %(values)s).") % {"values": ", ".join(acceptance.RESULTS)}]
    if evidence is not None and (not isinstance(evidence, str) or len(evidence) > MAX_EVIDENCE_CHARS):
        errors["evidence"] = [_("Un texte de %(max)s caractères au plus.") % {"max": MAX_EVIDENCE_CHARS}]
    if errors:
        raise ApplicationError(errors)
    file_name = _check_evidence_file(evidence_file) if evidence_file is not None else None
    plan_ensure(user=user, contract=contract)
    with transaction.atomic():
        plan = _locked_plan(contract)
        row = AcceptanceRow.objects.filter(plan=plan, article=article).first()
        if row is None:
            raise Http404
        old = {"result": row.result, "evidence": row.evidence, "file": row.evidence_file_name}
        row.result = result
        if evidence is not None:
            row.evidence = evidence.strip()
        if evidence_file is not None:
            if row.evidence_file:
                row.evidence_file.delete(save=False)
            row.evidence_file.save("evidence", evidence_file, save=False)
            row.evidence_file_name = file_name
        row.updated_by, row.updated_at = _user(user), timezone.now()
        row.save()
        new = {"result": row.result, "evidence": row.evidence, "file": row.evidence_file_name}
        _event(plan, "result", user=user, article=row.article, old=old, new=new).save()
    return row


def decision_record(*, user, contract, decision, reason, refaction_percent=None) -> AcceptancePlan:
    """The lead's decision after verification (admission, ajournement, réfaction with its percent, rejet), with its
    reason, date and author. 400 naming the field; 409 while rows are pending unless it is an adjournment or a
    rejection, and for an admission with failed rows. An adjournment may be followed by another decision."""
    access.require_writer(user, contract.organization_id)
    plan_ensure(user=user, contract=contract)
    with transaction.atomic():
        plan = _locked_plan(contract)
        rows = list(plan.rows.order_by("position", "id").values_list("article", "result"))
        errors, conflicts = acceptance.decision_problems(
            decision=decision, reason=reason, refaction_percent=refaction_percent, rows=rows
        )
        if errors:
            raise ApplicationError(errors)
        if conflicts:
            raise ConflictError(conflicts)
        old = {"decision": plan.decision, "reason": plan.decision_reason}
        plan.decision, plan.decision_reason = decision, reason.strip()
        plan.refaction_percent = refaction_percent if decision == acceptance.REFACTION else None
        plan.decided_at, plan.decided_by = timezone.now(), _user(user)
        plan.save()
        new = {
            "decision": decision,
            "reason": plan.decision_reason,
            "refaction_percent": str(plan.refaction_percent) if plan.refaction_percent is not None else None,
        }
        _event(plan, "decision", user=user, old=old, new=new).save()
    return plan


# The probe at acceptance ----------------------------------------------------------------------------------


def _read_upload(kind, upload):
    data = upload if isinstance(upload, bytes) else upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ApplicationError(
            {kind: [_("Fichier trop volumineux (%(max)s octets au plus).") % {"max": MAX_DOCUMENT_BYTES}]}
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError({kind: [_("Le fichier doit être du JSON encodé en UTF-8.")]}) from None


def probe_request(*, user, contract, files=None, mode="static", fhir_base_url="", sandbox=None) -> AcceptanceProbe:
    """Queue the probe of the delivered system (after commit, on the probes queue), as for a bid's probe:
    the two discovery documents uploaded (`files`), or fetched from `fhir_base_url` (else the contract's sandbox
    base URL), or `mode="live"` with the contract's sandbox (`sandbox`, when given, replaces it first).
    The caller validated the shapes; here: what is missing → 400 naming it."""
    access.require_writer(user, contract.organization_id)
    files = {kind: upload for kind, upload in (files or {}).items() if upload is not None}
    texts = {kind: _read_upload(kind, upload) for kind, upload in files.items()}
    if sandbox:
        contract.sandbox = sandbox
    base_url = ""
    if mode == "live":
        if not all((contract.sandbox or {}).get(key) for key in ("fhir_base_url", "token_url", "client_id")):
            raise ApplicationError(
                {"sandbox": [_("Le marché n'a pas de bac à sable complet (fhir_base_url, token_url, client_id).")]}
            )
        base_url = contract.sandbox["fhir_base_url"]
    elif not texts:
        base_url = fhir_base_url or (contract.sandbox or {}).get("fhir_base_url", "")
        if not base_url:
            raise ApplicationError(
                {"fhir_base_url": [_("Donnez l'URL de base FHIR du système livré ou téléversez ses documents.")]}
            )
    plan_ensure(user=user, contract=contract)
    with transaction.atomic():
        if sandbox:
            Contract.objects.filter(pk=contract.pk).update(sandbox=sandbox, updated_at=timezone.now())
        probe = AcceptanceProbe.objects.create(
            contract=contract,
            source="upload" if texts else "url",
            mode="live" if mode == "live" else "static",
            base_url=base_url,
            capability_statement=texts.get(conformance_services.CAPABILITY_STATEMENT),
            smart_configuration=texts.get(conformance_services.SMART_CONFIGURATION),
            created_by=_user(user),
        )
        transaction.on_commit(lambda: probe_enqueue(probe=probe))
    return probe


def probe_enqueue(*, probe) -> bool:
    from . import tasks  # the task module imports these services

    return jobs.enqueue(tasks.run_acceptance_probe, probe, queued_status=AcceptanceProbe.Status.QUEUED)


def _fetch(base_url):
    """({kind: text or None}, {kind: reason}, transport) of the two discovery documents at `base_url`."""
    texts, reasons, transport = {}, {}, {}
    for kind in conformance_services.KINDS:
        url = base_url.rstrip("/") + conformance_services.PATHS[kind]
        try:
            fetched = fetch_json(
                url,
                accept=conformance_services.ACCEPT[kind],
                allow_xml=kind == conformance_services.CAPABILITY_STATEMENT,
            )
        except FetchRefused as exc:
            texts[kind], reasons[kind] = None, exc.reason
        else:
            texts[kind] = fetched.body.decode("utf-8", errors="replace")
            transport[kind] = {"tls_version": fetched.tls_version, "headers": fetched.headers or {}}
    return texts, reasons, transport


def _claim(probe_id):
    with transaction.atomic():
        probe = (
            AcceptanceProbe.objects.select_for_update(of=("self",))
            .select_related("contract__tender", "contract__organization")
            .filter(pk=probe_id)
            .first()
        )
        if probe is None or probe.is_finished:
            return None
        probe.status = AcceptanceProbe.Status.RUNNING
        probe.attempts += 1
        probe.save(update_fields=["status", "attempts"])
    return probe


def probe_run(*, probe_id):
    """Run acceptance probe `probe_id` (the task's body; a finished probe is left as it is): read the delivered
    system's documents (network outside any transaction), evaluate every check of the tender's clauses (the
    bid probe's evaluation, conformance/services.py), add the live checks in live mode, then fill the plan's
    probe rows (`plan_fill_from_probe`)."""
    probe = _claim(probe_id)
    if probe is None:
        return None
    contract = probe.contract
    texts = {
        conformance_services.CAPABILITY_STATEMENT: probe.capability_statement,
        conformance_services.SMART_CONFIGURATION: probe.smart_configuration,
    }
    reasons, transport = {}, None
    if probe.source == "url":
        texts, reasons, transport = _fetch(probe.base_url)
    clause_checks = conformance_selectors.tender_checks(contract.tender)
    documents, results, usable = conformance_services.evaluate_documents(
        texts=texts, reasons=reasons, clause_checks=clause_checks, transport=transport
    )
    if probe.mode == "live" and clause_checks:
        from conformance import live  # PyJWT and fhir.resources: the worker only

        live_results, _budget = live.run_live(contract.sandbox, contract.organization, clause_checks, lambda: False)
        results, usable = results + live_results, usable or bool(live_results)
    probe.capability_statement = texts.get(conformance_services.CAPABILITY_STATEMENT)
    probe.smart_configuration = texts.get(conformance_services.SMART_CONFIGURATION)
    probe.documents, probe.results, probe.finished_at = documents, results, timezone.now()
    probe.status = AcceptanceProbe.Status.DONE if usable else AcceptanceProbe.Status.FAILED
    probe.error = "" if usable else conformance_services._unreadable_error(documents)
    with transaction.atomic():
        probe.save()
        if usable:
            plan_fill_from_probe(probe=probe)
    return probe


def _probe_note(probe, outcomes, language):
    """The evidence a probe leaves on a row: which probe, how many checks passed, what failed and why."""
    with translation.override(language):
        passed = sum(1 for result in outcomes if result.get("outcome") == acceptance.PASS)
        note = ngettext(
            "Sondage de vérification n° %(id)s du %(date)s : %(passed)s vérification conforme sur %(total)s.",
            "Sondage de vérification n° %(id)s du %(date)s : %(passed)s vérifications conformes sur %(total)s.",
            passed,
        ) % {
            "id": probe.pk,
            "date": timezone.localtime(probe.finished_at).strftime("%d/%m/%Y %H:%M"),
            "passed": passed,
            "total": len(outcomes),
        }
        for result in outcomes:
            if result.get("outcome") != acceptance.PASS:
                localized = conformance_checks.localize(result)
                label = conformance_checks.describe(result.get("check"))
                message = (localized.get("evidence") or {}).get("message") or (localized.get("evidence") or {}).get(
                    "note", ""
                )
                note += f"\n- {label} : {result.get('outcome')} — {message}"
    return note[:MAX_EVIDENCE_CHARS]


def plan_fill_from_probe(*, probe):
    """Fill the plan's probe rows from a finished probe: pass when each of the clause's checks passed, fail when
    one failed, pending when the probe could not tell; its note and the probe as evidence. Left alone once a final
    decision is taken. One audit event per row whose result changed. Runs inside the caller's transaction."""
    plan = AcceptancePlan.objects.select_for_update().filter(contract_id=probe.contract_id).first()
    if plan is None or plan.decision in acceptance.FINAL_DECISIONS:
        return 0
    by_clause = {}
    for result in probe.results or []:
        by_clause.setdefault(result.get("tender_clause"), []).append(result)
    language = probe.contract.tender.language
    rows = list(plan.rows.filter(method=acceptance.PROBE))
    events, now = [], timezone.now()
    for row in rows:
        outcomes = by_clause.get(row.tender_clause_id, [])
        old = row.result
        row.result = acceptance.probe_outcome(result.get("outcome") for result in outcomes)
        row.evidence = _probe_note(probe, outcomes, language)
        row.probe, row.updated_by, row.updated_at = probe, probe.created_by, now
        events.append(
            _event(
                plan,
                "probe",
                user=probe.created_by,
                article=row.article,
                old={"result": old},
                new={"result": row.result, "probe": probe.pk},
            )
        )
    AcceptanceRow.objects.bulk_update(rows, ["result", "evidence", "probe", "updated_by", "updated_at"])
    AcceptanceEvent.objects.bulk_create(events)
    return len(rows)


def probe_fail(*, probe_id, message):
    """The job gave up: the probe ends failed with a readable note (unless it finished meanwhile)."""
    AcceptanceProbe.objects.filter(pk=probe_id).filter(
        Q(status=AcceptanceProbe.Status.QUEUED) | Q(status=AcceptanceProbe.Status.RUNNING)
    ).update(
        status=AcceptanceProbe.Status.FAILED,
        error=conformance_checks.stored_error([message.as_code()]),
        finished_at=timezone.now(),
    )


def probes_requeue(*, older_than_seconds=60) -> int:
    """Hand again to the broker the acceptance probes still queued (asked for while it was down) and those left
    running by a worker that died whole (`jobs.abandoned`). Returns how many were sent (beat calls it)."""
    from . import tasks

    now = timezone.now()
    running = jobs.abandoned(
        AcceptanceProbe.objects.filter(status=AcceptanceProbe.Status.RUNNING),
        started_field="created_at",
        task_names=(tasks.run_acceptance_probe.name,),
        now=now,
        dead_after_seconds=tasks.run_acceptance_probe.time_limit + 60,
    )
    waiting = AcceptanceProbe.objects.filter(
        Q(status=AcceptanceProbe.Status.QUEUED, created_at__lt=now - datetime.timedelta(seconds=older_than_seconds))
        | Q(pk__in=running)
    )
    return jobs.requeue(waiting, lambda probe: probe_enqueue(probe=probe))
