"""The workspace's forms: they only parse; the rules are the services' (and the terminal's documents')."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Channel, ComplaintStatus, Priority, RejectionReason
from complaints.models.handling import ReprisalRisk
from complaints.selectors import InboxFilter
from complaints.services.sealing import MAX_NAME, MAX_TEXT

LANGUAGE_CHOICES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]


class PlainSelect(forms.Select):
    """A select rendered in Python straight from its choices (flat: no groups): the inbox's facility
    filter has hundreds of options, and Django's option dictionaries and template per option cost
    more than the rest of the page."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        chosen = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (option, mark_safe(" selected") if str(option) in chosen else "", label)
            for option, label in self.choices))
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           options)


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *ComplaintStatus.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("Any priority")), *Priority.choices])
    facility = forms.ChoiceField(label=_("Facility"), required=False, widget=PlainSelect)
    region = forms.ChoiceField(label=_("Region"), required=False, widget=PlainSelect)
    overdue = forms.BooleanField(label=_("Overdue for acknowledgement"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    open = forms.BooleanField(label=_("Open only"), required=False)

    def __init__(self, *args, facilities=(), regions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [("", _("Any facility")), *list(facilities)]
        self.fields["region"].choices = [("", _("Any region")), *list(regions)]

    def inbox_filter(self) -> InboxFilter:
        """The filter the form asks for; a field that does not parse is left out (and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return InboxFilter(**{name: data[name] for name in self.fields if data.get(name)})


class UnlockForm(forms.Form):
    passphrase = forms.CharField(label=_("Your organisation's passphrase"), max_length=1024,
                                 widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


class StatusForm(forms.Form):
    # Every status parses, so a refused change reaches the state machine and gets its message;
    # the page offers only the statuses the complaint may move to (``next_statuses``).
    status = forms.ChoiceField(label=_("New status"), choices=ComplaintStatus.choices)
    reason = forms.ChoiceField(label=_("Reason for a rejection"), required=False,
                               choices=[("", "—"), *RejectionReason.choices])


class AssignForm(forms.Form):
    assigned_to = forms.TypedChoiceField(label=_("Assigned to"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", _("Nobody"))] + [
            (p.pk, p.get_full_name() or p.username) for p in people]


class StatementForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, strip=False, widget=forms.Textarea(attrs={"rows": 4}))


class ClassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)


class RegisterForm(forms.Form):
    facility = forms.ChoiceField(label=_("Facility"))
    channel = forms.ChoiceField(label=_("Received"), choices=[(Channel.LETTER, Channel.LETTER.label),
                                                              (Channel.VISIT, Channel.VISIT.label)])
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    text = forms.CharField(label=_("What the complainant says"), max_length=MAX_TEXT, strip=False,
                           widget=forms.Textarea(attrs={"rows": 8}))
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False, initial=True)
    name = forms.CharField(label=_("Name (only if not anonymous)"), max_length=MAX_NAME, required=False)
    minor = forms.BooleanField(label=_("The complainant is a minor"), required=False)
    private_visit = forms.BooleanField(label=_("Asks for a private visit by a monitor"), required=False)
    urgent_danger = forms.BooleanField(label=_("In urgent danger"), required=False)
    reprisal_risk = forms.ChoiceField(label=_("Risk of reprisals"), choices=ReprisalRisk.choices)
    language = forms.ChoiceField(label=_("Language of the complaint"), choices=LANGUAGE_CHOICES)
    with_receipt = forms.BooleanField(label=_("Make a receipt code for the complainant"), required=False)

    def __init__(self, *args, facilities=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = list(facilities)
