from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.transfer.columns import DATASETS


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An XLSX workbook with sheets named after the datasets, or a CSV file "
                    "(UTF-8 or Windows-1251; the page says which it found)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    dataset = forms.ChoiceField(
        label=_("Dataset"),
        required=False,
        choices=[("", _("Every sheet of the workbook / detect from the CSV header"))]
        + [(d.name, d.label) for d in DATASETS.values()],
    )
    dry_run = forms.BooleanField(label=_("Only check the file, change nothing"), required=False)
