"""The officers' services: the state machine, assignment, replies and notes, registration."""

from __future__ import annotations

import pyrage
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.models import Channel, ComplaintEvent, ComplaintStatus, EventKind, Statement
from complaints.services import handling, registration, sealing
from complaints.services.events import subject_of
from custodywatch_terminal import receipts
from custodywatch_terminal.sealing import parse_plaintext
from ledger import interface as ledger

pytestmark = pytest.mark.django_db
S = ComplaintStatus


def logged(event: ComplaintEvent) -> bool:
    kind = "complaint:access" if event.kind in (EventKind.OPENED, EventKind.IDENTITY_SHOWN) else "complaint:handling"
    return subject_of(event) in ledger.indices_of(kind=kind, subjects=[subject_of(event)])


def test_the_happy_path_through_the_state_machine_is_audited_and_logged(workspace):
    officer = workspace.personas.npm_monitor
    complaint = workspace.complaint()
    for to in (S.ACKNOWLEDGED, S.UNDER_REVIEW, S.VISIT_REQUESTED, S.REFERRED_TO_PROSECUTOR, S.RESOLVED):
        complaint = handling.change_status(complaint=complaint, to=to, by=officer)
    assert complaint.status == S.RESOLVED
    changes = list(ComplaintEvent.objects.filter(kind=EventKind.STATUS_CHANGED).order_by("pk"))
    assert [(e.from_status, e.to_status) for e in changes] == [
        ("received", "acknowledged"), ("acknowledged", "under_review"), ("under_review", "visit_requested"),
        ("visit_requested", "referred_to_prosecutor"), ("referred_to_prosecutor", "resolved")]
    assert all(logged(e) for e in changes)
    assert complaint.handling.acknowledged_at is not None
    assert complaint.handling.closed_at is not None


def test_a_refused_transition_says_which_ones_are_possible_and_changes_nothing(workspace):
    complaint = workspace.complaint()
    with pytest.raises(handling.TransitionRefused) as refused:
        handling.change_status(complaint=complaint, to=S.RESOLVED, by=workspace.personas.npm_monitor)
    message = " ".join(refused.value.messages)
    assert "Received" in message
    assert "Acknowledged" in message
    assert "Rejected" in message
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED
    assert not ComplaintEvent.objects.filter(kind=EventKind.STATUS_CHANGED).exists()


def test_a_rejection_needs_a_reason_and_closes_the_complaint(workspace):
    officer = workspace.personas.npm_monitor
    complaint = workspace.complaint()
    with pytest.raises(handling.TransitionRefused) as refused:
        handling.change_status(complaint=complaint, to=S.REJECTED, by=officer)
    assert "reason" in refused.value.message_dict
    complaint = handling.change_status(complaint=complaint, to=S.REJECTED, by=officer, reason="duplicate")
    assert complaint.handling.rejection_reason == "duplicate"
    with pytest.raises(handling.TransitionRefused):
        handling.change_status(complaint=complaint, to=S.UNDER_REVIEW, by=officer)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(S.values), max_size=6))
def test_any_sequence_of_requests_only_ever_follows_the_state_machine(workspace, steps):
    officer = workspace.personas.npm_monitor
    complaint = workspace.complaint()
    accepted = 0
    for to in steps:
        before = complaint.status
        try:
            complaint = handling.change_status(complaint=complaint, to=to, by=officer, reason="other")
        except handling.TransitionRefused:
            complaint.refresh_from_db()
            assert complaint.status == before
        else:
            assert to in handling.TRANSITIONS[before]
            accepted += 1
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.STATUS_CHANGED).count() == accepted


def test_only_someone_who_may_handle_the_complaint_can_be_assigned(workspace):
    officer = workspace.personas.npm_monitor
    complaint = workspace.complaint()
    handling.assign(complaint=complaint, to=workspace.personas.analyst, by=officer)
    complaint.refresh_from_db()
    assert complaint.assigned_to == workspace.personas.analyst
    for stranger in (workspace.personas.prosecutor, workspace.personas.facility_officer):
        with pytest.raises(ValidationError):
            handling.assign(complaint=complaint, to=stranger, by=officer)
    assert set(handling.assignable(complaint)) == {workspace.personas.npm_monitor, workspace.personas.analyst}


