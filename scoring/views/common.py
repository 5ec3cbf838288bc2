"""What every evaluation page shares: the tender behind the URL (with who may open it), the messages a
service's refusal becomes, and the context of the page's frame (tabs, state, role)."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy

from organizations.errors import ApplicationError

from .. import access, forms, selectors


def tender_of(request, pk, *, lead=False, reader=False):
    """The tender `pk` if the user's organisations see it (else 404); `lead`/`reader` also require that
    role there (else PermissionDenied, a 403 page with its reason)."""
    tender = access.tender_for(request.user, pk)
    if lead:
        access.require_lead(request.user, tender)
    elif reader:
        access.require_reader(request.user, tender)
    return tender


# What a person calls the field a service's error is about; a key with no label here is never shown.
FIELD_LABELS = {
    "price": gettext_lazy("Prix"),
    "price_weight": gettext_lazy("Poids du prix"),
    "no_conflict": gettext_lazy("Déclaration d'absence de conflit d'intérêts"),
    "vendor": gettext_lazy("Candidat"),
    "name": gettext_lazy("Nom"),
    "weight": gettext_lazy("Pondération"),
    "parent": gettext_lazy("Critère parent"),
    "criterion": gettext_lazy("Critère"),
    "value": gettext_lazy("Note"),
    "comment": gettext_lazy("Commentaire"),
    "justification": gettext_lazy("Justification"),
    "threshold": gettext_lazy("Seuil"),
    "reason": gettext_lazy("Motif"),
    "decision": gettext_lazy("Décision"),
    "note": gettext_lazy("Objet de la demande"),
    "qualification": gettext_lazy("Qualification"),
    "fhir_base_url": gettext_lazy("URL de base FHIR"),
    "user": gettext_lazy("Identifiant du membre"),
    "committed_values": gettext_lazy("Valeurs engagées"),
    "submitted_at": gettext_lazy("Date de dépôt"),
    "failed_on": gettext_lazy("Défaillance constatée le"),
    "decided_on": gettext_lazy("Date de la décision d'attribution"),
    "advantages": gettext_lazy("Caractéristiques et avantages relatifs de l'offre retenue"),
}


def flash(request, error: ApplicationError):
    """Each message of a service's refusal, prefixed by the label of the field it is about (never its key)."""
    for field, problems in error.errors.items():
        if isinstance(problems, str):
            problems = [problems]
        elif not isinstance(problems, list):
            continue
        label = FIELD_LABELS.get(field)
        for text in problems:
            messages.error(request, f"{label} : {text}" if label else str(text))


def form_invalid(request, form):
    """Garbage typed in a form: say what is wrong on the page itself (200), nothing changed."""
    for text in forms.error_messages(form):
        messages.error(request, text)


def url(name, tender, anchor=None):
    address = reverse(f"scoring:{name}", args=[tender.pk])
    return f"{address}#{anchor}" if anchor else address


def lot_of(request, tender):
    """(the tender's lots, the one the page shows): `?lot=` (or a posted `lot`), else the first; ([], None)
    for a tender without lots (docs/LOTS.md)."""
    lots = list(tender.lots.all())
    if not lots:
        return [], None
    raw = request.GET.get("lot") or request.POST.get("lot") or ""
    return lots, next((lot for lot in lots if str(lot.pk) == raw), lots[0])


def base_context(request, tender, page):
    state = selectors.state_of(tender)
    evaluator = access.evaluator_of(request.user, tender)
    return {
        "tender": tender,
        "page": page,
        "nav": "evaluation",
        "state": state,
        "is_lead": access.is_lead(request.user, tender),
        "evaluator": evaluator,
        # The « Résultats » tab only for those the results page lets in (no tab leading to a refusal).
        "results_visible": evaluator is not None
        and access.sees_all_scores(request.user, tender)
        and access.sees_prices(request.user, tender),
        "is_draft": tender.status == "draft",
    }
