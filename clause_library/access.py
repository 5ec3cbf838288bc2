"""Who may see and change a clause library: one module that pages, the API and services call.

A library the user may not read (not their organisations', not shared with one of them, not public,
not open to the owner group's members) is missing (404). Inside, curators and admins of the owning
organisation change it and its clauses; they alone create, import or fork a library into their
organisation. Anyone else gets `PermissionDenied` (403) with one of the reasons below.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from organizations.access import EDITOR_ROLES, get_or_404, has_role, organization_ids_with_role

from .selectors import libraries_visible_to

LIBRARY_EDIT_REFUSED = _(
    "Seuls les curateurs et administrateurs de l'organisation propriétaire peuvent modifier cette bibliothèque."
)
# Creating, importing or forking a library into an organisation (`require_curator`'s `action`).
NEW_LIBRARY_REFUSED = {
    "create": _("Seuls les curateurs et administrateurs d'une organisation peuvent créer une bibliothèque."),
    "import": _("Seuls les curateurs et administrateurs d'une organisation peuvent importer une bibliothèque."),
    "fork": _("Seuls les curateurs et administrateurs d'une organisation peuvent copier une bibliothèque."),
}


def library_for(user, pk):
    """The library `pk` if the user may read it, else 404."""
    return get_or_404(libraries_visible_to(user), pk=pk)


def curator_organization_ids(user):
    """The organisations where the user may create, import or fork a library."""
    return organization_ids_with_role(user, EDITOR_ROLES)


def is_curator(user, organization_id) -> bool:
    return has_role(user, organization_id, EDITOR_ROLES)


def may_edit_library(user, library) -> bool:
    return is_curator(user, library.organization_id)


def require_library_editor(user, library):
    """Curators and admins of the library's owner change it, its clauses, its sharing and its guidance."""
    if not may_edit_library(user, library):
        raise PermissionDenied(LIBRARY_EDIT_REFUSED)


def require_curator(user, organization_id, action):
    """A new library (`action`: create, import, fork) lands only where the user is curator or admin.

    `organization_id` None asks whether the user is one anywhere (the pages that offer the choice)."""
    allowed = curator_organization_ids(user) if organization_id is None else is_curator(user, organization_id)
    if not allowed:
        raise PermissionDenied(NEW_LIBRARY_REFUSED[action])
