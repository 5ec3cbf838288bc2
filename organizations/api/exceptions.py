from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from organizations.errors import ApplicationError


def exception_handler(exc, context):
    """One place that turns domain errors into HTTP answers.

    Services and access checks refuse with Django's `PermissionDenied` (the pages' 403 page shows its
    message); here it becomes DRF's 403 body `{"detail": message}`, the message kept.
    """
    if isinstance(exc, PermissionDenied) and exc.args:
        return Response({"detail": str(exc.args[0])}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        body = exc.errors
        if list(body) == ["detail"] and len(body["detail"]) == 1:
            body = {"detail": body["detail"][0]}
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
