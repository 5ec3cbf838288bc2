from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConformanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conformance"
    verbose_name = _("Sondage de conformité FHIR / SMART")
