"""The real client address: X-Forwarded-For is believed only through TRUSTED_PROXY_COUNT proxies."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request):
    """REMOTE_ADDR with no trusted proxy; else the address the outermost trusted proxy saw (as DRF does)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]


class SignInThrottle(SimpleRateThrottle):
    """Sign-in attempts per client address, whatever the user name (password spraying)."""

    scope = "signin"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
