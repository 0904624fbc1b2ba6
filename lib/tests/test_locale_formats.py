"""Kazakh and Russian pages write numbers, dates and Django's own messages the way those languages do."""

# Kazakh and Russian text is Cyrillic by design.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import formats, translation
from django.utils.formats import date_format

from facilities import services
from lib.charts import format_number, format_percent

NBSP = "\xa0"


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in Kazakh or Russian leaves that language active in the thread; later tests expect the default."""
    yield
    translation.deactivate()


@pytest.mark.parametrize(("language", "count", "area", "share"), [
    ("kk", f"39{NBSP}161", "2,4", "33,3%"),
    ("ru", f"39{NBSP}161", "2,4", "33,3%"),
    ("en", "39,161", "2.4", "33.3%"),
])
def test_numbers_follow_the_language(language, count, area, share):
    with translation.override(language):
        assert format_number(39161) == count
        assert format_number(2.4) == area
        assert format_percent(1 / 3, 1) == share


def test_kazakh_and_russian_dates_put_the_day_first_and_use_a_24_hour_clock():
    moment = dt.datetime(2026, 11, 26, 18, 1)
    with translation.override("kk"):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "26.11.2026 18:01"
        assert date_format(moment.date(), "DATE_FORMAT") == "2026 жылғы 26 қараша"
        assert formats.get_format("DECIMAL_SEPARATOR") == ","
    with translation.override("ru"):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "26.11.2026 18:01"
        assert date_format(moment, "DATETIME_FORMAT") == "26 ноября 2026 г., 18:01"


def test_the_language_switcher_names_each_language_in_itself(client):
    html = client.get(reverse("accounts:login")).content.decode()

    options = re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>([^<]+)</option>', html)
    assert options == [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]


def test_a_kazakh_page_groups_thousands_and_writes_dates_in_kazakh(client, personas):
    services.record_population_snapshot(facility=personas.colony, by=personas.npm_monitor,
                                        date=dt.date(2026, 11, 1), total=1234)
    client.force_login(personas.npm_monitor)
    client.cookies["django_language"] = "kk"

    html = client.get(reverse("facilities:detail", args=[personas.colony.pk])).content.decode()

    assert f"1{NBSP}234" in html
    assert "2026 жылғы 1 қараша" in html
    assert "1234" not in html.replace(f"1{NBSP}234", "")


@pytest.mark.parametrize(("language", "message"), [
    ("kk", "Дұрыс"),
    ("ru", "Пожалуйста, введите правильные"),
])
def test_djangos_log_in_error_is_translated(client, personas, language, message):
    client.cookies["django_language"] = language

    response = client.post(reverse("accounts:login"), {"username": "aigerim.npm", "password": "wrong"})

    assert message in response.content.decode()


@pytest.mark.parametrize(("language", "title"), [("kk", "CustodyWatch әкімшілігі"),
                                                  ("ru", "Администрирование CustodyWatch")])
def test_the_admin_is_titled_in_the_readers_language(client, django_user_model, language, title):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    client.force_login(admin)
    client.cookies["django_language"] = language

    assert title in client.get("/admin/").content.decode()
