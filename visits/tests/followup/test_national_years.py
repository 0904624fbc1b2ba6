"""The national view names each year as a year (2026), not as a number with a thousands separator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from visits.models import Addressee, Finding
from visits.services import findings as finding_services
from visits.services import recommendations as services

pytestmark = pytest.mark.django_db


def test_the_years_of_the_national_view_read_as_years_in_every_language(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC), tick=False)
    monitor = world.personas.npm_monitor
    for finding in finding_services.propose_findings(visit=world.first, by=monitor):
        finding_services.confirm_finding(finding=finding, by=monitor)
    services.issue_recommendation(finding=Finding.objects.filter(visit=world.first).first(), by=monitor,
                                  addressee=Addressee.FACILITY, text="Give every person 4 m2.",
                                  response_due=dt.date(2026, 7, 1))
    for language in ("en", "kk", "ru"):
        client = Client(headers={"accept-language": language})
        client.force_login(monitor)

        page = client.get(reverse("visits:national")).content.decode()

        assert f'<html lang="{language}"' in page
        assert '<th scope="row">2026</th>' in page
        assert not any(grouped in page for grouped in ("2,026", "2\xa0026", "2 026")), language
