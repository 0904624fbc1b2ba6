"""docs/permissions/visits.md, section "Visits and checklists", checked cell by cell with real requests."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyrage
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.services import issue_api_token
from accounts.testing import ApiClient
from facilities.models import Facility, PopulationSnapshot
from lib.testing.matrix import assert_document_matches, read_matrix
from visits import services
from visits.models import Answer, Evidence, Interview, Observation, Visit

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "permissions" / "visits.md"
COLUMNS, MATRIX = read_matrix(DOCUMENT, first_column="Visit list")
MARKER = "MarkerVisitedColony"
SECRET = "MarkerSealedInterviewNote"
# Written out here, independently of the code: a facility in each persona's mandate to plan a visit to.
PLANNABLE = {"npm_monitor": "colony", "ombudsman_monitor": "special_school", "prosecutor": "other_colony",
             "pmc_member": "colony", "analyst": "colony", "facility_officer": "colony", "outsider": "colony",
             "oversight_admin": "colony"}


class World:
    def __init__(self, personas: Any, name: str, visit: Visit) -> None:
        self.personas, self.name, self.user, self.visit = personas, name, getattr(personas, name), visit

    def browser(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client

    def api(self) -> ApiClient:
        return ApiClient(self.user, token=issue_api_token(user=self.user, label="matrix", by=None)[1])

    def url(self, name: str) -> str:
        return reverse(name, args=[self.visit.pk])


@pytest.fixture
def matrix_visit(personas, catalogue):
    Facility.objects.filter(pk=personas.colony.pk).update(name_en=MARKER, name_ru=MARKER, name_kk=MARKER)
    identity = pyrage.x25519.Identity.generate()
    services.register_sealing_key(organisation=personas.npm_monitor.organisation, recipient=str(identity.to_public()))
    personas.npm_identity = identity  # held by the body, never by the server
    visit = services.plan_visit(by=personas.npm_monitor, facility=Facility.objects.get(pk=personas.colony.pk),
                                planned_on=timezone.localdate(), team=[personas.pmc_member])
    services.record_arrival(visit=visit, by=personas.npm_monitor, at=timezone.now())
    services.record_interview(visit=visit, by=personas.npm_monitor, label="P-01", notes=SECRET)
    return Visit.objects.get(pk=visit.pk)


def text(response: Any) -> str:
    return response.content.decode(errors="replace")


def expect(response: Any, cell: str, *, ok: tuple[int, ...] = (200,)) -> None:
    if cell == "yes":
        assert response.status_code in ok, (response.status_code, text(response)[:500])
    elif cell == "404":
        assert response.status_code == 404, response.status_code
        assert MARKER not in text(response)
    else:
        assert cell == "no"
        assert response.status_code in (403, 404), response.status_code
        assert MARKER not in text(response)
    assert SECRET not in text(response)


def check_list(world: World, cell: str) -> None:
    response = world.browser().get(reverse("visits:list"))
    expect(response, cell)
    if cell == "yes":
        sees = world.name in ("npm_monitor", "analyst", "pmc_member")
        assert (MARKER in text(response)) == sees


def check_page(url_name: str, *, visit: bool = True) -> Callable[[World, str], None]:
    def check(world: World, cell: str) -> None:
        url = world.url(url_name) if visit else reverse(url_name)
        response = world.browser().get(url)
        expect(response, cell)
        if cell == "yes" and visit:
            assert MARKER in text(response)
    return check


def check_plan(world: World, cell: str) -> None:
    browser = world.browser()
    facility = getattr(world.personas, PLANNABLE[world.name])
    before = Visit.objects.count()
    opened = browser.get(reverse("visits:plan"))
    form = {"facility": facility.pk, "planned_on": timezone.localdate().isoformat(), "kind": "unannounced",
            "timing": "day"}
    sent = browser.post(reverse("visits:plan"), form)
    if cell == "yes":
        assert opened.status_code == 200
        assert sent.status_code == 302, text(sent)[:1000]
        assert Visit.objects.count() == before + 1
    else:
        expect(opened, cell)
        expect(sent, cell)
        assert Visit.objects.count() == before


def check_record(world: World, cell: str) -> None:
    browser = world.browser()
    responses = [
        browser.post(world.url("visits:access"), {"access": "delayed", "access_delay_minutes": "25"}),
        browser.post(world.url("visits:observation"), {"text": "Matrix observation"}),
        browser.post(world.url("visits:interview"), {"label": "P-77", "in_private": "on"}),
    ]
    recorded = (Observation.objects.filter(text="Matrix observation").exists(),
                Interview.objects.filter(label="P-77").exists(),
                Visit.objects.get(pk=world.visit.pk).access == "delayed")
    if cell == "yes":
        assert [r.status_code for r in responses] == [302, 302, 302]
        assert recorded == (True, True, True)
    else:
        for response in responses:
            expect(response, cell)
        assert recorded == (False, False, False)


def check_answer(world: World, cell: str) -> None:
    response = world.browser().get(world.url("visits:check"), {"indicator": "SPACE-01", "answer-SPACE-01": "3"})
    expect(response, cell)
    if cell == "yes":
        assert "reason-not_met" in text(response)


def check_counts(world: World, cell: str) -> None:
    browser = world.browser()
    opened = browser.get(world.url("visits:counts"))
    sent = browser.post(world.url("visits:counts"), {"date": timezone.localdate().isoformat(), "total": "640"})
    verified = PopulationSnapshot.objects.filter(facility=world.visit.facility, source="verified", total=640)
    if cell == "yes":
        assert opened.status_code == 200
        assert sent.status_code == 302, text(sent)[:1000]
        assert verified.exists()
    else:
        expect(opened, cell)
        expect(sent, cell)
        assert not verified.exists()


def _photo(name: str = "cell.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "grey").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def check_evidence(world: World, cell: str) -> None:
    response = world.browser().post(world.url("visits:evidence"), {"file": _photo()})
    if cell == "yes":
        assert response.status_code == 302
        assert Evidence.objects.filter(visit=world.visit).count() == 1
    else:
        expect(response, cell)
        assert not Evidence.objects.exists()


def check_notes(world: World, cell: str) -> None:
    assert cell == "no", "interview notes are sealed: no page shows them"
    for response in (world.browser().get(world.url("visits:detail")),
                     world.browser().get(world.url("visits:checklist")),
                     world.api().get(f"/visits/{world.visit.pk}")):
        assert SECRET not in text(response)
    assert SECRET.encode() not in bytes(Interview.objects.get(label="P-01").sealed_notes)


def check_sealed_file(world: World, cell: str) -> None:
    interview = Interview.objects.get(visit=world.visit, label="P-01")
    response = world.browser().get(reverse("visits:sealed-notes", args=[world.visit.pk, interview.pk]))
    if cell == "yes":
        assert response.status_code == 200
        assert pyrage.decrypt(response.content, [world.personas.npm_identity]).decode() == SECRET
    else:
        expect(response, cell)
        assert response.content != bytes(interview.sealed_notes)


def check_api_list(world: World, cell: str) -> None:
    response = world.api().get("/visits")
    if cell == "yes":
        assert response.status_code == 200
        ids = [v["id"] for v in response.json()]
        assert (world.visit.pk in ids) == (world.name in ("npm_monitor", "analyst", "pmc_member"))
    else:
        expect(response, cell)


def check_api_plan(world: World, cell: str) -> None:
    facility = getattr(world.personas, PLANNABLE[world.name])
    body = {"facility": facility.pk, "planned_on": timezone.localdate().isoformat(), "device_id": str(uuid.uuid4())}
    before = Visit.objects.count()
    response = world.api().post("/visits", body)
    if cell == "yes":
        assert response.status_code == 201, text(response)
        assert world.api().post("/visits", body).status_code == 200
        assert Visit.objects.count() == before + 1
    else:
        expect(response, cell)
        assert Visit.objects.count() == before


def check_api_visit(world: World, cell: str) -> None:
    response = world.api().get(f"/visits/{world.visit.pk}")
    expect(response, cell)
    if cell == "yes":
        assert any(i["code"] == "SPACE-01" for i in response.json()["indicators"])


def check_api_sync(world: World, cell: str) -> None:
    body = {"answers": [{"device_id": str(uuid.uuid4()), "indicator": "SPACE-09", "value": "yes"}]}
    response = world.api().post(f"/visits/{world.visit.pk}/sync", body)
    if cell == "yes":
        assert response.status_code == 200
        assert response.json()["results"][0]["outcome"] == "saved"
        assert Answer.objects.filter(visit=world.visit).count() == 1
    else:
        expect(response, cell)
        assert not Answer.objects.exists()


def check_api_evidence(world: World, cell: str) -> None:
    token = issue_api_token(user=world.user, label="matrix", by=None)[1]
    response = Client().post(f"/api/v1/visits/{world.visit.pk}/evidence",
                             {"file": _photo(), "device_id": str(uuid.uuid4())}, HTTP_AUTHORIZATION=f"Bearer {token}")
    if cell == "yes":
        assert response.status_code == 201, text(response)
        assert Evidence.objects.filter(visit=world.visit).count() == 1
    else:
        expect(response, cell)
        assert not Evidence.objects.exists()


CHECKS: dict[str, Callable[[World, str], None]] = {
    "Visit list": check_list,
    "Plan a visit": check_plan,
    "Where to visit next": check_page("visits:suggestions", visit=False),
    "Visit page": check_page("visits:detail"),
    "Checklist": check_page("visits:checklist"),
    "Record the visit": check_record,
    "Check an answer": check_answer,
    "Verified counts": check_counts,
    "Evidence": check_evidence,
    "Interview notes": check_notes,
    "Sealed notes file": check_sealed_file,
    "API visits": check_api_list,
    "API plan a visit": check_api_plan,
    "API visit and checklist": check_api_visit,
    "API sync": check_api_sync,
    "API evidence": check_api_evidence,
}


def test_the_document_covers_every_persona_and_only_known_columns_and_values(personas):
    assert_document_matches(MATRIX, COLUMNS, personas=personas.all(), checks=CHECKS)


def test_the_api_never_answers_with_interview_notes(personas, matrix_visit):
    body = json.dumps(ApiClient(personas.npm_monitor, token=issue_api_token(
        user=personas.npm_monitor, label="m", by=None)[1]).get(f"/visits/{matrix_visit.pk}").json())
    assert SECRET not in body


class _Undo(Exception):
    """Raised to roll a column's writes back, so each column starts from the same visit."""


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_cells(personas, matrix_visit, persona):
    # One persona's row per test, each cell in its own rolled-back savepoint: the setup (personas,
    # catalogue, visit) is what costs, and it is the same for every cell of a row.
    failures = []
    for column, cell in MATRIX[persona].items():
        try:
            with transaction.atomic():
                CHECKS[column](World(personas, persona, Visit.objects.get(pk=matrix_visit.pk)), cell)
                raise _Undo
        except _Undo:
            pass
        except AssertionError as error:
            failures.append(f"{column} = {cell}: {error}")
    assert not failures, "\n".join(failures)
