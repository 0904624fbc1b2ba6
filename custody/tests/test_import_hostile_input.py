"""Hostile register files and values: every one answered with problems, never an exception."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody.models import Detention
from custody.services.importing import import_file
from custody.testing import csv_bytes, row
from custody.validation import RowInvalid, clean_record

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
FIELDS = list(row())
cells = st.one_of(st.text(max_size=30), st.sampled_from(["", "31.02.2026 10:00", "2026-13-01T00:00", "9" * 40,
                                                         "=cmd|' /C calc'!A0", "\x00", "1e309", "-1"]))


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "extra"]), cells, max_size=12))
def test_a_row_of_any_values_is_cleaned_or_refused_by_field(values):
    errors: dict[str, str] = {}
    cleaned: dict = {}
    try:
        cleaned = clean_record({**row(), **values}, now=NOW, key=b"k" * 32)
    except RowInvalid as e:
        errors = e.errors
    if errors:
        assert all(isinstance(reason, str) and reason for reason in errors.values())
    else:
        assert "iin" not in cleaned
        assert len(cleaned["person"]) == 64


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.dictionaries(st.sampled_from(FIELDS), cells, max_size=6), min_size=1, max_size=3)
                 .map(lambda rows: csv_bytes([{**row(), **r} for r in rows]))))
def test_any_file_gives_problems_or_an_import_never_an_error(police, personas, data):
    outcome, _read_as = import_file(data=data, filename="x.csv", by=personas.npm_monitor, dry_run=True)
    assert outcome.problems or outcome.created == 0
    assert not Detention.objects.exists()
