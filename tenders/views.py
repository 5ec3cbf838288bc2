"""Pages: the tender list, a new tender, and the editor. Thin: they call selectors and services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clause_library.models import Category
from clause_library.selectors import clauses_filtered, clauses_visible_to
from documents import selectors as document_selectors
from documents.models import Document
from documents.rendering.html import render_tender_preview_fragment
from organizations.errors import ApplicationError

from . import access, guidance, hooks, selectors, services
from .forms import (
    ClauseSearchForm,
    SetApplyForm,
    TenderForm,
    TenderSettingsForm,
    clause_parameter_values,
    set_choices,
)
from .models import TenderClause

SEARCH_PAGE_SIZE = 25

# What a form error is about, as the buyer reads it (never the field's key).
FIELD_LABELS = {
    "reference": _lazy("Référence"),
    "title": _lazy("Objet"),
    "organization": _lazy("Organisation"),
    "procedure": _lazy("Procédure"),
    "price_formula": _lazy("Formule de prix"),
    "tie_break": _lazy("Départage des offres à égalité"),
    "language": _lazy("Langue des documents"),
    "position": _lazy("Position"),
    "clause": _lazy("Clause"),
    "parameters": _lazy("Paramètres"),
    "kind": _lazy("Document"),
    "format": _lazy("Format"),
}


def _tender(request, pk):
    return access.tender_for(request.user, pk)


def _editable(request, tender):
    access.require_tender_editor(request.user, tender)


def _editor_url(tender, anchor=None):
    url = reverse("tenders:tender_editor", args=[tender.pk])
    return f"{url}#{anchor}" if anchor else url


def _flash(request, error: ApplicationError, labels=None):
    """The error's messages as page messages, each prefixed by what it is about as a person reads it.

    `labels` maps parameter names to their labels; a key without a label is not shown at all.
    """
    for field, problems in error.errors.items():
        if isinstance(problems, dict):
            for name, texts in problems.items():
                label = (labels or {}).get(name)
                for text in texts:
                    messages.error(request, f"{label} : {text}" if label else text)
        else:
            label = FIELD_LABELS.get(field)
            for text in problems if isinstance(problems, list) else [problems]:
                messages.error(request, f"{label} : {text}" if label and field not in ("clause", "clauses") else text)


@login_required
@require_GET
def tender_list(request):
    tenders = selectors.tenders_for_list(request.user)
    can_create = bool(access.buyer_organization_ids(request.user))
    return render(request, "tenders/tender_list.html", {"tenders": tenders, "can_create": can_create, "nav": "tenders"})


@login_required
@require_http_methods(["GET", "POST"])
def tender_create(request):
    access.require_buyer(request.user)
    form = TenderForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        start_set = changes.pop("start_set", None)
        try:
            # One request, one transaction: a set that cannot be applied leaves no empty tender behind.
            with transaction.atomic():
                tender = services.tender_create(user=request.user, **changes)
                added = []
                if start_set:
                    added = guidance.tender_set_apply(
                        user=request.user, tender=tender, library_id=start_set[0], set_key=start_set[1]
                    )
        except ApplicationError as error:
            for field, problems in error.errors.items():
                form.add_error(
                    field if field in form.fields else "start_set" if field in ("set", "library") else None, problems
                )
        else:
            if start_set:
                messages.success(request, _set_added_message(len(added)))
                return redirect(_editor_url(tender, "completeness"))
            messages.success(request, _("Appel d'offres créé. Ajoutez-lui des clauses."))
            return redirect(_editor_url(tender))
    return render(
        request, "tenders/tender_form.html", {"form": form, "nav": "tenders"}, status=400 if form.errors else 200
    )


def _set_added_message(count):
    return ngettext(
        "Ensemble appliqué : %(count)s clause ajoutée, avec ses valeurs par défaut. Retirez ou ajustez ce qui ne convient pas.",
        "Ensemble appliqué : %(count)s clauses ajoutées, avec leurs valeurs par défaut. Retirez ou ajustez ce qui ne "
        "convient pas.",
        count,
    ) % {"count": count}


def _editor_context(request, tender, *, errors=None, submitted=None, tender_errors=None, tender_submitted=None):
    """Everything the editor shows, in a fixed number of queries whatever the number of clauses.

    `errors` is {tender clause id: {parameter name: [message]}}; `submitted` is the refused POST of
    the "save all" form, whose values are shown again instead of the stored ones.
    """
    can_edit = access.may_edit_tender(request.user, tender)
    tender_clauses = list(selectors.tender_clauses(tender))
    clauses = selectors.editor_clause_rows(tender, tender_clauses, errors=errors or {}, submitted=submitted)
    preview = _Preview(tender)
    # The same summary as GET /api/v1/tenders/{id}/completeness/.
    completeness = guidance.tender_completeness(request.user, tender)
    return {
        "tender": tender,
        "clauses": clauses,
        "tender_fields": selectors.editor_tender_fields(
            tender, tender_clauses, errors=tender_errors, submitted=tender_submitted
        ),
        "tender_errors_shown": bool(tender_errors),
        "can_edit": can_edit,
        "editable": can_edit and tender.is_draft,
        "preview": preview.html,
        "inputs_digest": preview.inputs_digest,
        "documents": document_selectors.tender_documents(request.user, tender)[:10],
        **_clause_search(request, tender, searching=can_edit and tender.is_draft),
        "any_parameters": any(item["fields"] for item in clauses),
        "completeness": completeness,
        "gaps": [topic for topic in completeness["topics"] if not topic["covered"]],
        "taken": {tender_clause.clause_id for tender_clause in tender_clauses},
        "document_buttons": _document_buttons(),
        "nav": "tenders",
    }


class _Preview:
    """The tender document's preview, built once and only when the page shows it (the template calls
    `html` and `inputs_digest`, both callables)."""

    def __init__(self, tender):
        self.tender = tender

    @cached_property
    def document(self):
        return selectors.tender_document(self.tender)

    def html(self):
        return render_tender_preview_fragment(self.document)

    def inputs_digest(self):
        return self.document["inputs_digest"]


def _clause_search(request, tender, *, searching):
    """The "add a clause" search of a draft the user may edit: the query as typed, a page of results and
    the recommended sets (nothing searched otherwise)."""
    q, category, page = ClauseSearchForm(request.GET).search()
    results, has_next, set_form = [], False, None
    if searching:
        # One row more than a page tells whether there is a next page, without a COUNT query.
        start = (page - 1) * SEARCH_PAGE_SIZE
        found = clauses_filtered(request.user, q=q or None, category=category or None)
        results = list(found[start : start + SEARCH_PAGE_SIZE + 1])
        has_next = len(results) > SEARCH_PAGE_SIZE
        results = results[:SEARCH_PAGE_SIZE]
        choices = set_choices(request.user)
        set_form = SetApplyForm(user=request.user, choices=choices, auto_id="set-apply-%s") if choices else None
    return {
        "q": q,
        "category": category,
        "categories": Category.choices,
        "results": results,
        "results_page": page,
        "results_first": (page - 1) * SEARCH_PAGE_SIZE + 1,
        "results_last": (page - 1) * SEARCH_PAGE_SIZE + len(results),
        "results_previous": _search_url(tender, q, category, page - 1) if page > 1 else None,
        "results_next": _search_url(tender, q, category, page + 1) if has_next else None,
        "set_form": set_form,
    }


# The editor's "generate" buttons: (kind, format, label).
DOCUMENT_BUTTONS = (
    ("tender", "pdf", _lazy("Générer le PDF")),
    ("tender", "docx", _lazy("Générer le DOCX")),
    ("questionnaire", "xlsx", _lazy("Générer le formulaire de réponse (XLSX)")),
    ("questionnaire", "docx", _lazy("Formulaire de réponse (DOCX)")),
    ("ccap", "pdf", _lazy("Extrait de CCAP (PDF)")),
    ("rc", "pdf", _lazy("Extrait du règlement de la consultation (PDF)")),
    ("price_schedule", "xlsx", _lazy("Bordereau des prix (XLSX)")),
    ("dce", "zip", _lazy("Dossier complet (ZIP)")),
    ("buyer_note", "pdf", _lazy("Note de l'acheteur (PDF, non publiée)")),
)


def _document_buttons():
    return [
        (kind, fmt, str(label), f"{Document.Kind(kind).label} — {fmt.upper()}") for kind, fmt, label in DOCUMENT_BUTTONS
    ]


def _search_url(tender, q, category, page):
    query = {key: value for key, value in (("q", q), ("category", category), ("page", page)) if value}
    return f"{reverse('tenders:tender_editor', args=[tender.pk])}?{urlencode(query)}#add"


@login_required
@require_GET
def tender_editor(request, pk):
    tender = _tender(request, pk)
    return render(request, "tenders/tender_editor.html", _editor_context(request, tender))


@login_required
@require_GET
def tender_preview(request, pk):
    """The live preview's HTML fragment (refreshed by static/js/tenders.js)."""
    tender = _tender(request, pk)
    return HttpResponse(render_tender_preview_fragment(selectors.tender_document(tender)))


