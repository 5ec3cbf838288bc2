"""Who may see and change a tender: one module that pages, the API and services call.

A tender outside the user's organisations is missing (404). Every member of its organisation reads
it; buyers and admins of that organisation create tenders there and change them (their clauses,
values, documents). Anyone else gets `PermissionDenied` (403) with one of the reasons below.
Some documents (the evaluation report, the letters) carry prices or scores: asking for one also
needs the kind's reader rule (`documents.registry.may_read`, set by scoring). The evaluation's own
rules (leads and evaluators) are in `scoring/access.py`.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from documents import registry
from organizations.access import BUYER_ROLES, get_or_404, has_role, organization_ids, organization_ids_with_role

from .models import Tender

TENDER_EDIT_REFUSED = _("Seuls les acheteurs et administrateurs de l'organisation peuvent modifier cet appel d'offres.")
TENDER_CREATE_REFUSED = _("Seuls les acheteurs et administrateurs peuvent créer un appel d'offres.")
DOCUMENT_REFUSED = _("Vous ne pouvez pas demander ce document.")


def visible_tenders(user):
    """Tenders of the user's organisations (any role may read)."""
    return Tender.objects.filter(organization_id__in=organization_ids(user)).select_related("organization")


def tender_for(user, pk):
    """The tender `pk` if it belongs to one of the user's organisations, else 404."""
    return get_or_404(visible_tenders(user), pk=pk)


def buyer_organization_ids(user):
    """The organisations where the user may create a tender."""
    return organization_ids_with_role(user, BUYER_ROLES)


def is_buyer(user, organization_id) -> bool:
    """Buyer or admin of the organisation."""
    return has_role(user, organization_id, BUYER_ROLES)


def may_edit_tender(user, tender) -> bool:
    return is_buyer(user, tender.organization_id)


def require_tender_editor(user, tender):
    """Buyers and admins of the tender's organisation change it; a member with another role gets 403."""
    if not may_edit_tender(user, tender):
        raise PermissionDenied(TENDER_EDIT_REFUSED)


def require_buyer(user, organization_id=None):
    """A new tender lands only where the user is buyer or admin (`organization_id` None: anywhere)."""
    allowed = buyer_organization_ids(user) if organization_id is None else is_buyer(user, organization_id)
    if not allowed:
        raise PermissionDenied(TENDER_CREATE_REFUSED)


def require_document_editor(user, tender, kind):
    """Who may ask for (or retry) a document of `kind`: an editor of the tender who may also read that kind."""
    require_tender_editor(user, tender)
    if not registry.may_read(user, kind, tender):
        raise PermissionDenied(DOCUMENT_REFUSED)
