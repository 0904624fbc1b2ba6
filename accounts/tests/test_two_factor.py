"""Two-factor authentication with real TOTP codes, computed from the secret the page shows."""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32decode

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AccountAuditRecord, AuditAction
from facilities.factories import TEST_PASSWORD

START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def code_at(secret: bytes, when: dt.datetime) -> str:
    # What an authenticator app shows at `when` (RFC 6238: 30-second steps, 6 digits, SHA-1).
    with time_machine.travel(when, tick=False):
        return f"{totp(secret):06d}"


def secret_on_page(content: str) -> bytes:
    shown = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', content).group(1)
    return b32decode(shown.replace(" ", ""))


def log_in(client: Client, username: str) -> None:
    response = client.post(reverse("accounts:login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def requiring(personas):
    organisation = personas.npm_monitor.organisation
    organisation.requires_two_factor = True
    organisation.save()
    return personas


@pytest.mark.django_db
def test_a_member_of_a_body_that_requires_it_enrols_before_anything_else(requiring):
    client = Client()
    with time_machine.travel(START, tick=False):
        log_in(client, "aigerim.npm")
        for path in (reverse("facilities:overview"), reverse("accounts:account"), "/admin/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.url == reverse("accounts:two-factor-setup"), path
        assert client.get("/api/v1/tokens").status_code in (401, 403)
        page = client.get(reverse("accounts:two-factor-setup"))
        content = page.content.decode()
        assert "<svg" in content
        assert "<script" not in content.split("<main", 1)[1]
        secret = secret_on_page(content)
        wrong = client.post(reverse("accounts:two-factor-setup"), {"code": "000000"})
        assert wrong.status_code == 400
    right = code_at(secret, START + dt.timedelta(seconds=31))
    with time_machine.travel(START + dt.timedelta(seconds=31), tick=False):
        done = client.post(reverse("accounts:two-factor-setup"), {"code": right})
        assert done.status_code == 302
        assert client.get(reverse("facilities:overview")).status_code == 200
    assert TOTPDevice.objects.get(user=requiring.npm_monitor).confirmed
    assert AccountAuditRecord.objects.filter(user=requiring.npm_monitor,
                                             action=AuditAction.TWO_FACTOR_ENROLLED).exists()


@pytest.mark.django_db
def test_log_in_asks_for_the_code_and_refuses_a_wrong_or_reused_one(requiring):
    device = TOTPDevice.objects.create(user=requiring.npm_monitor, name="phone", confirmed=True)
    later = START + dt.timedelta(minutes=5)
    client = Client()
    with time_machine.travel(later, tick=False):
        log_in(client, "aigerim.npm")
        assert client.get(reverse("facilities:overview")).url == reverse("accounts:two-factor-verify")
        assert client.post(reverse("accounts:two-factor-verify"), {"code": "12345"}).status_code == 400
        good = f"{totp(device.bin_key):06d}"
        wrong = f"{(int(good) + 1) % 1_000_000:06d}"
        assert client.post(reverse("accounts:two-factor-verify"), {"code": wrong}).status_code == 400
        assert client.get(reverse("facilities:overview")).status_code == 302
    # django-otp slows down after a failure: the next try waits a moment.
    with time_machine.travel(later + dt.timedelta(seconds=5), tick=False):
        good = f"{totp(device.bin_key):06d}"
        assert client.post(reverse("accounts:two-factor-verify"), {"code": good}).status_code == 302
        assert client.get(reverse("facilities:overview")).status_code == 200
        # The same code cannot open a second session.
        other = Client()
        log_in(other, "aigerim.npm")
        assert other.post(reverse("accounts:two-factor-verify"), {"code": good}).status_code == 400


@pytest.mark.django_db
def test_any_user_may_set_up_a_second_factor_and_is_then_asked_for_it(personas):
    client = Client()
    with time_machine.travel(START, tick=False):
        log_in(client, "saule.pmc")
        assert client.get(reverse("facilities:overview")).status_code == 200  # optional in this commission
        secret = secret_on_page(client.get(reverse("accounts:two-factor-setup")).content.decode())
        assert client.post(reverse("accounts:two-factor-setup"), {"code": code_at(secret, START)}).status_code == 302
    fresh = Client()
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        log_in(fresh, "saule.pmc")
        assert fresh.get(reverse("facilities:overview")).url == reverse("accounts:two-factor-verify")
        code = code_at(secret, timezone.now())
        assert fresh.post(reverse("accounts:two-factor-verify"), {"code": code}).status_code == 302
        assert fresh.get(reverse("facilities:overview")).status_code == 200


@pytest.mark.django_db
def test_an_administrator_removes_a_lost_authenticator_and_the_member_enrols_again(requiring):
    TOTPDevice.objects.create(user=requiring.npm_monitor, name="lost phone", confirmed=True)
    assert services.remove_two_factor(user=requiring.npm_monitor, by=requiring.oversight_admin) == 1
    assert AccountAuditRecord.objects.filter(user=requiring.npm_monitor, action=AuditAction.TWO_FACTOR_REMOVED,
                                             actor=requiring.oversight_admin).exists()
    client = Client()
    log_in(client, "aigerim.npm")
    assert client.get(reverse("facilities:overview")).url == reverse("accounts:two-factor-setup")


@pytest.mark.django_db
def test_a_password_alone_cannot_change_the_password_behind_a_second_factor(requiring):
    TOTPDevice.objects.create(user=requiring.npm_monitor, name="phone", confirmed=True)
    requiring.npm_monitor.must_change_password = True
    requiring.npm_monitor.save()
    client = Client()
    log_in(client, "aigerim.npm")
    for path in (reverse("accounts:password-change"), reverse("accounts:two-factor-setup"),
                 reverse("accounts:account")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("accounts:two-factor-verify"), path
    changed = client.post(reverse("accounts:password-change"), {
        "old_password": TEST_PASSWORD, "new_password1": "a new passphrase of mine", "new_password2":
        "a new passphrase of mine"})
    assert changed.status_code == 302
    requiring.npm_monitor.refresh_from_db()
    assert requiring.npm_monitor.check_password(TEST_PASSWORD)