@login_required
@require_POST
def tender_clause_add(request, pk):
    tender = _tender(request, pk)
    _editable(request, tender)
    clause = selectors_clause_or_none(request)
    if clause is None:
        messages.error(request, _("Clause inconnue."))
        return redirect(_editor_url(tender))
    try:
        # Values without a default are asked for next, in the clause's form (publish needs them).
        tender_clause = services.tender_clause_add(
            user=request.user, tender=tender, clause=clause, allow_incomplete=True
        )
    except ApplicationError as error:
        _flash(request, error)
        return redirect(_editor_url(tender))
    messages.success(request, _("Clause « %(title)s » ajoutée.") % {"title": clause.current.title})
    if request.POST.get("next") == "completeness":  # the one-click add of the completeness panel
        return redirect(_editor_url(tender, "completeness"))
    return redirect(_editor_url(tender, f"tc-{tender_clause.pk}"))


@login_required
@require_POST
def tender_set_apply(request, pk):
    """Add a recommended set to a draft tender (the clauses it already holds are kept as they are)."""
    tender = _tender(request, pk)
    _editable(request, tender)
    form = SetApplyForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choisissez un ensemble recommandé parmi ceux proposés."))
        return redirect(_editor_url(tender, "completeness"))
    library_id, set_key = form.cleaned_data["set"]
    try:
        added = guidance.tender_set_apply(user=request.user, tender=tender, library_id=library_id, set_key=set_key)
    except ApplicationError as error:
        _flash(request, error)
    else:
        if added:
            messages.success(request, _set_added_message(len(added)))
        else:
            messages.info(request, _("Toutes les clauses de cet ensemble sont déjà dans l'appel d'offres."))
    return redirect(_editor_url(tender, "completeness"))


