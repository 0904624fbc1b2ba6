"""Log-in throttling: per user and address, against spraying, and behind trusted proxies."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.client_ip import client_ip
from facilities.factories import TEST_PASSWORD, UserFactory

LOGIN = "/login/"


def attempt(client: Client, username: str, password: str = "wrong guess", **extra) -> int:  # noqa: S107
    return client.post(LOGIN, {"username": username, "password": password}, **extra).status_code


@pytest.mark.django_db
def test_spraying_one_password_across_many_user_names_locks_the_address(personas, settings):
    settings.LOGIN_SPRAY_USERNAME_LIMIT = 4
    sprayer = Client(REMOTE_ADDR="203.0.113.7")
    for name in ("alpha", "bravo", "charlie"):
        assert attempt(sprayer, name, "Summer2026!") == 200  # one guess each: axes' pair rule never fires
    assert attempt(sprayer, "delta", "Summer2026!") == 429  # the fourth distinct name is refused
    # Now even the right password of a real user is refused from this address...
    assert attempt(sprayer, "aigerim.npm", TEST_PASSWORD) == 429
    assert "_auth_user_id" not in sprayer.session
    # ...while the same user logs in from anywhere else.
    assert attempt(Client(REMOTE_ADDR="198.51.100.20"), "aigerim.npm", TEST_PASSWORD) == 302


@pytest.mark.django_db
def test_many_failures_from_one_address_lock_it_for_every_name(personas, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    settings.LOGIN_SPRAY_USERNAME_LIMIT = 100
    guesser = Client(REMOTE_ADDR="203.0.113.8")
    for name in ("alpha", "bravo", "alpha", "bravo", "alpha", "bravo"):
        attempt(guesser, name)
    assert attempt(guesser, "marat.analyst", TEST_PASSWORD) == 429


@pytest.mark.django_db
def test_a_user_name_guessed_from_many_addresses_is_slowed_down(personas, settings):
    settings.LOGIN_USER_FAILURE_LIMIT = 6
    for i in range(6):
        attempt(Client(REMOTE_ADDR=f"203.0.113.{20 + i}"), "marat.analyst")
    assert attempt(Client(REMOTE_ADDR="198.51.100.30"), "marat.analyst", TEST_PASSWORD) == 429
    assert attempt(Client(REMOTE_ADDR="198.51.100.30"), "aigerim.npm", TEST_PASSWORD) == 302


@pytest.mark.django_db
def test_behind_a_trusted_proxy_a_guesser_cannot_lock_a_monitor_out(personas, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    guesser = Client(**proxy)
    for _ in range(5):
        attempt(guesser, "aigerim.npm", HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert attempt(guesser, "aigerim.npm", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.66") == 429
    # The monitor comes through the same proxy from their own address and logs in.
    monitor = Client(**proxy)
    assert attempt(monitor, "aigerim.npm", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9") == 302


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_changes_nothing(personas, settings):
    settings.TRUSTED_PROXIES = []
    guesser = Client(REMOTE_ADDR="203.0.113.66")
    for i in range(5):
        attempt(guesser, "aigerim.npm", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert attempt(guesser, "aigerim.npm", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99") == 429


@pytest.mark.parametrize(("remote", "forwarded", "trusted", "expected"), [
    ("203.0.113.1", "", [], "203.0.113.1"),
    ("203.0.113.1", "198.51.100.1", [], "203.0.113.1"),  # header from an untrusted peer: ignored
    ("10.0.0.5", "198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
    ("10.0.0.5", "1.2.3.4, 198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),  # the client's own claim on the left
    ("10.0.0.5", "198.51.100.1, 10.1.1.1", ["10.0.0.0/8"], "198.51.100.1"),  # two proxies of ours
    ("10.0.0.5", "", ["10.0.0.0/8"], "10.0.0.5"),
    ("10.0.0.5", "not-an-address", ["10.0.0.0/8"], "10.0.0.5"),
    ("::ffff:10.0.0.5", "[2001:db8::1]:443", ["10.0.0.5"], "2001:db8::1"),
    ("", "", [], None),
])
def test_client_address(settings, remote, forwarded, trusted, expected):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_misspelt_trusted_proxy_fails_loudly(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1"))


def test_sessions_end_after_a_working_day_of_inactivity(settings):
    from custodywatch import settings as production

    assert 8 * 3600 <= production.SESSION_COOKIE_AGE <= 10 * 3600
    assert production.SESSION_REFRESH_SECONDS <= 600


@pytest.mark.django_db
def test_every_request_moves_the_session_deadline_on(personas):
    import time_machine

    client = Client()
    with time_machine.travel("2026-11-30 09:00 +05:00", tick=False):
        client.force_login(personas.npm_monitor)
    for hour in ("16:00", "23:30"):  # seven and a half hours apart, each within the limit
        with time_machine.travel(f"2026-11-30 {hour} +05:00", tick=False):
            assert client.get(reverse("facilities:overview")).status_code == 200
    with time_machine.travel("2026-12-01 09:00 +05:00", tick=False):
        assert client.get(reverse("facilities:overview")).status_code == 302


@pytest.mark.django_db
def test_a_session_left_for_a_working_day_ends(personas):
    import time_machine

    client = Client()
    with time_machine.travel("2026-11-30 09:00 +05:00", tick=False):
        client.force_login(personas.npm_monitor)
        assert client.get(reverse("facilities:overview")).status_code == 200
    with time_machine.travel("2026-11-30 18:01 +05:00", tick=False):
        assert client.get(reverse("facilities:overview")).status_code == 302


@pytest.mark.django_db
def test_requests_close_together_write_the_session_once(personas, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(personas.npm_monitor)
    client.get(reverse("accounts:account"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accounts:account"))
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and
                q["sql"].startswith(("UPDATE", "INSERT"))]


@pytest.mark.django_db
def test_unknown_user_names_count_too(settings):
    UserFactory(username="real.user")
    settings.LOGIN_SPRAY_USERNAME_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.90")
    for name in ("ghost1", "ghost2", "ghost3"):
        attempt(client, name)
    assert attempt(client, "real.user", TEST_PASSWORD) == 429


def fail_across_accounts(count: int) -> None:
    # Each failure from its own address and for its own name: no per-address or per-name rule fires.
    for i in range(count):
        attempt(Client(REMOTE_ADDR=f"192.0.2.{i + 1}"), f"ghost{i}")


@pytest.fixture
def global_limit(settings):
    from django.core.cache import cache

    cache.clear()  # the "pause logged" mark of an earlier test
    settings.LOGIN_GLOBAL_FAILURE_LIMIT = 6
    settings.LOGIN_GLOBAL_WINDOW_SECONDS = 300
    return settings


@pytest.mark.django_db
def test_below_the_global_failure_rate_nobody_is_paused(personas, global_limit):
    fail_across_accounts(5)
    assert attempt(Client(REMOTE_ADDR="198.51.100.40"), "aigerim.npm", TEST_PASSWORD) == 302


@pytest.mark.django_db
def test_beyond_the_global_failure_rate_unknown_addresses_are_paused_but_people_working_are_not(
        personas, global_limit, caplog):
    import time_machine

    with time_machine.travel("2026-11-30 09:00 +05:00", tick=False):
        # Logged in from the office earlier today, and a session open elsewhere.
        assert attempt(Client(REMOTE_ADDR="198.51.100.50"), "marat.analyst", TEST_PASSWORD) == 302
        working = Client()
        working.force_login(personas.npm_monitor)
    with time_machine.travel("2026-11-30 11:00 +05:00", tick=False):
        fail_across_accounts(6)
        refused = Client(REMOTE_ADDR="203.0.113.140").post(
            LOGIN, {"username": "aigerim.npm", "password": TEST_PASSWORD})
        assert refused.status_code == 429
        assert 'data-testid="global-pause"' in refused.content.decode()
        assert attempt(Client(REMOTE_ADDR="203.0.113.141"), "dana.ombudsman", TEST_PASSWORD) == 429
        # The office address logs in; the open session goes on working.
        assert attempt(Client(REMOTE_ADDR="198.51.100.50"), "aigerim.npm", TEST_PASSWORD) == 302
        assert working.get(reverse("facilities:overview")).status_code == 200
    paused = [r for r in caplog.records if "log-in paused" in r.getMessage()]
    assert len(paused) == 1  # one line for the pause, not one per refused attempt
    with time_machine.travel("2026-11-30 11:06 +05:00", tick=False):
        # The attack stopped: a window later, the pause is over.
        assert attempt(Client(REMOTE_ADDR="203.0.113.140"), "aigerim.npm", TEST_PASSWORD) == 302
