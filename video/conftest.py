from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from facilities.factories import FacilityFactory
from video.testing import SimulatedRecorder

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def facility(db):
    return FacilityFactory(code="LA-155/7")


@pytest.fixture
def nvr(facility):
    return SimulatedRecorder.create(facility, cameras={"cam-1": "corridor", "cam-2": "isolation_cell"})
