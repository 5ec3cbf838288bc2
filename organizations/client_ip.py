"""The real client address: X-Forwarded-For is believed only through TRUSTED_PROXY_COUNT proxies."""

import logging

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)
try:  # the shared cache's errors (config/settings.py CACHES): Redis down or unreachable
    from redis.exceptions import RedisError as _CacheDown
except ImportError:  # pragma: no cover - redis is in requirements.txt
    _CacheDown = OSError


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


class FailOpenMixin:
    """While the shared cache (Redis) is down the counters cannot be read: let the request through and log
    it, rather than answer 500 to every sign-in. The per-user-name lockout (django-axes, in the database)
    still holds meanwhile, and /healthz reports the outage."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (_CacheDown, OSError) as exc:
            logger.error("throttle %s: cache unavailable, request let through: %s", self.__class__.__name__, exc)
            return True


class AuthThrottle(FailOpenMixin, ScopedRateThrottle):
    """The token endpoint's `auth` scope, keyed on the real client address (DRF's NUM_PROXIES)."""


class SignInThrottle(FailOpenMixin, SimpleRateThrottle):
    """Sign-in attempts per client address, whatever the user name (password spraying)."""

    scope = "signin"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
