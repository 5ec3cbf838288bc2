from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out sign-in gets: JSON for the API, a page for people (django-axes hook)."""
    message = _("Trop d'échecs de connexion : compte verrouillé temporairement. Réessayez plus tard.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
