import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse bodies over MAX_UPLOAD_BYTES with a 413 that says so, before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_UPLOAD_BYTES
        if length > limit:
            message = _("Requête trop volumineuse : %(size)s octets, %(limit)s au plus.") % {
                "size": length,
                "limit": limit,
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that loses the database (PostgreSQL restarting, connection refused) answers 503 "try again"
    instead of a 500. No template: rendering one would need the database too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logging.getLogger(__name__).error("database unavailable: %s", exception)
        message = _("La base de données est momentanément indisponible. Réessayez dans quelques instants.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(f"<!doctype html><title>503</title><p>{message}</p>", status=503)
        response["Retry-After"] = "5"
        return response


class FriendlyNotFoundMiddleware:
    """With DEBUG on and FRIENDLY_404 set (make run's demo), unknown pages answer templates/404.html
    instead of Django's debug page, which lists every URL pattern of the site.

    Off by default so developers keep the debug page; with DEBUG off Django already renders 404.html.
    The API keeps its JSON 404s.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _active(self, request):
        return settings.DEBUG and getattr(settings, "FRIENDLY_404", False) and not request.path.startswith("/api/")

    def _not_found(self, request):
        from django.shortcuts import render

        return render(request, "404.html", status=404)

    def __call__(self, request):
        if self._active(request):
            from django.urls import Resolver404, resolve

            try:
                resolve(request.path_info)
            except Resolver404:
                # CommonMiddleware still redirects /tenders to /tenders/.
                if not (
                    settings.APPEND_SLASH and not request.path_info.endswith("/") and _resolves(request.path_info + "/")
                ):
                    return self._not_found(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import Http404

        if isinstance(exception, Http404) and self._active(request):
            return self._not_found(request)
        return None


def _resolves(path):
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True
