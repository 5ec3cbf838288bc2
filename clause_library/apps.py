from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClauseLibraryConfig(AppConfig):
    name = "clause_library"
    verbose_name = _("Bibliothèques de clauses")
