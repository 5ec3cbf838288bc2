"""Tenders, the clause versions they took, and the documents generated from them.

A tender pins `ClauseVersion` rows (immutable), so later library edits never change an issued
tender. Writes go through tenders/services.py; reads with their joins through tenders/selectors.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Procedure(models.TextChoices):
    OPEN = "open", _("Appel d'offres ouvert")
    RESTRICTED = "restricted", _("Appel d'offres restreint")
    NEGOTIATED = "negotiated", _("Procédure avec négociation")
    COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Dialogue compétitif")
    ADAPTED = "adapted", _("Procédure adaptée (MAPA)")
    OTHER = "other", _("Autre procédure")


class PriceFormula(models.TextChoices):
    PROPORTIONAL = "proportional", _("Proportionnelle : P_min / P")
    LINEAR = "linear", _("Linéaire : 1 − (P − P_min) / P_min")
    RANGE = "range", _("Par l'écart : (P_max − P) / (P_max − P_min)")


class Tender(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")
        EVALUATION = "evaluation", _("En évaluation")
        CLOSED = "closed", _("Clos")

    class Language(models.TextChoices):
        FR = "fr", _("Français")
        EN = "en", _("Anglais")

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="tenders", verbose_name=_("organisation")
    )
    reference = models.CharField(_("référence"), max_length=100)
    title = models.CharField(_("objet"), max_length=300)
    procedure = models.CharField(_("procédure"), max_length=30, choices=Procedure.choices, default=Procedure.OPEN)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Tender-wide values for placeholders the clauses leave open: {name: value}.
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    price_formula = models.CharField(
        _("formule de prix"), max_length=20, choices=PriceFormula.choices, default=PriceFormula.PROPORTIONAL
    )
    sealed_price = models.BooleanField(_("prix sous pli scellé"), default=False)
    completeness_annex = models.BooleanField(
        _("annexe de complétude"),
        default=False,
        help_text=_("Joindre au document le bilan des thèmes d'interopérabilité couverts."),
    )
    language = models.CharField(_("langue des documents"), max_length=2, choices=Language.choices, default="fr")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # One reference per organisation: Back and submit again must not create a second tender.
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="tender_reference_unique_per_organization"
            )
        ]
        verbose_name = _("appel d'offres")
        verbose_name_plural = _("appels d'offres")

    def __str__(self):
        return f"{self.reference} — {self.title}"

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


class TenderClause(models.Model):
    """A clause as the tender took it: the pinned version, its place and its parameter values."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="clauses")
    version = models.ForeignKey("clause_library.ClauseVersion", on_delete=models.PROTECT, related_name="+")
    # The library clause it came from (for "updated upstream" hints); the text comes from `version`.
    clause = models.ForeignKey(
        "clause_library.Clause", null=True, blank=True, on_delete=models.SET_NULL, related_name="tender_clauses"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender_id", "position", "id"]
        verbose_name = _("clause de l'appel d'offres")
        verbose_name_plural = _("clauses de l'appel d'offres")

    def __str__(self):
        return f"TC-{self.pk}"

    @property
    def stable_id(self):
        """The id that the questionnaire carries and the import maps back."""
        return f"TC-{self.pk}"


class Document(models.Model):
    """One requested file. The row is the job's state; the file is saved once, then the row commits."""

    class Kind(models.TextChoices):
        TENDER = "tender", _("Dossier de l'appel d'offres")
        QUESTIONNAIRE = "questionnaire", _("Formulaire de réponse")
        EVALUATION_REPORT = "evaluation_report", _("Rapport d'analyse des offres")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    # Which formats each kind comes in (API.md).
    FORMATS = {
        "tender": ("pdf", "docx"),
        "questionnaire": ("xlsx", "docx"),
        "evaluation_report": ("pdf", "docx", "xlsx"),
    }

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("avancement"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    file = models.FileField(_("fichier"), upload_to="documents/%Y/%m/", blank=True, max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    # SHA-256 of the canonical JSON of what went in: same digest, same bytes.
    inputs_digest = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A redelivered task can never leave two files for one document, nor a "done"
            # row without its file: the final row update is the commit point.
            models.UniqueConstraint(fields=["file"], condition=~Q(file=""), name="document_file_unique"),
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(file="") & ~Q(sha256="") & Q(progress=100)),
                name="document_done_has_file",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="document_progress_at_most_100"),
        ]
        verbose_name = _("document")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.format}) #{self.pk}"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
