"""Tenders, the clause versions they took, and the documents generated from them.

A tender pins `ClauseVersion` rows (immutable), so later library edits never change an issued
tender. Writes go through tenders/services.py; reads with their joins through tenders/selectors.py.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Four years: the usual ceiling of a framework agreement (L2125-1 of the code de la commande publique);
# tenders created before the field existed take it too.
DEFAULT_DURATION_MONTHS = 48
MAX_DURATION_MONTHS = 240


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


class TieBreak(models.TextChoices):
    """How bids tied on the total are told apart, announced in the RC (R2152-11: the criteria and how
    they are applied are in the consultation documents)."""

    TECHNICAL = "technical", _("Meilleure note technique, puis prix le plus bas")
    PRICE = "price", _("Prix le plus bas, puis meilleure note technique")


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
    tie_break = models.CharField(
        _("départage des offres à égalité"), max_length=20, choices=TieBreak.choices, default=TieBreak.TECHNICAL
    )
    sealed_price = models.BooleanField(_("prix sous pli scellé"), default=False)
    # The price basis (API.md, "The tender file as a contract"): the contract's duration, what the price
    # criterion compares (blank: the price schedule's total excluding VAT over the duration) and the
    # buyer's own lines of the price schedule [{"code","label","unit","quantity","period"}].
    duration_months = models.PositiveIntegerField(
        _("durée du marché (mois)"),
        default=DEFAULT_DURATION_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MONTHS)],
        help_text=_("Sert au calcul des lignes annuelles et mensuelles du bordereau des prix."),
    )
    price_basis = models.TextField(
        _("montant comparé par le critère prix"),
        blank=True,
        help_text=_("Vide : le montant total HT du bordereau des prix sur la durée du marché."),
    )
    price_lines = models.JSONField(_("lignes de prix de l'acheteur"), default=list, blank=True)
    # Evaluation: a score must carry a written justification (its comment) unless the buyer turns this off.
    require_justification = models.BooleanField(_("justification des notes obligatoire"), default=True)
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
    # Raised by every service that changes what the documents show (the tender, its clauses, their
    # values, the criteria, publication): a document made at a lower number is stale.
    content_version = models.PositiveIntegerField(_("version du contenu"), default=0)
    # The completeness topics as they were at publication ({"library": id, "topics": [{key, title}]}):
    # a curator changing the library's topics later does not change a published tender's annex.
    pinned_topics = models.JSONField(_("thèmes de complétude figés"), null=True, blank=True)
    # Allotment (L2113-10): a tender is divided into lots (tenders.Lot) or records why it is not
    # (L2113-11), printed in the RC and the procedure report (R2184-3); publication refuses neither.
    single_lot_reason = models.TextField(
        _("motif de la dévolution en marché unique"),
        blank=True,
        help_text=_("Obligatoire sans lots (article L2113-11 du code de la commande publique)."),
    )
    # How many lots one bidder may be awarded (blank: no limit); the rule is printed in the RC.
    max_lots_per_bidder = models.PositiveSmallIntegerField(
        _("nombre maximal de lots attribués à un même soumissionnaire"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )

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


class Lot(models.Model):
    """A lot of a tender (L2113-10): its own clauses, criteria, bids, results and award."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("numéro"), validators=[MinValueValidator(1)])
    title = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tender_id", "number", "id"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique_per_tender")]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")

    def __str__(self):
        return f"Lot {self.number} — {self.title}"


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
    # The number vendors quote ("3.2", "C1"): computed while the tender is a draft, stored by the
    # publish service and never changed afterwards (tenders/numbering.py).
    article_number = models.CharField(_("numéro d'article"), max_length=20, blank=True, default="")
    # The lots the clause applies to; none: every lot (and a tender without lots).
    lots = models.ManyToManyField(Lot, blank=True, related_name="clauses", verbose_name=_("lots"))
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
