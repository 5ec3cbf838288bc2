"""Single sign-on with OpenID Connect (mozilla-django-oidc), several providers from the environment.

Authorization-code flow with PKCE (S256), `state` and `nonce` checked by the library; here besides: the
ID token's issuer and audience, the userinfo `sub` equal to the ID token's. A person is matched on the
(issuer, subject) pair bound at their first SSO sign-in; an unbound one is bound only through a provider
authoritative for the e-mail's domain that says the e-mail is verified (`email_verified: true`, a boolean,
in the ID token or the userinfo, false in neither) — organizations.services.sso_user. Anyone else is
refused with a page that says why. No account without one of those.
"""

import logging

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import services
from .errors import ApplicationError

logger = logging.getLogger(__name__)
User = get_user_model()
_discovery = {}


def providers():
    return getattr(settings, "OIDC_PROVIDERS", {})


def provider_links(next_url=""):
    from django.urls import reverse

    suffix = f"?next={next_url}" if next_url else ""
    return [
        {"id": pid, "name": conf.get("name") or pid, "url": reverse("oidc_login", args=[pid]) + suffix}
        for pid, conf in providers().items()
    ]


def discovery(issuer):
    """The provider's metadata, fetched once per issuer and process."""
    if issuer not in _discovery:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
        if metadata.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("OIDC discovery issuer mismatch")
        _discovery[issuer] = metadata
    return _discovery[issuer]


def provider_settings(provider_id):
    """mozilla-django-oidc's settings names, for one provider."""
    conf = providers().get(provider_id)
    if not conf:
        raise Http404
    metadata = discovery(conf["issuer"])
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": metadata["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": metadata["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": metadata["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": metadata["jwks_uri"],
        "OIDC_RP_CLIENT_ID": conf["client_id"],
        "OIDC_RP_CLIENT_SECRET": conf["client_secret"],
        "OIDC_RP_SIGN_ALGO": conf.get("sign_algo") or "RS256",
        "OIDC_RP_SCOPES": conf.get("scopes") or "openid email profile",
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": conf.get("extra_params") or {},
        "issuer": conf["issuer"],
        "provider_id": provider_id,
        "domains": list(conf.get("domains") or []),
        "organizations": list(conf.get("organizations") or []),
    }


class _ProviderSettings:
    provider_settings = None

    def get_settings(self, attr, *args):
        if self.provider_settings and attr in self.provider_settings:
            return self.provider_settings[attr]
        return import_from_settings(attr, *args)


class LoginView(_ProviderSettings, OIDCAuthenticationRequestView):
    """`/oidc/<provider>/login/`: off to the provider, with state, nonce and a PKCE challenge."""

    def __init__(self, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # settings come per provider in get()

    def get(self, request, provider_id):
        self.provider_settings = provider_settings(provider_id)
        self.OIDC_OP_AUTH_ENDPOINT = self.provider_settings["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = self.provider_settings["OIDC_RP_CLIENT_ID"]
        response = super().get(request)
        # Remember which provider this state belongs to.
        from urllib.parse import parse_qs, urlparse

        state = parse_qs(urlparse(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = provider_id
        request.session.modified = True
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    """`/oidc/callback/`: a refusal is a page that says why, never a half sign-in."""

    def get(self, request):
        state = request.GET.get("state")
        states = request.session.get("oidc_states") or {}
        if "code" in request.GET or "state" in request.GET:
            if state not in states:
                return self.refuse(
                    _("La réponse du fournisseur d'identité ne correspond à aucune connexion en cours."), 400
                )
            request.oidc_provider = states[state].get("provider")
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException) as exc:
            logger.warning("OIDC sign-in refused: %s", exc)
            return self.refuse(_("La connexion par le fournisseur d'identité a échoué."), 400)

    def login_failure(self):
        reason = getattr(self.request, "oidc_refusal", None) or _(
            "La connexion par le fournisseur d'identité a échoué."
        )
        return self.refuse(reason, 403)

    def refuse(self, reason, status):
        return render(self.request, "organizations/sso_refused.html", {"reason": reason}, status=status)


class Backend(OIDCAuthenticationBackend):
    """Authenticates only inside the OIDC callback; matches people, never creates strangers."""

    def __init__(self, *args, **kwargs):
        self.UserModel = User  # settings are read per provider in authenticate()

    def authenticate(self, request, **kwargs):
        provider_id = getattr(request, "oidc_provider", None) if request is not None else None
        if not provider_id or "nonce" not in kwargs:
            return None
        conf = provider_settings(provider_id)
        self.provider_settings = conf
        self.OIDC_OP_TOKEN_ENDPOINT = conf["OIDC_OP_TOKEN_ENDPOINT"]
        self.OIDC_OP_USER_ENDPOINT = conf["OIDC_OP_USER_ENDPOINT"]
        self.OIDC_OP_JWKS_ENDPOINT = conf["OIDC_OP_JWKS_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = conf["OIDC_RP_CLIENT_ID"]
        self.OIDC_RP_CLIENT_SECRET = conf["OIDC_RP_CLIENT_SECRET"]
        self.OIDC_RP_SIGN_ALGO = conf["OIDC_RP_SIGN_ALGO"]
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def get_settings(self, attr, *args):
        conf = getattr(self, "provider_settings", None)
        if conf and attr in conf:
            return conf[attr]
        return import_from_settings(attr, *args)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss", "").rstrip("/") != self.provider_settings["issuer"].rstrip("/"):
            raise SuspiciousOperation("ID token issuer mismatch")
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience mismatch")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo sub differs from the ID token's")
        subject = payload.get("sub")
        if not isinstance(subject, str) or not subject:
            raise SuspiciousOperation("ID token without a subject")
        email = (claims.get("email") or payload.get("email") or "").strip().lower()
        conf = self.provider_settings
        try:
            return services.sso_user(
                issuer=conf["issuer"].rstrip("/"),
                subject=subject,
                email=email,
                email_verified=email_verified(payload, claims),
                claims=claims,
                provider=conf["provider_id"],
                domains=conf["domains"],
                organization_ids=conf["organizations"],
            )
        except ApplicationError as error:
            return self._refuse(" ".join(m for messages in error.errors.values() for m in messages))

    def _refuse(self, reason):
        self.request.oidc_refusal = reason
        return None


def email_verified(id_token_claims, userinfo_claims):
    """True only when the boolean `true` is asserted (ID token or userinfo) and `false` nowhere.

    An absent claim, the string "true"/"false" or a false in either place is not a verification.
    """
    values = [claims.get("email_verified") for claims in (id_token_claims, userinfo_claims) if claims]
    asserted = [value for value in values if value is not None]
    return bool(asserted) and all(value is True for value in asserted)
