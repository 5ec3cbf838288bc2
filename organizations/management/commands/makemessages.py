"""`makemessages` that also extracts `N_("…")` and `_lazy("…")`.

conformance/checks.py marks the probe's messages with `gettext_noop as N_`: they are stored in French
and translated when displayed, so they must be in the catalogue. xgettext only knows Django's own
keywords; this adds `N_`, and `_lazy` (`gettext_lazy as _lazy`, e.g. tenders/views.py's field labels).
Same options and output as Django's command otherwise.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_", "--keyword=_lazy"]
