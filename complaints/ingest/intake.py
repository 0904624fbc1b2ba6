"""Taking a terminal's packet: check it, store what it carries, answer with a signed acknowledgement.

``receive_packet`` is the one entry point (the API endpoint and the tests call it). Per packet,
inside one transaction holding the terminal's row:

1. the packet must decrypt (else a ``bad_signature`` alarm: altered in transit or forged) and its
   record or chunk must verify with the terminal's device key (else ``bad_signature``);
2. its packet counter must be above the last one taken (else ``replay``: the network repeated a
   packet; the terminal itself re-sends a record in a fresh packet);
3. a chunk is stored until its blob is whole; a record is taken into the terminal's chain:
   the next number (a jump raises ``sequence_gap`` and is taken: a gap must not block the
   complaints behind it), a number already taken with the same hash is a re-send (the same
   acknowledgement again, nothing written), with another hash a ``fork`` (both signed records
   kept as evidence; refused), a ``prev`` that is not the hash of the record held before it
   a ``fork`` as well (taken). A blob whose hash is not the signed one raises
   ``ciphertext_mismatch`` and is refused.
4. a complaint becomes a ``Complaint`` (ciphertext and routing metadata only) and a
   ``complaint:receipt`` ledger entry committing to ``receipt_record`` (terminal, seq, record hash,
   blob hash: nothing that names a person), in the same transaction.

After the commit the answer waits for the entry's ledger index and proves its inclusion at the
log's head. A refused record does not enter the chain; the terminal may correct and re-sign it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.alarms import raise_alarm
from complaints.ingest import keys, lookups, pruning
from complaints.ingest.routing import current_routing_list
from complaints.models import (
    AlarmKind,
    Channel,
    Complaint,
    ComplaintMessage,
    PacketChunk,
    RoutingList,
    Terminal,
    TerminalRecord,
)
from complaints.models.recipient import seal_to
from custodywatch_protocol import terminal as protocol
from ledger import interface as ledger

logger = logging.getLogger("complaints.intake")

RECEIPT = protocol.RECEIPT_KIND
ACK_WAIT_SECONDS = 5.0
MAX_PENDING_CHUNKS = 2 * protocol.MAX_CHUNKS


class IntakeError(Exception):
    """A packet answered in the clear with a 4xx: it could not be tied to a registered terminal."""

    def __init__(self, field: str, error: str, status: int = 400) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error
        self.status = status


class _Refused(Exception):
    def __init__(self, field: str, error: str, code: str, chunk: dict | None = None) -> None:
        super().__init__(f"{field}: {error}")
        self.refused = {"field": field, "error": error, "code": code}
        self.chunk = chunk


@dataclass
class _Taken:
    record: protocol.SignedRecord
    stored: TerminalRecord
    recorded: ledger.Recorded | None = None
    lookup: dict | None = None
    message: dict | None = None


def receive_packet(packet: bytes, *, now: datetime | None = None) -> bytes:
    """The encrypted, fixed-size answer to one packet; ``IntakeError`` if it is not from a known terminal."""
    now = now or timezone.now()
    try:
        terminal_id = protocol.packet_terminal(packet)
    except protocol.ProtocolError as exc:
        raise IntakeError(exc.field, exc.error) from None
    terminal = Terminal.objects.select_related("facility").filter(pk=terminal_id).first()
    if terminal is None or not terminal.active:
        raise IntakeError("terminal", "not a registered, active terminal", status=403)
    try:
        opened = protocol.open_packet(packet, server_key=keys.transport_key())
    except protocol.ProtocolError as exc:
        if exc.code == "undecryptable":
            raise_alarm(kind=AlarmKind.BAD_SIGNATURE, facility=terminal.facility, terminal=terminal, now=now,
                        key="undecryptable", evidence={"error": exc.error,
                                                       "packet_sha256": hashlib.sha256(packet).hexdigest()})
        raise IntakeError(exc.field, exc.error) from None
    answer_key = protocol.response_key(
        opened, server_key=keys.transport_key(),
        transport_public=X25519PublicKey.from_public_bytes(bytes.fromhex(terminal.transport_public_key)),
    )
    return protocol.seal_response(_handle(terminal, opened, now), answer_key)


def _evidence(item: protocol.SignedRecord | protocol.SignedChunk) -> str:
    return protocol.b64(item.body + item.signature)


def _handle(terminal: Terminal, opened: protocol.Packet, now: datetime) -> protocol.Response:
    item = opened.item
    device = Ed25519PublicKey.from_public_bytes(bytes.fromhex(terminal.device_public_key))
    taken: _Taken | None = None
    chunk_answer: dict | None = None
    refused: dict | None = None
    with transaction.atomic():
        terminal = Terminal.objects.select_for_update().select_related("facility").get(pk=terminal.pk)
        try:
            if isinstance(item, protocol.SignedChunk):
                item.verify(device, opened.data)
            else:
                item.verify(device)
        except protocol.ProtocolError as exc:
            kind = AlarmKind.BAD_SIGNATURE if exc.code == "bad_signature" else AlarmKind.CIPHERTEXT_MISMATCH
            raise_alarm(kind=kind, facility=terminal.facility, terminal=terminal, now=now, key=exc.code,
                        evidence={"error": exc.error, "signed": _evidence(item)})
            return _response(terminal, refused={"field": exc.field, "error": exc.error, "code": exc.code})
        if opened.tx <= terminal.last_tx:
            raise_alarm(kind=AlarmKind.REPLAY, facility=terminal.facility, terminal=terminal, now=now, key="replay",
                        evidence={"tx": opened.tx, "last_tx": terminal.last_tx,
                                  "seq": getattr(item, "seq", None), "packet": opened.packet_id})
            return _response(terminal, refused={"field": "tx", "error": "this packet was taken before",
                                                "code": "replay"})
        terminal.last_tx, terminal.last_seen_at = opened.tx, now
        alarms: list[dict] = []
        try:
            with transaction.atomic():  # a refused record leaves nothing behind but its alarms
                if isinstance(item, protocol.SignedChunk):
                    chunk_answer = _take_chunk(terminal, item, opened.data, now)
                else:
                    taken = _take_record(terminal, opened, item, now, alarms)
        except _Refused as exc:
            refused, chunk_answer = exc.refused, exc.chunk
            if exc.refused["code"] == "ciphertext_mismatch":
                PacketChunk.objects.filter(terminal=terminal, blob_sha256=item.blob.sha256).delete()
                alarms.append({"kind": AlarmKind.CIPHERTEXT_MISMATCH, "key": f"blob:{item.blob.sha256}",
                               "evidence": {"seq": item.seq, "signed": _evidence(item)}})
        for alarm in alarms:
            raise_alarm(facility=terminal.facility, terminal=terminal, now=now, **alarm)
        terminal.save(update_fields=["last_tx", "last_seen_at", "last_seq", "last_record_hash"])
    if taken is None:
        return _response(terminal, refused=refused, chunk=chunk_answer)
    return _response(terminal, ack=_ack(taken))


def _response(terminal: Terminal, **fields: Any) -> protocol.Response:
    routing = current_routing_list()
    pair = None if routing is None else (bytes(routing.body), bytes(routing.signature))
    return protocol.Response(next_seq=terminal.last_seq + 1, routing=pair, **fields)


# ---------------------------------------------------------------------------------------------
# Chunks


def _take_chunk(terminal: Terminal, chunk: protocol.SignedChunk, piece: bytes, now: datetime) -> dict:
    held = PacketChunk.objects.filter(terminal=terminal)
    have = list(held.filter(blob_sha256=chunk.blob).values_list("index", "count"))
    if any(count != chunk.count for _, count in have):
        raise _Refused("count", "the chunks of this blob disagree on their number", "malformed")
    if chunk.index not in {i for i, _ in have}:
        if held.count() >= MAX_PENDING_CHUNKS:
            # A terminal sends one record at a time: chunks of other blobs were abandoned.
            held.exclude(blob_sha256=chunk.blob).delete()
        if held.count() >= MAX_PENDING_CHUNKS:
            raise _Refused("chunk", "too many chunks waiting for their records", "too_many_chunks")
        PacketChunk.objects.create(terminal=terminal, blob_sha256=chunk.blob, index=chunk.index, count=chunk.count,
                                   data=piece, received_at=now)
        have.append((chunk.index, chunk.count))
    missing = sorted(set(range(chunk.count)) - {i for i, _ in have})
    return {"blob": chunk.blob, "index": chunk.index, "missing": missing[:64]}


def _blob(terminal: Terminal, record: protocol.SignedRecord, data: bytes, now: datetime) -> bytes:
    blob = record.blob
    assert blob is not None
    if blob.chunks == 1:
        sealed = data
    else:
        if data:
            raise _Refused("data", "a chunked blob's record carries no data", "malformed")
        rows = dict(PacketChunk.objects.filter(terminal=terminal, blob_sha256=blob.sha256)
                    .values_list("index", "data"))
        missing = sorted(set(range(blob.chunks)) - set(rows))
        if missing:
            raise _Refused("blob", f"{len(missing)} chunks have not arrived", "missing_chunks",
                           chunk={"blob": blob.sha256, "index": None, "missing": missing[:64]})
        sealed = b"".join(bytes(rows[i]) for i in range(blob.chunks))
    if len(sealed) != blob.size or hashlib.sha256(sealed).hexdigest() != blob.sha256:
        raise _Refused("blob", "the ciphertext does not match the hash in the signed record", "ciphertext_mismatch")
    return sealed


# ---------------------------------------------------------------------------------------------
# Records


def _take_record(terminal: Terminal, opened: protocol.Packet, record: protocol.SignedRecord, now: datetime,
                 alarms: list[dict]) -> _Taken:
    expected = terminal.last_seq + 1
    if record.seq < expected:
        stored = TerminalRecord.objects.filter(terminal=terminal, seq=record.seq).first()
        if stored is not None and stored.record_hash == record.hash:
            return _again(terminal, opened, record, stored, now)
        if stored is not None:
            alarms.append({"kind": AlarmKind.FORK, "key": f"seq:{record.seq}",
                           "evidence": {"seq": record.seq, "first": protocol.b64(bytes(stored.signed)),
                                        "second": _evidence(record)}})
            raise _Refused("seq", f"another record numbered {record.seq} was taken before", "fork")
        if pruning.was_pruned(terminal=terminal, seq=record.seq):
            # A heartbeat took this number and was pruned; no honest terminal sends it again.
            alarms.append({"kind": AlarmKind.FORK, "key": f"seq:{record.seq}",
                           "evidence": {"seq": record.seq, "first": None, "first_kind": "heartbeat (pruned)",
                                        "second": _evidence(record)}})
            raise _Refused("seq", f"another record numbered {record.seq} was taken before", "fork")
        # A number skipped by an earlier gap arrives late: take it (it was delayed or held back).
        alarms.append({"kind": AlarmKind.SEQUENCE_GAP, "key": "late",
                       "evidence": {"late_seq": record.seq, "record_hash": record.hash, "last_seq": terminal.last_seq}})
        return _store(terminal, opened, record, now, advance=False)
    if record.seq > expected:
        alarms.append({"kind": AlarmKind.SEQUENCE_GAP, "key": f"gap:{expected}",
                       "evidence": {"expected": expected, "got": record.seq, "missing": record.seq - expected,
                                    "record": _evidence(record)}})
    elif terminal.last_record_hash and record.prev != terminal.last_record_hash:
        held = TerminalRecord.objects.filter(terminal=terminal, seq=record.seq - 1).first()
        alarms.append({"kind": AlarmKind.FORK, "key": f"chain:{record.seq}",
                       "evidence": {"seq": record.seq - 1, "held_hash": terminal.last_record_hash,
                                    "held": protocol.b64(bytes(held.signed)) if held else None,
                                    "claimed_prev": record.prev, "record": _evidence(record)}})
    return _store(terminal, opened, record, now, advance=True)


def _store(terminal: Terminal, opened: protocol.Packet, record: protocol.SignedRecord, now: datetime, *,
           advance: bool) -> _Taken:
    kind = record.kind
    stored = TerminalRecord(terminal=terminal, seq=record.seq, kind=kind, record_hash=record.hash,
                            signed=record.signed, received_at=now)
    taken = _Taken(record=record, stored=stored)
    if kind == "complaint":
        taken.recorded = _store_complaint(terminal, opened, record, stored, now)
    elif kind == "message":
        sealed = _blob(terminal, record, opened.data, now)
        stored.save()
        taken.message, taken.recorded = _store_message(terminal, opened, record, stored, sealed, now)
    elif kind == "lookup":
        stored.save()
        taken.lookup = _lookup(terminal, opened, record, now)
    else:
        stored.save()
    if advance:
        terminal.last_seq, terminal.last_record_hash = record.seq, record.hash
    return taken


def _again(terminal: Terminal, opened: protocol.Packet, record: protocol.SignedRecord, stored: TerminalRecord,
           now: datetime) -> _Taken:
    """The same record sent again: the same acknowledgement; a lookup or refused message is asked again."""
    taken = _Taken(record=record, stored=stored)
    if record.kind == "lookup":
        taken.lookup = _lookup(terminal, opened, record, now)
    elif record.kind == "message" and not stored.ledger_subject:
        sealed = _blob(terminal, record, opened.data, now)
        taken.message, taken.recorded = _store_message(terminal, opened, record, stored, sealed, now)
    elif record.kind == "message":
        taken.message = {"status": "ok"}
    return taken


def _routing_recipients(version: int) -> dict[str, str]:
    row = RoutingList.objects.filter(version=version).first()
    if row is None:
        raise _Refused("routing_version", f"no routing list version {version} was issued", "unknown_routing")
    return {r["organisation"]: r["kind"] for r in json.loads(bytes(row.body))["recipients"]}


def _store_complaint(terminal: Terminal, opened: protocol.Packet, record: protocol.SignedRecord,
                     stored: TerminalRecord, now: datetime) -> ledger.Recorded:
    from accounts.models import Organisation

    data = record.data
    listed = _routing_recipients(data["routing_version"])
    codes = data["recipients"]
    if not set(codes) <= set(listed) or "npm" not in {listed[c] for c in codes}:
        raise _Refused("recipients", "must be recipients of that routing list, the NPM among them", "bad_recipients")
    organisations = list(Organisation.objects.filter(code__in=codes))
    if len(organisations) != len(codes):
        raise _Refused("recipients", "an organisation of the routing list is not known here", "bad_recipients")
    sealed = _blob(terminal, record, opened.data, now)
    try:
        with transaction.atomic():  # two terminals may draw one locator at the same moment
            complaint = _create_complaint(terminal, record, sealed, now)
    except IntegrityError:
        if Complaint.objects.filter(locator=data["locator"]).exists():
            raise _Refused("locator", "this locator is taken: draw another and sign again", "locator_taken") from None
        raise
    seal_to(complaint, organisations)
    subject = f"complaints.complaint:{complaint.pk}"
    stored.complaint, stored.ledger_subject = complaint, subject
    stored.save()
    PacketChunk.objects.filter(terminal=terminal, blob_sha256=record.blob.sha256).delete()
    return ledger.record(kind=RECEIPT, scope=terminal.facility_id, subject=subject, now=now,
                         record=protocol.receipt_record(terminal=record.terminal, seq=record.seq,
                                                        record_hash=record.hash, blob_sha256=record.blob.sha256))


def _create_complaint(terminal: Terminal, record: protocol.SignedRecord, sealed: bytes, now: datetime) -> Complaint:
    data = record.data
    return Complaint.objects.create(
        facility=terminal.facility, channel=Channel.TERMINAL, terminal=terminal, terminal_seq=record.seq,
        sealed=sealed, sealed_sha256=record.blob.sha256, size_bucket=data["bucket"], priority=data["priority"],
        locator=data["locator"], lookup_salt=bytes.fromhex(data["lookup_salt"]), lookup_digest=data["lookup_digest"],
        reply_recipient=data["reply_recipient"], received_at=now, routing_version=data["routing_version"],
        acknowledge_by=_acknowledge_by(data["priority"], now),
    )


def _acknowledge_by(priority: str, now: datetime) -> datetime | None:
    try:  # the officers' workspace owns deadlines; without it the deadline job sets none
        from complaints.services.deadlines import acknowledge_by
    except ImportError:
        return None
    return acknowledge_by(priority=priority, received_at=now)


def _store_message(terminal: Terminal, opened: protocol.Packet, record: protocol.SignedRecord,
                   stored: TerminalRecord, sealed: bytes, now: datetime) -> tuple[dict, ledger.Recorded | None]:
    status, complaint = lookups.prove(terminal=terminal, locator=record.data["locator"], token=opened.secret, now=now)
    if complaint is None:
        return {"status": status}, None
    message = ComplaintMessage.objects.create(
        complaint=complaint, channel=Channel.TERMINAL, terminal=terminal, terminal_seq=record.seq, sealed=sealed,
        sealed_sha256=record.blob.sha256, size_bucket=record.data["bucket"], received_at=now,
    )
    subject = f"complaints.complaintmessage:{message.pk}"
    stored.ledger_subject = subject
    stored.save()
    PacketChunk.objects.filter(terminal=terminal, blob_sha256=record.blob.sha256).delete()
    recorded = ledger.record(kind=RECEIPT, scope=terminal.facility_id, subject=subject, now=now,
                             record=protocol.receipt_record(terminal=record.terminal, seq=record.seq,
                                                            record_hash=record.hash, blob_sha256=record.blob.sha256))
    return {"status": "ok"}, recorded


def _lookup(terminal: Terminal, opened: protocol.Packet, record: protocol.SignedRecord, now: datetime) -> dict:
    data = record.data
    if data["step"] == "salt":
        return lookups.salt_for(terminal=terminal, locator=data["locator"], now=now)
    status, complaint = lookups.prove(terminal=terminal, locator=data["locator"], token=opened.secret, now=now)
    if complaint is None:
        return lookups.refusal(status, "thread")
    return lookups.thread_page(complaint=complaint, item=data["item"], offset=data["offset"])


# ---------------------------------------------------------------------------------------------
# Acknowledgements


def _ack(taken: _Taken) -> tuple[bytes, bytes] | None:
    """The signed acknowledgement, or None while the ledger has not sequenced the entry (send again)."""
    proof = None
    subject = taken.stored.ledger_subject
    if subject:
        index = taken.recorded.index if taken.recorded is not None else None
        if index is None and taken.recorded is not None:
            try:
                index = ledger.wait_for_index(taken.recorded, timeout=ACK_WAIT_SECONDS)
            except (TimeoutError, ledger.SequencingError):
                index = None
        if index is None:
            index = ledger.index_of(kind=RECEIPT, subject=subject)
        inclusion = None if index is None else ledger.inclusion_at_head(index=index)
        opening = ledger.receipt_opening(kind=RECEIPT, subject=subject)
        if inclusion is None or opening is None:
            logger.info("Terminal record acknowledged later: its ledger entry is not sequenced yet")
            return None
        proof = protocol.LedgerProof(inclusion.index, inclusion.size, inclusion.root, inclusion.proof,
                                     inclusion.entry, opening.salt)
    return protocol.sign_ack(keys.ack_key(), record=taken.record, ledger=proof, lookup=taken.lookup,
                             message=taken.message)
