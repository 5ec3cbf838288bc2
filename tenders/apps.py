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
        registry.register("questionnaire", "xlsx", builders.questionnaire_xlsx, stem="formulaire-reponse")
        registry.register("questionnaire", "docx", builders.questionnaire_docx, stem="formulaire-reponse")
