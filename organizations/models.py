from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Établissement de santé")
        PURCHASING_GROUP = "purchasing_group", _("Groupement d'achat")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.HOSPITAL)
    # The buyer's identity in the essential data of its contracts (DECP "acheteur"): 14 digits.
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[RegexValidator(r"^[0-9]{14}$")])
    created_at = models.DateTimeField(auto_now_add=True)
    # Single sign-on: people whose verified e-mail ends with one of these domains may join by themselves.
    accepted_email_domains = models.CharField(
        _("domaines e-mail acceptés"),
        max_length=500,
        blank=True,
        help_text=_("Séparés par des virgules, ex. chu-exemple.fr. Vide : sur invitation seulement."),
    )
    # The least privileged role by default: an evaluator sees no sealed price and only the bids it is named on.
    sso_role = models.CharField(
        _("rôle des personnes venues par l'annuaire"), max_length=20, default="evaluator", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self):
        return self.name

    def accepts_domain(self, domain):
        domains = {d.strip().lower().lstrip("@") for d in self.accepted_email_domains.split(",") if d.strip()}
        return domain.lower() in domains


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    BUYER = "buyer", _("Acheteur")
    EVALUATOR = "evaluator", _("Évaluateur")
    CURATOR = "curator", _("Curateur de bibliothèque")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")]
        verbose_name = _("adhésion")

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"


class MemberOrganization(models.Model):
    """A purchasing group's member hospital (adhérent): sees the group's `members` libraries."""

    group = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="member_links")
    member = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="group_links")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="one_link_per_member_organization"),
            models.CheckConstraint(condition=~models.Q(group=models.F("member")), name="a_group_is_not_its_own_member"),
        ]
        ordering = ["member__name"]
        verbose_name = _("établissement adhérent")

    def __str__(self):
        return f"{self.member} ∈ {self.group}"


class Invitation(models.Model):
    """An e-mailed, one-time invitation to join an organisation with a role. Only the token's digest is kept."""

    class SendState(models.TextChoices):
        QUEUED = "queued", _("envoi en cours")
        SENT = "sent", _("envoyée")
        RETRYING = "retrying", _("nouvel essai prévu")
        FAILED = "failed", _("échec de l'envoi : renvoyez-la")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    token_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True)
    # The e-mail goes out from the worker (organizations.tasks.invitation_send), retried with backoff.
    send_state = models.CharField(
        _("envoi"), max_length=10, choices=SendState.choices, default=SendState.QUEUED, editable=False
    )
    send_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # Bumped by each re-send: a job of an earlier send finds it changed and stops (one live link, one e-mail).
    send_generation = models.PositiveIntegerField(default=0, editable=False)
    send_error = models.CharField(max_length=200, blank=True, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")

    def __str__(self):
        return f"{self.email} → {self.organization} ({self.role})"

    @property
    def is_pending(self):
        from django.utils import timezone

        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """What an organisation's admins did to its people and members: append-only, read by its admins."""

    class Action(models.TextChoices):
        INVITE = "invite", _("Invitation envoyée")
        INVITE_RESEND = "invite_resend", _("Invitation renvoyée")
        INVITE_REVOKE = "invite_revoke", _("Invitation révoquée")
        INVITE_ACCEPT = "invite_accept", _("Invitation acceptée")
        ROLE_CHANGE = "role_change", _("Rôle modifié")
        MEMBER_REMOVE = "member_remove", _("Membre retiré")
        MEMBER_ORG_ADD = "member_org_add", _("Établissement adhérent ajouté")
        MEMBER_ORG_REMOVE = "member_org_remove", _("Établissement adhérent retiré")
        SETTINGS_CHANGE = "settings_change", _("Réglages modifiés")
        TOKEN_REVOKE = "token_revoke", _("Jeton d'API révoqué")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    target = models.CharField(max_length=254, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entrée du journal d'administration")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target}"


class ApiToken(models.Model):
    """An API token: shown once, stored as a SHA-256 digest, with an expiry and its last use."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True)
    last_used_ip = models.GenericIPAddressField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("jeton d'API")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class SsoIdentity(models.Model):
    """A person as an identity provider knows them: (issuer, subject), bound at the first SSO sign-in.

    Later sign-ins match on this pair, never on the e-mail again: an e-mail can change hands or be
    claimed by another provider, a subject cannot (OpenID Connect Core 1.0, §5.7).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    provider = models.CharField(max_length=100, help_text=_("identifiant du fournisseur dans OIDC_PROVIDERS"))
    email = models.EmailField(blank=True, help_text=_("l'adresse vérifiée lors de la liaison"))
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique_issuer_subject"),
            models.UniqueConstraint(fields=["user", "issuer"], name="sso_identity_one_per_user_and_issuer"),
        ]
        verbose_name = _("identité SSO")

    def __str__(self):
        return f"{self.subject} @ {self.issuer}"
