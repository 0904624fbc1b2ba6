"""Medical examinations: sealed to the right bodies, photos committed to the ledger, injuries
notified, the facility seeing only that an examination exists."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pyrage import decrypt

from custody import sealing
from custody.models import Examination, InjuryPhoto, Notification
from custody.services.medical import record_examination
from custody.tasks import notify_examination
from ledger import interface as ledger

pytestmark = pytest.mark.django_db
WHEN = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
BRUISE = {"region": "back_chest", "type": "bruise", "size_cm": "4.5", "shape": "oval", "colour": "blue-violet",
          "estimated_age": "1-2 days", "description": "on the left shoulder blade"}


def examine(by, facility, *, injuries=(BRUISE,), minor=False, photos=(), **changes):
    values = dict(occasion="admission", examined_at=WHEN, examiner="Dr A. Seitkali, forensic physician",
                  examiner_independent=True, staff_could_hear=False, interpreter="", consent=True,
                  account="Beaten at the station during questioning", injuries=list(injuries),
                  consistency="highly_consistent", alternative_causes="a fall: not consistent with the pattern",
                  treatment="analgesics", reported_to="regional prosecutor", reported_at=WHEN + dt.timedelta(hours=2),
                  involves_minor=minor, photos=list(photos))
    values.update(changes)
    return record_examination(by=by, facility=facility, **values)


def test_an_examination_with_injuries_is_sealed_and_opens_only_with_a_bodys_key(police, police_officer,
                                                                                 age_identities):
    exam = examine(police_officer, police, photos=[b"\x89PNG fake photo"])
    assert exam.sealed_to == ["npm", "prosecutor"]
    assert exam.with_injuries
    assert b"Seitkali" not in bytes(exam.sealed)
    opened = json.loads(sealing.unpad(decrypt(bytes(exam.sealed), [age_identities["npm"]])))
    assert opened["injuries"][0]["region"] == "back_chest"
    assert opened["consistency"] == "highly_consistent"
    with pytest.raises(Exception):  # noqa: B017, PT011 - pyrage raises its own DecryptError
        decrypt(bytes(exam.sealed), [age_identities["childrens_ombudsman"]])
    photo = InjuryPhoto.objects.get()
    assert photo.sha256 == hashlib.sha256(b"\x89PNG fake photo").hexdigest()
    check = ledger.verify_record(kind="custody:photo", subject=f"custody.injuryphoto:{photo.pk}",
                                 record={"sha256": photo.sha256})
    assert check.status == "matches"


def test_a_childs_examination_is_sealed_to_the_ombudsman_too_and_notified(police, police_officer, personas):
    exam = examine(police_officer, police, minor=True)
    assert exam.sealed_to == ["npm", "prosecutor", "childrens_ombudsman"]
    notify_examination.call(examination_id=exam.pk)
    kinds = set(Notification.objects.filter(examination=exam).values_list("organisation__kind", flat=True))
    assert kinds == {"npm", "prosecutor", "childrens_ombudsman"}


def test_injuries_must_be_placed_typed_and_reported(police, police_officer):
    with pytest.raises(ValidationError) as raised:
        examine(police_officer, police, injuries=[{"region": "nowhere", "type": "bruise"}], reported_to="",
                consistency="")
    assert {"injuries[0].region", "consistency", "reported_to"} <= set(raised.value.message_dict)
    assert not Examination.objects.exists()


def test_without_a_key_for_a_body_nothing_is_stored(police, police_officer, personas):
    from complaints.models.handling import OrganisationKey

    OrganisationKey.objects.filter(organisation=personas.prosecutor.organisation).delete()
    with pytest.raises(ValidationError, match="cannot be sealed"):
        examine(police_officer, police)
    assert not Examination.objects.exists()


def test_the_facility_sees_only_that_an_examination_exists(client, police, police_officer, personas):
    examine(police_officer, police)
    client.force_login(police_officer)
    page = client.get(reverse("custody:examinations")).content.decode()
    assert "TDC-1" in page
    assert "Download" not in page
    assert "Injuries" not in page
    client.force_login(personas.prosecutor)
    page = client.get(reverse("custody:examinations")).content.decode()
    assert "Download (age)" in page


def test_waiting_time_statistics_per_facility(police, police_officer):
    from custody.models import MedicalRequest
    from custody.selectors import medical_waiting

    for asked, seen in ((0, 2), (0, 6), (1, None)):
        MedicalRequest.objects.create(facility=police, asked_at=WHEN + dt.timedelta(hours=asked),
                                      seen_at=WHEN + dt.timedelta(hours=seen) if seen is not None else None,
                                      recorded_by=police_officer)
    [stats] = medical_waiting(police.__class__.objects.filter(pk=police.pk), now=WHEN + dt.timedelta(hours=10))
    assert stats["seen"] == 2
    assert stats["waiting"] == 1
    assert stats["median_hours"] == 4.0
    assert stats["longest_waiting_hours"] == 9.0


def test_readers_see_the_waiting_times_per_facility(client, police, police_officer, personas):
    from custody.models import MedicalRequest

    MedicalRequest.objects.create(facility=police, asked_at=WHEN, seen_at=WHEN + dt.timedelta(hours=3),
                                  recorded_by=police_officer)
    client.force_login(personas.npm_monitor)
    page = client.get(reverse("custody:examinations")).content.decode()
    assert "Waiting to see a doctor" in page
    assert "3.0" in page or "3,0" in page
