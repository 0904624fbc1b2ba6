"""Every figure on the overview equals the list it links to, on the demo country.

The demo has verified and self-reported counts, incomplete and stale ones, and minors placed per
living unit, so each figure and each indicator status occurs.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from facilities.demo.loader import load_demo_country
from facilities.models import Facility, FacilityType, LegalStatus

TODAY = dt.date(2026, 11, 22)
LINKED_FIGURE = re.compile(r'<a[^>]*href="([^"]+)"[^>]*data-count="(\d+)"|<a[^>]*data-count="(\d+)"[^>]*href="([^"]+)"')
LIST_COUNT = re.compile(r'class="result-count" data-count="(\d+)"')


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo country (a year of monthly counts: the overview reads the latest), loaded once for
    the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        assert load_demo_country(today=TODAY, months=12).outcome == "loaded"
        yield
        transaction.set_rollback(True)


@pytest.fixture
def monitor(demo, db):
    return User.objects.get(username="npm.monitor")


def _linked_figures(page: str) -> list[tuple[str, int]]:
    found = []
    for href, count, count_first, href_second in LINKED_FIGURE.findall(page):
        found.append((html_lib.unescape(href or href_second), int(count or count_first)))
    return found


def test_every_figure_on_the_overview_opens_a_list_of_exactly_that_many_facilities(client, monitor, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC))
    client.force_login(monitor)
    page = client.get(reverse("facilities:overview")).content.decode()

    figures = _linked_figures(page)

    assert len(figures) > 60  # headline figures, legal statuses, indicator statuses, groups, chart tables
    assert {count for _href, count in figures} - {0}, "the demo gives every kind of figure something to count"
    for href, count in figures:
        listed = client.get(href).content.decode()
        assert [int(n) for n in LIST_COUNT.findall(listed)] == [count], href


def test_the_overview_separates_convicts_remand_prisoners_and_crisis_residents(client, monitor):
    client.force_login(monitor)
    response = client.get(reverse("facilities:overview"))

    rows = {row["status"]: row for row in response.context["legal_statuses"]}
    convicts = rows[LegalStatus.CONVICTED]["people"]
    assert 35_000 <= convicts <= 37_000  # "about 36,000 convicts", as published
    assert 5_800 <= rows[LegalStatus.REMAND]["people"] <= 6_500
    assert rows[LegalStatus.CRISIS_RESIDENT]["facilities"] == Facility.objects.filter(
        type=FacilityType.CRISIS_CENTRE).count()
    page = response.content.decode()
    assert "Convicts in colonies" in page
    assert f"{convicts:,}" in page
    # Crisis centres' residents are not among the people deprived of liberty.
    detained = sum(row["people"] or 0 for status, row in rows.items() if status != LegalStatus.CRISIS_RESIDENT)
    assert response.context["people"]["total"] == detained


def test_the_overview_counts_unknown_indicators_and_incomplete_or_stale_counts_apart(client, monitor, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC))
    client.force_login(monitor)
    figures = client.get(reverse("facilities:overview")).context["figures"]

    # The demo has 14 incomplete and 6 stale counts, some of them in crisis centres (shown apart).
    assert 0 < figures["data_incomplete"].count < 14
    assert 0 < figures["data_stale"].count <= 6
    assert figures["data_verified"].count > 30
    assert figures["indicator_minors_with_adults_not_met"].count >= 2  # minors sharing a cell with adults
    assert figures["indicator_living_space_unknown"].count > 0
    for key in ("occupancy", "living_space", "barracks", "minors_with_adults", "mothers_without_unit"):
        statuses = [figures[f"indicator_{key}_{s}"].count for s in ("met", "not_met", "unknown", "not_applicable")]
        assert sum(statuses) == figures["facilities"].count


@pytest.mark.parametrize("page", ["overview", "list", "filtered", "profile"])
def test_no_registry_page_needs_more_than_fifteen_queries_on_the_demo_country(
        client, monitor, page, django_assert_max_num_queries):
    client.force_login(monitor)
    pretrial = Facility.objects.filter(type=FacilityType.PRETRIAL).order_by("code").first()
    url = {
        "overview": reverse("facilities:overview"),
        "list": reverse("facilities:list"),
        "filtered": reverse("facilities:list") + "?detained=on&indicator=minors_with_adults&status=unknown",
        "profile": reverse("facilities:detail", args=[pretrial.pk]),
    }[page]

    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
