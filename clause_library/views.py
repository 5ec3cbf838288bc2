"""The clause library pages. Each view starts with its access check; rules live in the services.

A library the user may not see is missing (404) on every page of it and of its clauses. A library
the user sees but may not change (shared with their organisation, or a role other than curator or
admin in the owner) answers 403 to the pages and posts that would change it.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from organizations.access import get_or_404
from organizations.errors import ApplicationError
from organizations.models import Organization

from . import access, selectors, services
from .forms import (
    ClauseFilterForm,
    ClauseForm,
    LibraryCreateForm,
    LibraryForkForm,
    LibraryImportForm,
    LibraryShareForm,
)
from .models import Clause
from .parameters import display_values, normalize_definition, resolve_values

CLAUSES_PER_PAGE = 50

FIELD_LABELS = {
    "title": gettext_lazy("Titre"),
    "category": gettext_lazy("Catégorie"),
    "language": gettext_lazy("Langue"),
    "body": gettext_lazy("Texte"),
    "parameters": gettext_lazy("Paramètres"),
    "requirement": gettext_lazy("Exigence"),
    "question": gettext_lazy("Question au candidat"),
    "default_weight": gettext_lazy("Poids par défaut"),
    "scale_max": gettext_lazy("Note maximale"),
    "rubric": gettext_lazy("Grille de notation"),
    "references": gettext_lazy("Références"),
    "tags": gettext_lazy("Étiquettes"),
    "checks": gettext_lazy("Vérifications automatiques"),
    "destination": gettext_lazy("Destination"),
    "derogations": gettext_lazy("Dérogations au CCAG-TIC 2021"),
    "legal_note": gettext_lazy("Note juridique (non publiée)"),
    "appreciation": gettext_lazy("Éléments d'appréciation"),
    "deferrable": gettext_lazy("Livrable en différé"),
    "price_lines": gettext_lazy("Lignes de prix"),
}


# Access helpers ---------------------------------------------------------------------------------


def _visible_library(request, pk):
    return access.library_for(request.user, pk)


def _editable_library(request, pk):
    library = access.library_for(request.user, pk)
    access.require_library_editor(request.user, library)
    return library


def _library_clause(library, pk):
    return get_or_404(Clause.objects.select_related("current", "library"), pk=pk, library=library)


def _editor_organizations(user):
    return Organization.objects.filter(pk__in=access.curator_organization_ids(user)).order_by("name")


def _page(request, template, context):
    return render(request, template, {"nav": "libraries", **context})


# Libraries --------------------------------------------------------------------------------------


@login_required
def library_list(request):
    libraries = list(selectors.libraries_for_list(request.user).prefetch_related(None).select_related("origin"))
    visible = {library.pk for library in libraries}
    for library in libraries:
        # Name the upstream only when the user may see it too.
        library.visible_origin = library.origin if library.origin_id in visible else None
    return _page(
        request,
        "clause_library/library_list.html",
        {
            "libraries": libraries,
            "can_create": bool(access.curator_organization_ids(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def library_create(request):
    access.require_curator(request.user, None, "create")
    organizations = _editor_organizations(request.user)
    form = LibraryCreateForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            library = services.library_create(
                user=request.user,
                organization=data["organization"],
                name=data["name"],
                description=data["description"],
                language=data["language"],
            )
        except ApplicationError as exc:
            _add_errors(form, exc.errors)
        else:
            messages.success(request, _("Bibliothèque « %(name)s » créée.") % {"name": library.name})
            return redirect("clause_library:library_detail", pk=library.pk)
    return _page(request, "clause_library/library_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def library_import(request):
    access.require_curator(request.user, None, "import")
    organizations = _editor_organizations(request.user)
    form = LibraryImportForm(request.POST or None, request.FILES or None, organizations=organizations)
    file_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            library = services.library_import(
                user=request.user, organization=form.cleaned_data["organization"], data=form.cleaned_data["file"]
            )
        except ApplicationError as exc:
            file_errors = [_split_path(message) for message in exc.errors.get("file", [])]
            _add_errors(form, {k: v for k, v in exc.errors.items() if k != "file"})
        else:
            count = library.clauses.count()
            messages.success(
                request,
                _("Bibliothèque « %(name)s » importée (%(count)s clauses).") % {"name": library.name, "count": count},
            )
            return redirect("clause_library:library_detail", pk=library.pk)
    return _page(
        request,
        "clause_library/library_import.html",
        {
            "form": form,
            "file_errors": file_errors,
            "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        },
    )


def _split_path(message):
    """'$.clauses[0].body: text' → ('$.clauses[0].body', 'text'), so the path can be shown as code."""
    message = str(message)
    if message.startswith("$"):
        path, separator, text = message.partition(": ")
        if separator and " " not in path.strip():
            return path.strip(), text
        path, separator, text = message.partition(" : ")
        if separator:
            return path.strip(), text
    return "", message


def _add_errors(form, errors):
    for field, messages_ in errors.items():
        target = field if field in form.fields else None
        for message in messages_ if isinstance(messages_, list) else [messages_]:
            form.add_error(target, str(message))


@login_required
def library_detail(request, pk):
    library = _visible_library(request, pk)
    filter_form = ClauseFilterForm(request.GET)
    filters = filter_form.filters()
    clauses = selectors.clauses_filtered(request.user, library=library.pk, **filters)
    page = Paginator(clauses, CLAUSES_PER_PAGE).get_page(request.GET.get("page"))
    can_edit = access.may_edit_library(request.user, library)
    return _page(
        request,
        "clause_library/library_detail.html",
        {
            "library": library,
            "filter_form": filter_form,
            "filtered": any(filters.values()),
            "page": page,
            "can_edit": can_edit,
            "can_fork": bool(access.curator_organization_ids(request.user)),
            "update_count": selectors.library_updates(library).count() if library.origin_id else 0,
            "shared_with": list(library.shared_with.order_by("name")) if can_edit else [],
            "origin": _visible_origin(request.user, library),
        },
    )


def _visible_origin(user, library):
    if not library.origin_id:
        return None
    return selectors.libraries_visible_to(user).filter(pk=library.origin_id).first()


@login_required
def library_export(request, pk):
    library = _visible_library(request, pk)
    content = json.dumps(services.library_export(library), ensure_ascii=False, indent=2)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    filename = f"{slugify(library.name) or 'bibliotheque'}-{library.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def library_fork(request, pk):
    library = _visible_library(request, pk)
    organizations = _editor_organizations(request.user)
    form = LibraryForkForm(request.POST or None, organizations=organizations)
    if request.method == "POST":
        access.require_curator(request.user, None, "fork")
        if form.is_valid():
            try:
                fork = services.library_fork(
                    user=request.user,
                    library=library,
                    organization=form.cleaned_data["organization"],
                    name=form.cleaned_data["name"] or None,
                )
            except ApplicationError as exc:
                _add_errors(form, exc.errors)
            else:
                messages.success(request, _("Copie « %(name)s » créée.") % {"name": fork.name})
                return redirect("clause_library:library_detail", pk=fork.pk)
    return _page(
        request,
        "clause_library/library_fork.html",
        {
            "library": library,
            "form": form,
            "can_fork": bool(organizations),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def library_share(request, pk):
    library = _editable_library(request, pk)
    initial = {"visibility": library.visibility, "shared_with": list(library.shared_with.all())}
    form = LibraryShareForm(
        request.POST or None,
        initial=initial,
        library=library,
        related=selectors.organizations_related_to(library.organization_id),
    )
    if request.method == "POST" and form.is_valid():
        services.library_update(
            user=request.user,
            library=library,
            changes={"visibility": form.cleaned_data["visibility"], "shared_with": form.shared_organizations()},
        )
        messages.success(request, _("Partage de la bibliothèque enregistré."))
        return redirect("clause_library:library_detail", pk=library.pk)
    return _page(request, "clause_library/library_share.html", {"library": library, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def library_updates(request, pk):
    library = _visible_library(request, pk)
    can_edit = access.may_edit_library(request.user, library)
    errors = []
    if request.method == "POST":
        access.require_library_editor(request.user, library)
        clause_ids = [int(value) for value in request.POST.getlist("clauses") if value.isdigit()]
        if not clause_ids:
            errors.append(_("Cochez au moins une clause à mettre à jour."))
        else:
            try:
                pulled = services.library_pull(user=request.user, library=library, clause_ids=clause_ids)
            except ApplicationError as exc:
                errors.extend(str(m) for messages_ in exc.errors.values() for m in messages_)
            else:
                messages.success(request, _("%(count)s clause(s) mise(s) à jour.") % {"count": len(pulled)})
                return redirect("clause_library:library_detail", pk=library.pk)
    rows = [
        {
            "clause": clause,
            "upstream": clause.origin.current,
            "diff": _labelled(selectors.version_diff(clause.current, clause.origin.current)),
        }
        for clause in selectors.library_updates(library)
    ]
    return _page(
        request,
        "clause_library/library_updates.html",
        {
            "library": library,
            "rows": rows,
            "upstream_lost": bool(library.origin_id) and not selectors.upstream_visible(library),
            "can_edit": can_edit,
            "errors": errors,
            "checked": set(request.POST.getlist("clauses")),
        },
    )


def _labelled(diff, downloads=()):
    """Diff rows for the template; a field too large to compare offers `downloads` [(label, url)] instead."""
    return [
        {
            "field": field,
            "label": FIELD_LABELS.get(field, field),
            "lines": lines or [],
            "too_large": lines is None,
            "downloads": list(downloads) if lines is None else [],
        }
        for field, lines in diff
    ]


# Clauses ----------------------------------------------------------------------------------------


@login_required
def clause_detail(request, library_pk, pk):
    library = _visible_library(request, library_pk)
    clause = _library_clause(library, pk)
    version = clause.current
    values, _errors = resolve_values(version.parameters, require=False)
    versions = list(clause.versions.select_related("author").order_by("-number"))
    by_number = {v.number: v for v in versions}
    diff, diff_from, diff_to = None, _int(request.GET.get("from")), _int(request.GET.get("to"))
    if diff_from in by_number and diff_to in by_number:
        downloads = [
            (
                _("version %(number)s") % {"number": number},
                reverse("clause_library:clause_version_download", args=[library.pk, clause.pk, number]),
            )
            for number in (diff_from, diff_to)
        ]
        diff = _labelled(selectors.version_diff(by_number[diff_from], by_number[diff_to]), downloads)
    return _page(
        request,
        "clause_library/clause_detail.html",
        {
            "library": library,
            "clause": clause,
            "version": version,
            # Rendered when the version was written: raw HTML escaped, result sanitised (nh3 allow-list).
            "preview": version.preview,
            "parameters": [_parameter_row(p, version.language) for p in version.parameters],
            "references": [_reference_row(r) for r in version.references],
            "derogations": version.derogations or [],
            "versions": versions,
            "diff": diff,
            "diff_from": diff_from,
            "diff_to": diff_to,
            "select_from": diff_from if diff_from in by_number else version.number - 1,
            "select_to": diff_to if diff_to in by_number else version.number,
            "diff_requested": "from" in request.GET or "to" in request.GET,
            "can_edit": access.may_edit_library(request.user, library),
        },
    )


@login_required
def clause_version_download(request, library_pk, pk, number):
    """One version's content as a JSON file (the library file's clause shape), e.g. to compare offline."""
    library = _visible_library(request, library_pk)
    clause = _library_clause(library, pk)
    version = get_or_404(clause.versions.all(), number=number)
    content = json.dumps(
        {"key": clause.key, "version": version.number, **version.content()}, ensure_ascii=False, indent=2
    )
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{clause.key}-v{version.number}.json"'
    return response


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parameter_row(raw, language="fr"):
    definition = normalize_definition(raw)
    if definition["type"] == "date" and definition["default"]:  # in words, as the preview shows it
        definition["default"] = display_values([definition], {definition["name"]: definition["default"]}, language)[
            definition["name"]
        ]
    bounds = ""
    if definition["min"] is not None or definition["max"] is not None:
        low = "" if definition["min"] is None else definition["min"]
        high = "" if definition["max"] is None else definition["max"]
        bounds = f"{low} – {high}"
    return {**definition, "bounds": bounds, "choices_text": ", ".join(map(str, definition["choices"]))}


def _reference_row(reference):
    url = str(reference.get("url") or "")
    # Only web addresses become links; anything else (javascript:, data:) stays text.
    return {
        "label": reference.get("label") or url,
        "url": url if url.startswith(("https://", "http://")) else None,
        "text": url,
        "informative": reference.get("informative") is True,
        "statutory": reference.get("statutory") is True,
    }


def _checked(form):
    """Parse the form; if something did not parse, still list every other problem at once."""
    if form.is_valid():
        return True
    form.add_rule_errors()
    return False


@login_required
@require_http_methods(["GET", "POST"])
def clause_create(request, library_pk):
    library = _editable_library(request, library_pk)
    form = ClauseForm(request.POST or None)
    if request.method == "POST" and _checked(form):
        try:
            clause = services.clause_create(
                user=request.user, library=library, key=form.cleaned_data["key"], content=form.content()
            )
        except ApplicationError as exc:
            form.add_service_errors(exc.errors)
        else:
            messages.success(request, _("Clause « %(key)s » créée (version 1).") % {"key": clause.key})
            return redirect("clause_library:clause_detail", library_pk=library.pk, pk=clause.pk)
    return _page(request, "clause_library/clause_form.html", {"library": library, "form": form, "clause": None})


@login_required
@require_http_methods(["GET", "POST"])
def clause_edit(request, library_pk, pk):
    library = _editable_library(request, library_pk)
    clause = _library_clause(library, pk)
    form = ClauseForm(request.POST or None, initial=clause.current.content(), with_key=False)
    if request.method == "POST" and _checked(form):
        before = clause.current.number
        try:
            clause = services.clause_update(user=request.user, clause=clause, changes=form.content())
        except ApplicationError as exc:
            form.add_service_errors(exc.errors)
        else:
            if clause.current.number == before:
                messages.info(request, _("Aucun changement : pas de nouvelle version."))
            else:
                messages.success(request, _("Version %(number)s enregistrée.") % {"number": clause.current.number})
            return redirect("clause_library:clause_detail", library_pk=library.pk, pk=clause.pk)
    return _page(request, "clause_library/clause_form.html", {"library": library, "form": form, "clause": clause})


@login_required
@require_http_methods(["GET", "POST"])
def clause_delete(request, library_pk, pk):
    library = _editable_library(request, library_pk)
    clause = _library_clause(library, pk)
    if request.method == "POST":
        try:
            services.clause_delete(user=request.user, clause=clause)
        except ApplicationError as exc:
            for messages_ in exc.errors.values():
                for message in messages_:
                    messages.error(request, message)
            return redirect("clause_library:clause_detail", library_pk=library.pk, pk=clause.pk)
        messages.success(request, _("Clause « %(key)s » supprimée.") % {"key": clause.key})
        return redirect("clause_library:library_detail", pk=library.pk)
    return _page(request, "clause_library/clause_delete.html", {"library": library, "clause": clause})
