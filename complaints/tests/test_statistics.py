"""Complaint figures: small counts suppressed, categories from the officers' classification, links that agree."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from complaints import statistics
from complaints.models import Complaint, Handling
from complaints.services import handling
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
