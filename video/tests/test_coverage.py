"""Coverage per facility and nationally: every figure equals the list it links to; unknown is not covered."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.urls import reverse

from video.conftest import NOW
from video.ingest import ingest_submission
from video.reports import CoverageState, facility_coverage
from video.testing import SimulatedRecorder


def feed(nvr, camera: str, count: int = 3) -> None:
    messages = [nvr.segment(camera, NOW - timedelta(seconds=10 * (count - i))) for i in range(count)]
    assert len(ingest_submission(data=nvr.submission(*messages), now=NOW).accepted) == count


def test_a_facility_with_no_cameras_is_unknown_not_uncovered(personas, frozen):
    assert facility_coverage(personas.colony).state == CoverageState.UNKNOWN


def test_required_zones_need_a_working_camera_and_forbidden_zones_none(personas, frozen):
    nvr = SimulatedRecorder.create(personas.colony, cameras={"a": "admission_search", "c": "corridor",
                                                             "i": "isolation_cell"})
    feed(nvr, "a")
    feed(nvr, "c")
    report = facility_coverage(personas.colony)
    assert report.state == CoverageState.GAPS
    states = {line.zone: line.state for line in report.zones}
    assert (states["admission_search"], states["isolation_cell"]) == ("covered", "not_working")
    feed(nvr, "i")
    assert facility_coverage(personas.colony).state == CoverageState.COVERED
    frozen.move_to(NOW + timedelta(hours=1))  # nothing recorded for an hour: no longer working
    assert facility_coverage(personas.colony).state == CoverageState.GAPS
    frozen.move_to(NOW)
    SimulatedRecorder.create(personas.colony, code="nvr-2", cameras={"m": "medical_room"})
    assert facility_coverage(personas.colony).state == CoverageState.FORBIDDEN


def test_every_national_figure_equals_the_list_it_links_to(personas, frozen):
    nvr = SimulatedRecorder.create(personas.colony, cameras={"a": "admission_search", "c": "corridor",
                                                             "i": "isolation_cell"})
    for camera in ("a", "c", "i"):
        feed(nvr, camera)
    SimulatedRecorder.create(personas.other_colony, code="nvr-2", cameras={"c": "corridor"})
    client = Client()
    client.force_login(personas.npm_monitor)
    page = client.get(reverse("video:index")).content.decode()
    figures = re.findall(r'<a href="([^"]+)" data-count="(\d+)">', page)
    assert len(figures) == 4
    counts = {}
    for href, count in figures:
        listed = client.get(href.replace("&amp;", "&")).content.decode().count("<tr data-facility>")
        assert listed == int(count), href
        counts[href.rsplit("=", 1)[1]] = int(count)
    assert counts == {"covered": 1, "gaps": 1, "forbidden_filmed": 0, "unknown": 1}


def test_the_facility_page_shows_zones_and_a_timeline_with_the_gap(personas, frozen):
    nvr = SimulatedRecorder.create(personas.colony, cameras={"c": "corridor"})
    start = NOW - timedelta(hours=2)
    ingest_submission(data=nvr.submission(*[nvr.segment("c", start + timedelta(seconds=10 * i)) for i in range(6)]),
                      now=NOW)
    from video.gaps import detect_outages

    detect_outages(now=NOW)
    client = Client()
    client.force_login(personas.npm_monitor)
    page = client.get(reverse("video:facility", args=[personas.colony.pk])).content.decode()
    assert 'data-zone="corridor"' in page
    assert '<svg' in page
    assert 'data-kind="gap"' in page
    assert 'data-kind="recorded"' in page
    assert "<tr data-outage>" in page


def test_the_overview_figure_links_to_the_list_it_counts(personas, frozen, rf):
    from django.template import Context, Template

    nvr = SimulatedRecorder.create(personas.colony, cameras={"a": "admission_search", "c": "corridor",
                                                             "i": "isolation_cell"})
    for camera in ("a", "c", "i"):
        feed(nvr, camera)
    request = rf.get("/")
    request.user = personas.npm_monitor
    html = Template("{% load video_figures %}{% video_coverage_figure %}").render(Context({"request": request}))
    [(href, count), (unknown_href, unknown)] = re.findall(r'<a href="([^"]+)" data-count="(\d+)">', html)
    client = Client()
    client.force_login(personas.npm_monitor)
    assert client.get(href).content.decode().count("<tr data-facility>") == int(count) == 1
    assert client.get(unknown_href).content.decode().count("<tr data-facility>") == int(unknown) == 2


def test_the_overview_page_shows_the_coverage_figure_with_unknown_apart(personas, frozen):
    nvr = SimulatedRecorder.create(personas.colony, cameras={"a": "admission_search", "c": "corridor",
                                                             "i": "isolation_cell"})
    for camera in ("a", "c", "i"):
        feed(nvr, camera)
    client = Client()
    client.force_login(personas.npm_monitor)
    page = client.get(reverse("facilities:overview")).content.decode()
    figure = page[page.index("data-video-coverage"):]
    figure = figure[:figure.index("</div>\n</div>")]
    assert re.search(r'data-count="1">1</a>', figure)
    # The base is the facilities whose cameras are known; the unknown ones are counted apart.
    assert "of 1 facility with cameras registered" in figure
    assert re.search(r'state=unknown" data-count="2">2</a>', figure)
