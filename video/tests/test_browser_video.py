"""The facility's camera page as a person sees it: the timeline and coverage, on a desk and a phone."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.factories import TEST_PASSWORD
from lib.testing.browser import PHONE_WIDTH, clipped_badges, log_in, serious_accessibility_violations, sideways_overflow
from video.gaps import detect_outages
from video.ingest import ingest_submission
from video.testing import SimulatedRecorder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cameras(personas):
    now = timezone.now()
    nvr = SimulatedRecorder.create(personas.colony, cameras={"corridor-1": "corridor", "shizo-2": "isolation_cell",
                                                             "medical-1": "medical_room"})
    start = now - timedelta(hours=3)
    for camera in ("corridor-1", "shizo-2"):
        ingest_submission(data=nvr.submission(*[nvr.segment(camera, start + timedelta(seconds=10 * i))
                                                for i in range(6)]), now=now)
    ingest_submission(data=nvr.submission(*[nvr.segment("corridor-1", now - timedelta(seconds=60 - 10 * i))
                                            for i in range(5)]), now=now)
    detect_outages(now=now)
    return personas.colony


def test_a_monitor_reads_the_timeline_and_the_coverage_at_a_glance(page, cameras):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("video:facility", args=[cameras.pk]))
    timeline = page.locator("svg.video-timeline")
    assert timeline.is_visible()
    assert timeline.locator("rect[data-kind=gap]").count() >= 2
    assert timeline.locator("rect[data-kind=recorded]").count() >= 2
    assert "corridor-1" in timeline.locator("desc").text_content()
    assert page.locator("[data-coverage-state]").get_attribute("data-coverage-state") == "forbidden_filmed"
    assert page.locator("tr[data-zone=medical_room] .badge").inner_text() == "Filmed: must not be"
    assert page.locator("tr[data-outage]").count() >= 2
    assert serious_accessibility_violations(page) == []
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/video-facility.png", full_page=True)


def test_the_camera_page_fits_a_phone_in_kazakh(phone, cameras):
    log_in(phone, "aigerim.npm", TEST_PASSWORD)
    with phone.expect_navigation():
        phone.locator("#language-select").select_option(label="Қазақша")
    phone.goto(reverse("video:facility", args=[cameras.pk]))
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "kk"
    assert phone.locator("svg.video-timeline").bounding_box()["width"] <= PHONE_WIDTH
    assert sideways_overflow(phone)["scrollWidth"] <= PHONE_WIDTH
    assert clipped_badges(phone) == []
    if os.environ.get("SCREENSHOT_DIR"):
        phone.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/video-facility-phone.png", full_page=True)
