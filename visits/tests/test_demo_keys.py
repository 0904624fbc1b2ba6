"""The demo works after `make run`: load_standards gives the demo country's bodies an interview-notes key."""

from __future__ import annotations

import stat
from io import StringIO

import pyrage
import pytest
from django.core.management import call_command

from visits.models import SealingKey
from visits.services.interviews import live_key, seal


@pytest.mark.django_db
def test_load_standards_gives_each_demo_body_a_key_once_and_its_identity_opens_the_notes(personas, settings,
                                                                                         tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("load_standards", stdout=out)
    npm = personas.npm_monitor.organisation
    key = live_key(npm.pk)
    assert key is not None
    identity_file = tmp_path / "demo-keys" / "npm.age-identity"
    assert f"sealed to {key.recipient}" in out.getvalue()
    assert stat.S_IMODE(identity_file.stat().st_mode) == 0o600
    identity = pyrage.x25519.Identity.from_str(identity_file.read_text().splitlines()[1])
    assert pyrage.decrypt(seal("P-03 says the cell floods.", key), [identity]) == b"P-03 says the cell floods."
    assert live_key(personas.prosecutor.organisation_id) is not None

    count = SealingKey.objects.count()
    again = StringIO()
    call_command("load_standards", stdout=again)
    assert SealingKey.objects.count() == count
    assert "Demo:" not in again.getvalue()


@pytest.mark.django_db
def test_without_the_demo_country_no_key_is_made(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_standards", stdout=StringIO())
    assert not SealingKey.objects.exists()
    assert not (tmp_path / "demo-keys").exists()
