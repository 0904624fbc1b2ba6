"""Every edge gives the same answer: the services' rules refuse a value alike from the form, the API,
the import, the import command and a direct service call, with the same field and the same words."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.testing import ApiClient
from facilities import services, text_rules
from facilities.forms import FacilityForm, PopulationForm
from facilities.models import Facility
from facilities.tests.spreadsheets import FACILITY_HEADER, csv_bytes, facility_row, registry_counts
from facilities.transfer.importer import import_file

pytestmark = pytest.mark.django_db

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
TODAY = dt.date(2026, 11, 17)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 17, 10, 0, tzinfo=ALMATY), tick=False)


HOSTILE = [
    # (field, value): the zero-width space makes a second facility look like LA-155/1.
    ("code", "LA-155\u200b/1"),
    ("code", "LA-155/1\u202e"),
    ("code", "AK-1\u00ad59"),  # soft hyphen
    ("code", "\u0410K-159"),  # a Cyrillic A with a Latin K: looks like AK-159
    ("code", "-1"),
    ("code", "x" * 33),
    ("name_en", "Colony\u2060 No. 1"),  # word joiner
    ("name_en", "Colony\ufe0f"),  # variation selector
    ("name_en", "<b>Colony</b>"),
    ("name_en", '=HYPERLINK("http://x")'),
    ("name_en", "   @SUM(1)"),
    ("name_en", "x" * 256),
    ("name_en", "   "),
    ("name_ru", "Колония\u200d"),  # zero-width joiner
    ("name_kk", "Түзеу\u2028мекемесі"),  # line separator  # noqa: RUF001
    ("address", "1 Abay\u202a Avenue"),
    ("address", "nul\x00byte"),
    ("design_capacity", -5),
    ("operational_capacity", 1_000_001),
]


def service_answer(personas, field, value):
    fields = dict(
        code="NEW-1", name_kk="Жаңа мекеме", name_ru="Новое учреждение", name_en="New centre", type="pretrial",
        region=personas.region, operator=personas.colony.operator, address="", design_capacity=120,
        operational_capacity=100,
    )
    with pytest.raises(ValidationError) as refused:
        services.create_facility(by=personas.npm_monitor, **{**fields, field: value})
    return {(name, message) for name, messages in refused.value.message_dict.items() for message in messages}


def api_answer(personas, field, value):
    body = {
        "code": "NEW-1", "name_kk": "Жаңа мекеме", "name_ru": "Новое учреждение", "name_en": "New centre",
        "type": "pretrial", "region": personas.region.code, "operator": personas.colony.operator.code,
        "design_capacity": 120, "operational_capacity": 100, field: value,
    }
    response = ApiClient(personas.npm_monitor).post("/facilities", body)
    assert response.status_code == 422, response.content
    return {(item["field"], item["error"]) for item in response.json()["errors"]}


def form_answer(personas, field, value):
    data = {
        "code": "NEW-1", "name_kk": "Жаңа мекеме", "name_ru": "Новое учреждение", "name_en": "New centre",
        "type": "pretrial", "region": personas.region.code, "operator": personas.colony.operator.code,
        "address": "", "design_capacity": "120", "operational_capacity": "100", "is_active": "on",
        field: value,
    }
    form = FacilityForm(data)
    assert not form.is_valid()
    return {(name, message) for name, messages in form.errors.items() for message in messages}


def import_answer(personas, field, value):
    names = {"name_kk": "Жаңа мекеме", "name_ru": "Новое учреждение", "name_en": "New centre"}
    values = {"code": "NEW-1", **names, field: value}
    row = facility_row(values.pop("code"), **values)
    report = import_file(data=csv_bytes([FACILITY_HEADER, row]), filename="f.csv", by=personas.npm_monitor)
    assert not report.applied
    return {(problem.column, problem.reason) for problem in report.problems}


@pytest.mark.parametrize(("field", "value"), HOSTILE, ids=[repr(v)[:30] for _f, v in HOSTILE])
def test_the_form_the_api_the_import_and_the_service_refuse_alike(personas, field, value):
    before = registry_counts()

    expected = service_answer(personas, field, value)
    answers = {
        "api": api_answer(personas, field, value),
        "import": import_answer(personas, field, value),
        "form": form_answer(personas, field, value),
    }

    assert {name for name, _message in expected} == {field}
    if isinstance(value, str) and "\x00" in value:
        # A NUL makes a CSV file binary: the import refuses the whole file, naming the line; and
        # Django's form field refuses it before any rule, beside the same field.
        assert [reason for column, reason in answers.pop("import")] == [
            "The file contains NUL characters (line 2): it is binary, not CSV text."]
        assert {name for name, _m in answers.pop("form")} == {field}
    for edge, answer in answers.items():
        assert answer == expected, edge
    assert registry_counts() == before


def test_the_import_command_gives_the_same_refusal_for_a_zero_width_code(personas, tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes([FACILITY_HEADER, facility_row("LA-155\u200b/1")]))

    with pytest.raises(CommandError):
        call_command("import_registry", str(path), "--user", personas.npm_monitor.username)

    (_field, message), = service_answer(personas, "code", "LA-155\u200b/1")
    assert message in capsys.readouterr().out
    assert Facility.objects.filter(code__startswith="LA-155").count() == 1


def test_a_value_stored_under_older_rules_stays_while_other_fields_change(personas):
    Facility.objects.filter(pk=personas.colony.pk).update(name_en="=old formula")
    facility = Facility.objects.get(pk=personas.colony.pk)

    services.update_facility(facility=facility, by=personas.npm_monitor, name_en="=old formula",
                             operational_capacity=450)

    facility.refresh_from_db()
    assert (facility.name_en, facility.operational_capacity) == ("=old formula", 450)


def test_text_is_stored_normalised(personas):
    facility = services.create_facility(
        by=personas.npm_monitor, code="  NEW-1 ", name_kk="Жаңа\u00a0мекеме",  # noqa: RUF001
        name_ru="Новое учреждение",
        name_en="Cafe\u0301 centre", type="pretrial", region=personas.region, operator=personas.colony.operator,
        design_capacity=120, operational_capacity=100,
    )

    assert (facility.code, facility.name_kk, facility.name_en) == ("NEW-1", "Жаңа мекеме", "Café centre")


# --- date rules of a population count ------------------------------------------------------------


def _opened(personas, on):
    services.update_facility(facility=personas.colony, by=personas.npm_monitor, opened_on=on)
    personas.colony.refresh_from_db()


DATE_CASES = [
    (dt.date(2026, 11, 18), "The date cannot be in the future."),
    (dt.date(1899, 12, 1), "The date is too far in the past."),
    (dt.date(2019, 12, 1), "The facility has been in use only since 2020-01-01; a count cannot be older."),
]


@pytest.mark.parametrize(("date", "message"), DATE_CASES, ids=["future", "ancient", "before-opening"])
def test_a_count_date_is_refused_alike_everywhere(personas, date, message):
    _opened(personas, dt.date(2020, 1, 1))
    before = registry_counts()

    with pytest.raises(ValidationError) as refused:
        services.record_population_snapshot(facility=personas.colony, by=personas.npm_monitor, date=date, total=5)
    assert refused.value.message_dict == {"date": [message]}

    api = ApiClient(personas.npm_monitor).post(f"/facilities/{personas.colony.pk}/snapshots",
                                               {"date": date.isoformat(), "total": 5})
    assert (api.status_code, api.json()["errors"]) == (422, [{"field": "date", "error": message}])

    rows = [["facility_code", "date", "total"], [personas.colony.code, date.strftime("%d.%m.%Y"), 5]]
    report = import_file(data=csv_bytes(rows), filename="p.csv", by=personas.npm_monitor)
    assert [(p.column, p.reason) for p in report.problems] == [("date", message)]

    form = PopulationForm({"date": date.isoformat(), "total": "5"}, units=[])
    assert form.is_valid(), form.errors
    assert registry_counts() == before


def test_a_facility_cannot_open_after_a_count_it_already_has(personas):
    services.record_population_snapshot(facility=personas.colony, by=None, date=dt.date(2021, 5, 1), total=5)
    message = "A population count of 2021-05-01 is recorded; the facility was in use by then."

    with pytest.raises(ValidationError) as refused:
        _opened(personas, dt.date(2022, 1, 1))
    assert refused.value.message_dict == {"opened_on": [message]}

    rows = [[*FACILITY_HEADER, "opened_on"], [*facility_row(personas.colony.code), "01.01.2022"]]
    rows[1][FACILITY_HEADER.index("region")] = personas.colony.region.code
    report = import_file(data=csv_bytes(rows), filename="f.csv", by=personas.npm_monitor)
    assert [(p.column, p.reason) for p in report.problems] == [("opened_on", message)]


def test_an_import_may_open_a_facility_and_give_its_counts_in_one_file(personas):
    rows = [[*FACILITY_HEADER, "opened_on"], [*facility_row("NEW-1"), "15.03.2024"]]
    early = [["facility_code", "date", "total"], ["NEW-1", "01.03.2024", 5]]
    from facilities.tests.spreadsheets import xlsx_bytes

    report = import_file(data=xlsx_bytes({"facilities": rows, "population": early}), filename="r.xlsx",
                         by=personas.npm_monitor)

    assert [(p.sheet, p.column) for p in report.problems] == [("population", "date")]
    assert "2024-03-15" in report.problems[0].reason


# --- what the API document says is what the server enforces --------------------------------------


def test_the_stated_patterns_agree_with_the_rules_on_the_hostile_values(personas):
    for field, value in HOSTILE:
        if not isinstance(value, str):
            continue
        pattern = text_rules.code_pattern() if field == "code" else text_rules.text_pattern(
            required=field != "address")
        max_length = Facility._meta.get_field(field).max_length
        assert not (re.fullmatch(pattern, value) and len(value) <= max_length), (field, value)


def test_the_alphabet_holds_only_visible_assigned_characters_closed_under_nfc():
    import unicodedata

    for ch in text_rules.ALPHABET:
        assert not unicodedata.category(ch).startswith(("C", "M", "Z")) or ch in " \u00a0", hex(ord(ch))
        assert unicodedata.normalize("NFC", ch) in text_rules.ALPHABET


# --- codes that look like another facility's ----------------------------------------------------


# AK-159/2 in Cyrillic capitals, in Latin small letters, in Cyrillic small letters.
@pytest.mark.parametrize("lookalike", ["\u0410\u041a-159/2", "ak-159/2", "\u0430\u043a-159/2"])
def test_a_code_that_looks_like_another_facilitys_is_refused_alike_everywhere(personas, lookalike):
    expected = {("code", "Facility AK-159/2 has a code that looks the same; use that facility's code, or one that "
                         "cannot be mistaken for it.")}
    before = registry_counts()

    assert service_answer(personas, "code", lookalike) == expected
    assert api_answer(personas, "code", lookalike) == expected
    assert import_answer(personas, "code", lookalike) == expected
    with pytest.raises(ValidationError):
        services.update_facility(facility=personas.colony, by=personas.npm_monitor, code=lookalike)
    assert registry_counts() == before
