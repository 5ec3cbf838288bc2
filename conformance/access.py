"""Who may probe a bid's system: the people who lead the tender, like every other change to it.

A bid outside the user's organisations is missing (404) before this is asked (the pages and the API
find it through `scoring.access.bid_for`). Inside, only buyers and admins of the tender's organisation
ask for a probe or cancel one; anyone else gets `PermissionDenied` (403).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from tenders.access import may_edit_tender

PROBE_REFUSED = _("Seuls les acheteurs et administrateurs de l'organisation peuvent lancer un sondage.")


def may_probe(user, bid) -> bool:
    return may_edit_tender(user, bid.tender)


def require_prober(user, bid):
    if not may_probe(user, bid):
        raise PermissionDenied(PROBE_REFUSED)
