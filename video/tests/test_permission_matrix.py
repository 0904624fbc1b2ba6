"""docs/permissions/video.md, checked cell by cell against real requests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import issue_api_token
from accounts.testing import ApiClient
from facilities.factories import UserFactory
from facilities.models import Facility
from lib.testing.matrix import FACILITIES, MANDATES, VALUES, read_matrix
from video import access
from video.conftest import NOW
from video.gaps import detect_outages
from video.ingest import ingest_submission
from video.models import FootageApproval, Segment
from video.testing import SimulatedRecorder

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "permissions" / "video.md"
COLUMNS, MATRIX = read_matrix(DOCUMENT, first_column="Video overview")



class World:
    def __init__(self, personas: Any, name: str) -> None:
        self.personas = personas
        self.user = getattr(personas, name)
        self.mandate = MANDATES[name]
        self.cameras = {}
        for key in FACILITIES:
            facility = getattr(personas, key)
            marker = f"Marker{key.title().replace('_', '')}Facility"
            Facility.objects.filter(pk=facility.pk).update(name_en=marker, name_ru=marker, name_kk=marker)
            nvr = SimulatedRecorder.create(facility, code=f"nvr-{key}", cameras={f"cam-{key}": "corridor"})
            start = NOW - timedelta(hours=1)
            messages = [nvr.segment(f"cam-{key}", start + timedelta(seconds=10 * i)) for i in range(3)]
            messages.append(nvr.segment(f"cam-{key}", NOW - timedelta(seconds=10)))  # after a gap
            ingest_submission(data=nvr.submission(*messages), now=NOW)
            self.cameras[key] = nvr.cameras[f"cam-{key}"]
        detect_outages(now=NOW)

    def marker(self, key: str) -> str:
        return f"Marker{key.title().replace('_', '')}Facility"

    @property
    def inside_key(self) -> str:
        return sorted(self.mandate)[0] if self.mandate else "colony"

    def facility(self, key: str) -> Facility:
        return getattr(self.personas, key)

    def browser(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client


def refused(response: Any, world: World) -> None:
    assert response.status_code in (403, 404), response.status_code
    for key in FACILITIES:
        assert world.marker(key) not in response.content.decode()


def shows(response: Any, world: World, *keys: str) -> str:
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    for key in keys:
        assert world.marker(key) in content
    for key in FACILITIES:
        if key not in world.mandate:
            assert world.marker(key) not in content, f"{key} is outside the mandate but shown"
    return content


def check_page(url_name: str, query: str = ""):
    def check(world: World, cell: str) -> None:
        response = world.browser().get(reverse(url_name) + query)
        if cell == "yes":
            shows(response, world)
        else:
            refused(response, world)
    return check


def check_coverage_list(world: World, cell: str) -> None:
    response = world.browser().get(reverse("video:coverage") + "?state=gaps")
    if cell == "yes":
        shows(response, world, *world.mandate)
    else:
        refused(response, world)


def check_cameras_inside(world: World, cell: str) -> None:
    response = world.browser().get(reverse("video:facility", args=[world.facility(world.inside_key).pk]))
    if cell in ("yes", "own facility"):
        shows(response, world, world.inside_key)
        if cell == "own facility":
            assert world.facility(world.inside_key).pk == world.user.facility_id
    else:
        refused(response, world)


def check_cameras_outside(world: World, cell: str) -> None:
    outside = [k for k in FACILITIES if k not in world.mandate]
    if cell == "—":
        assert not outside
        for key in FACILITIES:
            assert world.browser().get(reverse("video:facility", args=[world.facility(key).pk])).status_code == 200
        return
    for key in outside:
        response = world.browser().get(reverse("video:facility", args=[world.facility(key).pk]))
        if cell == "404":
            assert response.status_code == 404
        refused(response, world)


def check_alarms(world: World, cell: str) -> None:
    response = world.browser().get(reverse("video:facility", args=[world.facility(world.inside_key).pk]))
    content = response.content.decode()
    if cell == "yes":
        assert "<tr data-outage>" in content
    else:
        assert "<tr data-outage>" not in content
        assert "data-tamper" not in content


def check_import(world: World, cell: str) -> None:
    response = world.browser().get(reverse("video:import", args=[world.facility(world.inside_key).pk]))
    if cell == "yes":
        shows(response, world)
    else:
        refused(response, world)


def check_request(world: World, cell: str) -> None:
    response = world.browser().get(reverse("video:request-new", args=[world.facility(world.inside_key).pk]))
    if cell == "yes":
        shows(response, world)
    else:
        refused(response, world)


def _someone_elses_request(world: World):
    asker = UserFactory(username=f"asker.{world.inside_key}", organisation=world.personas.npm_monitor.organisation,
                        role=Role.MONITOR)
    return access.request_footage(camera=world.cameras[world.inside_key], start=NOW - timedelta(hours=1), end=NOW,
                                  kind="view", purpose="A complaint names this corridor", by=asker)


def check_approve(world: World, cell: str) -> None:
    made = _someone_elses_request(world)
    response = world.browser().post(reverse("video:request-approve", args=[made.pk]))
    approved = FootageApproval.objects.filter(request=made, by=world.user).exists()
    if cell == "yes":
        assert response.status_code == 302
        assert approved
    else:
        refused(response, world)
        assert not approved


def check_request_list(world: World, cell: str) -> None:
    _someone_elses_request(world)
    response = world.browser().get(reverse("video:requests"))
    if cell == "yes":
        assert "<tr data-request>" in shows(response, world)
    else:
        refused(response, world)


def check_api_evidence(world: World, cell: str) -> None:
    sha = Segment.objects.filter(camera=world.cameras[world.inside_key]).values_list("sha256", flat=True).first()
    token = issue_api_token(user=world.user, label="matrix", by=None)[1]
    response = ApiClient(world.user, token=token).get(f"/video/segments/{sha}")
    if cell == "yes":
        assert response.status_code == 200
        assert response.json()["segments"][0]["camera"] == f"cam-{world.inside_key}"
    else:
        assert response.status_code in (401, 403, 404)


CHECKS = {
    "Video overview": check_page("video:index"),
    "Coverage list": check_coverage_list,
    "Cameras in mandate": check_cameras_inside,
    "Cameras outside mandate": check_cameras_outside,
    "Outages and alarms": check_alarms,
    "Import cameras": check_import,
    "Request footage": check_request,
    "Approve footage": check_approve,
    "Footage requests": check_request_list,
    "API segment evidence": check_api_evidence,
}


def test_the_document_names_every_column_and_only_known_values():
    assert set(COLUMNS) == set(CHECKS)
    assert {cell for row in MATRIX.values() for cell in row.values()} <= VALUES


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_every_cell_of_the_video_matrix(personas, frozen, persona):
    world = World(personas, persona)
    for column, cell in MATRIX[persona].items():
        CHECKS[column](world, cell)
