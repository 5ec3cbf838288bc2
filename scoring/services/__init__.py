"""Writes to the evaluation of a tender, by sub-domain. Every function validates, writes atomically and
keeps the audit trail.

- trail: the audit trail itself (`audit`);
- criteria: the weighted tree, while the tender is a draft;
- evaluation: evaluators and their declaration, reveal, close-technical, reopening, and the state
  rules later writes check (published tender, prices not yet opened: `locked_state` is the one lock);
- bids: bids, answers and the lead's eliminatory decisions;
- scores: evaluators' scores and the consensus;
- low_offers: abnormally low offers.

Who may call what (tenancy, roles) is checked with scoring/access.py before calling these; a refusal
that depends on the evaluation itself (an evaluator who has not declared) raises Django's
PermissionDenied, which the pages and the API turn into a 403 in one place each. The names below are
the package's API: `from scoring import services; services.score_set(...)`.
"""

from .award import (
    award_certificates,
    award_certificates_failed,
    award_decide,
    award_failures_of,
    award_letters_refusal,
    award_letters_sent,
    award_of,
    failed_bids,
    passed_over_bids,
    retained_bid,
    standstill_until,
)
from .bids import (
    BID_FIELDS,
    FROZEN_BID_FIELDS,
    REGULARISATION_FIELDS,
    answer_set,
    bid_create,
    bid_delete,
    bid_update,
    check_same_tender,
    eliminatory_accept_declared,
    eliminatory_decide,
    eliminatory_decide_many,
)
from .criteria import (
    CRITERION_FIELDS,
    DEFAULT_PRICE_WEIGHT,
    PRICE_NAME,
    PROBLEM_FIELDS,
    TECHNICAL_PARENT_NAME,
    criteria_check,
    criteria_from_clauses,
    criteria_weights_set,
    criterion_create,
    criterion_delete,
    criterion_update,
    ensure_draft,
)
from .evaluation import (
    DRAFT,
    ensure_not_frozen,
    ensure_published,
    evaluation_state,
    evaluator_add,
    evaluator_declare,
    evaluator_remove,
    is_frozen,
    locked_state,
    technical_close_blockers,
    tender_close_technical,
    tender_reopen,
    tender_reveal,
)
from .low_offers import (
    low_offer_decide,
    low_offer_request,
    low_offer_threshold_set,
)
from .scores import (
    consensus_set,
    score_set,
)
from .trail import (
    audit,
)

__all__ = [
    "award_certificates",
    "award_certificates_failed",
    "award_failures_of",
    "award_decide",
    "award_letters_refusal",
    "award_letters_sent",
    "award_of",
    "failed_bids",
    "passed_over_bids",
    "retained_bid",
    "standstill_until",
    "audit",
    "DEFAULT_PRICE_WEIGHT",
    "TECHNICAL_PARENT_NAME",
    "PRICE_NAME",
    "ensure_draft",
    "PROBLEM_FIELDS",
    "CRITERION_FIELDS",
    "criterion_create",
    "criterion_update",
    "criterion_delete",
    "criteria_check",
    "criteria_from_clauses",
    "criteria_weights_set",
    "DRAFT",
    "evaluation_state",
    "locked_state",
    "is_frozen",
    "ensure_not_frozen",
    "evaluator_add",
    "evaluator_remove",
    "evaluator_declare",
    "tender_reveal",
    "tender_close_technical",
    "technical_close_blockers",
    "tender_reopen",
    "ensure_published",
    "bid_create",
    "BID_FIELDS",
    "FROZEN_BID_FIELDS",
    "bid_update",
    "bid_delete",
    "check_same_tender",
    "answer_set",
    "REGULARISATION_FIELDS",
    "eliminatory_decide",
    "eliminatory_accept_declared",
    "eliminatory_decide_many",
    "score_set",
    "consensus_set",
    "low_offer_threshold_set",
    "low_offer_request",
    "low_offer_decide",
]