def selectors_clause_or_none(request):
    raw = request.POST.get("clause", "")
    if not raw.isdigit():
        return None
    return clauses_visible_to(request.user).filter(pk=int(raw)).first()


def _tender_clause(request, pk, tc_pk):
    tender = _tender(request, pk)
    tender_clause = get_object_or_404(TenderClause.objects.select_related("version"), pk=tc_pk, tender=tender)
    tender_clause.tender = tender
    return tender, tender_clause


@login_required
@require_POST
def tender_clause_parameters(request, pk, tc_pk):
    tender, tender_clause = _tender_clause(request, pk, tc_pk)
    _editable(request, tender)
    fields = selectors.parameter_fields(tender_clause, tender)
    try:
        services.tender_clause_update(
            user=request.user,
            tender_clause=tender_clause,
            parameters=clause_parameter_values(request.POST, fields),
            allow_incomplete=False,
        )
    except ApplicationError as error:
        problems = error.errors.get("parameters")
        if error.status == 400 and isinstance(problems, dict):
            submitted = request.POST.copy()
            submitted.setlist("tender_clause", [str(tender_clause.pk)])
            for field in fields:
                submitted[field["input_id"]] = request.POST.get(f"p-{field['name']}", "")
            context = _editor_context(request, tender, errors={tender_clause.pk: problems}, submitted=submitted)
            messages.error(request, _("Certains paramètres sont invalides : voir les messages sous les champs."))
            return render(request, "tenders/tender_editor.html", context, status=400)
        _flash(request, error, {field["name"]: field["label"] for field in fields})
        return redirect(_editor_url(tender, f"tc-{tender_clause.pk}"))
    messages.success(request, _("Paramètres de « %(title)s » enregistrés.") % {"title": tender_clause.version.title})
    return redirect(_editor_url(tender, f"tc-{tender_clause.pk}"))


