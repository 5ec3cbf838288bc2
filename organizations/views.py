from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .access import roles_by_organization
from .client_ip import SignInThrottle
from .errors import ApplicationError
from .forms import AcceptInvitationForm, InvitationForm, MemberOrganizationForm, OrganizationSettingsForm, RoleForm
from .models import AuditEntry, Invitation, Organization, Role
from .oidc import provider_links
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


def _throttled(request):
    """Per client address, whatever the user name: spraying passwords across accounts is slowed down."""
    if request.method != "POST":
        return None
    throttle = SignInThrottle()
    if throttle.allow_request(request, None):
        return None
    message = _("Trop de tentatives depuis votre adresse. Réessayez dans une minute.")
    response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(int(throttle.wait() or 60))
    return response


class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_providers"] = provider_links(context.get("next") or "")
        return context

    def post(self, request, *args, **kwargs):
        return _throttled(request) or super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request, *args, **kwargs):
        return _throttled(request) or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The link's scheme and host come from SITE_URL, never from the request's Host header, which the
        # client writes (a forged Host would mail the victim a reset link to the attacker's server).
        # Django lets extra_email_context override the `protocol` and `domain` it took from the request.
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {"protocol": site.scheme, "domain": site.netloc, "site_name": "Clausier"}
        return super().form_valid(form)


def admin_login(request, extra_context=None):
    """The Django admin's sign-in with the app's per-address throttle in front; django-axes already locks
    a user name per address there (it listens to every authenticate() call)."""
    return _throttled(request) or admin.site.login(request, extra_context)


# --- organisation administration pages --------------------------------------------------------------


@login_required
def organization_list(request):
    roles = roles_by_organization(request.user)
    organizations = Organization.objects.filter(pk__in=roles).order_by("name")
    rows = [(org, roles[org.pk]) for org in organizations]
    return render(request, "organizations/organization_list.html", {"rows": rows, "nav": "organizations"})


def _admin_page(request, organization, **forms):
    context = {
        "organization": organization,
        "members": services.members_of(organization),
        "invitations": services.pending_invitations(organization).order_by("-created_at"),
        "roles": Role.choices,
        "invitation_form": forms.get("invitation_form") or InvitationForm(),
        "nav": "organizations",
    }
    if organization.kind == Organization.Kind.PURCHASING_GROUP:
        context["member_organizations"] = services.member_organizations(organization)
        context["member_organization_form"] = forms.get("member_organization_form") or MemberOrganizationForm(
            group=organization
        )
    return render(request, "organizations/organization_detail.html", context, status=forms.get("status", 200))


@login_required
def organization_detail(request, org_id):
    """Admins: members, invitations, member hospitals. Any other member of a purchasing group: its member
    hospitals, read-only (a curator works for them). Other roles of a hospital: 403; outsiders: 404."""
    organization = services.organization_for(request.user, org_id)
    if roles_by_organization(request.user)[organization.pk] != Role.ADMIN:
        if organization.kind != Organization.Kind.PURCHASING_GROUP:
            services.organization_for_admin(request.user, org_id)  # the 403 and its message
        return render(
            request,
            "organizations/group_members_readonly.html",
            {
                "organization": organization,
                "member_organizations": services.member_organizations(organization),
                "nav": "organizations",
            },
        )
    return _admin_page(request, organization)


@login_required
@require_http_methods(["GET", "POST"])
def organization_settings(request, org_id):
    """Name, kind, SSO domains and the role of people joining by domain (admins only), audited."""
    organization = services.organization_for_admin(request.user, org_id)
    initial = {
        "name": organization.name,
        "kind": organization.kind,
        "accepted_email_domains": organization.accepted_email_domains,
        "sso_role": organization.sso_role or Role.EVALUATOR,
    }
    form = OrganizationSettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organization_update(user=request.user, organization=organization, **form.cleaned_data)
            except ApplicationError as error:
                for field, field_messages in error.errors.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Réglages de l'organisation enregistrés."))
                return redirect("organizations:organization_settings", organization.pk)
        status = 400
    context = {
        "organization": organization,
        "form": form,
        "nav": "organizations",
        "member_groups": services.member_groups(organization),
    }
    if organization.kind == Organization.Kind.PURCHASING_GROUP:
        context["member_organizations"] = services.member_organizations(organization)
    return render(request, "organizations/organization_settings.html", context, status=status)


def _done(request, organization, message):
    messages.success(request, message)
    return redirect("organizations:organization_detail", organization.pk)


def _refused(request, organization, error):
    for field_messages in error.errors.values():
        for message in field_messages:
            messages.error(request, message)
    return redirect("organizations:organization_detail", organization.pk)


@login_required
@require_POST
def organization_siret(request, org_id):
    """The organisation's SIRET, the buyer's identity in its contracts' essential data (admins)."""
    organization = services.organization_for_admin(request.user, org_id)
    try:
        services.organization_set_siret(user=request.user, organization=organization, siret=request.POST.get("siret"))
    except ApplicationError as error:
        return _refused(request, organization, error)
    return _done(request, organization, _("SIRET enregistré."))


