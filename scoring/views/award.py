"""The award sequence on the results page: decision, certificates (or the awardee's failure to provide them,
R2144-7), letters sent (scoring/services/award.py).

Each form posts here, the service refuses out of order (its sentence is flashed) and the page comes back
at the `#award` section, which shows where the sequence stands and the end of the standstill.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.errors import ApplicationError

from .. import forms, services
from .common import flash, form_invalid, lot_of, tender_of, url
from .results import results_response

AWARD_FORMS = {
    "decide": lambda post, tender: forms.AwardDecisionForm(post, tender=tender),
    "certificates": lambda post, tender: forms.AwardCertificatesForm(post),
    "sent": lambda post, tender: forms.LettersSentForm(post),
    "failed": lambda post, tender: forms.AwardCertificatesFailedForm(post),
}


@login_required
@require_POST
def award_action(request, pk, step):
    tender = tender_of(request, pk, lead=True)
    form = AWARD_FORMS[step](request.POST, tender)
    lot = lot_of(request, tender)[1]
    back = url("results", tender) + (f"?lot={lot.pk}" if lot else "") + "#award"
    if step == "failed":
        return _failed(request, tender, form, lot, back)
    if not form.is_valid():
        form_invalid(request, form)
        return redirect(back)
    data = form.cleaned_data
    try:
        if step == "decide":
            services.award_decide(
                user=request.user,
                tender=tender,
                bid=data["bid"],
                decided_on=data["decided_on"],
                advantages=data["advantages"],
                lot=lot,
            )
            messages.success(request, _("Décision d'attribution enregistrée."))
        elif step == "certificates":
            services.award_certificates(
                user=request.user,
                tender=tender,
                received_on=data["received_on"],
                waived_reason=data["waived_reason"],
                lot=lot,
            )
            messages.success(request, _("Certificats de l'attributaire enregistrés."))
        else:
            services.award_letters_sent(
                user=request.user, tender=tender, sent_on=data["sent_on"], electronic=data["electronic"], lot=lot
            )
            messages.success(request, _("Date d'envoi des lettres enregistrée."))
    except ApplicationError as error:
        flash(request, error)
    return redirect(back)


def _failed(request, tender, form, lot, back):
    """R2144-7: the awardee did not provide its certificates; the award passes to the next-ranked bid. A refusal
    shows the results page again with what was typed."""
    if not form.is_valid():
        form_invalid(request, form)
        return results_response(request, tender, failure_form=form)
    try:
        award = services.award_certificates_failed(user=request.user, tender=tender, lot=lot, **form.cleaned_data)
    except ApplicationError as error:
        flash(request, error)
        return results_response(request, tender, failure_form=form, status=error.status)
    messages.success(
        request,
        _("Défaillance enregistrée : l'attribution passe à %(vendor)s, dont les certificats sont à demander.")
        % {"vendor": award.bid.vendor},
    )
    return redirect(back)
