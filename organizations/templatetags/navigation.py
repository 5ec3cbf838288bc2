"""What the main navigation offers: only the sections the signed-in user's roles can use."""

from django import template

from ..access import BUYER_ROLES, roles_by_organization
from ..models import Role

register = template.Library()


def sections_for(user):
    """{"libraries", "tenders", "evaluation", "contracts", "organizations"}: the sections a user may open, from their roles.

    Buyers and admins use the first three; curators the libraries; evaluators their evaluations; every
    member their organisations (roles, API tokens; admins manage members there).
    One query at most (the roles are cached on the user for the request).
    """
    roles = set(roles_by_organization(user).values())
    sections = set()
    if roles & {*BUYER_ROLES, Role.CURATOR}:
        sections.add("libraries")
    if roles & set(BUYER_ROLES):
        sections.update({"tenders", "evaluation", "contracts"})
    if Role.EVALUATOR in roles:
        sections.add("evaluation")
    if roles:
        sections.add("organizations")
    return sections


@register.simple_tag(takes_context=True)
def nav_sections(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return sections_for(user) if user is not None and user.is_authenticated else set()
