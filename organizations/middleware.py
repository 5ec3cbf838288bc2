from django.conf import settings
from django.http import JsonResponse
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
            message = _("Requête trop volumineuse : %(size)s octets, %(limit)s au plus.") % {"size": length, "limit": limit}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            from django.shortcuts import render

            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)
