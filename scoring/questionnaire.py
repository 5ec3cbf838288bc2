"""Importing a vendor's filled answer form (the "cadre de réponse", XLSX) into a bid, all or nothing.

The reader (documents/rendering/xlsx.py) checks the file's safety and the form's own rules; this
module checks it against the tender: article numbers are the ones the tender document prints
(`tenders.selectors.tender_document`), "Partiel" and a roadmap date are refused for a requirement
that may not be delivered later (the clause's `deferrable`; never an eliminatory one), every
eliminatory and scored requirement needs its compliance and every value the vendor may improve
(`improvable` parameters) its committed value, of the parameter's type. A committed value less
favourable than required is not refused but flagged (scoring/commitments.py): judging it is the
buyer's. Every problem is reported at once, each naming sheet, row and column; nothing is written
unless the whole file is right, and then everything is written in one transaction.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clause_library.parameters import coerce_value, normalize_definition
from documents.rendering.answer_form import date_hint, requirement_rows
from documents.rendering.xlsx import (
    REQUIREMENTS_SHEET,
    ROADMAP_SHEET,
    VALUES_SHEET,
    QuestionnaireError,
    parse_date,
    read_questionnaire_xlsx,
)
from organizations.errors import ApplicationError, ConflictError
from tenders.models import TenderClause
from tenders.selectors import tender_document

from . import commitments
from .models import Bid, Criterion
from .services import answer_set, audit, ensure_not_frozen, ensure_published

COMPLIANT = {"Oui": True, "Non": False, "Partiel": None, "": None}
CANDIDATE_FIELDS = {
    "name": "candidate_name",
    "siret": "candidate_siret",
    "address": "candidate_address",
    "email": "candidate_email",
    "signatory_name": "signatory_name",
    "signatory_role": "signatory_role",
    "accepted": "commitment_accepted",
}


def questionnaire_max_bytes() -> int:
    """Answer forms are small: 4 MiB by default, below the request limit so that a big form gets a 400 saying so."""
    return min(getattr(settings, "QUESTIONNAIRE_MAX_BYTES", 4 * 1024 * 1024), settings.MAX_UPLOAD_BYTES)


def _tender_requirements(tender):
    """{article number: requirement row} with, per row, its criterion and its parameter definitions."""
    clauses = {
        tender_clause.stable_id: tender_clause
        for tender_clause in TenderClause.objects.filter(tender_id=tender.pk).select_related("version")
    }
    criteria = {
        criterion.tender_clause_id: criterion
        for criterion in Criterion.objects.filter(tender_id=tender.pk, tender_clause__isnull=False)
    }
    requirements = {}
    for row in requirement_rows(tender_document(tender)):
        tender_clause = clauses.get(row["id"])
        criterion = criteria.get(tender_clause.pk) if tender_clause else None
        definitions = {}
        if tender_clause is not None:
            definitions = {d["name"]: d for d in map(normalize_definition, tender_clause.version.parameters)}
        eliminatory = row["eliminatory"] or (criterion is not None and criterion.kind == "eliminatory")
        requirements[row["article"]] = {
            **row,
            "criterion": criterion,
            "eliminatory": eliminatory,
            "deferrable": row["deferrable"] and not eliminatory,
            "binding": row["requirement"] in ("mandatory", "scored") or criterion is not None,
            "definitions": definitions,
            # The values asked, by the label the form shows them under (the code is not in the form).
            "asked_by_label": {p["label"].casefold(): p["name"] for p in row["parameters"]},
            "required": {p["name"]: p["required"] for p in row["parameters"]},
        }
    return requirements


class _Refusals(list):
    """The QuestionnaireErrors found so far, in the order the sheets are read."""

    def refuse(self, sheet, row, message, column=None):
        self.append(QuestionnaireError(sheet, row, message, column=column))

    def unknown_article(self, sheet, row):
        self.refuse(
            sheet,
            row["row"],
            _("article « %(article)s » inconnu pour ce marché.") % {"article": row["article"][:40]},
            "A",
        )


def _compliance_problem(row, requirement):
    """Why the compliance column of a requirement's row is refused, or None."""
    if requirement["eliminatory"] and row["compliance"] == "Partiel":
        return _("« Partiel » est refusé pour une exigence éliminatoire (article %(article)s) : Oui ou Non.") % {
            "article": row["article"]
        }
    if row["compliance"] == "Partiel" and not requirement["deferrable"]:
        return _(
            "« Partiel » est refusé pour l'article %(article)s : cette exigence ne peut pas être livrée "
            "après la vérification d'aptitude (VABF) ; répondez Oui ou Non."
        ) % {"article": row["article"]}
    if requirement["binding"] and not row["compliance"]:
        return (
            _("conformité obligatoire pour l'article %(article)s (Oui, Non ou Partiel).")
            if requirement["deferrable"]
            else _("conformité obligatoire pour l'article %(article)s (Oui ou Non).")
        ) % {"article": row["article"]}
    return None


