"""The public form's per-address limits count in the database: every process and connection adds
to the same counter, and no increment is lost when they race."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from complaints import ratelimits
from complaints.models import AddressCounter
from complaints.tasks import forget_expired_address_counters
from jobs import schedule

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ADDRESS = "203.0.113.9"


def elsewhere(work: Callable[[], Any], threads: int = 1) -> list[Any]:
    """Run ``work`` in ``threads`` threads at once, each on its own database connection."""
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as exc:  # raised again below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    if errors:
        raise errors[0]
    return results


@pytest.mark.django_db(transaction=True)
def test_another_connection_counts_into_the_same_counter():
    assert [ratelimits.hit("salts", ADDRESS, now=NOON) for _i in range(3)] == [1, 2, 3]

    assert elsewhere(lambda: ratelimits.hit("salts", ADDRESS, now=NOON)) == [4]
    assert ratelimits.count("salts", ADDRESS, now=NOON) == 4
    assert ratelimits.count("salts", "198.51.100.1", now=NOON) == 0
    assert ratelimits.hit("salts", ADDRESS, now=NOON + timedelta(hours=1)) == 1  # a new window


@pytest.mark.django_db(transaction=True)
def test_connections_racing_lose_no_increment():
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database refuses a second writer instead of queueing it")
    runs = elsewhere(lambda: [ratelimits.hit("salts", ADDRESS, now=NOON) for _i in range(25)], threads=2)

    assert sorted(n for run in runs for n in run) == list(range(1, 51))


@pytest.mark.django_db(transaction=True)
def test_the_salt_limit_of_an_address_holds_for_a_request_served_by_another_connection(settings):
    settings.COMPLAINT_PUBLIC_SALTS_PER_ADDRESS = 3

    def ask() -> int:
        return Client().post(reverse("complaints:public-salt"), data=json.dumps({"locator": "12345678"}),
                             content_type="application/json", REMOTE_ADDR=ADDRESS).status_code

    assert [ask() for _i in range(3)] == [200, 200, 200]
    assert elsewhere(ask) == [429]
    assert ask() == 429


@pytest.mark.django_db
def test_counters_of_past_windows_are_forgotten_by_an_hourly_job():
    ratelimits.hit("failures", ADDRESS, now=NOON - timedelta(hours=2))
    ratelimits.hit("failures", ADDRESS)
    assert forget_expired_address_counters.call() == {"deleted": 1}
    assert AddressCounter.objects.count() == 1
    job = next(p for p in schedule.default_schedule() if p.name == "complaints:address-counters:forget")
    assert (job.resolve(), job.every) == (forget_expired_address_counters, timedelta(hours=1))
