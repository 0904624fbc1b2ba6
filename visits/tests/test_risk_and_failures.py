"""Where to visit next, factor by factor; and an evidence upload that fails half-way leaves nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from facilities import services as registry
from facilities.selectors import facilities_for
from lib.faultpoints import FaultInjected, armed, raise_fault
from visits import risk, services
from visits.models import AccessOutcome, Evidence, Visit, VisitStatus


def test_suggestions_explain_each_factor(personas, catalogue):
    registry.record_population_snapshot(facility=personas.colony, by=personas.npm_monitor,
                                        date=timezone.localdate().replace(day=1), total=personas.colony.capacity * 2)
    ranked = risk.suggest(facilities_for(personas.npm_monitor))
    first = ranked[0]
    assert first.facility == personas.colony
    factors = {factor.key: contribution for factor, contribution in first.factors}
    assert "200%" in factors["overcrowding"].reason
    assert factors["last_visit"].reason == "No completed visit is recorded."
    assert first.score == sum(c.points for c in factors.values())
    others = {s.facility: {f.key for f, _c in s.factors} for s in ranked[1:]}
    assert "counts" in others[personas.other_colony]  # no population count at all


def test_a_visit_and_an_obstruction_change_the_score(personas, catalogue):
    visit = services.plan_visit(by=personas.npm_monitor, facility=personas.colony,
                                planned_on=timezone.localdate() - dt.timedelta(days=3))
    services.record_arrival(visit=visit, by=personas.npm_monitor, at=timezone.now() - dt.timedelta(hours=3))
    services.record_access(visit=visit, by=personas.npm_monitor, outcome=AccessOutcome.DELAYED, delay_minutes=90)
    Visit.objects.filter(pk=visit.pk).update(status=VisitStatus.COMPLETED)
    [suggestion] = [s for s in risk.suggest(facilities_for(personas.npm_monitor)) if s.facility == personas.colony]
    factors = {factor.key: contribution for factor, contribution in suggestion.factors}
    assert "access_obstructed" in factors
    assert "last_visit" not in factors  # visited three days ago: no points


def test_other_apps_add_factors_without_changing_the_visits_app(personas, catalogue):
    @risk.factor("complaints_silent", "Silent complaint terminal")
    def silent(facilities, today):
        return {personas.special_school.pk: risk.Contribution(50, "No complaint in 90 days.")}

    try:
        ranked = risk.suggest(facilities_for(personas.npm_monitor))
        assert ranked[0].facility == personas.special_school
        assert ranked[0].factors[0][1].reason == "No complaint in 90 days."
        assert "complaints_silent" not in {f.key for s in risk.suggest(facilities_for(personas.npm_monitor),
                                                                        only=["overcrowding"]) for f, _c in s.factors}
    finally:
        risk._REGISTRY.pop("complaints_silent")


def test_an_upload_that_fails_after_the_file_is_written_leaves_no_file_and_no_record(arrived, personas, settings):
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    with armed("visits:evidence:file_written", raise_fault("visits:evidence:file_written")), \
            pytest.raises(FaultInjected):
        services.add_evidence(visit=arrived, by=personas.npm_monitor, upload=out.getvalue())
    assert not Evidence.objects.exists()
    root = settings.VISITS_EVIDENCE_ROOT
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))