def _check_requirements(rows, requirements, refusals) -> dict:
    """{article: row} of the requirements answered; refuses unknown articles, wrong compliance, missing ones."""
    answered = {}
    for row in rows:
        requirement = requirements.get(row["article"])
        if requirement is None:
            refusals.unknown_article(REQUIREMENTS_SHEET, row)
            continue
        answered[row["article"]] = row
        problem = _compliance_problem(row, requirement)
        if problem:
            refusals.refuse(REQUIREMENTS_SHEET, row["row"], problem, "E")
    for article, requirement in requirements.items():
        if requirement["binding"] and article not in answered:
            refusals.refuse(REQUIREMENTS_SHEET, None, _("l'article %(article)s est absent.") % {"article": article})
    return answered


def _value_name(row, requirement, refusals):
    """The parameter a value row commits to, or None when the row is refused or not the vendor's to commit."""
    if row.get("parameter") is None:  # the current form: the value is named by its label
        name = requirement["asked_by_label"].get((row.get("label") or "").casefold())
        if name is None:
            refusals.refuse(
                VALUES_SHEET,
                row["row"],
                _("la valeur « %(label)s » n'est pas demandée pour l'article %(article)s.")
                % {"label": (row.get("label") or "")[:80], "article": row["article"]},
                "C",
            )
        return name
    # A former form, which named it by its code and asked for every parameter.
    name = row["parameter"]
    if name not in requirement["definitions"]:
        refusals.refuse(
            VALUES_SHEET,
            row["row"],
            _("paramètre « %(code)s » inconnu pour l'article %(article)s.")
            % {"code": name[:40], "article": row["article"]},
            "D",
        )
        return None
    if name not in requirement["required"]:
        return None  # a value the buyer fixes (a penalty, a duration): not the vendor's to commit to
    return name


_UNREADABLE = object()


def _committed_value(row, definition, refusals):
    """The value read to the parameter's type (not its bounds: committing to less than asked is an answer
    to judge), or _UNREADABLE once refused."""
    value = row["value"]
    if value in (None, ""):
        refusals.refuse(
            VALUES_SHEET, row["row"], _("valeur engagée obligatoire (%(label)s).") % {"label": definition["label"]}, "F"
        )
        return _UNREADABLE
    if definition["type"] == "date" and not isinstance(value, (int, float)):
        try:
            value = parse_date(value).isoformat()  # "26 mars 2029", "26/03/2029" or "2029-03-26"
        except ValueError:
            refusals.refuse(
                VALUES_SHEET,
                row["row"],
                _("Date « %(value)s » illisible : %(hint)s")
                % {"value": str(value)[:40], "hint": date_hint(translation.get_language())},
                "F",
            )
            return _UNREADABLE
    try:
        return coerce_value({**definition, "min": None, "max": None}, value)
    except ValueError as error:
        refusals.refuse(VALUES_SHEET, row["row"], f"{definition['label']} : {error}", "F")
        return _UNREADABLE


