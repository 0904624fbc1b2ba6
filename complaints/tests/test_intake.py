"""Packets from a terminal: what is taken, what is refused (with which alarm), and that nothing half-written remains."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from complaints.conftest import PACKET_URL
from complaints.models import AlarmKind, Complaint, ComplaintMessage, TerminalAlarm, TerminalRecord
from custodywatch_protocol import terminal as protocol
from ledger import interface as ledger

pytestmark = pytest.mark.django_db


def _alarms():
    return sorted(TerminalAlarm.objects.values_list("kind", flat=True))


def test_a_complaint_is_stored_sealed_and_acknowledged_with_a_proof_of_its_ledger_entry(sim, post, personas):
    blob = secrets.token_bytes(3000)
    pending = sim.complaint(blob, recipients=("npm", "prosecutor"), priority="urgent")
    step = sim.step(post)
    assert step.error == ""
    complaint = Complaint.objects.get()
    assert bytes(complaint.sealed) == blob
    assert complaint.sealed_sha256 == hashlib.sha256(blob).hexdigest()
    assert sorted(complaint.recipients.values_list("code", flat=True)) == ["npm", "prosecutor"]
    assert (complaint.facility, complaint.priority, complaint.terminal_seq) == (personas.colony, "urgent", 1)
    index = ledger.index_of(kind="complaint:receipt", subject=f"complaints.complaint:{complaint.pk}")
    assert step.ack.ledger.index == index
    assert sim.acked == {1: index}
    assert not sim.pending
    assert step.response.routing is not None
    assert pending.record.seq == 1


def test_sending_the_same_record_again_gives_the_same_acknowledgement_and_no_duplicate(sim, post):
    pending = sim.complaint(b"sealed" * 50)
    first = sim.step(post)
    sim.pending.append(pending)  # as if the answer had been lost
    again = sim.step(post)
    assert again.ack.ledger.index == first.ack.ledger.index
    assert Complaint.objects.count() == 1
    assert TerminalRecord.objects.count() == 1
    assert _alarms() == []


def test_a_large_sealed_blob_travels_in_chunks_and_is_stored_whole(sim, post):
    blob = secrets.token_bytes(3 * protocol.CHUNK_SIZE + 17)
    sim.complaint(blob)
    steps = sim.drain(post)
    assert [s.sent for s in steps] == ["chunk"] * 4 + ["complaint"]
    assert bytes(Complaint.objects.get().sealed) == blob


def test_a_forged_record_is_refused_with_a_bad_signature_alarm_and_nothing_written(sim, post):
    genuine = sim.device
    sim.device = Ed25519PrivateKey.generate()
    sim.complaint(b"forged by the facility")
    step = sim.step(post)
    assert step.error == "bad_signature"
    assert Complaint.objects.count() == TerminalRecord.objects.count() == 0
    assert _alarms() == [AlarmKind.BAD_SIGNATURE]
    sim.device = genuine


def test_a_replayed_packet_raises_a_replay_alarm_and_changes_nothing(sim, post):
    sim.complaint(b"one")
    packet, key, _, _ = sim.next_packet()
    assert protocol.open_response(post(packet), key).ack is not None
    assert protocol.open_response(post(packet), key).refused["code"] == "replay"
    assert Complaint.objects.count() == 1
    assert _alarms() == [AlarmKind.REPLAY]
    post(packet)
    assert TerminalAlarm.objects.get().evidence["count"] == 2  # counted on the open alarm


def test_a_gap_in_the_numbers_raises_an_alarm_and_the_later_complaint_is_still_taken(sim, post):
    sim.complaint(b"first")
    sim.step(post)
    sim.seq += 3  # three records vanished from the terminal's outbox
    sim.complaint(b"after the gap")
    assert sim.step(post).ack is not None
    assert Complaint.objects.count() == 2
    alarm = TerminalAlarm.objects.get()
    assert (alarm.kind, alarm.evidence["expected"], alarm.evidence["got"]) == (AlarmKind.SEQUENCE_GAP, 2, 5)


def test_two_signed_records_with_one_number_raise_a_fork_alarm_keeping_both_as_proof(sim, post):
    sim.complaint(b"the real complaint")
    sim.step(post)
    sim.seq, sim.prev = 0, protocol.ZERO_HASH
    sim.complaint(b"a replacement")
    assert sim.step(post).error == "fork"
    assert Complaint.objects.count() == 1
    alarm = TerminalAlarm.objects.get(kind=AlarmKind.FORK)
    device = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sim.device_public))
    records = [protocol.parse_signed_record(base64.b64decode(alarm.evidence[k])) for k in ("first", "second")]
    for record in records:
        record.verify(device)  # anyone with the device's public key can check both
    assert records[0].seq == records[1].seq
    assert records[0].hash != records[1].hash


def test_a_ciphertext_that_does_not_match_its_signed_hash_raises_an_alarm_and_is_refused(sim, post):
    pending = sim.complaint(b"what was signed")
    pending.blob = b"what was sent!!"
    assert sim.step(post).error == "ciphertext_mismatch"
    assert Complaint.objects.count() == TerminalRecord.objects.count() == 0
    assert _alarms() == [AlarmKind.CIPHERTEXT_MISMATCH]


@pytest.mark.parametrize(("body", "status", "field"), [
    (b"x" * (protocol.PACKET_SIZE + 1), 400, "packet"),
    (b"", 400, "packet"),
    (b"GET " + bytes(protocol.PACKET_SIZE - 4), 400, "packet"),
    (b"CWT1" + bytes(protocol.PACKET_SIZE - 4), 403, "terminal"),
])
def test_oversized_malformed_or_unknown_packets_get_a_clear_4xx_and_nothing_is_written(sim, client, body, status,
                                                                                        field):
    response = client.post(PACKET_URL, data=body, content_type="application/octet-stream")
    assert response.status_code == status
    assert response.json()["field"] == field
    assert Complaint.objects.count() == TerminalRecord.objects.count() == 0


def test_an_altered_packet_is_refused_and_raises_an_alarm_for_its_terminal(sim, client):
    sim.complaint(b"complaint")
    packet = bytearray(sim.next_packet()[0])
    packet[1000] ^= 0xFF
    response = client.post(PACKET_URL, data=bytes(packet), content_type="application/octet-stream")
    assert response.status_code == 400
    assert response.json()["field"] == "packet"
    assert _alarms() == [AlarmKind.BAD_SIGNATURE]
    assert Complaint.objects.count() == 0


def test_a_locator_already_taken_is_refused_so_the_terminal_can_draw_another(sim, post):
    sim.complaint(b"one", locator="11112222")
    sim.step(post)
    sim.complaint(b"two", locator="11112222")
    assert sim.step(post).error == "locator_taken"
    sim.pending.clear()
    sim.seq, sim.prev = 1, TerminalRecord.objects.get().record_hash
    sim.complaint(b"two", locator="33334444")
    assert sim.step(post).ack is not None


def test_recipients_outside_the_routing_list_are_refused(sim, post):
    sim.complaint(b"one", recipients=("prosecutor",))
    assert sim.step(post).error == "bad_recipients"
    assert Complaint.objects.count() == 0


def test_a_receipt_reads_the_thread_and_adds_a_message_and_a_wrong_one_changes_nothing(sim, post):
    token = secrets.token_bytes(32)
    sim.complaint(b"complaint", locator="55556666", token=token)
    sim.step(post)
    salt = sim.lookup("55556666").record and sim.step(post).ack.lookup
    assert salt["salt"] == bytes(Complaint.objects.get().lookup_salt).hex()
    unknown = (sim.lookup("99998888"), sim.step(post))[1].ack.lookup
    assert unknown["status"] == "ok"
    assert unknown["salt"]  # a decoy: the salt step does not tell which locators exist
    sim.lookup("55556666", step="thread", token=token)
    thread = sim.step(post).ack.lookup
    assert (thread["status"], thread["complaint_status"], thread["count"]) == ("ok", "received", 0)
    sim.lookup("55556666", step="thread", token=secrets.token_bytes(32))
    assert sim.step(post).ack.lookup["status"] == "wrong_receipt"
    sim.message("55556666", b"sealed follow-up", token=token)
    assert sim.step(post).ack.message == {"status": "ok"}
    sim.message("55556666", b"sealed by a guesser", token=secrets.token_bytes(32))
    step = sim.step(post)
    assert (step.ack.message, step.ack.ledger) == ({"status": "wrong_receipt"}, None)
    assert ComplaintMessage.objects.count() == 1


def test_guessing_receipts_is_rate_limited_per_locator(sim, post, settings):
    settings.COMPLAINT_LOOKUP_FAILURES_PER_LOCATOR = 3
    token = secrets.token_bytes(32)
    sim.complaint(b"complaint", locator="12121212", token=token)
    sim.step(post)
    answers = []
    for _ in range(4):
        sim.lookup("12121212", step="thread", token=secrets.token_bytes(32))
        answers.append(sim.step(post).ack.lookup["status"])
    sim.lookup("12121212", step="thread", token=token)
    answers.append(sim.step(post).ack.lookup["status"])
    assert answers == ["wrong_receipt"] * 3 + ["rate_limited", "rate_limited"]


def test_heartbeats_keep_the_chain_and_the_last_seen_time(sim, post):
    sim.heartbeat()
    assert sim.step(post).ack is not None
    record = TerminalRecord.objects.get()
    terminal = record.terminal
    assert (record.kind, terminal.last_seq, terminal.last_record_hash) == ("heartbeat", 1, record.record_hash)
    assert record.terminal.last_seen_at is not None
    assert json.loads(bytes(record.signed)[:-64])["kind"] == "heartbeat"
