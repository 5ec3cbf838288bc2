"""Evaluation of the bids of a tender: criteria, evaluators, bids, answers, scores, consensus, audit.

The arithmetic lives in scoring/rules.py; writes go through scoring/services/ (by sub-domain), which keeps the
audit trail.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Criterion(models.Model):
    class Kind(models.TextChoices):
        SCORED = "scored", _("Noté")
        ELIMINATORY = "eliminatory", _("Éliminatoire")
        PRICE = "price", _("Prix")

    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(_("nom"), max_length=300)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.SCORED)
    # Percentage of the parent (of the whole tender at the top level); none for eliminatory criteria.
    weight = models.DecimalField(_("poids (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    scale_max = models.PositiveSmallIntegerField(_("note maximale"), default=5)
    tender_clause = models.ForeignKey(
        "tenders.TenderClause", null=True, blank=True, on_delete=models.SET_NULL, related_name="criteria"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    # The lot whose criteria tree this belongs to (weights sum per lot); none in a tender without lots.
    lot = models.ForeignKey(
        "tenders.Lot", null=True, blank=True, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("lot")
    )

    class Meta:
        ordering = ["tender_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender"],
                condition=Q(kind="price", lot__isnull=True),
                name="one_price_criterion_per_tender",
            ),
            models.UniqueConstraint(
                fields=["tender", "lot"], condition=Q(kind="price"), name="one_price_criterion_per_lot"
            ),
        ]
        verbose_name = _("critère")

    def __str__(self):
        return self.name


class EvaluationState(models.Model):
    """Per-tender switches of the evaluation lead: scores revealed, technical scoring closed."""

    tender = models.OneToOneField("tenders.Tender", on_delete=models.CASCADE, related_name="evaluation_state")
    revealed_at = models.DateTimeField(null=True, blank=True)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    technical_closed_at = models.DateTimeField(null=True, blank=True)
    technical_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Abnormally low offers (CCP R2152-3): a bid is flagged when its price is MORE than this
    # percentage below the mean of the other eligible bids (exactly this percentage: not flagged).
    low_offer_threshold = models.DecimalField(
        _("seuil d'offre anormalement basse (%)"), max_digits=5, decimal_places=2, default=20
    )
    # A recorded, justified reopening after close-technical (issue 18, finding 6): while set, the lead may
    # again change bids, prices, eliminatory decisions, consensus and the threshold; closing again clears it.
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopen_reason = models.TextField(_("motif de la réouverture"), blank=True)

    class Meta:
        verbose_name = _("état de l'évaluation")

    def __str__(self):
        return f"evaluation of {self.tender_id}"


class Evaluator(models.Model):
    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="evaluators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluations")
    # When the evaluator declared having no conflict of interest; scoring is refused until then.
    declared_at = models.DateTimeField(_("déclaration d'absence de conflit"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender_id", "id"]
        constraints = [models.UniqueConstraint(fields=["tender", "user"], name="one_evaluator_per_user_and_tender")]
        verbose_name = _("évaluateur")

    def __str__(self):
        return f"{self.user} @ {self.tender_id}"


class Bid(models.Model):
    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="bids")
    # Required when the tender has lots: a vendor bids on several lots with one bid each.
    lot = models.ForeignKey(
        "tenders.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="bids", verbose_name=_("lot")
    )
    vendor = models.CharField(_("candidat"), max_length=300)
    price = models.DecimalField(_("prix"), max_digits=14, decimal_places=2)

    class PriceSource(models.TextChoices):
        ENTERED = "entered", _("saisi")
        PRICE_SCHEDULE = "price_schedule", _("bordereau des prix importé")

    # Where the price came from: typed by the buyer, or the total of the vendor's imported price schedule.
    price_source = models.CharField(
        _("origine du prix"), max_length=20, choices=PriceSource.choices, default=PriceSource.ENTERED
    )
    fhir_base_url = models.URLField(_("URL de base FHIR"), max_length=500, blank=True)
    # The vendor's sandbox for the live probe (conformance/live.py): {"fhir_base_url", "token_url", "client_id",
    # "scope", "group_id"?}; empty when none is given.
    sandbox = models.JSONField(_("bac à sable"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("date de dépôt"), default=timezone.now)
    # The candidate sheet of the imported answer form (scoring/questionnaire.py).
    candidate_name = models.CharField(_("raison sociale"), max_length=300, blank=True)
    candidate_siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    candidate_address = models.TextField(_("adresse"), blank=True)
    candidate_email = models.EmailField(_("courriel"), max_length=254, blank=True)
    signatory_name = models.CharField(_("nom du signataire"), max_length=300, blank=True)
    signatory_role = models.CharField(_("qualité du signataire"), max_length=300, blank=True)
    commitment_accepted = models.BooleanField(_("engagement accepté"), default=False)
    # The roadmap sheet: [{"article", "title", "status": native|roadmap|not_planned, "date": ISO|None, "comment"}].
    roadmap = models.JSONField(_("feuille de route"), default=list, blank=True)
    answer_form_imported_at = models.DateTimeField(_("cadre de réponse importé le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tender_id", "id"]
        verbose_name = _("offre")

    def __str__(self):
        return self.vendor


class Answer(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("réponse"), blank=True)
    compliant = models.BooleanField(_("conforme"), null=True, blank=True)
    evidence = models.TextField(_("justificatifs"), blank=True)
    # The values the vendor commits to, keyed by the clause's parameter name ({"delai_jours": 30}).
    committed_values = models.JSONField(_("valeurs engagées"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bid_id", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["bid", "criterion"], name="one_answer_per_bid_and_criterion")]
        verbose_name = _("réponse")

    def __str__(self):
        return f"{self.bid_id}/{self.criterion_id}"


class Score(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("note"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("commentaire"), blank=True)
    # Optimistic concurrency: a write must carry the version it read; each write increments it.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bid_id", "criterion_id", "evaluator_id"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "criterion", "evaluator"], name="one_score_per_evaluator_and_cell"),
        ]
        verbose_name = _("note")

    def __str__(self):
        return f"{self.bid_id}/{self.criterion_id}/{self.evaluator_id} = {self.value}"


class Consensus(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="consensus")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="consensus")
    value = models.DecimalField(_("note de consensus"), max_digits=6, decimal_places=2)
    justification = models.TextField(_("justification"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Optimistic concurrency, as for scores: a change must carry the version it read.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bid_id", "criterion_id"]
        constraints = [models.UniqueConstraint(fields=["bid", "criterion"], name="one_consensus_per_cell")]
        verbose_name = _("consensus")

    def __str__(self):
        return f"{self.bid_id}/{self.criterion_id} = {self.value}"


class EliminatoryDecision(models.Model):
    """The lead's decision on a bid for an eliminatory requirement (CCP L2152-1 to L2152-4, R2152-1/-2).

    Only a recorded decision eliminates: the vendor's own `compliant` answer is a suggestion. A
    non-compliant offer carries its legal qualification and the buyer's reason; a regularisation
    request (R2152-2) keeps the bid undecided until the lead records the outcome.
    """

    class Decision(models.TextChoices):
        COMPLIANT = "compliant", _("Conforme")
        NON_COMPLIANT = "non_compliant", _("Non conforme")
        REGULARISATION_REQUESTED = "regularisation_requested", _("Régularisation demandée")

    class Qualification(models.TextChoices):
        IRREGULAR = "irregular", _("Offre irrégulière")
        UNACCEPTABLE = "unacceptable", _("Offre inacceptable")
        INAPPROPRIATE = "inappropriate", _("Offre inappropriée")

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="eliminatory_decisions")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="eliminatory_decisions")
    decision = models.CharField(_("décision"), max_length=30, choices=Decision.choices)
    qualification = models.CharField(_("qualification"), max_length=20, choices=Qualification.choices, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    regularisation_requested_on = models.DateField(_("date de la demande de régularisation"), null=True, blank=True)
    regularisation_request = models.TextField(_("objet de la demande de régularisation"), blank=True)
    regularisation_answer = models.TextField(_("réponse du candidat"), blank=True)
    regularisation_outcome = models.TextField(_("suite donnée"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("date de la décision"), default=timezone.now)

    class Meta:
        ordering = ["bid_id", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "criterion"], name="one_eliminatory_decision_per_cell"),
        ]
        verbose_name = _("décision sur une exigence éliminatoire")

    def __str__(self):
        return f"{self.bid_id}/{self.criterion_id}: {self.decision}"


class AuditEvent(models.Model):
    """One change to the evaluation: who, when, what, old and new value. Never updated nor deleted by the app."""

    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="audit_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True)
    field = models.CharField(max_length=100, blank=True)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["tender_id", "at", "id"]
        indexes = [
            models.Index(fields=["tender", "at"], name="audit_tender_at"),
            # The evaluation's version: the latest event of a tender (selectors.evaluation_version).
            models.Index(fields=["tender", "id"], name="audit_tender_id"),
        ]
        verbose_name = _("événement d'audit")

    def __str__(self):
        return f"{self.action} {self.object_type}#{self.object_id}"


class LowOfferReview(models.Model):
    """The lead's handling of an abnormally low offer (CCP L2152-5/-6, R2152-3 to R2152-5).

    The request for justification comes first; the decision keeps the bid or rejects it (with a
    reason), and a rejected bid is no longer eligible. Every change is in the audit trail.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", _("En attente")
        KEPT = "kept", _("Maintenue")
        REJECTED = "rejected", _("Rejetée")

    bid = models.OneToOneField(Bid, on_delete=models.CASCADE, related_name="low_offer_review")
    requested_at = models.DateTimeField(_("demande de justification"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request_note = models.TextField(_("objet de la demande"), blank=True)
    decision = models.CharField(_("décision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(_("motif"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("date de la décision"), null=True, blank=True)
    # The legal dates of the procedure as the lead records them (the report prints these, not the
    # moments the buttons were clicked): request sent, deadline given, explanations received.
    sent_on = models.DateField(_("demande envoyée le"), null=True, blank=True)
    deadline = models.DateField(_("date limite de réponse"), null=True, blank=True)
    received_on = models.DateField(_("explications reçues le"), null=True, blank=True)

    class Meta:
        ordering = ["bid_id"]
        verbose_name = _("examen d'offre anormalement basse")

    def __str__(self):
        return f"low offer {self.bid_id}: {self.decision}"


class ProcedureRecord(models.Model):
    """What the procedure report (R2184-2, R2184-3) and the letters (R2181-3) need beyond the evaluation.

    Filled by the evaluation lead (page and `PUT /api/v1/tenders/{id}/procedure-record/`). Candidate
    names come from the bids; this row only adds what the app cannot know: the buyer's postal address,
    the estimated value, the candidatures examined, subcontracting, conflicts of interest, the reasons
    for a single lot, the signatory and how the letters are sent.
    """

    # The fields the lead sets (page and API).
    EDITABLE_FIELDS = (
        "buyer_address",
        "contract_value",
        "vat_rate",
        "lots_reason",
        "conflicts_detected",
        "conflict_measures",
        "candidatures",
        "subcontracting",
        "signatory_name",
        "signatory_role",
        "signed_at",
        "tribunal",
        "letters_sent_on",
        "letters_electronic",
        "notice_published_on",
        "notice_medium",
        "offers_deadline",
        "opened_on",
    )

    tender = models.OneToOneField("tenders.Tender", on_delete=models.CASCADE, related_name="procedure_record")
    buyer_address = models.TextField(_("adresse de l'acheteur"), blank=True)
    contract_value = models.DecimalField(
        _("valeur estimée du marché (HT)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=5, decimal_places=2, default=20)
    lots_reason = models.TextField(_("motifs du recours à un lot unique"), blank=True)
    conflicts_detected = models.TextField(_("conflits d'intérêts détectés"), blank=True)
    conflict_measures = models.TextField(_("mesures prises"), blank=True)
    # [{"name", "admitted": bool, "reason"}]: the candidatures examined (R2184-2 2° and 3°).
    candidatures = models.JSONField(_("candidatures"), default=list, blank=True)
    # [{"bid": id, "share": percent or null, "subcontractors": text}]: subcontracting declared per bid.
    subcontracting = models.JSONField(_("sous-traitance"), default=list, blank=True)
    signatory_name = models.CharField(_("signataire"), max_length=200, blank=True)
    signatory_role = models.CharField(_("qualité du signataire"), max_length=200, blank=True)
    signed_at = models.DateField(_("date de signature du rapport"), null=True, blank=True)
    tribunal = models.CharField(_("tribunal administratif compétent"), max_length=300, blank=True)
    letters_sent_on = models.DateField(_("date d'envoi des lettres"), null=True, blank=True)
    letters_electronic = models.BooleanField(_("lettres envoyées par voie électronique"), default=True)
    # The procedure's facts the report opens with.
    notice_published_on = models.DateField(_("date de publication de l'avis"), null=True, blank=True)
    notice_medium = models.CharField(_("support de publication de l'avis"), max_length=300, blank=True)
    offers_deadline = models.DateTimeField(_("date limite de remise des offres"), null=True, blank=True)
    opened_on = models.DateField(_("date d'ouverture des plis"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("données du rapport de procédure")

    def __str__(self):
        return f"procedure record of {self.tender_id}"


class Award(models.Model):
    """The award decision and the steps that follow it, in order (docs/SCORING.md, "Award sequence").

    1. the decision: the retained bid, its date and the lead's summary of the characteristics and relative
       advantages of the retained offer (the only text about it the letters print, R2181-3/-4);
    2. the awardee's certificates received (R2144-4), or the recorded reason they are not needed (R2144-7);
    3. then the letters and the award notice may be made; 4. the date they were sent, and how, which sets
       the end of the standstill (R2182-1).
    """

    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="awards")
    # The lot awarded (each lot is a contract of its own); none in a tender without lots.
    lot = models.ForeignKey("tenders.Lot", null=True, blank=True, on_delete=models.CASCADE, related_name="awards")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="+")
    decided_on = models.DateField(_("date de la décision d'attribution"))
    advantages = models.TextField(_("caractéristiques et avantages relatifs de l'offre retenue"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    certificates_received_on = models.DateField(_("certificats reçus le"), null=True, blank=True)
    certificates_waived_reason = models.TextField(_("motif de l'absence de certificats"), blank=True)
    certificates_recorded_at = models.DateTimeField(null=True, blank=True)
    letters_sent_on = models.DateField(_("lettres envoyées le"), null=True, blank=True)
    letters_electronic = models.BooleanField(_("lettres envoyées par voie électronique"), default=True)
    letters_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tender"], condition=Q(lot__isnull=True), name="one_award_per_tender"),
            models.UniqueConstraint(fields=["tender", "lot"], name="one_award_per_lot"),
        ]
        verbose_name = _("attribution")

    def __str__(self):
        return f"award of {self.tender_id}: bid {self.bid_id}"

    @property
    def certificates_done(self) -> bool:
        return self.certificates_received_on is not None or bool(self.certificates_waived_reason)


class AwardFailure(models.Model):
    """An awardee that did not prove in time that it is not excluded (R2144-7): its bid is set aside for the
    award, which passes to the bid ranked immediately after it; that bid's certificates are asked anew. The
    ranking itself does not change (the offers were compared before)."""

    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="award_failures")
    lot = models.ForeignKey("tenders.Lot", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("motif"))
    failed_on = models.DateField(_("constaté le"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tender_id", "recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["tender", "bid"], name="one_award_failure_per_bid")]
        verbose_name = _("défaillance de l'attributaire")

    def __str__(self):
        return f"award failure of bid {self.bid_id}"


class ImportJob(models.Model):
    """A vendor's file (answer form or price schedule) imported into a bid by the worker (scoring/imports.py).

    The request checks the file cheaply (size, archive, cells counted in the XML) and queues this row; the
    worker reads the workbook and imports it, all or nothing, and records the HTTP answer the import gives
    (`status_code`, `body`). The file is kept only until the job ends.
    """

    class Kind(models.TextChoices):
        ANSWER_FORM = "answer_form", _("cadre de réponse")
        PRICE_SCHEDULE = "price_schedule", _("bordereau des prix")

    class Status(models.TextChoices):
        QUEUED = "queued", _("en file d'attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminé")
        FAILED = "failed", _("échec")

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The answer form's `confirm=replace` (another company's form replaces the bid's known candidate).
    replace = models.BooleanField(default=False)
    language = models.CharField(max_length=10, default="fr")
    data = models.BinaryField(default=b"", editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The import's answer: 200 with its outcome, 400 / 409 with the errors (DRF-shaped), as the request gave it.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import de fichier")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.kind} import {self.pk} of bid {self.bid_id}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
