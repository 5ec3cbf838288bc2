from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Organization, Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class MemberOrganizationForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Établissement"), queryset=Organization.objects.none())

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            Organization.objects.exclude(kind=Organization.Kind.PURCHASING_GROUP)
            .exclude(group_links__group=group)
            .order_by("name")
        )


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    password1 = forms.CharField(label=_("Mot de passe"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Mot de passe (encore)"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, email, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe diffèrent."))
        elif first:
            from django.contrib.auth import get_user_model

            probe = get_user_model()(
                username=self.email,
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class OrganizationSettingsForm(forms.Form):
    """An organisation's settings page; the rules (unique name, kind, domains, role) live in the service."""

    name = forms.CharField(label=_("Nom"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=Organization.Kind.choices)
    accepted_email_domains = forms.CharField(
        label=_("Domaines e-mail acceptés par l'authentification unique"),
        required=False,
        max_length=500,
        help_text=_(
            "Séparés par des virgules, ex. chu-exemple.fr. Une personne dont l'annuaire vérifie une adresse "
            "de ces domaines rejoint l'organisation d'elle-même. Vide : sur invitation seulement."
        ),
    )
    sso_role = forms.ChoiceField(
        label=_("Rôle des personnes arrivant par l'annuaire"),
        choices=[(role.value, role.label) for role in (Role.EVALUATOR, Role.BUYER, Role.CURATOR)],
        help_text=_("Évaluateur par défaut : le rôle le moins privilégié (aucun prix sous pli)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