def _check_values(rows, requirements, refusals):
    """({article: {parameter: value}} committed, {articles committing to less than asked}); refuses the
    rows that cannot be read and the values asked that are missing."""
    committed, seen, flagged = {}, set(), set()
    for row in rows:
        requirement = requirements.get(row["article"])
        if requirement is None:
            refusals.unknown_article(VALUES_SHEET, row)
            continue
        name = _value_name(row, requirement, refusals)
        if name is None:
            continue
        definition = requirement["definitions"][name]
        seen.add((row["article"], name))
        value = _committed_value(row, definition, refusals)
        if value is _UNREADABLE:
            continue
        committed.setdefault(row["article"], {})[name] = value
        if commitments.is_less_favourable(definition, requirement["required"].get(name), value):
            flagged.add(row["article"])
    for article, requirement in requirements.items():
        for parameter in requirement["parameters"]:
            if (article, parameter["name"]) not in seen:
                refusals.refuse(
                    VALUES_SHEET,
                    None,
                    _("la valeur engagée « %(label)s » de l'article %(article)s est absente.")
                    % {"label": parameter["label"], "article": article},
                )
    return committed, flagged


def _check_roadmap(rows, requirements, refusals) -> list[dict]:
    """The roadmap's rows; a date is refused for a requirement that cannot be delivered after acceptance."""
    roadmap = []
    for row in rows:
        requirement = requirements.get(row["article"])
        if requirement is None:
            refusals.unknown_article(ROADMAP_SHEET, row)
            continue
        if row["status"] == "roadmap" and not requirement["deferrable"]:
            refusals.refuse(
                ROADMAP_SHEET,
                row["row"],
                _(
                    "l'article %(article)s ne peut pas être livré après la vérification d'aptitude (VABF) : une "
                    "date de feuille de "
                    "route n'est admise que pour une exigence que le marché permet de livrer en différé."
                )
                % {"article": row["article"]},
                "D",
            )
            continue
        roadmap.append(
            {
                "article": row["article"],
                "title": requirement["title"],
                "status": row["status"],
                "date": row["date"],
                "comment": row["comment"],
            }
        )
    return roadmap


def _check(parsed, requirements):
    """Every problem of the filled form against the tender, as QuestionnaireErrors; and the plan."""
    refusals = _Refusals()
    answered = _check_requirements(parsed["requirements"], requirements, refusals)
    committed, flagged = _check_values(parsed["values"], requirements, refusals)
    roadmap = _check_roadmap(parsed["roadmap"], requirements, refusals)
    return list(refusals), answered, committed, roadmap, flagged


def _identity(name, siret):
    return f"{name or '—'} (SIRET {siret})" if siret else (name or "—")


def _same_candidate(bid, candidate) -> bool:
    """Whether the form's candidate is the bid's known one: same SIRET when both are known, otherwise
    the same legal name (case and spacing aside). A bid without an imported identity matches anything."""
    known_name, known_siret = bid.candidate_name.strip(), bid.candidate_siret.strip()
    if not known_name and not known_siret:
        return True
    new_siret = (candidate.get("siret") or "").strip()
    if known_siret and new_siret:
        return known_siret == new_siret
    normal = lambda text: " ".join((text or "").split()).casefold()  # noqa: E731
    return normal(known_name) == normal(candidate.get("name"))