@login_required
@require_POST
def tender_clauses_parameters(request, pk):
    """ "Enregistrer tout": the values of every clause named in the form, saved together or not at all."""
    tender = _tender(request, pk)
    _editable(request, tender)
    wanted = {int(raw) for raw in request.POST.getlist("tender_clause") if raw.isdigit()}
    tender_clauses = [tc for tc in selectors.tender_clauses(tender) if tc.pk in wanted]
    values = {}
    for tender_clause in tender_clauses:
        fields = selectors.parameter_fields(tender_clause, tender)
        values[tender_clause.pk] = {
            field["name"]: raw for field in fields if (raw := request.POST.get(field["input_id"], "").strip()) != ""
        }
    try:
        changed = services.tender_clauses_parameters_update(user=request.user, tender=tender, values=values)
    except ApplicationError as error:
        problems = error.errors.get("parameters")
        if error.status == 400 and isinstance(problems, dict):
            context = _editor_context(request, tender, errors=problems, submitted=request.POST)
            messages.error(
                request,
                ngettext(
                    "Rien n'est enregistré : %(count)s clause a des paramètres invalides (voir les messages sous "
                    "les champs).",
                    "Rien n'est enregistré : %(count)s clauses ont des paramètres invalides (voir les messages "
                    "sous les champs).",
                    len(problems),
                )
                % {"count": len(problems)},
            )
            return render(request, "tenders/tender_editor.html", context, status=400)
        _flash(request, error)
        return redirect(_editor_url(tender, "clauses"))
    messages.success(
        request,
        ngettext(
            "Paramètres enregistrés (%(count)s clause modifiée).",
            "Paramètres enregistrés (%(count)s clauses modifiées).",
            len(changed),
        )
        % {"count": len(changed)},
    )
    return redirect(_editor_url(tender, "clauses"))


@login_required
@require_POST
def tender_clause_move(request, pk, tc_pk):
    tender, tender_clause = _tender_clause(request, pk, tc_pk)
    _editable(request, tender)
    direction = request.POST.get("direction")
    position = tender_clause.position + (1 if direction == "down" else -1)
    if direction in ("up", "down") and position >= 0:
        try:
            services.tender_clause_update(user=request.user, tender_clause=tender_clause, position=position)
        except ApplicationError as error:
            _flash(request, error)
    return redirect(_editor_url(tender, f"tc-{tender_clause.pk}"))


@login_required
@require_POST
def tender_clause_remove(request, pk, tc_pk):
    tender, tender_clause = _tender_clause(request, pk, tc_pk)
    _editable(request, tender)
    title = tender_clause.version.title
    try:
        services.tender_clause_remove(user=request.user, tender_clause=tender_clause)
    except ApplicationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Clause « %(title)s » retirée.") % {"title": title})
    return redirect(_editor_url(tender, "clauses"))


