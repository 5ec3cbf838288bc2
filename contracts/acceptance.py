"""The acceptance plan's rules (VABF), pure: plain values in, plain values out, no database.

- `is_requirement(destination, requirement)`: which tender clauses become rows — the CCTP annex's
  requirements (mandatory or scored; an informative clause asks nothing to verify). The CCAP's clauses
  (penalties, reversibility…) are executed, not accepted: the requests log and penalties follow them.
- `method_for(checks, category)`: how a row is verified. One rule, no key list:
  * `probe` when the clause carries at least one conformance check (conformance/checks.py evaluates it
    against the delivered system's discovery documents, and the live probe exercises its sandbox);
  * `document` when the clause's category is a deliverable on paper: documentation, roadmap and traceability
    (specifications, plans, the roadmap's milestones);
  * `demonstration` otherwise (the holder shows the function working, in the buyer's presence).
- `expected_text(...)`: what the verifier compares against, in the tender's language: each measurable or
  chosen value of the clause (never a free-text one: the article's text states those) as "label : value";
  the holder's committed value when it improved on the required one (its answer form), else the required one.
- `probe_outcome(outcomes)`: a probe row's result from its checks' outcomes.
- `proposed_decision(results)` and `decision_problems(...)`: the decision rules (docs/EXECUTION.md).
"""

from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clause_library.parameters import display_value, normalize_definition
from organizations.formatting import format_date_words
from scoring.commitments import is_less_favourable

PROBE, DOCUMENT, DEMONSTRATION = "probe", "document", "demonstration"
PENDING, PASS, FAIL, RESERVED = "pending", "pass", "fail", "reserved"
RESULTS = (PENDING, PASS, FAIL, RESERVED)
ADMISSION, AJOURNEMENT, REFACTION, REJET = "admission", "ajournement", "refaction", "rejet"
DECISIONS = (ADMISSION, AJOURNEMENT, REFACTION, REJET)
# Decisions that close the verification: rows no longer change after them (an adjournment asks for more).
FINAL_DECISIONS = (ADMISSION, REFACTION, REJET)

DOCUMENT_CATEGORIES = ("documentation", "roadmap")
# Parameters whose value the verifier can compare; a text parameter is a list of words the article prints.
PRINTED_TYPES = ("integer", "decimal", "date", "choice", "boolean")


def is_requirement(destination, requirement) -> bool:
    return (destination or "annex") == "annex" and requirement in ("mandatory", "scored")


def method_for(checks, category) -> str:
    if any(isinstance(check, dict) for check in checks or []):
        return PROBE
    if category in DOCUMENT_CATEGORIES:
        return DOCUMENT
    return DEMONSTRATION


def _improves(definition, required, committed) -> bool:
    """The committed value is strictly more favourable than the required one (by the parameter's direction)."""
    if committed in (None, "") or not definition["improvable"] or definition["direction"] not in ("max", "min"):
        return False
    # is_less_favourable(d, a, b): b is worse than a. Swapped: the required value is worse than the committed one.
    return is_less_favourable(definition, committed, required)


def _shown(definition, value, language) -> str:
    if definition["type"] == "date" and isinstance(value, str) and value:
        try:
            return format_date_words(value, language=language)
        except ValueError:
            return value
    if definition["type"] == "decimal" and value not in (None, ""):
        try:
            value = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            return str(value)
    return display_value(value, language)


def expected_text(*, article, definitions, required, committed, language="fr") -> str:
    """The row's "expected" in `language`: the clause's values, the holder's commitment where it is better."""
    parts = []
    with translation.override(language):
        for definition in map(normalize_definition, definitions or []):
            name = definition["name"]
            if definition["type"] not in PRINTED_TYPES or required.get(name) in (None, ""):
                continue
            value = required[name]
            label = definition["label"]
            if _improves(definition, value, (committed or {}).get(name)):
                parts.append(
                    _("%(label)s : %(committed)s (engagement du titulaire ; exigé : %(required)s)")
                    % {
                        "label": label,
                        "committed": _shown(definition, committed[name], language),
                        "required": _shown(definition, value, language),
                    }
                )
            else:
                parts.append(
                    _("%(label)s : %(value)s") % {"label": label, "value": _shown(definition, value, language)}
                )
        if not parts:
            return _("Conforme aux stipulations de l'article %(article)s de l'annexe.") % {"article": article}
    return " ; ".join(parts)


def probe_outcome(outcomes) -> str:
    """fail if any check failed, pass if every check passed, else pending (the probe could not tell)."""
    outcomes = list(outcomes)
    if any(outcome == FAIL for outcome in outcomes):
        return FAIL
    if outcomes and all(outcome == PASS for outcome in outcomes):
        return PASS
    return PENDING


def proposed_decision(results) -> str:
    """Admission when every row passes (and there is at least one), else adjournment."""
    results = list(results)
    return ADMISSION if results and all(result == PASS for result in results) else AJOURNEMENT


def decision_problems(*, decision, reason, refaction_percent, rows) -> tuple[dict, dict]:
    """({field: [message]} → 400, {field: [message]} → 409) for a decision over `rows` [(article, result)]."""
    errors, conflicts = {}, {}
    if decision not in DECISIONS:
        errors["decision"] = [_("Décision inconnue (attendu : %(values)s).") % {"values": ", ".join(DECISIONS)}]
    if not (reason or "").strip():
        errors["reason"] = [_("Motivez la décision.")]
    if decision == REFACTION:
        if refaction_percent is None or not (0 < refaction_percent < 100):
            errors["refaction_percent"] = [_("La réfaction est un pourcentage strictement compris entre 0 et 100.")]
    elif refaction_percent is not None:
        errors["refaction_percent"] = [_("Un pourcentage de réfaction n'accompagne qu'une admission avec réfaction.")]
    if errors:
        return errors, conflicts
    pending = [article for article, result in rows if result == PENDING]
    failed = [article for article, result in rows if result == FAIL]
    if decision in (ADMISSION, REFACTION) and pending:
        conflicts["detail"] = [
            ngettext(
                "%(count)s exigence reste à vérifier (article %(articles)s) : seuls l'ajournement ou le rejet "
                "sont possibles.",
                "%(count)s exigences restent à vérifier (articles %(articles)s) : seuls l'ajournement ou le rejet "
                "sont possibles.",
                len(pending),
            )
            % {"count": len(pending), "articles": ", ".join(pending[:20]) + ("…" if len(pending) > 20 else "")}
        ]
    elif decision == ADMISSION and failed:
        conflicts["detail"] = [
            _(
                "Des exigences ne sont pas conformes (article(s) %(articles)s) : prononcez une réfaction, un "
                "ajournement ou un rejet."
            )
            % {"articles": ", ".join(failed[:20])}
        ]
    return errors, conflicts
