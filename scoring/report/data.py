"""The procedure report's facts as plain, JSON-serialisable data (no ORM object leaves this module).

Numbers are rounded once here (`points`: two decimals, half up) and every writer and the chart read
these rounded values, so the table and the chart can never disagree. People are named by their full
name (the username only when none is recorded); dates are ISO here and put in words by the sections.
"""

import hashlib
import json
from decimal import Decimal

from django.utils import timezone, translation

from tenders import allotment
from tenders.models import PriceFormula, Procedure, TenderClause

from .. import extensions, rules, selectors
from ..models import AuditEvent, Award, Bid, Consensus, EliminatoryDecision, LowOfferReview, Score
from ..services.award import failed_bids, retained_bid, standstill_until

HUNDRED = Decimal(100)


def points(value):
    """The one rounding of the report: two decimals, half up, as a float (None stays None)."""
    return None if value is None else float(rules.rounded(rules.to_decimal(value), 2))


def person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def iso(moment):
    if moment is None:
        return None
    if hasattr(moment, "hour"):
        return timezone.localtime(moment).date().isoformat() if timezone.is_aware(moment) else moment.date().isoformat()
    return moment.isoformat()


def _ttc(amount, vat_rate):
    if amount is None:
        return None
    return points(rules.to_decimal(amount) * (HUNDRED + rules.to_decimal(vat_rate)) / HUNDRED)


def _justifications(tender):
    """{(bid, criterion): [{"evaluator", "value", "comment"}]}: every evaluator's score and its comment."""
    out = {}
    for score in Score.objects.filter(bid__tender=tender).select_related("evaluator").order_by("evaluator__username"):
        out.setdefault((score.bid_id, score.criterion_id), []).append(
            {"evaluator": person(score.evaluator), "value": points(score.value), "comment": score.comment}
        )
    return out


def _consensus(tender):
    return {
        (c.bid_id, c.criterion_id): {
            "value": points(c.value),
            "justification": c.justification,
            "set_by": person(c.set_by),
        }
        for c in Consensus.objects.filter(bid__tender=tender).select_related("set_by")
    }


def _decisions(tender):
    return {
        (d.bid_id, d.criterion_id): d
        for d in EliminatoryDecision.objects.filter(bid__tender=tender).select_related("decided_by", "criterion")
    }


def _elimination(decision, consensus, number, name):
    """Why a bid fails an eliminatory requirement: the lead's qualification and reason, never the vendor's text."""
    if decision is not None:
        return {
            "number": number,
            "criterion": name,
            "qualification": decision.qualification,
            "qualification_label": str(decision.get_qualification_display()) if decision.qualification else "",
            "reason": decision.reason,
            "decided_by": person(decision.decided_by),
            "decided_on": iso(decision.decided_at),
        }
    return {
        "number": number,
        "criterion": name,
        "qualification": "",
        "qualification_label": "",
        "reason": (consensus or {}).get("justification", ""),
        "decided_by": (consensus or {}).get("set_by", ""),
        "decided_on": None,
    }


CANDIDATE_FIELDS = {
    "siret": "candidate_siret",
    "address": "candidate_address",
    "email": "candidate_email",
    "signatory_name": "signatory_name",
    "signatory_role": "signatory_role",
}


def _candidate_rows(tender):
    """{bid id: its answer form's candidate fields (scoring/questionnaire.py)}: one query."""
    fields = ("candidate_name", *CANDIDATE_FIELDS.values())
    return {row["pk"]: row for row in Bid.objects.filter(tender=tender).values("pk", *fields)}


def candidate(vendor, row) -> dict:
    """The candidate as it identified itself in its answer form: the legal name, or the name the buyer
    recorded (`vendor`) when no form was imported; SIRET, address, e-mail and signatory, empty when unknown."""
    row = row or {}
    return {
        "name": row.get("candidate_name") or vendor,
        **{key: row.get(field) or "" for key, field in CANDIDATE_FIELDS.items()},
    }


def _status(result):
    if result.eligible is True:
        return "eligible"
    if result.eligible is None:
        return "undecided"
    return "low_offer_rejected" if result.rejected and not result.eliminated_by else "eliminated"


def _criteria_rows(tree) -> list[dict]:
    return [
        {
            "id": c.pk,
            "number": number,
            "name": c.name,
            "kind": c.kind,
            "depth": depth,
            "weight": points(c.weight),
            "global_weight": points(share),
            "scale_max": c.scale_max,
        }
        for c, depth, number, share in tree
    ]


class _Inputs:
    """What every bid's row reads, loaded once per report (one query each)."""

    def __init__(self, tender, tree, record):
        self.info = {
            c.pk: {"name": c.name, "number": number, "kind": c.kind, "depth": depth} for c, depth, number, _s in tree
        }
        self.vat_rate = record.vat_rate if record.vat_rate is not None else Decimal(20)
        self.justifications = _justifications(tender)
        self.consensus = _consensus(tender)
        self.decisions = _decisions(tender)
        self.subcontracting = {row.get("bid"): row for row in record.subcontracting or []}
        self.candidates = _candidate_rows(tender)

    def label(self, cid):
        return self.info[cid]["number"] + " " + self.info[cid]["name"]


