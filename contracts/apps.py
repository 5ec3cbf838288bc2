from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contracts"
    verbose_name = _("Marchés notifiés et données essentielles")

    def ready(self):
        # Imported now, not at module level: models and the other apps are loaded only at ready().
        from documents import registry

        from . import acceptance_report, acceptance_selectors, documents

        for format in ("pdf", "docx"):
            registry.register(
                "acceptance_report", format, acceptance_report.build_acceptance_report, stem="pv-verification"
            )
        registry.register_request_check("acceptance_report", documents.tender_request_check)
        # Made from the acceptance plan too: stale once a result, a probe or the decision changes it.
        registry.set_source_version(
            "acceptance_report",
            acceptance_selectors.acceptance_version,
            _("Le plan de vérification a changé depuis ce document."),
        )
