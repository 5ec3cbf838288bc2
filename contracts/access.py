"""Who may see and change a contract, like a tender: one module that pages, the API and services call.

A contract outside the user's organisations is missing (404). Every member of the contract's
organisation reads it; buyers and admins create it and record its modifications and subcontracting
acts (403 for the other roles).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organizations.access import BUYER_ROLES, has_role, organization_ids, organization_ids_with_role
from tenders.access import tender_for  # noqa: F401 (a contract's tender is found as tenders are)

from .models import Contract


def visible_contracts(user):
    return Contract.objects.filter(organization_id__in=organization_ids(user))


def contract_for(user, pk):
    contract = visible_contracts(user).select_related("organization", "tender", "bid").filter(pk=pk).first()
    if contract is None:
        raise Http404
    return contract


def writer_organization_ids(user):
    return organization_ids_with_role(user, BUYER_ROLES)


def can_write(user, organization_id) -> bool:
    return has_role(user, organization_id, BUYER_ROLES)


def require_writer(user, organization_id):
    if not can_write(user, organization_id):
        raise PermissionDenied(_("Seuls les acheteurs et les administrateurs de l'organisation modifient ses marchés."))
