"""The visit services: what a monitor records is stored once, checked, sealed and audited."""

from __future__ import annotations

import datetime as dt
import uuid

import pyrage
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from facilities.models import ReportSource
from visits import services
from visits.models import (
    AccessOutcome,
    Answer,
    AnswerConflict,
    Compliance,
    Interview,
    NotesState,
    Visit,
    VisitAction,
    VisitStatus,
)


def test_a_visit_is_planned_once_whatever_the_number_of_uploads(personas, catalogue):
    device = uuid.uuid4()
    first = services.plan_visit(by=personas.npm_monitor, facility=personas.colony, planned_on=timezone.localdate(),
                                team=[personas.pmc_member], device_id=device)
    again = services.plan_visit(by=personas.npm_monitor, facility=personas.colony, planned_on=timezone.localdate(),
                                device_id=device)
    assert first.pk == again.pk
    assert Visit.objects.count() == 1
    assert {m.user_id for m in first.team.all()} == {personas.npm_monitor.pk, personas.pmc_member.pk}
    assert first.team.get(leads=True).user == personas.npm_monitor
    assert first.catalogue == catalogue
    assert first.events.filter(action=VisitAction.PLANNED).count() == 1


def test_planning_refuses_a_team_member_without_a_mandate_over_the_facility(personas, catalogue):
    # The Almaty commission has no mandate over a Karaganda colony.
    with pytest.raises(ValidationError) as refused:
        services.plan_visit(by=personas.npm_monitor, facility=personas.other_colony,
                            planned_on=timezone.localdate(), team=[personas.pmc_member])
    assert "team" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.plan_visit(by=personas.facility_officer, facility=personas.colony, planned_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.plan_visit(by=personas.pmc_member, facility=personas.other_colony, planned_on=timezone.localdate())
    assert not Visit.objects.exists()


def test_access_refused_is_kept_for_the_findings_and_needs_details(visit, personas):
    with pytest.raises(ValidationError) as refused:
        services.record_access(visit=visit, by=personas.npm_monitor, outcome=AccessOutcome.REFUSED)
    assert "access_details" in refused.value.message_dict
    with pytest.raises(ValidationError) as delayed:
        services.record_access(visit=visit, by=personas.npm_monitor, outcome=AccessOutcome.DELAYED)
    assert "access_delay_minutes" in delayed.value.message_dict
    services.record_access(visit=visit, by=personas.npm_monitor, outcome=AccessOutcome.PARTLY_REFUSED,
                           details="The isolation block was not opened; the deputy head cited security.")
    visit.refresh_from_db()
    assert visit.access_obstructed
    assert Visit.objects.filter(access__in=AccessOutcome.obstructed()).get() == visit
    assert visit.status == VisitStatus.IN_PROGRESS


def test_answers_are_checked_against_the_threshold_as_typed(arrived, personas):
    saved = services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-01", value="3,5")
    assert saved.answer.compliance == Compliance.NOT_MET
    assert saved.answer.value == "3.5"
    # Occupancy is a rate that may pass 1; a share may not.
    over = services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-04", value="1.2")
    assert over.answer.compliance == Compliance.NOT_MET
    with pytest.raises(ValidationError) as refused:
        services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="ADM-02", value="1.2")
    assert refused.value.message_dict["value"] == ["A share is between 0 and 1 (for 85%, enter 0.85)."]
    with pytest.raises(ValidationError) as refused:
        services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SEP-01", value="-1")
    assert refused.value.message_dict["value"] == ["A count cannot be negative."]
    with pytest.raises(ValidationError) as refused:
        services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="ADM-07", value="yes")
    assert "indicator" in refused.value.message_dict  # a crisis-centre question, not on a colony's checklist
    assert Answer.objects.count() == 2


def test_conflicting_edits_are_kept_side_by_side(arrived, personas):
    first = services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-09", value="yes")
    edit = uuid.uuid4()
    mine = services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-09", value="no",
                                base_version=1, device_id=edit)
    theirs = services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-09", value="yes",
                                  note="Water only at meal times? No: tap in every cell.", base_version=1)
    assert mine.outcome == services.Outcome.SAVED
    assert mine.answer.version == 2
    assert theirs.outcome == services.Outcome.CONFLICT
    answer = Answer.objects.get()
    assert answer.value is False
    assert answer.version == 2
    assert AnswerConflict.objects.get().value is True
    # The same upload again changes nothing.
    replay = services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-09", value="no",
                                  base_version=1, device_id=edit)
    assert replay.outcome == services.Outcome.DUPLICATE
    assert answer.revisions.count() == 2
    assert first.answer.pk == answer.pk
    services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-09", value="yes", base_version=2)
    assert not AnswerConflict.objects.filter(resolved_at__isnull=True).exists()


def test_interview_notes_are_sealed_to_the_visiting_body(arrived, personas):
    identity = pyrage.x25519.Identity.generate()
    services.register_sealing_key(organisation=personas.npm_monitor.organisation,
                                  recipient=str(identity.to_public()))
    interview = services.record_interview(visit=arrived, by=personas.npm_monitor, label="P-01",
                                          notes="Beaten in the corridor on 3 May.")
    stored = Interview.objects.get(pk=interview.pk)
    assert stored.notes_state == NotesState.SEALED
    assert b"Beaten" not in bytes(stored.sealed_notes)
    assert pyrage.decrypt(bytes(stored.sealed_notes), [identity]).decode() == "Beaten in the corridor on 3 May."
    with pytest.raises(ValidationError) as refused:
        services.record_interview(visit=arrived, by=personas.npm_monitor, label="Aidos Serikov")
    assert "label" in refused.value.message_dict


def test_without_a_key_interview_notes_are_not_stored(arrived, personas):
    interview = services.record_interview(visit=arrived, by=personas.npm_monitor, label="P-02", notes="secret")
    interview.refresh_from_db()
    assert interview.notes_state == NotesState.WITHHELD
    assert bytes(interview.sealed_notes) == b""


def test_counts_verified_on_the_spot_become_the_registrys_verified_count(arrived, personas):
    snapshot = services.record_verified_counts(visit=arrived, by=personas.npm_monitor, date=timezone.localdate(),
                                               counts={"total": 812, "minors": 0})
    assert snapshot.source == ReportSource.VERIFIED
    assert snapshot.reporter == personas.npm_monitor.organisation
    personas.colony.refresh_from_db()
    assert personas.colony.latest_snapshot_id == snapshot.pk
    arrived.refresh_from_db()
    assert arrived.verified_snapshot == snapshot


def test_a_completed_visit_can_no_longer_change(arrived, personas):
    with pytest.raises(ValidationError):
        services.complete_visit(visit=arrived, by=personas.npm_monitor)
    services.record_access(visit=arrived, by=personas.npm_monitor, outcome=AccessOutcome.GRANTED)
    services.record_departure(visit=arrived, by=personas.npm_monitor, at=timezone.now())
    services.complete_visit(visit=arrived, by=personas.npm_monitor)
    arrived.refresh_from_db()
    with pytest.raises(ValidationError):
        services.save_answer(visit=arrived, by=personas.npm_monitor, indicator="SPACE-09", value="yes")


def test_only_the_team_records(arrived, personas):
    for outsider in (personas.prosecutor, personas.facility_officer, personas.analyst):
        with pytest.raises(PermissionDenied):
            services.save_answer(visit=arrived, by=outsider, indicator="SPACE-09", value="yes")
    with pytest.raises(ValidationError):
        services.record_departure(visit=arrived, by=personas.npm_monitor,
                                  at=arrived.arrived_at - dt.timedelta(minutes=5))
