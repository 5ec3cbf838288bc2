"""Generated documents: the row is the job's state, the file its result (see documents/services.py).

Which kinds exist and in which formats is declared here (the API validates against it); which code
builds each (kind, format) is registered by the app that owns the data (documents/registry.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import registry


class Document(models.Model):
    """One requested file. The row is the job's state; the file is saved once, then the row commits."""

    class Kind(models.TextChoices):
        TENDER = "tender", _("Dossier de l'appel d'offres")  # the annex's first name, kept as an alias
        ANNEX = "annex", _("Annexe technique d'interopérabilité au CCTP")
        CCAP = "ccap", _("Clauses administratives (extrait de CCAP)")
        RC = "rc", _("Règlement de la consultation (extrait)")
        QUESTIONNAIRE = "questionnaire", _("Cadre de réponse")
        PRICE_SCHEDULE = "price_schedule", _("Bordereau des prix")
        DCE = "dce", _("Dossier de consultation complet (ZIP)")
        EVALUATION_REPORT = "evaluation_report", _("Rapport d'analyse des offres")
        REJECTION_LETTERS = "rejection_letters", _("Lettres de rejet")
        AWARD_NOTICE = "award_notice", _("Lettre d'information de l'attributaire")
        GDPR_ANNEX = "gdpr_annex", _("Annexe RGPD au CCAP")
        BUYER_NOTE = "buyer_note", _("Note de l'acheteur")
        ACCEPTANCE_REPORT = "acceptance_report", _("Procès-verbal des opérations de vérification")
        PENALTY_STATEMENT = "penalty_statement", _("Relevé des pénalités")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"
        XLSX = "xlsx", "XLSX"
        ZIP = "zip", "ZIP"

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    # The kinds made for one lot on request (`"lot"` in the request; docs/LOTS.md).
    LOT_KINDS = frozenset({"tender", "annex", "questionnaire", "price_schedule"})

    # Which formats each kind comes in (API.md); a kind is offered here once its builders are registered.
    FORMATS = {
        "tender": ("pdf", "docx"),
        "annex": ("pdf", "docx"),
        "ccap": ("pdf", "docx"),
        "rc": ("pdf", "docx"),
        "questionnaire": ("xlsx", "docx"),
        "price_schedule": ("xlsx",),
        "dce": ("zip",),
        "evaluation_report": ("pdf", "docx", "xlsx"),
        "rejection_letters": ("zip",),
        "award_notice": ("pdf", "docx"),
        "gdpr_annex": ("pdf", "docx"),
        "buyer_note": ("pdf", "docx"),
        "acceptance_report": ("pdf", "docx"),
        "penalty_statement": ("pdf", "docx"),
    }

    # The kinds made from a notified contract rather than from the tender alone: their rows name it, and they are
    # asked for on the contract (contracts/documents.py), never on the tender.
    CONTRACT_KINDS = frozenset({"acceptance_report", "penalty_statement"})

    # By name, not by import: documents sits below tenders (docs/ARCHITECTURE.md); the row belongs
    # to a tender and goes with it.
    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="documents")
    # A document of the contract's execution (the acceptance record…): its contract, by name like the tender
    # (documents sits below contracts); null for the tender's own pieces.
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    # One lot's piece (the annex, answer form or price schedule of that lot, docs/LOTS.md); null: the whole tender.
    lot = models.ForeignKey(
        "tenders.Lot", null=True, blank=True, on_delete=models.CASCADE, related_name="documents", verbose_name=_("lot")
    )
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
    # Made before the tender was published: the file is marked "PROJET" (API.md, Tender file).
    draft = models.BooleanField(_("projet"), default=False)
    # The tender's `content_version` when the document was asked for: every change to the tender,
    # its clauses, parameters or criteria raises that counter, so an older number means the file no
    # longer shows the tender as it is ("périmé"). Compared without a query per row (see `stale`).
    tender_version = models.PositiveIntegerField(_("version de l'appel d'offres"), default=0)
    # For a kind made from more than the tender (the evaluation report and letters: the evaluation),
    # that source's version when the document was asked for (documents/registry.py `set_source_version`:
    # for the evaluation, the id of its latest audit event); 0 for the other kinds, which never compare it.
    source_version = models.PositiveBigIntegerField(_("version des données sources"), default=0)
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
        # Created by the tenders app: the model moved here without moving its rows.
        db_table = "tenders_document"
        verbose_name = _("document")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.format}) #{self.pk}"

    @property
    def stale(self):
        """True when what this document was made from changed after it was asked for (the file is outdated)."""
        return self.tender_changed or self.source_changed

    @property
    def tender_changed(self):
        """The tender changed since: reads the `current_tender_version` annotation when a selector added
        it (documents/selectors.py), else the tender row (joined or cached by the caller)."""
        current = self.__dict__.get("current_tender_version")
        if current is None:
            current = self.tender.content_version
        return self.tender_version < current

    @property
    def source_changed(self):
        """The kind's other source (the evaluation, for the report and letters) changed since: reads the
        `current_source_version` annotation when a selector added it, else one query. False for a kind
        made from the tender only."""
        if "current_source_version" in self.__dict__:
            current = self.__dict__["current_source_version"]
        else:
            source = registry.source_lookup(self.kind)
            current = None
            if source is not None and self.pk is not None:
                row = (
                    Document.objects.filter(pk=self.pk)
                    .annotate(current=source(OuterRef("tender_id")))
                    .values_list("current", flat=True)
                    .first()
                )
                current = row or 0
        return current is not None and self.source_version < current

    @property
    def stale_note(self):
        """Why the document is stale, for the reader (empty when it is not)."""
        if self.tender_changed:
            return gettext("L'appel d'offres a changé depuis ce document.")
        if self.source_changed:
            return str(registry.source_note(self.kind))
        return ""

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def error_text(self):
        """`error` in the reader's language: the job's notes are stored as their French msgid
        (documents/jobs.py BROKER_DOWN_NOTE) and translated here; any other text shows as stored."""
        return gettext(self.error) if self.error else ""


class StoredRender(models.Model):
    """The last file made of a tender's piece (kind, format) and the inputs it was made from.

    Filled by every finished job of a kind made from the tender only, and by the background pre-render
    of a draft's pieces (documents/prerender.py). A request whose inputs have the same fingerprint
    (`prerender.fingerprint`: the tender's content version, the source version, draft or not) gets a
    copy of this file at once instead of a new job. Never listed, never downloaded itself.
    """

    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="+")
    # No choices: the Document row's lists say which exist (a new kind needs no migration here).
    kind = models.CharField(max_length=30)
    format = models.CharField(max_length=10)
    fingerprint = models.CharField(max_length=64)
    file = models.FileField(max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    inputs_digest = models.CharField(max_length=64, blank=True)
    made_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tender", "kind", "format"], name="stored_render_one_per_piece"),
        ]

    def __str__(self):
        return f"{self.kind}.{self.format} of tender {self.tender_id} ({self.fingerprint})"