def questionnaire_import(*, user, bid: Bid, data: bytes, replace: bool = False) -> dict:
    """Import the vendor's filled answer form (XLSX) into the bid, all or nothing (audited).

    Candidate sheet → the bid's candidate fields; each requirement row → the answer to its criterion
    (compliance Oui / Non / Partiel → `compliant` true / false / null, answer, evidence) with the
    committed values of its parameters (`Answer.committed_values`, keyed by parameter name); the
    roadmap sheet → `Bid.roadmap`. Rows of requirements without a criterion (informative clauses)
    are read but not stored as answers. Anything wrong → 400 `{"file": [one message per problem,
    each naming sheet, row and column]}` with nothing stored. Returns
    ``{"imported", "skipped", "committed_values", "roadmap", "below_requirement"}`` (counts;
    the last: requirements with a committed value less favourable than required, flagged, not refused).

    A form whose candidate (SIRET, or legal name without one) differs from the bid's known candidate
    is refused (409 naming both: another company's form would re-address this bid's letters) unless
    `replace` is true; a replacement is audited (`bid.answer_form_replace`, old and new identity).
    """
    ensure_published(bid.tender)
    limit = questionnaire_max_bytes()
    if len(data) > limit:
        raise ApplicationError({"file": [_("Fichier trop volumineux (au plus %(limit)d octets).") % {"limit": limit}]})
    form_errors = []
    try:
        parsed = read_questionnaire_xlsx(data)
    except QuestionnaireError as error:
        parsed = getattr(error, "result", None)
        if parsed is None:  # unsafe, unreadable or not our form: nothing more to say
            raise ApplicationError({"file": error.messages()})
        form_errors = error.errors
    requirements = _tender_requirements(bid.tender)
    errors, answered, committed, roadmap, flagged = _check(parsed, requirements)
    # One message per cell: the form's own problem first (a misspelt compliance is not also "missing").
    places = {(e.sheet, e.row, e.column) for e in form_errors if e.row}
    errors = form_errors + [e for e in errors if (e.sheet, e.row, e.column) not in places]
    if errors:
        raise ApplicationError({"file": [error.located() for error in errors]})

    imported = skipped = 0
    with transaction.atomic():
        ensure_not_frozen(bid.tender, _("le cadre de réponse d'une offre"))
        known = Bid.objects.select_for_update().get(pk=bid.pk)
        if not _same_candidate(known, parsed["candidate"]):
            old_identity = _identity(known.candidate_name, known.candidate_siret)
            new_identity = _identity(parsed["candidate"].get("name"), parsed["candidate"].get("siret"))
            if not replace:
                raise ConflictError(
                    {
                        "file": [
                            _(
                                "Ce cadre de réponse est celui de %(new)s, alors que l'offre « %(vendor)s » est celle "
                                "de %(old)s. Vérifiez le fichier ; pour remplacer le candidat, importez-le de nouveau "
                                "avec confirm=replace."
                            )
                            % {"new": new_identity, "old": old_identity, "vendor": known.vendor}
                        ]
                    }
                )
            audit(
                tender_id=bid.tender_id,
                user=user,
                action="bid.answer_form_replace",
                obj=known,
                field="candidate",
                old=old_identity,
                new=new_identity,
            )
        for article, row in answered.items():
            criterion = requirements[article]["criterion"]
            if criterion is None:
                skipped += 1
                continue
            answer_set(
                user=user,
                bid=bid,
                criterion=criterion,
                text=row["answer"],
                compliant=COMPLIANT[row["compliance"]],
                evidence=row["evidence"],
                committed_values=committed.get(article) if requirements[article]["parameters"] else None,
            )
            imported += 1
        locked = Bid.objects.select_for_update().get(pk=bid.pk)
        old = {field: getattr(locked, field) for field in (*CANDIDATE_FIELDS.values(), "roadmap")}
        for key, field in CANDIDATE_FIELDS.items():
            setattr(locked, field, parsed["candidate"][key])
        locked.roadmap = roadmap
        locked.answer_form_imported_at = timezone.now()
        locked.save(update_fields=[*CANDIDATE_FIELDS.values(), "roadmap", "answer_form_imported_at", "updated_at"])
        new = {field: getattr(locked, field) for field in (*CANDIDATE_FIELDS.values(), "roadmap")}
        audit(
            tender_id=bid.tender_id,
            user=user,
            action="bid.answer_form",
            obj=locked,
            field="answer_form",
            old=old,
            new=new,
        )
    for field in (*CANDIDATE_FIELDS.values(), "roadmap", "answer_form_imported_at"):
        setattr(bid, field, getattr(locked, field))
    return {
        "imported": imported,
        "skipped": skipped,
        "committed_values": sum(len(values) for values in committed.values()),
        "roadmap": len(roadmap),
        "below_requirement": len(flagged),
    }
