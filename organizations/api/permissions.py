from django.conf import settings
from rest_framework.permissions import BasePermission


class SignedInUnlessDebug(BasePermission):
    """The OpenAPI schema: anyone while developing (DEBUG on), signed-in people only in production, where
    the full list of operations and fields would only help someone probing from outside (I5)."""

    def has_permission(self, request, view):
        return settings.DEBUG or bool(request.user and request.user.is_authenticated)
