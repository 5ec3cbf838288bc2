"""Organisations run themselves: members and roles, invitations, member hospitals, the admin audit list.

Every write checks who may do it, writes atomically and leaves an AuditEntry.
"""

import hashlib
import logging
import re
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.fr import siret as stdnum_siret

from . import tokens
from .access import roles_by_organization
from .errors import ApplicationError, ConflictError
from .models import ApiToken, AuditEntry, Invitation, MemberOrganization, Membership, Organization, Role, SsoIdentity

logger = logging.getLogger(__name__)
User = get_user_model()
INVITATION_VALIDITY = timedelta(days=7)


# --- who may ----------------------------------------------------------------------------------------


def organization_for(user, organization_id):
    """The organisation if `user` belongs to it, else 404 (no existence leak)."""
    try:
        organization_id = int(organization_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if organization_id not in roles_by_organization(user):
        raise Http404
    return Organization.objects.get(pk=organization_id)


def organization_for_admin(user, organization_id):
    """The organisation if `user` is one of its admins; a member with another role gets 403."""
    organization = organization_for(user, organization_id)
    if roles_by_organization(user)[organization.pk] != Role.ADMIN:
        raise PermissionDenied(_("Réservé aux administrateurs de l'organisation."))
    return organization


def organization_set_siret(*, user, organization, siret):
    """Set the organisation's SIRET (its identity as a buyer in the essential data of its contracts).

    14 digits with a valid check key (python-stdnum); blank clears it. The caller is one of its admins.
    """
    siret = "".join((siret or "").split())
    if siret and not stdnum_siret.is_valid(siret):
        raise ApplicationError({"siret": [_("SIRET invalide : 14 chiffres avec une clé de contrôle exacte.")]})
    organization.siret = siret
    organization.save(update_fields=["siret"])
    return organization


def audit(organization, actor, action, target="", **details):
    return AuditEntry.objects.create(
        organization=organization,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        target=target,
        details=details,
    )


def display_name(user):
    return user.get_full_name() or user.get_username()


def username_for_email(email):
    """A new account's user name: its e-mail when it fits Django's 150 characters and is free; else the
    e-mail's start and a digest of the whole (an e-mail may have 254 characters; PostgreSQL would refuse
    the longer name, I6). The person signs in with it (the welcome page shows it) or by SSO."""
    limit = User._meta.get_field("username").max_length
    if len(email) <= limit and not User.objects.filter(username__iexact=email).exists():
        return email
    digest = hashlib.sha256(email.lower().encode()).hexdigest()[:12]
    candidate = f"{email[: limit - 13]}-{digest}"
    suffix = 1
    while User.objects.filter(username__iexact=candidate).exists():
        suffix += 1
        candidate = f"{email[: limit - 13 - len(str(suffix))]}{suffix}-{digest}"
    return candidate


# --- members and roles --------------------------------------------------------------------------------


def members_of(organization):
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__username")


def _membership(organization, username):
    membership = members_of(organization).filter(user__username=username).first()
    if membership is None:
        raise Http404
    return membership


def _lock_admins(organization):
    """Lock the organisation's admin rows: two admins removing each other at once cannot both succeed."""
    list(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Role.ADMIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _other_admins(organization, membership):
    return (
        Membership.objects.filter(organization=organization, role=Role.ADMIN, user__is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def member_set_role(*, user, organization, username, role):
    if role not in Role.values:
        raise ApplicationError({"role": [_("Rôle inconnu : « %(role)s ».") % {"role": role}]})
    _lock_admins(organization)  # first, so the rows read below are current
    membership = _membership(organization, username)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and not _other_admins(organization, membership):
        raise ConflictError(
            {"role": [_("C'est le dernier administrateur de l'organisation : nommez-en un autre d'abord.")]}
        )
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit(organization, user, AuditEntry.Action.ROLE_CHANGE, username, before=before, after=role)
    return membership


@transaction.atomic
def member_remove(*, user, organization, username):
    """Remove a member; the last admin stays (409).

    Only this organisation's access ends: every access check reads the memberships, so the person's other
    organisations keep working. Someone left with no organisation at all loses their tokens and sessions.
    """
    _lock_admins(organization)  # first, so the rows read below are current
    membership = _membership(organization, username)
    if membership.role == Role.ADMIN and not _other_admins(organization, membership):
        raise ConflictError(
            {"detail": [_("C'est le dernier administrateur de l'organisation : il ne peut pas être retiré.")]}
        )
    removed = membership.user
    membership.delete()
    if not Membership.objects.filter(user=removed).exists():
        tokens.revoke_access(removed)
    audit(organization, user, AuditEntry.Action.MEMBER_REMOVE, username, role=membership.role)


# --- a person's API tokens ---------------------------------------------------------------------------------


@transaction.atomic
def token_revoke(*, user, token_id):
    """Revoke one of `user`'s own API tokens (the page and `DELETE auth/tokens/{id}/` call this).

    Any other id, someone else's token included, is missing (404). The next call with the token answers
    401. Each organisation the person belongs to gets a `token_revoke` entry in its audit list (target:
    the person; details: the token's prefix and when it was issued, never the key): a key withdrawn because
    it leaked is something their admins need to know. Returns the number of entries written.
    """
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    details = {"prefix": token.prefix, "created_at": token.created_at.isoformat()}
    token.delete()
    organizations = Organization.objects.filter(memberships__user=user).order_by("pk")
    return len([audit(o, user, AuditEntry.Action.TOKEN_REVOKE, user.get_username(), **details) for o in organizations])


# --- invitations ------------------------------------------------------------------------------------------


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token):
    return settings.SITE_URL.rstrip("/") + f"/invitations/{token}/"


def _send_invitation(invitation, token):
    context = {
        "organization": invitation.organization.name,
        "role": invitation.get_role_display(),
        "link": invitation_link(token),
        "expires_at": invitation.expires_at,
        "inviter": display_name(invitation.created_by) if invitation.created_by else "",
    }
    send_mail(
        subject=_("Invitation à rejoindre %(organization)s sur Clausier") % context,
        message=render_to_string("organizations/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def invitation_deliver(*, invitation_id, generation, last_attempt):
    """One attempt at e-mailing an invitation (the worker's job, organizations.tasks.invitation_send).

    A new link is made for each attempt (the database keeps only its digest, so no secret travels through
    the broker) and the row records the outcome: "sent"; "retry" (the mail server failed, the job will
    try again: state `retrying`); "failed" (it was the last attempt: state `failed`, the admin re-sends);
    "skipped" (revoked, accepted, expired, or re-sent since: a newer job owns it); "missing" (no such row
    yet: the job runs again later).
    """
    with transaction.atomic():
        invitation = (
            # Lock the invitation row only: `created_by` may be null, and PostgreSQL refuses FOR UPDATE on the
            # nullable side of an outer join.
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "created_by")
            .filter(pk=invitation_id)
        ).first()
        if invitation is None:
            # Not committed yet (a caller's transaction still open) or deleted: the job looks again later.
            return "missing" if not last_attempt else "skipped"
        if not invitation.is_pending or invitation.send_generation != generation:
            return "skipped"
        token = _new_token(invitation)
        invitation.send_attempts += 1
        invitation.save(update_fields=["token_digest", "expires_at", "send_attempts"])
    try:
        _send_invitation(invitation, token)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("invitation %s: e-mail to %s failed: %s", invitation.pk, invitation.email, exc)
        state = Invitation.SendState.FAILED if last_attempt else Invitation.SendState.RETRYING
        Invitation.objects.filter(pk=invitation.pk, send_generation=generation).update(
            send_state=state, send_error=f"{exc.__class__.__name__}: {exc}"[:200]
        )
        return "failed" if last_attempt else "retry"
    Invitation.objects.filter(pk=invitation.pk, send_generation=generation).update(
        send_state=Invitation.SendState.SENT, sent_at=timezone.now(), send_error=""
    )
    return "sent"


def _queue_send(invitation):
    """Hand the e-mail to the worker, once the service's atomic block has committed the row. Should a caller
    hold a transaction open around the service, the job may run before the row exists: it then finds it
    "missing" and tries again later. The broker down: one attempt here, in the request, so the admin
    still gets an answer."""
    from kombu.exceptions import OperationalError

    from .tasks import invitation_send

    try:
        invitation_send.apply_async(args=[invitation.pk, invitation.send_generation], retry=False)
    except OperationalError:
        logger.exception("broker unavailable: invitation %s e-mailed from the request", invitation.pk)
        invitation_deliver(invitation_id=invitation.pk, generation=invitation.send_generation, last_attempt=True)
    invitation.refresh_from_db()


def pending_invitations(organization):
    return Invitation.objects.filter(
        organization=organization, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )


def _new_token(invitation):
    token = secrets.token_urlsafe(32)
    invitation.token_digest = _digest(token)
    invitation.expires_at = timezone.now() + INVITATION_VALIDITY
    return token


def invitation_create(*, user, organization, email, role):
    email = (email or "").strip().lower()
    errors = {}
    if role not in Role.values:
        errors["role"] = [_("Rôle inconnu : « %(role)s ».") % {"role": role}]
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        errors["email"] = [_("Cette personne est déjà membre de l'organisation.")]
    elif pending_invitations(organization).filter(email__iexact=email).exists():
        errors["email"] = [_("Une invitation est déjà en attente pour cette adresse : renvoyez-la.")]
    if errors:
        raise ApplicationError(errors)
    with transaction.atomic():
        invitation = Invitation(organization=organization, email=email, role=role, created_by=user)
        _new_token(invitation)  # a digest for the row; the worker mails a fresh link (invitation_deliver)
        invitation.save()
        audit(organization, user, AuditEntry.Action.INVITE, email, role=role)
    _queue_send(invitation)
    return invitation


def invitation_for(organization, invitation_id):
    try:
        return pending_invitations(organization).get(pk=int(invitation_id))
    except (Invitation.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def invitation_resend(*, user, invitation):
    """A new link (the old one stops working) valid 7 more days."""
    with transaction.atomic():
        _new_token(invitation)  # the old link stops working now, before the new one is mailed
        invitation.send_generation += 1
        invitation.send_state = Invitation.SendState.QUEUED
        invitation.send_attempts = 0
        invitation.send_error = ""
        invitation.save(
            update_fields=["token_digest", "expires_at", "send_generation", "send_state", "send_attempts", "send_error"]
        )
        audit(invitation.organization, user, AuditEntry.Action.INVITE_RESEND, invitation.email)
    _queue_send(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, user, invitation):
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit(invitation.organization, user, AuditEntry.Action.INVITE_REVOKE, invitation.email)


def invitation_by_token(token):
    """(invitation or None, state): state is "pending", "accepted", "expired", "revoked" or "unknown"."""
    invitation = Invitation.objects.select_related("organization").filter(token_digest=_digest(token or "")).first()
    if invitation is None:
        return None, "unknown"
    if invitation.accepted_at:
        return invitation, "accepted"
    if invitation.revoked_at:
        return invitation, "revoked"
    if invitation.expires_at <= timezone.now():
        return invitation, "expired"
    return invitation, "pending"


@transaction.atomic
def invitation_accept(*, invitation, user=None, first_name="", last_name="", password=None):
    """Join the organisation: as `user` (signed in, or matched by SSO), or as a new person with a password."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ConflictError({"detail": [_("Cette invitation n'est plus valable.")]})
    if user is None:
        # The same person invited twice must not get two accounts (SSO would then refuse to choose).
        if User.objects.filter(Q(username__iexact=invitation.email) | Q(email__iexact=invitation.email)).exists():
            raise ApplicationError(
                {"detail": [_("Un compte existe déjà pour cette adresse : connectez-vous puis rouvrez le lien.")]}
            )
        user = User(
            username=username_for_email(invitation.email),
            email=invitation.email,
            first_name=first_name,
            last_name=last_name,
        )
        user.set_password(password)
        user.save()
    elif not user.email:
        user.email = invitation.email
        user.save(update_fields=["email"])
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit(invitation.organization, user, AuditEntry.Action.INVITE_ACCEPT, invitation.email, role=membership.role)
    return user


# --- an organisation's settings ---------------------------------------------------------------------------

# Mailboxes anyone can open: accepting one of these domains would let the whole world join by SSO.
PUBLIC_MAIL_DOMAINS = {
    "gmail.com", "googlemail.com", "outlook.com", "outlook.fr", "hotmail.com", "hotmail.fr", "live.com",
    "live.fr", "msn.com", "yahoo.com", "yahoo.fr", "icloud.com", "me.com", "orange.fr", "wanadoo.fr",
    "free.fr", "sfr.fr", "laposte.net", "gmx.fr", "gmx.com", "proton.me", "protonmail.com", "aol.com",
}  # fmt: skip
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SSO_ROLES = (Role.EVALUATOR, Role.BUYER, Role.CURATOR)  # never admin by the directory alone


def parse_email_domains(text):
    """The comma- (or space-) separated domains, normalised; ApplicationError naming the bad ones."""
    domains = []
    for raw in re.split(r"[,\s;]+", text or ""):
        domain = raw.strip().lower().lstrip("@")
        if domain and domain not in domains:
            domains.append(domain)
    bad = [d for d in domains if not _DOMAIN.match(d)]
    if bad:
        raise ApplicationError(
            {"accepted_email_domains": [_("Domaine invalide : %(domains)s.") % {"domains": ", ".join(bad)}]}
        )
    public = [d for d in domains if d in PUBLIC_MAIL_DOMAINS]
    if public:
        raise ApplicationError(
            {
                "accepted_email_domains": [
                    _("Messagerie publique, ouverte à tous : %(domains)s. Indiquez le domaine de l'établissement.")
                    % {"domains": ", ".join(public)}
                ]
            }
        )
    return domains


def _kind_change_error(organization, kind):
    """Why the organisation cannot take this kind, or None: a group keeps its member hospitals' link, a
    member of a group cannot become one."""
    if kind not in Organization.Kind.values:
        return _("Type inconnu.")
    if kind == organization.kind:
        return None
    if organization.kind == Organization.Kind.PURCHASING_GROUP and organization.member_links.exists():
        return _("Retirez d'abord les établissements adhérents du groupement.")
    if kind == Organization.Kind.PURCHASING_GROUP and organization.group_links.exists():
        return _("Adhérent d'un groupement, cet établissement ne peut pas devenir un groupement.")
    return None


@transaction.atomic
def organization_update(*, user, organization, name, kind, accepted_email_domains, sso_role):
    """Change an organisation's name, kind, SSO domains and the role of people joining by domain (its
    admins only; the caller checked). Audited with each field's before and after."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Le nom est obligatoire.")]
    elif Organization.objects.filter(name__iexact=name).exclude(pk=organization.pk).exists():
        errors["name"] = [_("Une autre organisation porte déjà ce nom.")]
    kind_error = _kind_change_error(organization, kind)
    if kind_error:
        errors["kind"] = [kind_error]
    if sso_role not in SSO_ROLES:
        errors["sso_role"] = [_("Rôle non autorisé pour l'arrivée par l'annuaire (jamais administrateur).")]
    try:
        domains = parse_email_domains(accepted_email_domains)
    except ApplicationError as error:
        errors.update(error.errors)
        domains = []
    taken = [
        d
        for other in Organization.objects.exclude(accepted_email_domains="").exclude(pk=organization.pk)
        for d in domains
        if other.accepts_domain(d)
    ]
    if taken:
        errors["accepted_email_domains"] = [
            _("Déjà accepté par une autre organisation : %(domains)s.") % {"domains": ", ".join(sorted(set(taken)))}
        ]
    if errors:
        raise ApplicationError(errors)
    after = {"name": name, "kind": kind, "accepted_email_domains": ", ".join(domains), "sso_role": sso_role}
    changes = {
        field: {"before": getattr(organization, field), "after": value}
        for field, value in after.items()
        if getattr(organization, field) != value
    }
    if changes:
        for field, value in after.items():
            setattr(organization, field, value)
        organization.save(update_fields=list(after))
        audit(organization, user, AuditEntry.Action.SETTINGS_CHANGE, name, **changes)
    return organization


def member_groups(organization):
    """The purchasing groups an organisation is a member hospital of."""
    return Organization.objects.filter(member_links__member=organization).order_by("name")


# --- a purchasing group's member hospitals -------------------------------------------------------------


def group_for_admin(user, organization_id):
    organization = organization_for_admin(user, organization_id)
    if organization.kind != Organization.Kind.PURCHASING_GROUP:
        raise ApplicationError({"organization": [_("Seul un groupement d'achat a des établissements adhérents.")]})
    return organization


def group_for_member(user, organization_id):
    """A purchasing group the user belongs to, whatever their role (reading its member hospitals)."""
    organization = organization_for(user, organization_id)
    if organization.kind != Organization.Kind.PURCHASING_GROUP:
        raise ApplicationError({"organization": [_("Seul un groupement d'achat a des établissements adhérents.")]})
    return organization


def member_organizations(group):
    return Organization.objects.filter(group_links__group=group).order_by("name")


@transaction.atomic
def member_organization_add(*, user, group, organization_id):
    try:
        member = Organization.objects.get(pk=int(organization_id))
    except (Organization.DoesNotExist, TypeError, ValueError) as exc:
        raise ApplicationError({"organization": [_("Organisation inconnue.")]}) from exc
    if member.pk == group.pk:
        raise ApplicationError({"organization": [_("Un groupement n'est pas son propre adhérent.")]})
    if member.kind == Organization.Kind.PURCHASING_GROUP:
        raise ApplicationError({"organization": [_("Un groupement d'achat ne peut pas être adhérent d'un autre.")]})
    _link, created = MemberOrganization.objects.get_or_create(group=group, member=member, defaults={"added_by": user})
    if created:
        audit(group, user, AuditEntry.Action.MEMBER_ORG_ADD, member.name, member_organization=member.pk)
    return member


@transaction.atomic
def member_organization_remove(*, user, group, organization_id):
    try:
        link = MemberOrganization.objects.select_related("member").get(group=group, member_id=int(organization_id))
    except (MemberOrganization.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
    link.delete()
    audit(group, user, AuditEntry.Action.MEMBER_ORG_REMOVE, link.member.name, member_organization=link.member_id)


# --- single sign-on -----------------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def sso_user(*, issuer, subject, email, email_verified, claims, provider="", domains=(), organization_ids=()):
    """The person an identity provider vouches for, or ApplicationError saying why not.

    A person already bound to (issuer, subject) signs in as themselves, whatever e-mail the provider now
    sends. Anyone else is bound — an existing account with that e-mail linked, or a new account made — only
    when the provider is authoritative for the e-mail's domain (`domains`) and says the e-mail is verified;
    and only into organisations the provider serves (`organization_ids`, empty: any): an organisation the
    person is already a member of, one that invited them (the invitation waits for the person to accept it
    on its page: never accepted on their behalf), or one that accepts the domain (role: its `sso_role`).
    """
    allowed = set(organization_ids or ())

    def serves(organization_id):
        return not allowed or organization_id in allowed

    identity = SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        return _sso_bound_user(identity, serves)
    user = _sso_account_to_bind(issuer=issuer, email=email, email_verified=email_verified, domains=domains)
    member_of, invited, by_domain = _sso_waiting(user, email, serves)
    if user is None:
        user = User(
            username=username_for_email(email),
            email=email,
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("family_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save()
    SsoIdentity.objects.create(
        user=user, issuer=issuer, subject=subject, provider=provider, email=email, last_used_at=timezone.now()
    )
    if not member_of and not invited:
        for org in by_domain:
            role = org.sso_role if org.sso_role in Role.values else Role.EVALUATOR
            Membership.objects.get_or_create(user=user, organization=org, defaults={"role": role})
    return user


def _sso_waiting(user, email, serves):
    """(memberships, pending invitations, organisations by domain) waiting for this person among the
    organisations the provider serves; ApplicationError when there is none."""
    member_of = set()
    if user is not None:
        member_of = {
            pk for pk in Membership.objects.filter(user=user).values_list("organization_id", flat=True) if serves(pk)
        }
    domain = email.rsplit("@", 1)[-1].lower()
    invited = [invitation for invitation in pending_invitations_for_email(email) if serves(invitation.organization_id)]
    by_domain = [
        org
        for org in Organization.objects.exclude(accepted_email_domains="")
        if org.accepts_domain(domain) and serves(org.pk)
    ]
    if not (member_of or invited or by_domain):
        raise ApplicationError(
            _(
                "Aucune organisation n'attend %(email)s : demandez une invitation à un administrateur "
                "de votre établissement."
            )
            % {"email": email}
        )
    return member_of, invited, by_domain


def _sso_bound_user(identity, serves):
    """The person bound to this identity, if active and a member of an organisation the provider serves."""
    user = identity.user
    if not user.is_active:
        raise ApplicationError(_("Ce compte est désactivé."))
    if not any(serves(pk) for pk in Membership.objects.filter(user=user).values_list("organization_id", flat=True)):
        raise ApplicationError(
            _("Ce fournisseur d'identité ne donne accès à aucune de vos organisations : demandez une invitation.")
        )
    SsoIdentity.objects.filter(pk=identity.pk).update(last_used_at=timezone.now())
    return user


def _sso_account_to_bind(*, issuer, email, email_verified, domains):
    """The existing account a new identity may be bound to (None: a new one may be made), or why not."""
    if not email:
        raise ApplicationError(_("Le fournisseur d'identité n'a pas transmis d'adresse e-mail."))
    if not email_verified:
        raise ApplicationError(_("Le fournisseur d'identité n'a pas vérifié cette adresse e-mail."))
    domain = email.rsplit("@", 1)[-1].lower()
    if domain not in {d.lower() for d in domains}:
        raise ApplicationError(
            _(
                "Ce fournisseur d'identité ne fait pas autorité pour les adresses @%(domain)s : connectez-vous "
                "avec votre mot de passe ou par l'annuaire de votre établissement."
            )
            % {"domain": domain}
        )
    users = list(User.objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        raise ApplicationError(_("Plusieurs comptes portent cette adresse : un administrateur doit les départager."))
    user = users[0] if users else None
    if user is not None and not user.is_active:
        raise ApplicationError(_("Ce compte est désactivé."))
    if user is not None and SsoIdentity.objects.filter(user=user, issuer=issuer).exists():
        raise ApplicationError(
            _("Ce compte est déjà lié à une autre identité de ce fournisseur : un administrateur doit vérifier.")
        )
    return user


def pending_invitations_for_email(email):
    return Invitation.objects.filter(
        email__iexact=email, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("organization")
