"""Complaint figures: small counts suppressed, categories from the officers' classification, links that agree."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import statistics
from complaints.models import Complaint, Handling
from complaints.services import handling
from complaints.views import workspace as workspace_views
from complaints.views.figures import inbox_figures
from complaints.workspace_testing import make_complaint

pytestmark = pytest.mark.django_db


def test_counts_below_five_zero_included_are_suppressed():
    assert str(statistics.Figure.of(0)) == "fewer than 5"
    assert str(statistics.Figure.of(4)) == "fewer than 5"
    assert statistics.Figure.of(5).count == 5
    assert str(statistics.Figure.of(12345)) == "12,345"


def test_figures_by_month_facility_region_and_classified_category(workspace, time_machine):
    time_machine.move_to("2026-11-15 08:00Z", tick=False)
    colony, school = workspace.personas.colony, workspace.personas.special_school
    for _i in range(6):
        make_complaint(facility=colony, recipients=[workspace.npm], category="health")
    make_complaint(facility=school, recipients=[workspace.npm])
    officer = workspace.personas.npm_monitor
    for complaint in Complaint.objects.filter(facility=colony)[:5]:
        handling.open_complaint(complaint=complaint, by=officer, identities=[workspace.npm_identity])
    everything = statistics.complaints_in_mandate(officer)

    months = statistics.by_month(everything, months=3)
    assert [row.figure.count for row in months] == [None, None, 7]  # September and October: none, suppressed
    facilities = {row.key: row.figure.count for row in statistics.by_facility(everything)}
    assert facilities == {colony.code: 6, school.code: None}
    categories = {row.key: row.figure.count for row in statistics.by_category(everything)}
    assert categories["health"] == 5  # the five the officers opened and so classified
    assert categories[""] is None  # two not yet classified: a suppressed count, not zero
    assert Handling.objects.filter(category="health").count() == 5
    regions = {row.key: row.figure.count for row in statistics.by_region(everything)}
    assert regions == {colony.region.code: 6, school.region.code: None}


def test_time_to_acknowledge_is_a_median_shown_only_over_five(workspace, time_machine):
    time_machine.move_to("2026-11-15 08:00Z", tick=False)
    complaints = [make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm])[0] for _i in range(5)]
    for hours, complaint in enumerate(complaints, start=1):
        time_machine.move_to(dt.datetime(2026, 11, 15, 8 + hours, tzinfo=dt.UTC), tick=False)
        handling.change_status(complaint=complaint, to="acknowledged", by=workspace.personas.npm_monitor)
        if hours == 4:
            assert statistics.time_to_acknowledge(Complaint.objects.all()).median_hours is None
    assert statistics.time_to_acknowledge(Complaint.objects.all()).median_hours == 3.0
    assert statistics.time_to_resolve(Complaint.objects.all()).median_hours is None


def test_a_facility_officer_sees_only_suppressed_monthly_counts_of_their_own_facility(workspace):
    for _i in range(2):
        make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm], text="CanaryText")
    client = Client()
    client.force_login(workspace.personas.facility_officer)
    page = client.get(reverse("complaints:facility-counts", args=[workspace.personas.colony.pk])).content.decode()
    assert page.count(">fewer than 5<") == 12
    assert "CanaryText" not in page
    for complaint in Complaint.objects.all():
        assert str(complaint.pk) not in page
        assert complaint.received_at.strftime("%H:%M") not in page


def test_every_inbox_figure_equals_the_list_it_links_to(workspace):
    officer = workspace.personas.npm_monitor
    for category in ("torture", "health", "health"):
        make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm], category=category)
    first = Complaint.objects.first()
    handling.assign(complaint=first, to=officer, by=officer)
    client = Client()
    client.force_login(officer)
    figures = inbox_figures(officer)
    assert {f["count"] for f in figures} >= {3, 1}
    for figure in figures:
        listed = client.get(figure["href"]).content.decode()
        assert int(re.search(r'data-count="(\d+)"', listed).group(1)) == figure["count"], figure["label"]
    page = client.get(reverse("complaints:statistics")).content.decode()
    for figure in figures:
        assert f'data-figure="{figure["count"]}"' in page


def test_the_national_overview_shows_the_inbox_figures_linking_to_their_lists(workspace):
    for _i in range(2):
        make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm], category="torture")
    client = Client()
    client.force_login(workspace.personas.npm_monitor)
    page = client.get(reverse("facilities:overview")).content.decode()
    found = re.findall(r'<a class="stat" href="([^"]+)" data-complaint-figure="(\d+)"', page)
    assert len(found) == 4
    for href, count in found:
        listed = client.get(href.replace("&amp;", "&")).content.decode()
        assert re.search(r'data-count="(\d+)"', listed).group(1) == count
    assert ("/complaints/?open=on", "2") in found
    # Someone who handles no complaints sees no complaint figure on the overview.
    client.force_login(workspace.personas.pmc_member)
    assert "data-complaint-figure" not in client.get(reverse("facilities:overview")).content.decode()


FIGURE = re.compile(r'<a class="stat" href="([^"]+)" data-(?:complaint-)?figure(-more-than)?="(\d+)"')
LIST_COUNT = re.compile(r'data-count(-more-than)?="(\d+)"')


def stated(match: re.Match, *, more: int, number: int) -> tuple[str, int]:
    return ("more than" if match.group(more) else "exact"), int(match.group(number))


def test_each_inbox_figure_states_what_heads_its_list_within_the_mandate_and_beyond_the_cap(
        workspace, monkeypatch):
    """The figures on the statistics page and the overview count the inbox's own rows with its own
    cap: complaints sealed to another organisation or outside the mandate are in neither, and past
    the cap both say "more than"."""
    monkeypatch.setattr(workspace_views, "COUNT_CAP", 4)
    monkeypatch.setattr(workspace_views, "PAGE_SIZE", 2)
    p = workspace.personas
    colony = [workspace.complaint(facility=p.colony, recipients=[workspace.npm, workspace.ombudsman])
              for _i in range(6)]
    workspace.complaint(facility=p.special_school, recipients=[workspace.npm, workspace.ombudsman])
    workspace.complaint(facility=p.colony, recipients=[workspace.prosecutor])
    handling.assign(complaint=colony[0], to=p.npm_monitor, by=p.npm_monitor)
    seen = set()
    for officer in (p.npm_monitor, p.ombudsman_monitor, p.prosecutor):
        client = Client()
        client.force_login(officer)
        # The overview shows the same figures (the same function): once is enough to check its links.
        pages = [reverse("complaints:statistics")]
        pages += [reverse("facilities:overview")] if officer == p.npm_monitor else []
        for url in pages:
            found = list(FIGURE.finditer(client.get(url).content.decode()))
            assert len(found) == 4, (officer, url)
            for match in found:
                listed = client.get(match.group(1).replace("&amp;", "&")).content.decode()
                figure = stated(match, more=2, number=3)
                assert figure == stated(LIST_COUNT.search(listed), more=1, number=2), (officer, url, match.group(0))
                seen.add((officer.username, match.group(1), figure))
    npm, ombudsman, prosecutor = (o.username for o in (p.npm_monitor, p.ombudsman_monitor, p.prosecutor))
    assert (npm, "/complaints/?open=on", ("more than", 4)) in seen  # 7 open: past the cap
    assert (npm, "/complaints/?open=on&amp;mine=on", ("exact", 1)) in seen
    assert (ombudsman, "/complaints/?open=on", ("exact", 1)) in seen  # the school only: the colony is outside
    assert (prosecutor, "/complaints/?open=on", ("exact", 1)) in seen


def test_a_month_is_counted_from_its_first_moment_in_local_time(workspace, time_machine):
    time_machine.move_to("2026-11-15 08:00Z", tick=False)
    colony = workspace.personas.colony
    for when in ("2026-08-31T18:59:59Z", "2026-09-30T19:00Z", "2026-10-31T18:30Z", "2026-10-31T19:30Z"):
        make_complaint(facility=colony, recipients=[workspace.npm], received_at=dt.datetime.fromisoformat(when))
    # Almaty is five hours ahead of UTC: 19:00Z on 30 September is the first moment of October there,
    # 18:30Z on 31 October is still October, 19:30Z is November.
    counts = [n for _row, n in statistics.by_month(Complaint.objects.all(), months=4, raw=True)]
    assert counts == [1, 0, 2, 1]  # August (its last second), September, October, November


def test_medians_are_of_the_middle_times_and_counted_in_the_database(workspace, time_machine):
    time_machine.move_to("2026-11-15 08:00Z", tick=False)
    complaints = [make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm])[0] for _i in range(6)]
    for hours, complaint in zip((1, 2, 3, 5, 8, 13), complaints, strict=True):
        time_machine.move_to(dt.datetime(2026, 11, 15, 8, tzinfo=dt.UTC) + dt.timedelta(hours=hours), tick=False)
        handling.change_status(complaint=complaint, to="acknowledged", by=workspace.personas.npm_monitor)
    found = statistics.time_to_acknowledge(Complaint.objects.all())
    assert (found.n, found.median_hours) == (6, 4.0)  # six times: the mean of the third and the fourth
    # The hours the medians read are the service's, written with the moment they count from receipt.
    for row in Handling.objects.select_related("complaint"):
        assert row.hours_to_acknowledge == (row.acknowledged_at - row.complaint.received_at).total_seconds() / 3600
        assert row.hours_to_close is None
    time_machine.move_to(dt.datetime(2026, 11, 17, 8, tzinfo=dt.UTC), tick=False)
    handling.change_status(complaint=complaints[0], to="rejected", reason="other", by=workspace.personas.npm_monitor)
    closed = Handling.objects.get(complaint=complaints[0])
    assert (closed.hours_to_acknowledge, closed.hours_to_close) == (1.0, 48.0)
    # Scoped to a mandate: only the complaints of the queryset count.
    assert statistics.time_to_acknowledge(Complaint.objects.filter(pk__in=[c.pk for c in complaints[:5]])).n == 5


def test_the_statistics_page_costs_the_same_queries_however_many_complaints(workspace, django_assert_num_queries):
    client = Client()
    client.force_login(workspace.personas.npm_monitor)
    workspace.complaint()
    client.get(reverse("complaints:statistics"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("complaints:statistics"))
    for facility in (workspace.personas.colony, workspace.personas.special_school):
        for _i in range(3):
            workspace.complaint(facility=facility)
    with django_assert_num_queries(len(one)):
        assert client.get(reverse("complaints:statistics")).status_code == 200


def test_the_migration_gives_the_complaints_handled_before_it_their_hours(workspace, time_machine):
    from django.apps import apps

    migration = importlib.import_module("complaints.migrations.0009_handling_hours_for_the_medians")
    fill = migration.hours_of_what_was_handled
    time_machine.move_to("2026-11-15 08:00Z", tick=False)
    complaint = workspace.complaint()
    time_machine.move_to("2026-11-15 14:30Z", tick=False)
    handling.change_status(complaint=complaint, to="rejected", reason="other", by=workspace.personas.npm_monitor)
    untouched = workspace.complaint()
    Handling.objects.update(hours_to_acknowledge=None, hours_to_close=None)
    fill(apps, None)
    row = Handling.objects.get(complaint=complaint)
    assert (row.hours_to_acknowledge, row.hours_to_close) == (6.5, 6.5)
    assert not Handling.objects.filter(complaint=untouched, hours_to_acknowledge__isnull=False).exists()
