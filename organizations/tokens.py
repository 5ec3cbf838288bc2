"""API tokens and sessions: issue, authenticate, revoke (leaving means leaving).

A token is shown once; the database keeps its SHA-256 digest, an expiry (API_TOKEN_TTL_HOURS) and its
last use. A password change, a deactivation, a removal from an organisation or a sign-out revokes every
token of the person; the first three also end their sessions.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken

LAST_USE_RESOLUTION = timedelta(minutes=1)  # at most one write per token and minute


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def issue(user):
    """A new token for `user`: (ApiToken, key). The key is never stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=digest(key),
        prefix=key[:8],
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token, key


def revoke_tokens(user):
    return ApiToken.objects.filter(user=user).delete()[0]


def end_sessions(user, keep=None):
    """Delete every stored session signed in as `user` (but `keep`, a session key)."""
    user_id = str(user.pk)
    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key != keep and session.get_decoded().get("_auth_user_id") == user_id:
            doomed.append(session.session_key)
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


def revoke_access(user, keep_session=None):
    """Everything the person holds: tokens and sessions."""
    revoke_tokens(user)
    end_sessions(user, keep=keep_session)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` against ApiToken: unknown, expired or inactive → 401."""

    keyword = "Token"

    def authenticate(self, request):
        from .client_ip import client_ip

        self._address = client_ip(request) or None
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        if len(key) > 100:
            raise exceptions.AuthenticationFailed(_("Jeton invalide."))
        token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide."))
        now = timezone.now()
        if token.expires_at <= now:
            token.delete()
            raise exceptions.AuthenticationFailed(_("Jeton expiré : demandez-en un nouveau."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Compte désactivé."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
            address = getattr(self, "_address", None)
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address)
            token.last_used_at, token.last_used_ip = now, address
        return token.user, token
