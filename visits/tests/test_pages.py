"""The visit pages and the sync API, as a monitor uses them."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from visits.models import Answer, AnswerConflict, Evidence, Visit


@pytest.fixture
def monitor(personas):
    client = Client()
    client.force_login(personas.npm_monitor)
    return client


def _api(client, path, body):
    return client.post(f"/api/v1/visits{path}", json.dumps(body), content_type="application/json")


def test_a_monitor_plans_a_visit_and_opens_its_checklist(monitor, personas, catalogue):
    page = monitor.get(reverse("visits:plan") + f"?facility={personas.colony.pk}")
    assert page.status_code == 200
    response = monitor.post(reverse("visits:plan"), {
        "facility": personas.colony.pk, "planned_on": timezone.localdate().isoformat(), "kind": "unannounced",
        "timing": "night", "focus_themes": ["health"], "team": [personas.pmc_member.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    checklist = monitor.get(reverse("visits:checklist", args=[visit.pk]))
    content = checklist.content.decode()
    assert checklist.status_code == 200
    assert "SPACE-01" in content
    assert "ADM-07" not in content  # crisis centres only
    assert "reference not confirmed" in content
    assert monitor.get(reverse("visits:detail", args=[visit.pk])).status_code == 200
    assert monitor.get(reverse("visits:suggestions")).status_code == 200
    assert monitor.get(reverse("visits:list")).status_code == 200


def test_the_check_answers_with_the_reason_while_typing(monitor, visit):
    url = reverse("visits:check", args=[visit.pk])
    refused = monitor.get(url, {"indicator": "SPACE-01", "answer-SPACE-01": "four"})
    assert "Refused" in refused.content.decode()
    assert "Enter a number" in refused.content.decode()
    not_met = monitor.get(url, {"indicator": "SPACE-01", "answer-SPACE-01": "3.2"})
    assert "reason-not_met" in not_met.content.decode()
    assert "at least 4" in not_met.content.decode()
    assert not Answer.objects.exists()


def test_a_checklist_posted_twice_is_one_checklist(monitor, visit):
    page = monitor.get(reverse("visits:checklist", args=[visit.pk])).content.decode()
    edit = page.split('name="edit-SPACE-09" value="')[1].split('"')[0]
    data = {"answer-SPACE-09": "no", "version-SPACE-09": "0", "edit-SPACE-09": edit}
    assert monitor.post(reverse("visits:save", args=[visit.pk]), data).status_code == 302
    assert monitor.post(reverse("visits:save", args=[visit.pk]), data).status_code == 302
    answer = Answer.objects.get()
    assert answer.version == 1
    assert answer.compliance == "not_met"


def test_sync_twice_never_duplicates_and_keeps_conflicts(monitor, visit, personas):
    edit = {"device_id": str(uuid.uuid4()), "indicator": "SPACE-09", "value": "yes", "base_version": 0}
    first = _api(monitor, f"/{visit.pk}/sync", {"answers": [edit], "observations": [
        {"device_id": str(uuid.uuid4()), "text": "Cell 12 has no window glass."}]})
    assert first.status_code == 200, first.content
    again = _api(monitor, f"/{visit.pk}/sync", {"answers": [edit]})
    assert [r["outcome"] for r in first.json()["results"]] == ["saved", "saved"]
    assert again.json()["results"][0]["outcome"] == "duplicate"
    other = Client()
    other.force_login(personas.npm_monitor)
    theirs = _api(other, f"/{visit.pk}/sync", {"answers": [{**edit, "device_id": str(uuid.uuid4()), "value": "no"}]})
    assert theirs.json()["results"][0]["outcome"] == "conflict"
    bad = _api(monitor, f"/{visit.pk}/sync", {"answers": [{**edit, "device_id": str(uuid.uuid4()),
                                                             "indicator": "SEP-01", "value": "-3"}]})
    assert bad.json()["results"][0]["outcome"] == "refused"
    assert bad.json()["results"][0]["errors"][0]["field"] == "value"
    assert Answer.objects.count() == 1
    assert AnswerConflict.objects.count() == 1
    page = monitor.get(reverse("visits:checklist", args=[visit.pk])).content.decode()
    assert "Two versions of this answer" in page


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (43.0, 15.0, 0.0), 1: "N"}  # GPSInfo
    exif[0x010F] = "SpyCam"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_evidence_upload_strips_location_and_refuses_disguised_files(monitor, visit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    device = str(uuid.uuid4())
    photo = SimpleUploadedFile("cell.pdf", _jpeg_with_gps(), content_type="application/pdf")
    response = monitor.post(f"/api/v1/visits/{visit.pk}/evidence", {"file": photo, "device_id": device})
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/jpeg"
    again = monitor.post(f"/api/v1/visits/{visit.pk}/evidence", {
        "file": SimpleUploadedFile("cell.jpg", _jpeg_with_gps()), "device_id": device})
    assert again.status_code == 200
    evidence = Evidence.objects.get()
    with evidence.file.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif()
    disguised = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    refused = monitor.post(f"/api/v1/visits/{visit.pk}/evidence", {"file": disguised, "device_id": str(uuid.uuid4())})
    assert refused.status_code in (400, 422)
    assert refused.json()["errors"][0]["field"] == "file"
    assert Evidence.objects.count() == 1
    assert evidence.ledger_record is not None
