"""Interview notes sealed by the device (the offline page seals them in the browser): the sync accepts
the age file as it is, stores those very bytes, and the visiting body's identity opens them; anything
else in their place is refused with the field and why, and nothing is stored."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid

import pyrage
import pytest

from accounts.testing import ApiClient
from visits import services
from visits.models import Interview, NotesState

pytestmark = pytest.mark.django_db
NOTES = "P-07 says the night shift beats people in cell 4."


@pytest.fixture
def identity(personas):
    made = pyrage.x25519.Identity.generate()
    services.register_sealing_key(organisation=personas.npm_monitor.organisation, recipient=str(made.to_public()))
    return made


def _sealed_by_age_tool(recipient: str, text: str) -> bytes:
    """As another implementation would seal it: the age command-line tool (pyrage when it is absent)."""
    if shutil.which("age"):
        return subprocess.run(["age", "-r", recipient], input=text.encode(), capture_output=True,  # noqa: S603,S607 - the age tool on our own key
                              check=True).stdout
    return pyrage.encrypt(text.encode(), [pyrage.x25519.Recipient.from_str(recipient)])


def _sync(personas, visit, interview):
    return ApiClient(personas.npm_monitor).post(f"/visits/{visit.pk}/sync", {"interviews": [interview]})


def test_notes_sealed_on_the_device_are_stored_as_sent_and_open_with_the_body_identity(arrived, personas, identity):
    sealed = _sealed_by_age_tool(str(identity.to_public()), NOTES)
    device_id = str(uuid.uuid4())
    response = _sync(personas, arrived, {"device_id": device_id, "label": "P-07",
                                         "sealed_notes": base64.b64encode(sealed).decode()})
    assert response.status_code == 200
    assert response.json()["results"][0]["outcome"] == "saved"
    stored = Interview.objects.get(device_id=device_id)
    assert stored.notes_state == NotesState.SEALED
    assert bytes(stored.sealed_notes) == sealed
    assert pyrage.decrypt(bytes(stored.sealed_notes), [identity]).decode() == NOTES
    assert b"night shift" not in response.content


@pytest.mark.parametrize(("sealed_notes", "why"), [
    ("not base64!", "is not base64"),
    (base64.b64encode(b"P-07 says the night shift beats people").decode(), "age file"),
    (base64.b64encode(b"age-encryption.org/v1\n-> scrypt abc 10\n--- x\n").decode(), "age file"),
    ("", "as an age file"),
])
def test_anything_but_an_age_file_in_place_of_sealed_notes_is_refused(arrived, personas, identity, sealed_notes,
                                                                      why):
    response = _sync(personas, arrived, {"device_id": str(uuid.uuid4()), "label": "P-08",
                                         "sealed_notes": sealed_notes})
    [result] = response.json()["results"]
    assert result["outcome"] == "refused"
    assert result["errors"][0]["field"] == "sealed_notes"
    assert why in result["errors"][0]["error"]
    assert not Interview.objects.exists()


def test_notes_typed_and_sealed_at_once_or_without_a_body_key_are_refused(arrived, personas):
    sealed = base64.b64encode(pyrage.encrypt(b"x", [pyrage.x25519.Identity.generate().to_public()])).decode()
    [no_key] = _sync(personas, arrived, {"device_id": str(uuid.uuid4()), "label": "P-09",
                                         "sealed_notes": sealed}).json()["results"]
    assert (no_key["outcome"], no_key["errors"][0]["field"]) == ("refused", "sealed_notes")
    services.register_sealing_key(organisation=personas.npm_monitor.organisation,
                                  recipient=str(pyrage.x25519.Identity.generate().to_public()))
    [both] = _sync(personas, arrived, {"device_id": str(uuid.uuid4()), "label": "P-09", "notes": "in clear",
                                       "sealed_notes": sealed}).json()["results"]
    assert (both["outcome"], both["errors"][0]["field"]) == ("refused", "notes")
    assert not Interview.objects.exists()
