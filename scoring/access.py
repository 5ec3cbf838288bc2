"""Who may do what in the evaluation of a tender. Each API view and page starts with one of these.

A tender outside the user's organisations is missing (404). Inside, roles decide (403):
- buyers and admins of the tender's organisation lead the evaluation (criteria, evaluators, bids,
  consensus, reveal, close, results, audit);
- evaluators named on the tender read bids, answers and their own scores (everyone's after reveal),
  prices only when the price is not sealed or technical scoring is closed.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organizations.access import BUYER_ROLES, has_role, organization_ids_with_role
from organizations.models import Membership, Role
from tenders.access import tender_for, visible_tenders  # noqa: F401 (the evaluation reads tenders as tenders do)

from .models import Bid, Criterion, Evaluator
from .selectors import state_of


def evaluation_tenders(user, *, limit=200):
    """The tenders `user` leads (buyer or admin of its organisation) or evaluates (named), published first."""
    visible = visible_tenders(user)
    led = visible.filter(organization_id__in=organization_ids_with_role(user, BUYER_ROLES))
    named = visible.filter(evaluators__user=user)
    return (led | named).distinct().select_related("organization").order_by("status", "-created_at")[:limit]


def bid_for(user, pk):
    """The bid `pk` with its tender, if the user's organisations see the tender (else 404)."""
    bid = Bid.objects.select_related("tender").filter(pk=pk, tender__in=visible_tenders(user)).first()
    if bid is None:
        raise Http404
    return bid


def criterion_for(user, pk):
    """The criterion `pk` with its tender, if the user's organisations see the tender (else 404)."""
    criterion = Criterion.objects.select_related("tender").filter(pk=pk, tender__in=visible_tenders(user)).first()
    if criterion is None:
        raise Http404
    return criterion


def criterion_of_tender(tender, pk):
    """A criterion named in a URL or a body must belong to the tender: otherwise it is missing (404)."""
    criterion = Criterion.objects.filter(tender=tender, pk=pk).first()
    if criterion is None:
        raise Http404
    return criterion


def is_lead(user, tender) -> bool:
    """A buyer or admin of the tender's organisation who is not also one of its evaluators.

    Evaluators may not lead (they would see sealed prices and everyone's scores): a buyer named
    evaluator on a tender acts there as an evaluator only (issue 18, finding 6).
    """
    return buys_for(user, tender) and evaluator_of(user, tender) is None


def buys_for(user, tender) -> bool:
    """A buyer or admin of the tender's organisation, named evaluator or not: such a person may not
    be named evaluator (they would lead and score at once)."""
    return has_role(user, tender.organization_id, BUYER_ROLES)


def evaluator_of(user, tender):
    cache = getattr(tender, "_evaluator_cache", None)
    if cache is None:
        cache = tender._evaluator_cache = {}
    if user.pk not in cache:
        cache[user.pk] = Evaluator.objects.filter(tender=tender, user=user).first()
    return cache[user.pk]


def require_lead(user, tender):
    if not is_lead(user, tender):
        raise PermissionDenied(_("Seuls les acheteurs et administrateurs de l'organisation peuvent faire cela."))


def require_reader(user, tender):
    """The evaluation lead or an evaluator named on the tender."""
    if not is_lead(user, tender) and evaluator_of(user, tender) is None:
        raise PermissionDenied(_("Seuls l'acheteur et les évaluateurs désignés pour ce marché y ont accès."))


def sees_all_scores(user, tender) -> bool:
    """Blind scoring: an evaluator reads only their own scores until the lead reveals them."""
    return is_lead(user, tender) or state_of(tender).revealed_at is not None


def sees_prices(user, tender) -> bool:
    """Sealed price: evaluators see prices only once technical scoring is closed."""
    return is_lead(user, tender) or not tender.sealed_price or state_of(tender).technical_closed_at is not None


def require_results_reader(user, tender):
    if is_lead(user, tender):
        return
    require_reader(user, tender)
    if not sees_all_scores(user, tender) or not sees_prices(user, tender):
        raise PermissionDenied(
            _("Les résultats seront visibles après la levée de l'anonymat des notes et l'ouverture des prix.")
        )


def may_read_results(user, tender) -> bool:
    """The documents that carry prices or others' scores (evaluation report, rejection letters) are
    read by whoever may read the results (documents/registry.py reader rule): the lead, or an
    evaluator named on the tender once scores are revealed and prices opened."""
    if is_lead(user, tender):
        return True
    if evaluator_of(user, tender) is None:
        return False
    return sees_all_scores(user, tender) and sees_prices(user, tender)


def designatable_evaluators(tender):
    """The memberships of the tender's organisation with the evaluator role, not designated on it yet: who the
    lead may designate (a buyer or admin leads and may not also score, services.evaluator_add)."""
    designated = Evaluator.objects.filter(tender=tender).values("user_id")
    return Membership.objects.filter(organization_id=tender.organization_id, role=Role.EVALUATOR).exclude(
        user_id__in=designated
    )
