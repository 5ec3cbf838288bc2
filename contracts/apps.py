from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contracts"
    verbose_name = _("Marchés notifiés et données essentielles")

    def ready(self):
        # Imported now, not at module level: models and the other apps are loaded only at ready().
        from documents import registry

        from . import acceptance_report, acceptance_selectors, documents, statement

        for format in ("pdf", "docx"):
            registry.register(
                "acceptance_report", format, acceptance_report.build_acceptance_report, stem="pv-verification"
            )
            registry.register("penalty_statement", format, statement.build_penalty_statement, stem="penalites")
        # A contract's documents are asked for on the contract, never on the tender.
        registry.register_request_check("acceptance_report", documents.tender_request_check)
        registry.register_request_check("penalty_statement", documents.tender_request_check)
        # Made from the acceptance plan / the execution log too: stale once they change.
        registry.set_source_version(
            "acceptance_report",
            acceptance_selectors.acceptance_version,
            _("Le plan de vérification a changé depuis ce document."),
        )
        registry.set_source_version(
            "penalty_statement",
            documents.penalty_log_version,
            _("Le journal d'exécution (demandes, disponibilité, observations, décision) a changé depuis ce relevé."),
        )
