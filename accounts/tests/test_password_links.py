"""One-time links to set a password: made by a reset or an enrolment, used once, expiring, audited."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AccountAuditRecord, AuditAction, User
from facilities.factories import TEST_PASSWORD

NEW_PASSWORD = "a long and private passphrase 7"
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def open_link(client: Client, url: str):
    """Follow the link as a browser does: its token moves into the session, the form opens."""
    first = client.get(path_of(url))
    if first.status_code != 302:
        return first
    assert token_of(url) not in first.url  # the address bar no longer shows the token
    return client.get(first.url)


def set_password(client: Client, url: str, password: str = NEW_PASSWORD):
    form = open_link(client, url)
    assert form.context["validlink"], "the link should still work"
    return client.post(form.request["PATH_INFO"], {"new_password1": password, "new_password2": password})


def log_in(client: Client, username: str, password: str) -> int:
    return client.post(reverse("accounts:login"), {"username": username, "password": password}).status_code


@pytest.mark.django_db
def test_a_reset_ends_the_old_password_and_its_link_sets_a_new_one_once(personas):
    monitor = personas.npm_monitor
    session = Client()
    session.force_login(monitor)
    link = services.reset_password(user=monitor, by=personas.oversight_admin)
    assert log_in(Client(), "aigerim.npm", TEST_PASSWORD) == 200  # refused: the old password is gone
    assert session.get(reverse("facilities:overview")).status_code == 302  # and so is the open session

    client = Client()
    form = open_link(client, link.url)
    assert form.status_code == 200
    assert "no-store" in form["Cache-Control"]
    assert "aigerim.npm" in form.content.decode()
    weak = client.post(form.request["PATH_INFO"], {"new_password1": "aigerim.npm1", "new_password2": "aigerim.npm1"})
    assert weak.status_code == 400  # the password validators decide, as everywhere
    saved = client.post(form.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302
    assert saved.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session  # not logged in by the link: the log-in comes next

    assert log_in(Client(), "aigerim.npm", NEW_PASSWORD) == 302
    used = open_link(Client(), link.url)
    assert used.status_code == 200
    assert not used.context["validlink"]
    assert "This link no longer works" in used.content.decode()
    actions = list(AccountAuditRecord.objects.filter(user=monitor).order_by("pk").values_list("action", "actor"))
    assert actions == [(AuditAction.PASSWORD_RESET, personas.oversight_admin.pk),
                       (AuditAction.PASSWORD_SET_FROM_LINK, monitor.pk)]


@pytest.mark.django_db
def test_a_person_with_an_address_gets_the_link_by_mail_and_the_page_does_not_show_it(personas, mailoutbox):
    User.objects.filter(pk=personas.analyst.pk).update(email="marat@example.kz")
    admin = Client()
    admin.force_login(personas.oversight_admin)
    page = admin.post(reverse("accounts:user-reset-password", args=[personas.analyst.pk]))
    assert page.status_code == 200
    link = page.context["link"]
    assert link.emailed_to == "marat@example.kz"
    assert link.url not in page.content.decode()
    assert "marat@example.kz" in page.content.decode()
    (message,) = mailoutbox
    assert message.to == ["marat@example.kz"]
    assert link.url in message.body
    assert message.subject.count(" / ") == 2  # said in each of the three languages
    assert set_password(Client(), link.url).status_code == 302
    record = AccountAuditRecord.objects.get(action=AuditAction.PASSWORD_RESET, user=personas.analyst)
    assert record.changes["password_link"] == "e-mail"
    assert token_of(link.url) not in str(record.changes)


@pytest.mark.django_db
def test_a_link_expires_and_a_newer_one_replaces_it(personas, settings):
    settings.PASSWORD_RESET_TIMEOUT = 24 * 3600
    with time_machine.travel(START, tick=False):
        old = services.reset_password(user=personas.npm_monitor, by=None)
        assert old.expires_at == START + dt.timedelta(hours=24)
        newer = services.reset_password(user=personas.npm_monitor, by=None)
        assert not open_link(Client(), old.url).context["validlink"]  # replaced by the newer link
    with time_machine.travel(START + dt.timedelta(hours=23), tick=False):
        assert open_link(Client(), newer.url).context["validlink"]
    with time_machine.travel(START + dt.timedelta(hours=24, seconds=1), tick=False):
        expired = open_link(Client(), newer.url)
        assert not expired.context["validlink"]
        assert "expired" in expired.content.decode()


@pytest.mark.django_db
def test_a_deactivated_persons_link_opens_nothing_and_a_deactivated_person_is_not_reset(personas):
    link = services.reset_password(user=personas.npm_monitor, by=personas.oversight_admin)
    services.deactivate_user(user=personas.npm_monitor, by=personas.oversight_admin)
    assert not open_link(Client(), link.url).context["validlink"]
    admin = Client()
    admin.force_login(personas.oversight_admin)
    refused = admin.post(reverse("accounts:user-reset-password", args=[personas.npm_monitor.pk]), follow=True)
    assert "reactivate it" in refused.content.decode()
    assert AccountAuditRecord.objects.filter(action=AuditAction.PASSWORD_RESET).count() == 1


@pytest.mark.django_db
def test_the_second_factor_still_applies_after_setting_a_password_by_link(personas):
    monitor = personas.npm_monitor
    TOTPDevice.objects.create(user=monitor, name="authenticator", confirmed=True)
    link = services.reset_password(user=monitor, by=personas.oversight_admin)
    assert set_password(Client(), link.url).status_code == 302
    client = Client()
    assert log_in(client, "aigerim.npm", NEW_PASSWORD) == 302
    assert client.get(reverse("facilities:overview")).url == reverse("accounts:two-factor-verify")


@pytest.mark.django_db
def test_the_link_is_never_logged_even_when_the_mail_server_is_down(personas, settings, caplog, capfd):
    # A port nothing listens on: the mail cannot go, so the administrator is shown the link.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    User.objects.filter(pk=personas.analyst.pk).update(email="marat@example.kz")
    caplog.set_level(logging.DEBUG)
    admin = Client()
    admin.force_login(personas.oversight_admin)
    page = admin.post(reverse("accounts:user-reset-password", args=[personas.analyst.pk]))
    link = page.context["link"]
    assert link.mail_failed
    assert not link.emailed_to
    assert link.url in page.content.decode()
    client = Client()
    assert set_password(client, link.url, "short").status_code == 400
    assert set_password(client, link.url).status_code == 302
    assert open_link(client, link.url).context["validlink"] is False
    created = admin.post(reverse("accounts:user-create"), {
        "username": "new.person", "organisation": personas.oversight_admin.organisation_id, "role": "monitor"})
    enrolment = created.context["link"]

    logged = caplog.text + "".join(capfd.readouterr())
    assert "not e-mailed" in logged  # the failure is logged, as one line naming the person only
    for url in (link.url, enrolment.url):
        assert token_of(url) not in logged