def _criterion_cell(result, row, inputs) -> dict:
    info = inputs.info[row["criterion"]]
    return {
        "criterion": row["criterion"],
        "number": info["number"],
        "name": info["name"],
        "kind": info["kind"],
        "depth": info["depth"],
        "score": points(row["score"]),
        "points": points(row["points"]),
        "dispersion": row["dispersion"],
        "justifications": inputs.justifications.get((result.bid, row["criterion"]), []),
        "consensus": inputs.consensus.get((result.bid, row["criterion"])),
    }


def _bid_row(result, inputs) -> dict:
    eliminations = [
        _elimination(
            inputs.decisions.get((result.bid, cid)),
            inputs.consensus.get((result.bid, cid)),
            inputs.info[cid]["number"],
            inputs.info[cid]["name"],
        )
        for cid in result.eliminated_by
    ]
    sub = inputs.subcontracting.get(result.bid) or {}
    return {
        "id": result.bid,
        "vendor": result.vendor,
        "candidate": candidate(result.vendor, inputs.candidates.get(result.bid)),
        "price": points(result.price),
        "price_ttc": _ttc(result.price, inputs.vat_rate),
        "eligible": result.eligible,
        "status": _status(result),
        "rank": result.rank,
        "technical_points": points(result.technical_points),
        "price_points": points(result.price_points),
        "total": points(result.total),
        "undecided": [inputs.label(cid) for cid in result.undecided],
        "criteria": [_criterion_cell(result, row, inputs) for row in result.criteria],
        "eliminations": eliminations,
        "low_offer_rejected": result.rejected,
        "subcontracting_share": points(sub.get("share")),
        "subcontractors": sub.get("subcontractors") or "",
    }


def _regularisations(inputs, bids) -> list[dict]:
    vendors = {b["id"]: b["vendor"] for b in bids}
    return [
        {
            "vendor": vendors.get(d.bid_id, ""),
            "bid": d.bid_id,
            "number": inputs.info.get(d.criterion_id, {}).get("number", ""),
            "criterion": d.criterion.name,
            "requested_on": iso(d.regularisation_requested_on),
            "request": d.regularisation_request,
            "answer": d.regularisation_answer,
            "outcome": d.regularisation_outcome,
            "decision": d.decision,
            "decision_label": str(d.get_decision_display()),
        }
        for d in inputs.decisions.values()
        if d.regularisation_requested_on or d.regularisation_request or d.decision == "regularisation_requested"
    ]


AWARDEE_FIELDS = (
    "price",
    "price_ttc",
    "total",
    "technical_points",
    "price_points",
    "subcontracting_share",
    "subcontractors",
)


def _awardee(outcome, bids, failed):
    """The bid the award goes to: the first ranked, or the next after awardees that did not provide their
    certificates (R2144-7, scoring/services/award.py)."""
    retained = retained_bid(outcome, failed)
    if retained is None:
        return None
    winner = next(b for b in bids if b["id"] == retained)
    return {"bid": winner["id"], "vendor": winner["vendor"], **{key: winner[key] for key in AWARDEE_FIELDS}}


def _procedure_label(tender):
    return str(Procedure(tender.procedure).label) if tender.procedure in Procedure.values else tender.procedure


def _letters(award, record) -> dict:
    """Recorded by the award sequence's last step; the procedure record's date (or today) before it."""
    if award and award["letters_sent_on"]:
        return {"letters_sent_on": award["letters_sent_on"], "letters_electronic": award["letters_electronic"]}
    return {"letters_sent_on": iso(record.letters_sent_on), "letters_electronic": record.letters_electronic}


def _lots_reason(tender, record) -> str:
    """R2184-3: why the contract is not divided (the record's words, else the tender's single-lot reason), or
    the lots it is divided into (tenders/allotment.py words it as the RC does)."""
    lots = list(tender.lots.all())
    if lots:
        return " ".join(allotment.allotment_section(tender, lots)["paragraphs"])
    return record.lots_reason or tender.single_lot_reason


def _record_facts(record) -> dict:
    """The procedure record's own facts, as the buyer typed them."""
    return {
        "buyer_address": record.buyer_address,
        "lots_reason": record.lots_reason,
        "conflicts_detected": record.conflicts_detected,
        "conflict_measures": record.conflict_measures,
        "signatory_name": record.signatory_name,
        "signatory_role": record.signatory_role,
        "signed_at": iso(record.signed_at),
        "tribunal": record.tribunal,
        # The procedure's facts (R2184-2): the notice, the deadline for offers, the opening.
        "notice_published_on": iso(record.notice_published_on),
        "notice_medium": record.notice_medium,
        "offers_deadline": timezone.localtime(record.offers_deadline).strftime("%Y-%m-%dT%H:%M")
        if record.offers_deadline
        else None,
        "opened_on": iso(record.opened_on),
    }


