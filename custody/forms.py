"""The examination form; the rules themselves are in custody.services.medical."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from custody import bodychart
from custody.models import Consistency, ExaminationOccasion, InjuryType

DATETIME = {"type": "datetime-local"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ExaminationForm(forms.Form):
    occasion = forms.ChoiceField(label=_("Occasion"), choices=ExaminationOccasion.choices)
    examined_at = forms.DateTimeField(label=_("Examined at"), widget=forms.DateTimeInput(attrs=DATETIME))
    record_id = forms.CharField(label=_("Register record id (if known)"), required=False, max_length=64)
    involves_minor = forms.BooleanField(label=_("The person is a child"), required=False)
    examiner = forms.CharField(label=_("Examiner (name and profession)"), max_length=200)
    examiner_independent = forms.BooleanField(label=_("The examiner is independent of the facility"), required=False)
    staff_could_hear = forms.BooleanField(label=_("Staff could hear the examination"), required=False)
    interpreter = forms.CharField(label=_("Interpreter (if any)"), required=False, max_length=200)
    consent = forms.BooleanField(label=_("The person consented to the examination"), required=False)
    account = forms.CharField(label=_("The person's own account"), required=False, widget=forms.Textarea)
    consistency = forms.ChoiceField(label=_("Consistency of the findings with the account (Istanbul Protocol)"),
                                    choices=[("", "—"), *Consistency.choices], required=False)
    alternative_causes = forms.CharField(label=_("Alternative causes considered"), required=False,
                                         widget=forms.Textarea)
    treatment = forms.CharField(label=_("Treatment"), required=False, widget=forms.Textarea)
    reported_to = forms.CharField(label=_("Reported to"), required=False, max_length=500)
    reported_at = forms.DateTimeField(label=_("Reported at"), required=False,
                                      widget=forms.DateTimeInput(attrs=DATETIME))
    photos = MultipleFileField(label=_("Photographs of the injuries"), required=False)


class InjuryForm(forms.Form):
    region = forms.ChoiceField(label=_("Region of the body"), required=False)
    type = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *InjuryType.choices], required=False)
    size_cm = forms.DecimalField(label=_("Size, cm"), required=False, min_value=0, max_digits=5, decimal_places=1)
    shape = forms.CharField(label=_("Shape"), required=False, max_length=500)
    colour = forms.CharField(label=_("Colour"), required=False, max_length=500)
    estimated_age = forms.CharField(label=_("Estimated age of the injury"), required=False, max_length=500)
    description = forms.CharField(label=_("Description"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—"), *bodychart.choices()]

    def filled(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(name) not in (None, "") for name in self.fields)


InjuryFormSet = forms.formset_factory(InjuryForm, extra=3, max_num=20)


class ChildForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=None)
    code = forms.CharField(label=_("Child's code (never a name)"), max_length=32)
    birth_date = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    admitted_on = forms.DateField(label=_("Admitted to the home on"), widget=forms.DateInput(attrs={"type": "date"}))
    mother_release_on = forms.DateField(label=_("Mother's expected release"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))
    plan = forms.CharField(label=_("Plan for the child"), required=False, widget=forms.Textarea)

    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities


class EnrolmentForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=None)
    programme = forms.ChoiceField(label=_("Programme"), choices=[])
    month = forms.DateField(label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}),
                            input_formats=["%Y-%m", "%Y-%m-%d"])
    enrolled = forms.IntegerField(label=_("Enrolled"), required=False, min_value=0)
    completed = forms.IntegerField(label=_("Completed"), required=False, min_value=0)

    def __init__(self, *args, facilities=None, **kwargs):
        from custody.models import Programme

        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        self.fields["programme"].choices = Programme.choices


class EnrolmentListForm(forms.Form):
    """Which figure's list: a programme, enrolled or completed, reported or not, of a month or of
    each facility's latest month."""

    programme = forms.ChoiceField(label=_("Programme"), choices=[])
    measure = forms.ChoiceField(label=_("Figure"), choices=[("enrolled", _("Enrolled")),
                                                             ("completed", _("Completed"))])
    reported = forms.ChoiceField(label=_("Facilities"), choices=[
        ("yes", _("that reported it")), ("no", _("expected to report that did not"))])
    month = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m"],
                            help_text=_("the month the reports are of; without it, each facility's latest"))

    def __init__(self, *args, **kwargs):
        from custody.models import Programme

        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = Programme.choices
