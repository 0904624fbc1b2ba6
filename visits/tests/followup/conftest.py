from __future__ import annotations

import datetime as dt

import pytest

from visits.models import Addressee
from visits.services import findings as finding_services
from visits.services import recommendations as services
from visits.tests.followup.world import World, build


@pytest.fixture
def world(personas, settings, tmp_path) -> World:
    settings.VISITS_EVIDENCE_ROOT = tmp_path / "evidence"
    return build(personas)


@pytest.fixture
def awaiting_recommendation(world):
    """A confirmed finding's recommendation to the facility, awaiting the officer's answer."""
    monitor = world.personas.npm_monitor
    finding = finding_services.confirm_finding(
        finding=finding_services.propose_findings(visit=world.first, by=monitor)[0], by=monitor)
    return services.issue_recommendation(
        finding=finding, by=monitor, addressee=Addressee.FACILITY, text="Fix the cells.",
        response_due=dt.date.today() + dt.timedelta(days=20))
