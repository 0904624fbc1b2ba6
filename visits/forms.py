"""Forms of the visit pages. They only parse what was typed; visits.services validates and writes,
and its ValidationError goes back beside the field it names (facilities.forms.show_service_errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from visits.models import AccessOutcome, VisitKind, VisitTiming

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class PlanForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=None)
    planned_on = forms.DateField(label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"},
                                 format="%Y-%m-%d"), input_formats=["%Y-%m-%d"])
    kind = forms.ChoiceField(label=_("Announced or not"), choices=VisitKind.choices, initial=VisitKind.UNANNOUNCED)
    timing = forms.ChoiceField(label=_("Timing"), choices=VisitTiming.choices, initial=VisitTiming.DAY)
    team = forms.ModelMultipleChoiceField(
        label=_("Team (besides you)"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Monitors of any oversight body whose mandate covers the facility."))
    focus_themes = forms.MultipleChoiceField(label=_("Themes to focus on"), required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, facilities: Any, people: Any, themes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        self.fields["facility"].label_from_instance = lambda f: f"{f.code} · {f.name}"
        self.fields["team"].queryset = people
        self.fields["team"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} · {u.organisation.name}"
        self.fields["focus_themes"].choices = [(t.key, t.label) for t in themes]


class AccessForm(forms.Form):
    access = forms.ChoiceField(label=_("How the team was let in"),
                               choices=[c for c in AccessOutcome.choices if c[0] != AccessOutcome.NOT_RECORDED])
    access_delay_minutes = forms.IntegerField(label=_("Delay, minutes"), required=False, min_value=0)
    access_details = forms.CharField(label=_("What happened at the entrance"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text=_("Who refused or delayed, what, and the reason they gave."))


class MomentForm(forms.Form):
    at = forms.DateTimeField(label=_("Time"), input_formats=[DATETIME_INPUT],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT))

    @classmethod
    def now(cls) -> dict[str, Any]:
        return {"at": timezone.localtime().replace(second=0, microsecond=0)}


class InterviewForm(forms.Form):
    label = forms.CharField(label=_("Pseudonym"), max_length=32,
                            help_text=_("A pseudonym with a number, such as P-03; never a name."))
    in_private = forms.BooleanField(label=_("Held in private, out of sight and hearing of staff"), required=False,
                                    initial=True)
    follow_up = forms.BooleanField(label=_("Check on this person at the next visit"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ObservationForm(forms.Form):
    text = forms.CharField(label=_("Observation"), widget=forms.Textarea(attrs={"rows": 3}))
    theme = forms.ChoiceField(label=_("Theme"), required=False)

    def __init__(self, *args: Any, themes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "—"), *[(t.key, t.label) for t in themes]]


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("A photo (JPEG, PNG, WebP) or a PDF document."))
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    keep_location = forms.BooleanField(
        label=_("Keep the location recorded in the photo"), required=False,
        help_text=_("Only to prove where a photo was taken; otherwise location and camera data are removed."))
