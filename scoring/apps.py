from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Évaluation des offres")

    def ready(self):
        # Imported now, not at module level: models and the other apps are loaded only at ready().
        from documents import registry
        from tenders import hooks

        from . import access, publish, selectors
        from .report import builders

        for format in ("pdf", "docx", "xlsx"):
            registry.register("evaluation_report", format, builders.build_report, stem="rapport-analyse")
        registry.register("rejection_letters", "zip", builders.build_letters, stem="lettres")
        registry.register_request_check("rejection_letters", builders.letters_request_check)
        for format in ("pdf", "docx"):
            registry.register("award_notice", format, builders.build_award_notice, stem="attribution")
        registry.register_request_check("award_notice", builders.letters_request_check)
        # Prices and everyone's scores: read as the results are (issue 18, finding 1).
        for kind in ("evaluation_report", "rejection_letters", "award_notice"):
            registry.set_reader_rule(kind, access.may_read_results)
            # Made from the evaluation too: stale once it changes (reopening, a consensus, a price…), even
            # when the tender did not: every change writes an audit event (services.trail.audit).
            registry.set_source_version(
                kind,
                selectors.evaluation_version if kind == "evaluation_report" else selectors.letters_version,
                _("L'évaluation a changé depuis ce document."),
            )
        hooks.register_publish_check(publish.criteria_publish_check)
        from django.db.models.signals import pre_save

        from .cleaning import clean_text_fields

        for model in self.get_models():
            pre_save.connect(clean_text_fields, sender=model, dispatch_uid=f"scoring-clean-{model._meta.model_name}")
        hooks.register_criteria_provider(selectors.criteria_for_document)
        hooks.register_publish_panel(publish.market_check_panel, publish.MARKET_CHECK_TEMPLATE)
