from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .templatetags.navigation import sections_for


@login_required
def home(request):
    """The page each role starts from after signing in: buyers and admins their tenders, curators
    the libraries, evaluators the tenders they evaluate."""
    sections = sections_for(request.user)
    if "tenders" in sections:
        return redirect("tenders:tender_list")
    if "libraries" in sections:
        return redirect("clause_library:library_list")
    if "evaluation" in sections:
        return redirect("scoring:evaluation_list")
    return redirect("clause_library:library_list")
