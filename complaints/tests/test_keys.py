"""Organisation keys: made on the server, stored encrypted, unlocked per session, rotated."""

from __future__ import annotations

import pyrage
import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from complaints import keys
from complaints.models import ComplaintEvent, EventKind, OrganisationKey
from complaints.services import sealing
from complaints.workspace_testing import PASSPHRASE, make_complaint, unlock_client
from ledger import interface as ledger

pytestmark = pytest.mark.django_db


def test_a_key_made_on_the_server_is_stored_only_as_an_age_passphrase_ciphertext(personas):
    npm = personas.npm_monitor.organisation
    key = keys.create_organisation_key(organisation=npm, passphrase="a long enough passphrase", by=None)

    stored = bytes(key.encrypted_identity)
    assert stored.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert b"AGE-SECRET-KEY" not in stored
    secret = pyrage.passphrase.decrypt(stored, "a long enough passphrase").decode()
    assert str(pyrage.x25519.Identity.from_str(secret).to_public()) == key.public_key
    assert keys.active_public_keys() == {npm.code: key.public_key}
    event = ComplaintEvent.objects.get(kind=EventKind.KEY_CREATED)
    assert event.detail == {"public_key": key.public_key}
    assert f"complaints.complaintevent:{event.pk}" in ledger.indices_of(
        kind="complaint:handling", subjects=[f"complaints.complaintevent:{event.pk}"])


def test_keys_are_refused_to_bodies_that_receive_no_complaints_and_to_short_passphrases(personas):
    with pytest.raises(keys.KeyRefused) as refused:
        keys.create_organisation_key(organisation=personas.pmc_member.organisation, passphrase="x" * 20, by=None)
    assert "organisation" in refused.value.message_dict
    with pytest.raises(keys.KeyRefused) as refused:
        keys.create_organisation_key(organisation=personas.npm_monitor.organisation, passphrase="short", by=None)
    assert "passphrase" in refused.value.message_dict
    assert not OrganisationKey.objects.exists()


def test_the_command_creates_a_key_reading_the_passphrase_from_a_file(personas, tmp_path, capsys):
    secret = tmp_path / "passphrase"
    secret.write_text("a long enough passphrase\n")
    call_command("create_organisation_key", "npm", "--passphrase-file", str(secret))
    key = OrganisationKey.objects.get()
    assert key.public_key in capsys.readouterr().out
    # age's own work factor, calibrated to about a second (at least 2**18); the service test
    # above decrypts one such ciphertext.
    stanza = bytes(key.encrypted_identity).split(b"\n")[1].split()
    assert stanza[:2] == [b"->", b"scrypt"]
    assert int(stanza[3]) >= 18


def test_a_rotated_out_key_opens_old_complaints_only(workspace):
    npm = workspace.npm
    old_identity = workspace.npm_identity
    before = workspace.complaint(text="Sealed before the rotation")
    new_key = keys.rotate_organisation_key(organisation=npm, passphrase="another long passphrase", by=None)
    after = workspace.complaint(text="Sealed after the rotation")

    assert keys.active_public_keys([npm]) == {npm.code: new_key.public_key}
    assert OrganisationKey.objects.filter(organisation=npm).count() == 2  # the old one is kept
    assert sealing.open_sealed(before.sealed, [old_identity])["text"] == "Sealed before the rotation"
    with pytest.raises(sealing.CannotOpen):
        sealing.open_sealed(after.sealed, [old_identity])
    assert ComplaintEvent.objects.filter(kind=EventKind.KEY_ROTATED).count() == 1


def test_unlocking_with_the_passphrase_reads_until_lock_and_a_wrong_one_is_refused(workspace):
    complaint = workspace.complaint(text="Cold cells in block 4")
    client = Client()
    client.force_login(workspace.personas.npm_monitor)

    wrong = client.post(reverse("complaints:unlock"), {"passphrase": "not the passphrase at all"})
    assert wrong.status_code == 400
    assert "opens none of your organisation" in wrong.content.decode()
    assert keys.COOKIE not in client.cookies

    right = client.post(reverse("complaints:unlock"), {"passphrase": PASSPHRASE, "next": "https://evil.example/"})
    assert right.status_code == 302
    assert right.url == reverse("complaints:inbox")  # no open redirect
    cookie = right.cookies[keys.COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert "Cold cells in block 4" in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()

    client.post(reverse("complaints:lock"))
    assert "Cold cells in block 4" not in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


def test_the_session_row_alone_or_the_cookie_alone_opens_nothing(workspace):
    user = workspace.personas.npm_monitor
    complaint = workspace.complaint(text="Secret text")
    client = unlock_client(Client(), user, [workspace.npm_identity])
    url = reverse("complaints:detail", args=[complaint.pk])
    assert "Secret text" in client.get(url).content.decode()

    # What a copy of the database holds: no identity in clear anywhere in the session rows.
    for session in Session.objects.all():
        assert "AGE-SECRET-KEY" not in session.session_data
        assert "AGE-SECRET-KEY" not in str(session.get_decoded())

    cookie = client.cookies[keys.COOKIE].value
    # The cookie without the session (a new log-in): locked.
    thief = Client()
    thief.force_login(user)
    thief.cookies[keys.COOKIE] = cookie
    assert "Secret text" not in thief.get(url).content.decode()
    # The session without the cookie: locked.
    del client.cookies[keys.COOKIE]
    assert "Secret text" not in client.get(url).content.decode()


def test_logging_out_locks_the_key(workspace):
    user = workspace.personas.npm_monitor
    complaint = workspace.complaint(text="Logged out text")
    client = unlock_client(Client(), user, [workspace.npm_identity])
    cookie = client.cookies[keys.COOKIE].value
    client.post(reverse("accounts:logout"))
    client.force_login(user)
    client.cookies[keys.COOKIE] = cookie
    assert "Logged out text" not in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


def test_an_unlock_expires_by_itself(workspace, settings, time_machine):
    settings.COMPLAINT_UNLOCK_SECONDS = 60
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    complaint, _ = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm], text="Soon locked")
    client = unlock_client(Client(), workspace.personas.npm_monitor, [workspace.npm_identity])
    url = reverse("complaints:detail", args=[complaint.pk])
    assert "Soon locked" in client.get(url).content.decode()
    time_machine.move_to("2026-12-01 09:02Z", tick=False)
    assert "Soon locked" not in client.get(url).content.decode()


def test_wrong_passphrases_are_logged_and_a_few_in_a_row_stop_further_guesses(workspace, settings):
    settings.COMPLAINT_UNLOCK_FAILURE_LIMIT = 2
    client = Client()
    client.force_login(workspace.personas.npm_monitor)
    for _i in range(2):
        wrong = client.post(reverse("complaints:unlock"), {"passphrase": "a wrong guess of a passphrase"})
        assert wrong.status_code == 400
    assert ComplaintEvent.objects.filter(kind=EventKind.KEY_UNLOCK_FAILED).count() == 2
    refused = client.post(reverse("complaints:unlock"), {"passphrase": PASSPHRASE})
    assert refused.status_code == 400
    assert "Too many wrong passphrases" in refused.content.decode()
    assert keys.COOKIE not in client.cookies