def _low_offers(tender, outcome) -> list[dict]:
    reviewers = {
        review.bid_id: (person(review.requested_by), person(review.decided_by))
        for review in LowOfferReview.objects.filter(bid__tender=tender).select_related("requested_by", "decided_by")
    }
    return [_low_offer(row, reviewers) for row in outcome.low_offers.values()]


def _generated_on(tender):
    last_change = AuditEvent.objects.filter(tender=tender).order_by("-at").values_list("at", flat=True).first()
    return iso(last_change or tender.published_at or tender.updated_at)


def report_document(tender) -> dict:
    """The report as plain data. Raises rules.CriteriaError / rules.PriceError when results cannot be computed."""
    language = getattr(tender, "language", "fr") or "fr"
    with translation.override(language):
        outcome = selectors.tender_outcome(tender)
        tree = selectors.criteria_tree(tender)
        record = selectors.procedure_record_of(tender)
        inputs = _Inputs(tender, tree, record)
        bids = [_bid_row(result, inputs) for result in outcome.results]
        failed = failed_bids(tender)
        awardee = _awardee(outcome, bids, failed)
        value = points(record.contract_value) if record.contract_value is not None else None
        award = _award(tender, len(bids))
        doc = {
            "language": language,
            "organization": tender.organization.name,
            "reference": tender.reference,
            "title": tender.title,
            "procedure": tender.procedure,
            "procedure_label": _procedure_label(tender),
            "price_formula": tender.price_formula,
            "price_formula_label": str(PriceFormula(tender.price_formula).label),
            "generated_on": _generated_on(tender),
            "provisional": outcome.provisional,
            "blocking": outcome.blocking,
            "tie_break": outcome.tie,
            "tie_break_rule": tender.tie_break,
            "value": value,
            "value_ttc": _ttc(value, inputs.vat_rate),
            "awarded_value": awardee["price"] if awardee else None,
            "awarded_value_ttc": awardee["price_ttc"] if awardee else None,
            "vat_rate": points(inputs.vat_rate),
            "criteria": _criteria_rows(tree),
            "bids": bids,
            "awardee": awardee,
            # Awardees that did not provide their certificates in time (R2144-7): their letter says so.
            "failed_awardees": sorted(failed),
            "tie": sum(1 for b in bids if b["rank"] == 1) > 1,
            "candidatures": [
                {"name": row.get("name", ""), "admitted": bool(row.get("admitted")), "reason": row.get("reason", "")}
                for row in record.candidatures or []
            ],
            "regularisations": _regularisations(inputs, bids),
            "evaluators": [
                {"name": person(e.user), "declared_on": iso(e.declared_at)} for e in selectors.evaluators_of(tender)
            ],
            **_record_facts(record),
            "lots_reason": _lots_reason(tender, record),
            **_letters(award, record),
            "award": award,
            "offers_received": len(bids),
            # Steps the consultation documents announce: machine-checked clauses announce the probe.
            "announced_checks": TenderClause.objects.filter(tender=tender).exclude(version__checks=[]).count(),
            "low_offer_threshold": points(outcome.threshold),
            "low_offers": _low_offers(tender, outcome),
            # Sections other apps plug in (scoring/extensions.py): the conformance probe of each bid.
            **extensions.report_sections(tender, bids),
        }
    doc["inputs_digest"] = digest(doc)
    return doc


def _award(tender, bids_count):
    """The award sequence as plain data (scoring/services/award.py), or None before the decision."""
    award = Award.objects.filter(tender=tender).select_related("decided_by").first()
    if award is None:
        return None
    return {
        "bid": award.bid_id,
        "decided_on": iso(award.decided_on),
        "decided_by": person(award.decided_by),
        "advantages": award.advantages,
        "certificates_received_on": iso(award.certificates_received_on),
        "certificates_waived_reason": award.certificates_waived_reason,
        "letters_sent_on": iso(award.letters_sent_on),
        "letters_electronic": award.letters_electronic,
        "standstill_until": iso(
            standstill_until(award.letters_sent_on, award.letters_electronic, bids_count=bids_count)
        ),
    }


def digest(doc) -> str:
    canonical = {k: v for k, v in doc.items() if k != "inputs_digest"}
    return hashlib.sha256(
        json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    ).hexdigest()


def _low_offer(row, reviewers) -> dict:
    review = row["review"] or {}
    requested_by, decided_by = reviewers.get(row["bid"], ("", ""))
    return {
        "bid": row["bid"],
        "vendor": row["vendor"],
        "price": points(row["price"]),
        "mean_of_others": points(row["mean_of_others"]),
        "gap_percent": points(row["gap_percent"]),
        "flagged": row["flagged"],
        "decision": row["decision"],
        "requested_on": iso(review.get("requested_at")),
        "request_note": review.get("request_note") or "",
        "decided_on": iso(review.get("decided_at")),
        "requested_by": requested_by,
        "decided_by": decided_by,
        "reason": review.get("reason") or "",
        "sent_on": iso(review.get("sent_on")),
        "deadline": iso(review.get("deadline")),
        "received_on": iso(review.get("received_on")),
    }
