"""Organisations run themselves: members and roles, invitations, member hospitals, the admin audit list.

Every write checks who may do it, writes atomically and leaves an AuditEntry.
"""

import hashlib
import logging
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from . import tokens
from .access import roles_by_organization
from .errors import ApplicationError, ConflictError
from .models import AuditEntry, Invitation, MemberOrganization, Membership, Organization, Role, SsoIdentity

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
    try:
        send_mail(
            subject=_("Invitation à rejoindre %(organization)s sur Clausier") % context,
            message=render_to_string("organizations/email/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[invitation.email],
        )
    except (OSError, smtplib.SMTPException) as exc:
        logger.error("invitation e-mail to %s failed: %s", invitation.email, exc)
        raise ApplicationError(
            {"email": [_("Invitation enregistrée, mais l'e-mail n'a pas pu partir : renvoyez-la plus tard.")]},
            status=503,
        ) from exc
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])


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
        token = _new_token(invitation)
        invitation.save()
        audit(organization, user, AuditEntry.Action.INVITE, email, role=role)
    _send_invitation(invitation, token)
    return invitation


def invitation_for(organization, invitation_id):
    try:
        return pending_invitations(organization).get(pk=int(invitation_id))
    except (Invitation.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def invitation_resend(*, user, invitation):
    """A new link (the old one stops working) valid 7 more days."""
    with transaction.atomic():
        token = _new_token(invitation)
        invitation.save(update_fields=["token_digest", "expires_at"])
        audit(invitation.organization, user, AuditEntry.Action.INVITE_RESEND, invitation.email)
    _send_invitation(invitation, token)
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
        if User.objects.filter(username__iexact=invitation.email).exists():
            raise ApplicationError(
                {"detail": [_("Un compte existe déjà pour cette adresse : connectez-vous puis rouvrez le lien.")]}
            )
        user = User(username=invitation.email, email=invitation.email, first_name=first_name, last_name=last_name)
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


# --- a purchasing group's member hospitals -------------------------------------------------------------


def group_for_admin(user, organization_id):
    organization = organization_for_admin(user, organization_id)
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
            username=email[:150],
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
