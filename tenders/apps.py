from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    name = "tenders"
    verbose_name = _("Appels d'offres")

    def ready(self):
        from documents import registry  # apps are loaded only now

        from . import builders

        registry.register("tender", "pdf", builders.tender_pdf, stem="dossier")
        registry.register("tender", "docx", builders.tender_docx, stem="dossier")
        # `annex` is the piece's name in the tender file (API.md); `tender` stays its alias.
        registry.register("annex", "pdf", builders.tender_pdf, stem="annexe-technique")
        registry.register("annex", "docx", builders.tender_docx, stem="annexe-technique")
        registry.register("ccap", "pdf", builders.ccap_pdf, stem="clauses-administratives")
        registry.register("ccap", "docx", builders.ccap_docx, stem="clauses-administratives")
        registry.register("rc", "pdf", builders.rc_pdf, stem="reglement-consultation")
        registry.register("rc", "docx", builders.rc_docx, stem="reglement-consultation")
        registry.register("price_schedule", "xlsx", builders.price_schedule_xlsx, stem="bordereau-prix")
        registry.register("dce", "zip", builders.dce_zip, stem="dossier-consultation")
        registry.register("questionnaire", "xlsx", builders.questionnaire_xlsx, stem="formulaire-reponse")
        registry.register("questionnaire", "docx", builders.questionnaire_docx, stem="formulaire-reponse")
        registry.register("gdpr_annex", "pdf", builders.gdpr_annex_pdf, stem="annexe-rgpd-ccap")
        registry.register("gdpr_annex", "docx", builders.gdpr_annex_docx, stem="annexe-rgpd-ccap")
        # Never published, never in the ZIP; read by the members who read the tender file (no extra rule).
        registry.register("buyer_note", "pdf", builders.buyer_note_pdf, stem="note-acheteur")
        registry.register("buyer_note", "docx", builders.buyer_note_docx, stem="note-acheteur")
