from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConformanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conformance"
    verbose_name = _("Sondage de conformité FHIR / SMART")

    def ready(self):
        # Imported now, not at module level: models and the other apps are loaded only at ready().
        from scoring import extensions

        from . import pages, report

        extensions.register_report_section(report.report_section)
        extensions.register_bid_panel(pages.bid_panel, "conformance/_bid_probe_panel.html")
        extensions.register_bid_action("probe", pages.probe_action)
        extensions.register_bid_action("upload", pages.upload_action)
        extensions.register_bid_action("probe_live", pages.live_action)
        extensions.register_bid_action("probe_cancel", pages.cancel_action)
        extensions.register_grid_annotator(pages.annotate_grid)
