from __future__ import annotations

import pytest

from visits.tests.followup.world import World, build


@pytest.fixture
def world(personas, settings, tmp_path) -> World:
    settings.VISITS_EVIDENCE_ROOT = tmp_path / "evidence"
    return build(personas)
