"""The visit pages' forms post the record they were written for when its id is 1,000 or more: in Kazakh
(and Russian) a number a template prints unlocalised would go out as "1 000", which the view cannot
read. The forms are read from the page as a browser reads them, not rebuilt from the ids."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from visits.models import Finding, FindingStatus, Recommendation, RecommendationStatus
from visits.services import findings as finding_services

pytestmark = pytest.mark.django_db

BIG = 1234


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC), tick=False)


def next_ids_from(model, first: int) -> None:
    """The next row of `model` gets the id `first` (ids below it stay free), on SQLite and PostgreSQL."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first - 1])
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first - 1])


class Forms(HTMLParser):
    """Each <form method="post"> of a page: the element id it sits in and its hidden fields as posted
    (the CSRF token aside: the test client does not check it)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._within: list[str] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("article", "li") and attrs.get("id"):
            self._within.append(attrs["id"])
        if tag == "form" and attrs.get("method") == "post":
            self._form = {"within": self._within[-1] if self._within else "", "hidden": {}}
            self.forms.append(self._form)
        if (tag == "input" and self._form is not None and attrs.get("type") == "hidden"
                and attrs["name"] != "csrfmiddlewaretoken"):
            self._form["hidden"][attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag in ("article", "li") and self._within:
            self._within.pop()


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def kazakh_monitor(world) -> Client:
    client = Client()
    client.force_login(world.personas.npm_monitor)
    client.cookies["django_language"] = "kk"
    return client


def test_a_finding_numbered_past_a_thousand_is_confirmed_from_the_kazakh_findings_page(world):
    next_ids_from(Finding, BIG)
    proposed = finding_services.propose_findings(visit=world.first, by=world.personas.npm_monitor)
    finding = min(proposed, key=lambda f: f.pk)
    assert finding.pk == BIG
    client = kazakh_monitor(world)
    url = reverse("visits:findings", args=[world.first.pk])
    page = client.get(url).content.decode()
    assert "1\xa0234" not in page  # the id is in no attribute grouped

    form = next(f for f in forms_of(page) if f["within"] == f"finding-{BIG}")
    assert form["hidden"] == {"finding": str(BIG)}
    response = client.post(url, {**form["hidden"], "action": "confirm", "severity": "high", "critical_kind": ""})

    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED


def test_a_recommendation_numbered_past_a_thousand_is_checked_from_the_kazakh_follow_up_page(world):
    from visits.services import recommendations as services

    monitor = world.personas.npm_monitor
    finding = finding_services.confirm_finding(
        finding=finding_services.propose_findings(visit=world.first, by=monitor)[0], by=monitor)
    next_ids_from(Recommendation, BIG)
    recommendation = services.issue_recommendation(finding=finding, by=monitor, addressee="facility",
                                                   text="Fix the cells.", response_due=dt.date(2026, 7, 1))
    assert recommendation.pk == BIG
    client = kazakh_monitor(world)
    url = reverse("visits:follow-up", args=[world.second.pk])
    page = client.get(url).content.decode()
    assert "1\xa0234" not in page

    form = next(f for f in forms_of(page) if f["within"] == f"recommendation-{BIG}")
    assert form["hidden"] == {"recommendation": str(BIG)}
    response = client.post(url, {**form["hidden"], "status": RecommendationStatus.IMPLEMENTED,
                                 "text": "Cells repainted."})

    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.IMPLEMENTED
