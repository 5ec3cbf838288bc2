"""The notified contract: who holds it, for how much and how long, and what changed after notification.

A contract is made once per tender (and lot) from the bid the evaluation retains
(contracts/services.py `contract_create`). Its fields are the ones the essential data (DECP v2) and
OCDS publish; their DECP names are in docs/CONTRACTS.md. Modifications (avenants) and subcontracting
acts (actes spéciaux de sous-traitance) keep their own number, dates and amounts: each export lists them all.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

siret_validator = RegexValidator(r"^[0-9]{14}$", _("Un SIRET compte 14 chiffres."))
cpv_validator = RegexValidator(r"^[0-9]{8}(-[0-9])?$", _("Un code CPV compte 8 chiffres (ex. 48000000 ou 48000000-8)."))


class Procedure(models.TextChoices):
    """The DECP v2 list of procedures (the tender's procedure is mapped onto it at creation)."""

    ADAPTED = "adapted", _("Procédure adaptée")
    OPEN = "open", _("Appel d'offres ouvert")
    RESTRICTED = "restricted", _("Appel d'offres restreint")
    NEGOTIATED = "negotiated", _("Procédure avec négociation")
    NO_COMPETITION = "no_competition", _("Marché passé sans publicité ni mise en concurrence préalable")
    COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Dialogue compétitif")


class PriceForm(models.TextChoices):
    FIXED = "forfaitaire", _("Forfaitaire")
    UNIT = "unitaire", _("Unitaire")
    MIXED = "mixte", _("Mixte")


class PriceType(models.TextChoices):
    FIRM = "firm", _("Définitif ferme")
    ADJUSTABLE = "adjustable", _("Définitif actualisable")
    REVISABLE = "revisable", _("Définitif révisable")
    PROVISIONAL = "provisional", _("Provisoire")


class Ccag(models.TextChoices):
    TIC = "tic", _("Techniques de l'information et de la communication")
    SUPPLIES = "supplies", _("Fournitures courantes et services")
    INTELLECTUAL = "intellectual", _("Prestations intellectuelles")
    INDUSTRIAL = "industrial", _("Marchés industriels")
    NONE = "none", _("Pas de CCAG")


class PlaceType(models.TextChoices):
    POSTAL = "postal", _("Code postal")
    COMMUNE = "commune", _("Code commune")
    ARRONDISSEMENT = "arrondissement", _("Code arrondissement")
    CANTON = "canton", _("Code canton")
    DEPARTMENT = "department", _("Code département")
    REGION = "region", _("Code région")
    COUNTRY = "country", _("Code pays")


class Technique(models.TextChoices):
    FRAMEWORK = "framework", _("Accord-cadre")
    CONTEST = "contest", _("Concours")
    QUALIFICATION = "qualification", _("Système de qualification")
    DYNAMIC = "dynamic", _("Système d'acquisition dynamique")
    CATALOGUE = "catalogue", _("Catalogue électronique")
    AUCTION = "auction", _("Enchère électronique")
    NONE = "none", _("Sans objet")


class ExecutionMode(models.TextChoices):
    TRANCHES = "tranches", _("Tranches")
    ORDERS = "orders", _("Bons de commande")
    SUBSEQUENT = "subsequent", _("Marchés subséquents")
    NONE = "none", _("Sans objet")


class Grouping(models.TextChoices):
    NONE = "none", _("Pas de groupement")
    JOINT = "joint", _("Conjoint")
    SEVERAL = "several", _("Solidaire")


class SocialConsideration(models.TextChoices):
    CLAUSE = "clause", _("Clause sociale")
    CRITERION = "criterion", _("Critère social")
    RESERVED = "reserved", _("Marché réservé")
    NONE = "none", _("Pas de considération sociale")


class EnvironmentalConsideration(models.TextChoices):
    CLAUSE = "clause", _("Clause environnementale")
    CRITERION = "criterion", _("Critère environnemental")
    NONE = "none", _("Pas de considération environnementale")


class PriceVariation(models.TextChoices):
    FIRM = "firm", _("Ferme")
    ADJUSTABLE = "adjustable", _("Actualisable")
    REVISABLE = "revisable", _("Révisable")


def _sans_objet():
    return ["none"]


def _revisable():
    # A multi-year IT contract's prices are usually revised by an index: the buyer changes it on the page.
    return ["revisable"]


class Contract(models.Model):
    # The fields a buyer sets (page and API), in the order the page shows them; the others come from the
    # tender, the retained bid and the numbering.
    EDITABLE_FIELDS = (
        "holder_name",
        "holder_siret",
        "amount",
        "duration_months",
        "notified_on",
        "cpv",
        "procedure",
        "price_form",
        "price_types",
        "ccag",
        "place_code",
        "place_type",
        "techniques",
        "execution_modes",
        "framework_uid",
        "innovative",
        "advance",
        "advance_rate",
        "grouping",
        "subcontracting_declared",
        "social_considerations",
        "environmental_considerations",
    )

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="contracts", verbose_name=_("organisation")
    )
    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="contracts")
    lot = models.CharField(_("lot"), max_length=20, blank=True, default="")
    # PROTECT: the retained bid is part of the contract's record (offers received, holder).
    bid = models.ForeignKey("scoring.Bid", on_delete=models.PROTECT, related_name="contracts")
    # The DECP "id": year of notification + internal number + lot number, 16 characters at most.
    uid = models.CharField(_("identifiant du marché"), max_length=16)
    sequence = models.PositiveIntegerField(default=0)
    holder_siret = models.CharField(_("SIRET du titulaire"), max_length=14, blank=True, validators=[siret_validator])
    holder_name = models.CharField(_("raison sociale du titulaire"), max_length=300)
    amount = models.DecimalField(_("montant HT"), max_digits=14, decimal_places=2, validators=[MinValueValidator(1)])
    duration_months = models.PositiveIntegerField(_("durée (mois)"), validators=[MinValueValidator(1)])
    notified_on = models.DateField(_("date de notification"))
    cpv = models.CharField(_("code CPV"), max_length=10, blank=True, validators=[cpv_validator])
    procedure = models.CharField(_("procédure"), max_length=30, choices=Procedure.choices, blank=True)
    price_form = models.CharField(_("forme du prix"), max_length=20, choices=PriceForm.choices)
    price_types = models.JSONField(_("types de prix"), default=_revisable, blank=True)
    ccag = models.CharField(_("CCAG de référence"), max_length=20, choices=Ccag.choices, default=Ccag.TIC)
    place_code = models.CharField(_("code du lieu d'exécution"), max_length=20, blank=True)
    place_type = models.CharField(_("type de code du lieu"), max_length=20, choices=PlaceType.choices, blank=True)
    techniques = models.JSONField(_("techniques d'achat"), default=_sans_objet, blank=True)
    execution_modes = models.JSONField(_("modalités d'exécution"), default=_sans_objet, blank=True)
    framework_uid = models.CharField(_("identifiant de l'accord-cadre"), max_length=16, blank=True)
    innovative = models.BooleanField(_("marché innovant"), default=False)
    advance = models.BooleanField(_("avance attribuée"), default=False)
    # 0.3 for 30 %; 0 with an advance means its rate is unknown (DECP v2).
    advance_rate = models.DecimalField(
        _("taux de l'avance"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    grouping = models.CharField(
        _("groupement d'opérateurs"), max_length=20, choices=Grouping.choices, default=Grouping.NONE
    )
    subcontracting_declared = models.BooleanField(_("sous-traitance déclarée"), default=False)
    social_considerations = models.JSONField(_("considérations sociales"), default=_sans_objet, blank=True)
    environmental_considerations = models.JSONField(
        _("considérations environnementales"), default=_sans_objet, blank=True
    )
    # The delivered system's sandbox for the live probe at acceptance (API.md "Live probe"): {"fhir_base_url",
    # "token_url", "client_id", "scope", "group_id"?}; set with the acceptance probe request.
    sandbox = models.JSONField(_("bac à sable du système livré"), default=dict, blank=True)
    # The day its essential data were first published: set by the first valid export, never moved after.
    data_published_on = models.DateField(_("première publication des données"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-notified_on", "-id"]
        constraints = [
            # One contract per tender and lot: a second click must not notify it twice.
            models.UniqueConstraint(fields=["tender", "lot"], name="contract_one_per_tender_lot"),
            models.UniqueConstraint(fields=["organization", "uid"], name="contract_uid_unique_per_organization"),
        ]
        verbose_name = _("marché notifié")
        verbose_name_plural = _("marchés notifiés")

    def __str__(self):
        return f"{self.uid} — {self.holder_name}"


class Modification(models.Model):
    """An avenant: its number orders the notifications (DECP asks for an increasing sequence)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="modifications")
    number = models.PositiveIntegerField(_("numéro"))
    notified_on = models.DateField(_("date de notification"))
    object = models.TextField(_("objet"))
    amount = models.DecimalField(
        _("nouveau montant HT"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    duration_months = models.PositiveIntegerField(
        _("nouvelle durée (mois)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    data_published_on = models.DateField(_("publication des données"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="modification_number_unique")]
        verbose_name = _("modification (avenant)")

    def __str__(self):
        return f"{self.contract_id} / {self.number}"


class SubcontractingAct(models.Model):
    """An acte spécial de sous-traitance, numbered in the order of notification."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="subcontracting_acts")
    number = models.PositiveIntegerField(_("numéro"))
    subcontractor_siret = models.CharField(_("SIRET du sous-traitant"), max_length=14, validators=[siret_validator])
    subcontractor_name = models.CharField(_("raison sociale du sous-traitant"), max_length=300)
    notified_on = models.DateField(_("date de notification"))
    amount = models.DecimalField(_("montant HT"), max_digits=14, decimal_places=2, validators=[MinValueValidator(1)])
    duration_months = models.PositiveIntegerField(_("durée (mois)"), validators=[MinValueValidator(1)])
    price_variation = models.CharField(
        _("variation du prix"), max_length=20, choices=PriceVariation.choices, default=PriceVariation.REVISABLE
    )
    data_published_on = models.DateField(_("publication des données"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="subcontracting_number_unique")]
        verbose_name = _("acte spécial de sous-traitance")

    def __str__(self):
        return f"{self.contract_id} / {self.number} — {self.subcontractor_name}"


# Acceptance (vérifications et admission, CCAG-TIC) -----------------------------------------------------------


class AcceptanceMethod(models.TextChoices):
    """How a requirement is verified at acceptance (contracts/acceptance.py `method_for` states the rule)."""

    PROBE = "probe", _("Sondage de conformité")
    DOCUMENT = "document", _("Examen documentaire")
    DEMONSTRATION = "demonstration", _("Démonstration")


class AcceptanceResult(models.TextChoices):
    PENDING = "pending", _("À vérifier")
    PASS = "pass", _("Conforme")
    FAIL = "fail", _("Non conforme")
    RESERVED = "reserved", _("Conforme avec réserve")


class AcceptanceDecision(models.TextChoices):
    """The decisions after verification that the CCAG-TIC offers the buyer (docs/EXECUTION.md)."""

    ADMISSION = "admission", _("Admission")
    AJOURNEMENT = "ajournement", _("Ajournement")
    REFACTION = "refaction", _("Admission avec réfaction")
    REJET = "rejet", _("Rejet")


def acceptance_evidence_path(row, filename):
    # Never the uploaded name: a fixed, private path per row (the name shown is kept in `evidence_file_name`).
    return f"acceptance/{row.plan.contract_id}/{row.pk}/evidence"


class AcceptancePlan(models.Model):
    """The acceptance plan (VABF) of a contract: made once from the tender's requirements, then recorded."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="acceptance_plan")
    decision = models.CharField(_("décision"), max_length=20, choices=AcceptanceDecision.choices, blank=True)
    decision_reason = models.TextField(_("motif de la décision"), blank=True)
    refaction_percent = models.DecimalField(
        _("réfaction (pourcentage)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField(auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("plan de vérification")

    def __str__(self):
        return f"acceptance of {self.contract_id}"


class AcceptanceProbe(models.Model):
    """The conformance probe run at acceptance against the delivered system (a job row, like ProbeReport)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file d'attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="acceptance_probes")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    source = models.CharField(_("source"), max_length=10)  # "url" | "upload"
    mode = models.CharField(_("mode"), max_length=10, default="static")  # "static" | "live"
    base_url = models.URLField(_("URL de base FHIR"), max_length=500, blank=True)
    capability_statement = models.TextField(null=True, blank=True)  # noqa: DJ001 (None: not given)
    smart_configuration = models.TextField(null=True, blank=True)  # noqa: DJ001
    documents = models.JSONField(default=list, blank=True)
    results = models.JSONField(default=list, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sondage de vérification")

    def __str__(self):
        return f"acceptance probe #{self.pk} of contract {self.contract_id} ({self.status})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


class AcceptanceRow(models.Model):
    """One requirement of the contract to verify: its article, how, what is expected, and what was found."""

    plan = models.ForeignKey(AcceptancePlan, on_delete=models.CASCADE, related_name="rows")
    tender_clause = models.ForeignKey("tenders.TenderClause", on_delete=models.CASCADE, related_name="+")
    article = models.CharField(_("article"), max_length=20)
    title = models.CharField(_("titre"), max_length=300)
    method = models.CharField(_("méthode"), max_length=20, choices=AcceptanceMethod.choices)
    expected = models.TextField(_("attendu"))
    position = models.PositiveIntegerField(default=0)
    result = models.CharField(
        _("résultat"), max_length=10, choices=AcceptanceResult.choices, default=AcceptanceResult.PENDING
    )
    evidence = models.TextField(_("constat"), blank=True)
    evidence_file = models.FileField(
        _("pièce justificative"), upload_to=acceptance_evidence_path, blank=True, max_length=300
    )
    evidence_file_name = models.CharField(max_length=200, blank=True)
    probe = models.ForeignKey(AcceptanceProbe, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "article"], name="acceptance_row_article_unique"),
            models.UniqueConstraint(fields=["plan", "tender_clause"], name="acceptance_row_clause_unique"),
        ]
        verbose_name = _("ligne du plan de vérification")

    def __str__(self):
        return f"{self.plan_id} / {self.article}"


class AcceptanceEvent(models.Model):
    """The audit trail of the plan: every result, probe filling and decision, with who and when."""

    plan = models.ForeignKey(AcceptancePlan, on_delete=models.CASCADE, related_name="events")
    article = models.CharField(max_length=20, blank=True)  # empty for the plan itself (generation, decision)
    action = models.CharField(max_length=20)  # "generated" | "result" | "probe" | "decision"
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("événement de la vérification")

    def __str__(self):
        return f"{self.plan_id} {self.action} {self.article}"

    @property
    def summary(self):
        """What changed, in the reader's language (the page's history)."""
        from django.utils.translation import gettext

        def label(choices, value):
            return str(choices(value).label) if value in choices.values else "—"

        old, new = self.old or {}, self.new or {}
        if self.action == "generated":
            return gettext("plan établi (%(count)s exigences ajoutées)") % {"count": new.get("rows", 0)}
        if self.action == "decision":
            return gettext("décision : %(decision)s") % {"decision": label(AcceptanceDecision, new.get("decision"))}
        change = {"old": label(AcceptanceResult, old.get("result")), "new": label(AcceptanceResult, new.get("result"))}
        if self.action == "probe":
            return gettext("sondage n° %(probe)s : %(old)s → %(new)s") % {**change, "probe": new.get("probe")}
        return gettext("résultat : %(old)s → %(new)s") % change


# ---------------------------------------------------------------------------------------------------
# Execution: requests and incidents, monthly availability, penalties (docs/PENALTIES.md)


class ExecutionRequest(models.Model):
    """A request or an incident logged against the contract article that sets its deadline.

    `due_on` is fixed at creation from the article's committed value (else the tender's required value),
    in the unit the clause states (contracts/penalties.py `due_date`); `regime` is the row of the CCAP's
    penalties table that names the article. The tender is published, so both never move afterwards.
    """

    class Kind(models.TextChoices):
        CONNECTOR = "connector", _("Connecteur")
        DATA_ACCESS = "data_access", _("Accès aux données")
        INCIDENT = "incident", _("Incident")
        INFORMATION_BLOCKING = "information_blocking", _("Entrave à l'accès aux données")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="execution_requests")
    number = models.PositiveIntegerField(_("numéro"))
    kind = models.CharField(_("nature"), max_length=30, choices=Kind.choices)
    article = models.CharField(_("article"), max_length=20)
    # The clause's delay parameter that sets the deadline, and the value and unit it had.
    delay_parameter = models.CharField(_("délai"), max_length=100)
    delay_value = models.DecimalField(_("délai retenu"), max_digits=10, decimal_places=2)
    delay_unit = models.CharField(_("unité du délai"), max_length=20)
    delay_committed = models.BooleanField(_("délai engagé par le titulaire"), default=False)
    # The row of the penalties table (its position in the table, from 1) and the régime it gives.
    obligation = models.PositiveIntegerField(_("obligation"), null=True, blank=True)
    obligation_label = models.CharField(_("obligation"), max_length=500, blank=True)
    regime = models.CharField(_("régime"), max_length=1, blank=True)
    price_line = models.CharField(_("ligne du bordereau"), max_length=100, blank=True)
    requested_on = models.DateField(_("demandé le"))
    due_on = models.DateField(_("échéance"))
    delivered_on = models.DateField(_("livré le"), null=True, blank=True)
    description = models.TextField(_("description"))
    # Régime A: V given by the buyer, or the whole contract when the delay makes everything unusable.
    value = models.DecimalField(
        _("valeur V (HT)"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    whole_unusable = models.BooleanField(_("rend l'ensemble inutilisable"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="execution_request_number_unique"),
            models.CheckConstraint(
                condition=models.Q(delivered_on__isnull=True) | models.Q(delivered_on__gte=models.F("requested_on")),
                name="execution_request_delivered_after_request",
            ),
        ]
        verbose_name = _("demande ou incident")
        verbose_name_plural = _("demandes et incidents")

    def __str__(self):
        return f"{self.contract_id} / {self.number}"


class AvailabilityMonth(models.Model):
    """The availability measured over one month (the first day of the month stands for it), in %."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="availability_months")
    month = models.DateField(_("mois"))
    measured = models.DecimalField(
        _("disponibilité mesurée (%)"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["contract_id", "month"]
        constraints = [models.UniqueConstraint(fields=["contract", "month"], name="availability_one_per_month")]
        verbose_name = _("disponibilité mensuelle")

    def __str__(self):
        return f"{self.contract_id} / {self.month:%Y-%m}"


class PenaltyObservation(models.Model):
    """The holder's observations on the penalties the buyer intends to apply (CCAG-TIC 14: 15 days)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="penalty_observations")
    received_on = models.DateField(_("reçues le"))
    text = models.TextField(_("observations"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract_id", "received_on", "id"]
        verbose_name = _("observations du titulaire")

    def __str__(self):
        return f"{self.contract_id} / {self.received_on}"


class PenaltyDecision(models.Model):
    """The buyer's decision: the amount applied (the computed one, or moderated with a reason)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="penalty_decisions")
    decided_on = models.DateField(_("décidé le"))
    computed = models.DecimalField(_("montant calculé (HT)"), max_digits=14, decimal_places=2)
    applied = models.DecimalField(
        _("montant appliqué (HT)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reason = models.TextField(_("motif"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract_id", "decided_on", "id"]
        verbose_name = _("décision sur les pénalités")

    def __str__(self):
        return f"{self.contract_id} / {self.decided_on}: {self.applied}"


class PenaltyAuditEvent(models.Model):
    """One write of the execution log (requests, availability, observations, decisions): never changed."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="penalty_audit_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract_id", "at", "id"]
        verbose_name = _("événement du journal d'exécution")

    def __str__(self):
        return f"{self.action} #{self.object_id}"
