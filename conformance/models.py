"""Probe reports: what a vendor's FHIR server declared, and how each clause check fared against it.

A report is the job's state (queued → running → done | failed) and its result. The documents read are
kept as text (size-capped) with their SHA-256, so a report can be re-read and its evidence re-checked.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


class ProbeReport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")
        CANCELLED = "cancelled", _("Annulé")

    class Source(models.TextChoices):
        URL = "url", _("Lu sur le serveur du candidat")
        UPLOAD = "upload", _("Documents téléversés")

    class Mode(models.TextChoices):
        STATIC = "static", _("Documents de découverte")
        LIVE = "live", _("Bac à sable (sondage en direct)")

    bid = models.ForeignKey("scoring.Bid", on_delete=models.CASCADE, related_name="probe_reports")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # static: the discovery documents only; live: those of the sandbox plus the live checks (conformance/live.py).
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.STATIC)
    # Set by a cancellation: the live run stops before its next request or wait.
    cancel_requested = models.BooleanField(default=False)
    # The base URL as it was when the probe was asked for (the bid's may change later).
    base_url = models.URLField(_("URL de base FHIR"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(_("lu le"), null=True, blank=True)
    # The documents as read or uploaded: raw text; None (missing) differs from "" (an empty, invalid file).
    capability_statement = models.TextField(null=True, blank=True)  # noqa: DJ001
    smart_configuration = models.TextField(null=True, blank=True)  # noqa: DJ001
    # [{"kind", "sha256", "valid", "errors"}]
    documents = models.JSONField(default=list, blank=True)
    # [{"tender_clause", "check", "outcome", "evidence"}]
    results = models.JSONField(default=list, blank=True)
    # Why the job failed or waits, language-neutral: message codes as JSON (conformance.checks.stored_error), or
    # the broker-down note's French source (documents.jobs); shown through checks.error_text in the reader's language.
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["bid", "-created_at"], name="probe_bid_latest")]
        verbose_name = _("rapport de sondage de conformité")
        verbose_name_plural = _("rapports de sondage de conformité")

    def __str__(self):
        return f"probe #{self.pk} of bid {self.bid_id} ({self.status})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)


class ClientKey(models.Model):
    """An organisation's signing key for SMART Backend Services (`private_key_jwt`), as a SMART client.

    The private key is stored PEM-encoded and encrypted with a Fernet key derived from SECRET_KEY
    (conformance.identity); the public half is kept as a JWK for the JWKS the vendor registers. Rotation retires
    the active key (`retired_at`) without deleting it: the JWKS keeps it for PROBE_KEY_GRACE_DAYS.
    """

    class Algorithm(models.TextChoices):
        ES384 = "ES384", "ES384"
        RS384 = "RS384", "RS384"

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="client_keys")
    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=8, choices=Algorithm.choices)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("clé de signature du client SMART")
        verbose_name_plural = _("clés de signature du client SMART")

    def __str__(self):
        return f"{self.algorithm} {self.kid} ({self.organization_id})"
