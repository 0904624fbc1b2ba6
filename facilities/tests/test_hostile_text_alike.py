"""Hypothesis: whatever text arrives, the import and the API accept or refuse it alike, with the same
words, and what they store is the same."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.testing import ApiClient
from facilities import services, text_rules
from facilities.models import Facility
from facilities.tests.spreadsheets import FACILITY_HEADER, csv_bytes, facility_row
from facilities.transfer.importer import import_file

pytestmark = pytest.mark.django_db

hostile = settings(
    max_examples=120, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NAMES = {"name_kk": "Жаңа мекеме", "name_ru": "Новое учреждение", "name_en": "New centre"}
# Every kind of character, weighted towards the ones that make trouble.
troublemakers = st.sampled_from(
    "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u00ad\u034f\ufe0f"
    "\u2028\u2029\u0085\u00a0\u3000\u2003\t\r\n\x0b\x0c\x1b\x7f=+-@<>'\" ;,Ққ№\u0410A\u0391"
)
texts = st.text(st.characters(exclude_categories=["Cs"]) | troublemakers, max_size=40) | st.text(
    troublemakers | st.sampled_from("LA-155/1 Колония"), max_size=20)


def _service(personas, field, value):
    fields = dict(code="NEW-1", **NAMES, type="pretrial", region=personas.region, operator=personas.colony.operator,
                  address="", design_capacity=120, operational_capacity=100)
    fields[field] = value
    try:
        services.apply_rules(fields, services.FACILITY_RULES)
    except ValidationError as refused:
        return sorted((name, message) for name, messages in refused.message_dict.items() for message in messages)
    return None


@hostile
@given(field=st.sampled_from(["code", "name_en", "address"]), value=texts)
def test_the_import_and_the_api_answer_any_text_alike(personas, field, value):
    # A leading apostrophe before a formula sign is how spreadsheets (and our export) keep text
    # text; the import reads it so, the API takes it literally. And a NUL makes a CSV binary.
    if value.startswith("'") or "\x00" in value:
        return
    expected = _service(personas, field, value)
    body = {"code": "NEW-1", **NAMES, "type": "pretrial", "region": personas.region.code,
            "operator": personas.colony.operator.code, "design_capacity": 120, "operational_capacity": 100,
            field: value}
    values = {"code": "NEW-1", **NAMES, field: value}

    with transaction.atomic():  # each example starts from the same registry
        response = ApiClient(personas.npm_monitor).post("/facilities", body)
        stored = Facility.objects.filter(pk=response.json()["id"]).first() if response.status_code == 201 else None
        transaction.set_rollback(True)
    report = import_file(data=csv_bytes([FACILITY_HEADER, facility_row(values.pop("code"), **values)]),
                         filename="f.csv", by=personas.npm_monitor, dry_run=True)

    if expected is None:
        assert response.status_code == 201, response.content
        assert report.ok, report.problems
        rule = text_rules.code if field == "code" else text_rules.text
        assert getattr(stored, field) == rule(value, **({} if field == "code" else {"required": False}))
    else:
        assert response.status_code == 422
        assert sorted((e["field"], e["error"]) for e in response.json()["errors"]) == expected
        assert sorted((p.column, p.reason) for p in report.problems) == expected