@login_required
@require_POST
def member_role(request, org_id, username):
    organization = services.organization_for_admin(request.user, org_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rôle inconnu."))
        return redirect("organizations:organization_detail", organization.pk)
    try:
        services.member_set_role(
            user=request.user, organization=organization, username=username, role=form.cleaned_data["role"]
        )
    except ApplicationError as error:
        return _refused(request, organization, error)
    return _done(request, organization, _("Rôle de %(name)s modifié.") % {"name": username})


@login_required
@require_POST
def member_remove(request, org_id, username):
    organization = services.organization_for_admin(request.user, org_id)
    try:
        services.member_remove(user=request.user, organization=organization, username=username)
    except ApplicationError as error:
        return _refused(request, organization, error)
    if username == request.user.get_username():
        return redirect("home")
    return _done(request, organization, _("%(name)s ne fait plus partie de l'organisation.") % {"name": username})


@login_required
@require_POST
def invitation_create(request, org_id):
    organization = services.organization_for_admin(request.user, org_id)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(user=request.user, organization=organization, **form.cleaned_data)
        except ApplicationError as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return _invitation_done(request, organization, invitation)
    return _admin_page(request, organization, invitation_form=form, status=400)


@login_required
@require_POST
def invitation_resend(request, org_id, invitation_id):
    organization = services.organization_for_admin(request.user, org_id)
    invitation = services.invitation_for(organization, invitation_id)
    services.invitation_resend(user=request.user, invitation=invitation)
    return _invitation_done(request, organization, invitation)


def _invitation_done(request, organization, invitation):
    """What the admin reads once the e-mail is handed over: the worker sends it (and retries) by itself."""
    state = invitation.send_state
    if state == Invitation.SendState.SENT:
        message = _("Invitation envoyée à %(email)s.")
    elif state == Invitation.SendState.QUEUED:
        message = _("Invitation enregistrée : l'e-mail part pour %(email)s dans un instant.")
    elif state == Invitation.SendState.RETRYING:
        message = _("Le serveur d'e-mail n'a pas répondu : nouvel essai automatique pour %(email)s.")
    else:
        messages.error(
            request,
            _("L'e-mail pour %(email)s n'a pas pu partir : renvoyez-le plus tard.") % {"email": invitation.email},
        )
        return redirect("organizations:organization_detail", organization.pk)
    return _done(request, organization, message % {"email": invitation.email})


@login_required
@require_POST
def invitation_revoke(request, org_id, invitation_id):
    organization = services.organization_for_admin(request.user, org_id)
    invitation = services.invitation_for(organization, invitation_id)
    services.invitation_revoke(user=request.user, invitation=invitation)
    return _done(request, organization, _("Invitation à %(email)s révoquée.") % {"email": invitation.email})


@login_required
@require_POST
def member_organization_add(request, org_id):
    group = services.group_for_admin(request.user, org_id)
    form = MemberOrganizationForm(request.POST, group=group)
    if not form.is_valid():
        return _admin_page(request, group, member_organization_form=form, status=400)
    member = services.member_organization_add(
        user=request.user, group=group, organization_id=form.cleaned_data["organization"].pk
    )
    return _done(request, group, _("%(name)s est adhérent du groupement.") % {"name": member.name})


@login_required
@require_POST
def member_organization_remove(request, org_id, member_id):
    group = services.group_for_admin(request.user, org_id)
    services.member_organization_remove(user=request.user, group=group, organization_id=member_id)
    return _done(request, group, _("Établissement retiré des adhérents."))


@login_required
def audit_list(request, org_id):
    organization = services.organization_for_admin(request.user, org_id)
    entries = AuditEntry.objects.filter(organization=organization)[:500]
    return render(
        request,
        "organizations/audit_list.html",
        {"organization": organization, "entries": entries, "nav": "organizations"},
    )


# --- the invitation link ---------------------------------------------------------------------------------


def invitation_accept(request, token):
    invitation, state = services.invitation_by_token(token)
    context = {"invitation": invitation, "state": state}
    if state != "pending":
        return render(request, "organizations/invitation_closed.html", context, status=410 if invitation else 404)
    signed_in = request.user.is_authenticated
    form = None if signed_in else AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST":
        try:
            if signed_in and request.user.email.lower() != invitation.email.lower():
                raise ApplicationError(
                    _("Cette invitation est adressée à %(email)s : déconnectez-vous pour l'accepter.")
                    % {"email": invitation.email}
                )
            if signed_in:
                user = services.invitation_accept(invitation=invitation, user=request.user)
            elif form.is_valid():
                user = services.invitation_accept(
                    invitation=invitation,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                user = None
        except ApplicationError as error:
            for field_messages in error.errors.values():
                for message in field_messages:
                    messages.error(request, message)
            user = None
        if user is not None:
            messages.success(request, _("Bienvenue dans %(name)s.") % {"name": invitation.organization.name})
            if user.get_username() != invitation.email:
                messages.info(
                    request, _("Votre identifiant de connexion : %(username)s") % {"username": user.get_username()}
                )
            return redirect("home")
    # Signing in by SSO comes back here, where the person accepts the invitation themselves.
    context.update(form=form, signed_in=signed_in, sso_providers=provider_links(request.path))
    return render(request, "organizations/invitation_accept.html", context, status=400 if form and form.errors else 200)


# --- my API tokens ---------------------------------------------------------------------------------------


@login_required
def token_list(request):
    from .models import ApiToken

    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "organizations/token_list.html", {"tokens": tokens, "nav": "organizations"})


@login_required
@require_POST
def token_revoke(request, token_id):
    services.token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("Jeton révoqué."))
    return redirect("organizations:token_list")


def api_docs(view):
    """The browsable API docs: in production (DEBUG off) a signed-in page like any other (I5)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.DEBUG and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