def test_a_reply_opens_with_the_receipt_and_the_bodies_a_note_only_with_the_bodies(workspace, settings):
    recovery = pyrage.x25519.Identity.generate()
    settings.COMPLAINT_RECOVERY_PUBLIC_KEY = str(recovery.to_public())
    from complaints.workspace_testing import make_complaint

    complaint, secret = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm],
                                       with_receipt=True)
    reply_identity = receipts.derive(secret, bytes(complaint.lookup_salt)).reply_identity
    officer = workspace.personas.npm_monitor
    reply = handling.send_reply(complaint=complaint, by=officer, text="We visit on Monday.")
    note = handling.add_note(complaint=complaint, by=officer, text="Ask the doctor first.")

    # The terminal reads the reply with the identity its receipt derives, in its own format.
    read = parse_plaintext(pyrage.decrypt(bytes(reply.sealed), [reply_identity]))
    assert (read.text, read.by_organisation) == ("We visit on Monday.", "npm")
    for identity in (workspace.npm_identity, recovery):
        assert sealing.open_sealed(reply.sealed, [identity])["text"] == "We visit on Monday."
        assert sealing.open_sealed(note.sealed, [identity])["text"] == "Ask the doctor first."
    with pytest.raises(sealing.CannotOpen):
        sealing.open_sealed(note.sealed, [reply_identity])
    with pytest.raises(sealing.CannotOpen):
        sealing.open_sealed(reply.sealed, [workspace.prosecutor_identity])
    assert b"Monday" not in bytes(reply.sealed)
    assert [e.kind for e in ComplaintEvent.objects.order_by("pk")] == [EventKind.REPLY_SENT, EventKind.NOTE_ADDED]


def test_a_reply_without_a_receipt_or_with_bad_text_is_refused_and_nothing_is_written(workspace):
    officer = workspace.personas.npm_monitor
    complaint = workspace.complaint()
    with pytest.raises(ValidationError) as refused:
        handling.send_reply(complaint=complaint, by=officer, text="Hello")
    assert "receipt" in " ".join(refused.value.messages)
    for text in ("", "   ", "a\x00b", "x" * (sealing.MAX_TEXT + 1)):
        with pytest.raises(ValidationError):
            handling.add_note(complaint=complaint, by=officer, text=text)
    assert not Statement.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_opening_logs_an_access_and_records_the_officers_classification(workspace):
    complaint = workspace.complaint(category="health", name="Ivan Petrov")
    officer = workspace.personas.npm_monitor
    opened = handling.open_complaint(complaint=complaint, by=officer, identities=[workspace.npm_identity])
    assert opened.named
    assert opened.document["text"] == "The cell is cold."
    complaint.refresh_from_db()
    assert complaint.handling.category == "health"
    name = handling.show_identity(complaint=complaint, by=officer, identities=[workspace.npm_identity])
    assert name == "Ivan Petrov"
    kinds = list(ComplaintEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [EventKind.OPENED, EventKind.CLASSIFIED, EventKind.IDENTITY_SHOWN]
    assert all(logged(e) for e in ComplaintEvent.objects.all())
    # The ledger records hold no content.
    for event in ComplaintEvent.objects.all():
        assert "Ivan" not in str(event.detail)
    with pytest.raises(sealing.CannotOpen):
        handling.open_complaint(complaint=complaint, by=officer, identities=[workspace.prosecutor_identity])


def test_a_registered_letter_is_sealed_like_a_terminal_complaint_and_gets_a_working_receipt(workspace):
    officer = workspace.personas.npm_monitor
    registered = registration.register_complaint(
        by=officer, facility=workspace.personas.colony, channel=Channel.LETTER, category="torture",
        text="They beat me on 2 May.", anonymous=False, name="Aigul S.", with_receipt=True, language="kk")
    complaint = registered.complaint
    assert complaint.channel == Channel.LETTER
    assert complaint.priority == "urgent"  # torture
    assert set(complaint.recipients.values_list("kind", flat=True)) == {"npm", "prosecutor"}
    assert b"beat me on" not in bytes(complaint.sealed)
    document = parse_plaintext(pyrage.decrypt(bytes(complaint.sealed), [workspace.prosecutor_identity]))
    assert (document.text, document.name, document.language) == ("They beat me on 2 May.", "Aigul S.", "kk")
    code = receipts.parse(registered.receipt_code)
    assert code.locator == complaint.locator
    derived = receipts.derive(code.secret, bytes(complaint.lookup_salt))
    assert derived.lookup_digest == complaint.lookup_digest
    assert derived.reply_recipient == complaint.reply_recipient
    assert complaint.acknowledge_by is not None
    assert ledger.indices_of(kind="complaint:receipt", subjects=[f"complaints.complaint:{complaint.pk}"])


def test_registration_refuses_a_facility_outside_the_mandate_and_bad_fields(workspace):
    ombudsman = workspace.personas.ombudsman_monitor
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        registration.register_complaint(by=ombudsman, facility=workspace.personas.colony, channel=Channel.VISIT,
                                        category="health", text="Text")
    officer = workspace.personas.npm_monitor
    for bad in ({"category": "dungeon"}, {"text": ""}, {"channel": "terminal"}, {"anonymous": False, "name": ""}):
        fields = {"category": "health", "text": "Text", "channel": Channel.VISIT, **bad}
        with pytest.raises(ValidationError):
            registration.register_complaint(by=officer, facility=workspace.personas.colony, **fields)
    assert not ComplaintEvent.objects.exists()
