from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contracts"
    verbose_name = _("Marchés notifiés et données essentielles")

    def ready(self):
        from documents import registry

        from . import documents, statement

        for format in ("pdf", "docx"):
            registry.register("penalty_statement", format, statement.build_penalty_statement, stem="penalites")
        registry.register_request_check("penalty_statement", documents.tender_request_check)
        registry.set_source_version(
            "penalty_statement",
            documents.penalty_log_version,
            _("Le journal d'exécution (demandes, disponibilité, observations, décision) a changé depuis ce relevé."),
        )
