"""Fixtures of the visits app: the standards catalogue, a planned visit, files kept in a temporary folder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from visits import services
from visits.standards import load_catalogue


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path):
    settings.VISITS_EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def catalogue(db):
    return load_catalogue().catalogue


@pytest.fixture
def visit(personas, catalogue):
    """An unannounced visit by the NPM monitor to the colony, planned for today."""
    return services.plan_visit(by=personas.npm_monitor, facility=personas.colony, planned_on=timezone.localdate(),
                               focus_themes=["material_conditions"])


@pytest.fixture
def arrived(visit, personas):
    return services.record_arrival(visit=visit, by=personas.npm_monitor, at=timezone.now() - dt.timedelta(hours=1))