@login_required
@require_POST
def tender_document_request(request, pk):
    """Without JavaScript: queue the document and come back to the editor, where its progress shows."""
    tender = _tender(request, pk)
    _editable(request, tender)
    try:
        document = services.document_request(
            user=request.user, tender=tender, kind=request.POST.get("kind", ""), format=request.POST.get("format", "")
        )
    except services.BrokerUnavailable:
        messages.error(
            request,
            _(
                "Le service de génération est momentanément injoignable ; votre demande est "
                "gardée. Réessayez dans quelques minutes."
            ),
        )
    except ApplicationError as error:
        _flash(request, error)
    else:
        if document.status == Document.Status.DONE:  # the same inputs were rendered already (issue 29)
            messages.success(
                request, _("Document n° %(id)s prêt : rien n'a changé depuis le dernier.") % {"id": document.pk}
            )
        else:
            messages.info(request, _("Document n° %(id)s en préparation.") % {"id": document.pk})
    return redirect(_editor_url(tender, "documents"))


@login_required
@require_http_methods(["GET", "POST"])
def tender_publish(request, pk):
    """A confirmation page, then the publication."""
    tender = _tender(request, pk)
    _editable(request, tender)
    if request.method == "POST":
        try:
            services.tender_publish(user=request.user, tender=tender)
        except ApplicationError as error:
            _flash(request, error)
            return redirect(reverse("tenders:tender_publish", args=[tender.pk]))
        messages.success(request, _("Appel d'offres publié : ses clauses et ses critères sont figés."))
        return redirect(_editor_url(tender))
    return render(
        request,
        "tenders/tender_publish.html",
        {
            "tender": tender,
            "clause_count": tender.clauses.count(),
            "nav": "tenders",
            "document_count": Document.objects.filter(tender=tender).count(),
            **hooks.publish_panels(request, tender),  # scoring's market check
        },
    )


@login_required
@require_POST
def tender_parameters(request, pk):
    """Tender-wide values: they fill what each clause leaves open. Blank removes the value."""
    tender = _tender(request, pk)
    _editable(request, tender)
    fields = selectors.tender_parameter_fields(tender, selectors.tender_clauses(tender))
    parameters = {k: v for k, v in tender.parameters.items() if k not in {f["name"] for f in fields}}
    parameters.update(clause_parameter_values(request.POST, fields))
    try:
        services.tender_update(user=request.user, tender=tender, changes={"parameters": parameters})
    except ApplicationError as error:
        problems = error.errors.get("parameters")
        if error.status == 400 and isinstance(problems, dict):
            context = _editor_context(request, tender, tender_errors=problems, tender_submitted=request.POST)
            messages.error(request, _("Certains paramètres sont invalides : voir les messages sous les champs."))
            return render(request, "tenders/tender_editor.html", context, status=400)
        _flash(request, error, {field["name"]: field["label"] for field in fields})
        return redirect(_editor_url(tender, "tender-parameters"))
    messages.success(request, _("Paramètres de l'appel d'offres enregistrés."))
    return redirect(_editor_url(tender, "tender-parameters"))


@login_required
@require_http_methods(["GET", "POST"])
def tender_settings(request, pk):
    tender = _tender(request, pk)
    _editable(request, tender)
    form = TenderSettingsForm(request.POST or None, instance=tender, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_update(user=request.user, tender=tender, changes=form.cleaned_data)
        except ApplicationError as error:
            for field, problems in error.errors.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Appel d'offres mis à jour."))
            return redirect(_editor_url(tender))
    return render(
        request,
        "tenders/tender_form.html",
        {"form": form, "tender": tender, "nav": "tenders"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def tender_document_retry(request, pk, document_pk):
    tender = _tender(request, pk)
    _editable(request, tender)
    document = get_object_or_404(Document.objects.select_related("tender"), pk=document_pk, tender=tender)
    # A kind the user may not read (the evaluation report before the results are open…) is missing:
    # 404 before anything changes, as on the API.
    document_selectors.readable_document(request.user, document)
    try:
        services.document_retry(user=request.user, document=document)
    except services.BrokerUnavailable:
        messages.error(
            request, _("Le service de génération est toujours injoignable ; réessayez dans quelques minutes.")
        )
    except ApplicationError as error:
        _flash(request, error)
    else:
        messages.info(request, _("Document n° %(id)s relancé.") % {"id": document.pk})
    return redirect(_editor_url(tender, "documents"))
