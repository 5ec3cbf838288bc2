from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def library_list(request):
    libraries = selectors.libraries_for_list(request.user)
    return render(request, "clause_library/library_list.html", {"libraries": libraries, "nav": "libraries"})
