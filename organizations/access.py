"""Who may see and change what: the tenancy rules, as plain helpers.

Every view starts with one of these. Objects outside a user's reach are reported as
missing (404), never as forbidden, so ids leak nothing.
"""

from django.http import Http404

from .models import Membership, Role

EDITOR_ROLES = (Role.ADMIN, Role.CURATOR)
BUYER_ROLES = (Role.ADMIN, Role.BUYER)


def roles_by_organization(user):
    """{organization_id: role} for the user, cached on the user object for the request."""
    if not user or not user.is_authenticated:
        return {}
    cached = getattr(user, "_clausier_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))
        user._clausier_roles = cached
    return cached


def organization_ids(user):
    return set(roles_by_organization(user))


def has_role(user, organization_id, roles):
    return roles_by_organization(user).get(organization_id) in roles


def organization_ids_with_role(user, roles):
    return {org for org, role in roles_by_organization(user).items() if role in roles}


def get_or_404(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
