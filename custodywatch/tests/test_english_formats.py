"""English pages write dates one way that nobody misreads, and date inputs still read ISO."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.utils import translation
from django.utils.formats import date_format, localize_input


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_english_dates_are_day_month_year_or_iso_never_us_month_first():
    day = dt.date(2026, 12, 2)
    moment = dt.datetime(2026, 12, 2, 18, 5)
    assert date_format(day, "DATE_FORMAT") == "2 December 2026"
    assert date_format(day, "SHORT_DATE_FORMAT") == "2026-12-02"
    assert date_format(moment, "DATETIME_FORMAT") == "2 December 2026, 18:05"
    assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2026-12-02 18:05"
    assert localize_input(day) == "2026-12-02"


class _DateForm(forms.Form):
    day = forms.DateField(localize=True)
    at = forms.DateTimeField(localize=True)


@pytest.mark.parametrize("typed", ["2026-12-02", "02.12.2026"])
def test_an_english_date_input_reads_iso_and_day_first(typed):
    form = _DateForm({"day": typed, "at": "2026-12-02 09:30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2026, 12, 2)
    assert form.cleaned_data["at"].replace(tzinfo=None) == dt.datetime(2026, 12, 2, 9, 30)


def test_an_ambiguous_us_date_is_refused_not_guessed():
    form = _DateForm({"day": "12/02/2026", "at": "2026-12-02 09:30"})
    assert not form.is_valid()
    assert "day" in form.errors
