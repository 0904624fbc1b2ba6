"""Forms of the account pages. They parse; accounts.services decides (one rule, one place)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import selectors, services
from accounts.models import Role, User
from facilities.models import Facility


def show_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, each message beside the field it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        form.add_error(target, [message for item in errors for message in item.messages])


class FacilityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Facility) -> str:
        return f"{obj.code} · {obj.name}"


class UserForm(forms.Form):
    """A person's account: who they are, which organisation, which role, which facility."""

    username = forms.CharField(label=_("User name"), max_length=64,
                               help_text=_("Lower-case Latin letters, digits and . _ -, e.g. saule.pmc."))
    first_name = forms.CharField(label=_("First name"), max_length=services.NAME_MAX_LENGTH, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=services.NAME_MAX_LENGTH, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None, empty_label=None)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    facility = FacilityChoiceField(
        label=_("Facility"), queryset=Facility.objects.none(), required=False,
        help_text=_("Only for a facility officer: the one facility whose data they may see and record."),
    )

    def __init__(self, *args: Any, actor: User, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        organisations = selectors.organisations_for(actor)
        self.fields["organisation"].queryset = organisations
        if organisations.count() > 1:
            self.fields["organisation"].empty_label = "—"
        self.fields["facility"].queryset = Facility.objects.filter(operator__in=organisations).order_by("code")
        chosen = self._chosen_organisation(organisations)
        if chosen is not None:
            # Offer what this organisation can give; the service decides again on saving.
            roles = services.roles_for(chosen.kind)
            if user is not None and user.role not in roles:
                roles = [user.role, *roles]
            self.fields["role"].choices = [(role, Role(role).label) for role in roles]
            self.fields["facility"].queryset = Facility.objects.filter(operator=chosen).order_by("code")
        if user is not None:
            del self.fields["username"]

    def _chosen_organisation(self, organisations: Any) -> Any:
        raw = self.data.get("organisation") if self.is_bound else self.initial.get("organisation")
        if raw in (None, ""):
            return None
        try:
            return organisations.filter(pk=int(str(raw))).first()
        except ValueError:
            return None

    def clean_username(self) -> str:
        try:
            return services.clean_username(self.cleaned_data["username"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["username"]) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.user is not None and self.user.is_superuser:
            return data
        if "organisation" in data and "role" in data:
            errors = services.mandate_errors(organisation=data["organisation"], role=data["role"],
                                             facility=data.get("facility"))
            for field, message in errors.items():
                self.add_error(field if field in self.fields else None, message)
        return data


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), ("active", _("Active")), ("inactive", _("Deactivated"))])


class CodeForm(forms.Form):
    """The six digits a TOTP application shows."""

    code = forms.RegexField(label=_("Code from your authenticator app"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")},
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class TokenForm(forms.Form):
    """Label and lifetime of a new token; the limits are the service's (API_TOKEN_MAX_DAYS)."""

    label = forms.CharField(label=_("Label"), max_length=100,
                            help_text=_("What the token is for, e.g. the name of the program that uses it."))
    days = forms.IntegerField(label=_("Valid for (days)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS
