"""The terminal protocol: records, chunks, fixed-size packets, acknowledgements and routing lists."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_support import AGE, TERMINAL, Keys, complaint_fields, ledger_proof

from custodywatch_protocol import terminal as p

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys():
    return Keys()


def _outcome(fn, *args, **kwargs):
    """(result, None) or (None, the ProtocolError): parsers may refuse, but only precisely."""
    try:
        return fn(*args, **kwargs), None
    except p.ProtocolError as exc:
        return None, exc


def _send(keys, item, **kwargs):
    return p.seal_packet(item, tx=7, server_key=keys.server.public_key(), transport_key=keys.transport, **kwargs)


def test_a_complaint_travels_signed_and_sealed_and_opens_on_the_server(keys):
    blob = b"age ciphertext" * 100
    record = p.sign_record(keys.device, kind="complaint", terminal=TERMINAL, seq=1, prev=p.ZERO_HASH,
                           **complaint_fields(blob))
    packet, _ = _send(keys, record, data=blob)
    opened = p.open_packet(packet, server_key=keys.server)
    opened.item.verify(keys.device.public_key())
    assert (opened.terminal, opened.tx, opened.data, opened.item.hash) == (TERMINAL, 7, blob, record.hash)
    assert opened.item.blob == p.Blob.of(blob)
    assert blob not in packet
    assert b"complaint" not in packet


def test_every_packet_and_every_answer_has_the_same_size(keys):
    heartbeat = p.sign_record(keys.device, kind="heartbeat", terminal=TERMINAL, seq=2, prev="a" * 64,
                              at="2026-12-01T12:00:00Z", queued=0)
    blob = bytes(3 * p.CHUNK_SIZE - 5)
    pieces = p.split_blob(blob)
    chunk = p.sign_chunk(keys.device, terminal=TERMINAL, blob=p.Blob.of(blob).sha256, index=2, count=3,
                         piece=pieces[2])
    complaint = p.sign_record(keys.device, kind="complaint", terminal=TERMINAL, seq=3, prev="b" * 64,
                              **complaint_fields(blob))
    packets = [_send(keys, heartbeat)[0], _send(keys, chunk, data=pieces[2])[0], _send(keys, complaint)[0]]
    assert {len(x) for x in packets} == {p.PACKET_SIZE}
    assert [len(x) for x in pieces] == [p.CHUNK_SIZE, p.CHUNK_SIZE, p.CHUNK_SIZE - 5]
    _, key = _send(keys, heartbeat)
    small = p.seal_response(p.Response(next_seq=3), key)
    full = p.seal_response(p.Response(next_seq=3, ack=(b"x" * 2000, b"s" * 64), routing=(b"r" * 900, b"t" * 64)), key)
    assert len(small) == len(full) == p.RESPONSE_SIZE


def test_only_the_terminal_holding_its_transport_key_reads_the_answer(keys):
    record = p.sign_record(keys.device, kind="heartbeat", terminal=TERMINAL, seq=1, prev=p.ZERO_HASH,
                           at="2026-12-01T12:00:00Z", queued=3)
    packet, key = _send(keys, record)
    opened = p.open_packet(packet, server_key=keys.server)
    server_side = p.response_key(opened, server_key=keys.server, transport_public=keys.transport.public_key())
    answer = p.seal_response(p.Response(next_seq=2, refused={"field": "seq", "error": "x", "code": "gap"}), server_side)
    assert p.open_response(answer, key).refused["field"] == "seq"
    impostor = p.response_key(opened, server_key=keys.server,
                              transport_public=Keys().transport.public_key())
    with pytest.raises(p.ProtocolError, match="does not decrypt"):
        p.open_response(p.seal_response(p.Response(next_seq=2), impostor), key)


def test_an_altered_packet_does_not_open_and_a_forged_record_does_not_verify(keys):
    record = p.sign_record(keys.device, kind="heartbeat", terminal=TERMINAL, seq=1, prev=p.ZERO_HASH,
                           at="2026-12-01T12:00:00Z", queued=0)
    packet, _ = _send(keys, record)
    altered = bytearray(packet)
    altered[500] ^= 1
    with pytest.raises(p.ProtocolError) as raised:
        p.open_packet(bytes(altered), server_key=keys.server)
    assert raised.value.code == "undecryptable"
    forged = p.sign_record(Keys().device, kind="heartbeat", terminal=TERMINAL, seq=1, prev=p.ZERO_HASH,
                           at="2026-12-01T12:00:00Z", queued=0)
    opened = p.open_packet(_send(keys, forged)[0], server_key=keys.server)
    with pytest.raises(p.BadSignature):
        opened.item.verify(keys.device.public_key())
    with pytest.raises(p.ProtocolError, match="exactly 16384"):
        p.open_packet(packet[:-1], server_key=keys.server)


def test_a_chunk_whose_data_differs_from_its_signed_hash_is_refused(keys):
    chunk = p.sign_chunk(keys.device, terminal=TERMINAL, blob="c" * 64, index=0, count=2, piece=b"one")
    packet, _ = _send(keys, chunk, data=b"two")
    opened = p.open_packet(packet, server_key=keys.server)
    with pytest.raises(p.ProtocolError) as raised:
        opened.item.verify(keys.device.public_key(), opened.data)
    assert raised.value.code == "ciphertext_mismatch"


def test_the_acknowledgement_proves_the_complaint_is_in_the_ledger(keys):
    blob = b"sealed"
    record = p.sign_record(keys.device, kind="complaint", terminal=TERMINAL, seq=4, prev="d" * 64,
                           **complaint_fields(blob))
    proof = ledger_proof(record)
    body, sig = p.sign_ack(keys.ack, record=record, ledger=proof)
    ack = p.verify_ack(body, sig, server_key=keys.ack.public_key(), record=record)
    assert (ack.seq, ack.ledger.index, ack.ledger.size) == (4, 5, 9)
    other = p.sign_record(keys.device, kind="complaint", terminal=TERMINAL, seq=4, prev="e" * 64,
                          **complaint_fields(blob))
    with pytest.raises(p.ProtocolError, match="record_hash"):
        p.verify_ack(body, sig, server_key=keys.ack.public_key(), record=other)
    with pytest.raises(p.BadSignature):
        p.verify_ack(body, sig, server_key=Keys().ack.public_key(), record=record)
    wrong_salt = dataclasses.replace(proof, salt=bytes(32))
    with pytest.raises(p.ProtocolError, match="commitment"):
        p.verify_ack(*p.sign_ack(keys.ack, record=record, ledger=wrong_salt), server_key=keys.ack.public_key(),
                     record=record)
    wrong_root = dataclasses.replace(proof, root=bytes(32))
    with pytest.raises(p.ProtocolError, match="root"):
        p.verify_ack(*p.sign_ack(keys.ack, record=record, ledger=wrong_root), server_key=keys.ack.public_key(),
                     record=record)
    with pytest.raises(p.ProtocolError, match="must prove"):
        p.verify_ack(*p.sign_ack(keys.ack, record=record), server_key=keys.ack.public_key(), record=record)


def test_records_name_the_field_that_is_wrong(keys):
    good = complaint_fields(b"x")
    cases = {
        "locator": {"locator": "1234567"}, "priority": {"priority": "high"},
        "recipients": {"recipients": ["b", "a"]}, "reply_recipient": {"reply_recipient": "ssh-ed25519 AAAA"},
        "lookup_salt": {"lookup_salt": "zz"}, "routing_version": {"routing_version": 0},
    }
    for name, change in cases.items():
        with pytest.raises(p.ProtocolError) as raised:
            p.sign_record(keys.device, kind="complaint", terminal=TERMINAL, seq=1, prev=p.ZERO_HASH,
                          **{**good, **change})
        assert raised.value.field == name
    with pytest.raises(p.ProtocolError) as raised:
        p.sign_record(keys.device, kind="complaint", terminal=TERMINAL, seq=2, prev=p.ZERO_HASH, **good,
                      name="someone")
    assert raised.value.field == "name"
    with pytest.raises(p.ProtocolError, match=r"blob\.chunks"):
        p.sign_record(keys.device, kind="message", terminal=TERMINAL, seq=3, prev="a" * 64, locator="12345678",
                      bucket=10, blob={"sha256": "a" * 64, "size": 20000, "chunks": 1})
    with pytest.raises(p.ProtocolError, match="prev"):
        p.sign_record(keys.device, kind="lookup", terminal=TERMINAL, seq=1, prev="a" * 64, locator="12345678",
                      step="salt", item=0, offset=0)
    with pytest.raises(p.ProtocolError, match=r"blob\.size"):
        p.Blob.of(bytes(p.MAX_BLOB + 1))


def test_a_record_that_is_not_canonical_is_refused(keys):
    record = p.sign_record(keys.device, kind="heartbeat", terminal=TERMINAL, seq=1, prev=p.ZERO_HASH,
                           at="2026-12-01T12:00:00Z", queued=0)
    spaced = json.dumps(json.loads(record.body), indent=1).encode()
    with pytest.raises(p.ProtocolError, match="canonical"):
        p.parse_record(spaced, record.signature)
    assert p.parse_signed_record(record.signed).hash == record.hash


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.binary(min_size=64, max_size=64))
def test_the_record_parser_refuses_garbage_precisely(body, signature):
    _, error = _outcome(p.parse_record, body, signature)
    assert error is None or (error.field and error.error)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["seq", "prev", "terminal", "kind", "at", "queued", "v", "type", "extra"]), _json)
def test_a_heartbeat_with_any_one_field_changed_is_refused_naming_it_or_stays_valid(name, value):
    data = {"v": 1, "type": "record", "kind": "heartbeat", "terminal": TERMINAL, "seq": 2, "prev": "a" * 64,
            "at": "2026-12-01T12:00:00Z", "queued": 0, name: value}
    _, error = _outcome(p.check_record, data)
    if error is None:
        assert name != "extra"
    else:
        assert error.field in (name, "kind")


_SERVER = Keys().server


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=48, max_size=48), st.binary(max_size=200))
def test_the_packet_parser_refuses_random_packets(head, tail):
    packet = b"CWT1" + head + tail + bytes(p.PACKET_SIZE - 52 - len(tail))
    with pytest.raises(p.ProtocolError) as raised:
        p.open_packet(packet, server_key=_SERVER)
    assert raised.value.field == "packet"


def _encrypt(plain: bytes) -> bytes:
    eph = X25519PrivateKey.generate()
    eph_pub, server_pub = p.raw_public(eph.public_key()), p.raw_public(_SERVER.public_key())
    key = p._hkdf(eph.exchange(_SERVER.public_key()), eph_pub + server_pub, p.PACKET_INFO)
    header = p.PACKET_MAGIC + p.terminal_id_bytes(TERMINAL) + eph_pub
    return header + ChaCha20Poly1305(key).encrypt(bytes(12), plain, header)


_HEARTBEAT = p.sign_record(Keys().device, kind="heartbeat", terminal=TERMINAL, seq=1, prev=p.ZERO_HASH,
                           at="2026-12-01T12:00:00Z", queued=0)
_PLAIN = p._plaintext(p.TYPE_RECORD, 3, _HEARTBEAT.body, _HEARTBEAT.signature, b"", b"data")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_HEARTBEAT.body) + 100), st.integers(0, 255)), min_size=1, max_size=4))
def test_a_decryptable_packet_with_any_bytes_changed_is_parsed_or_refused_precisely(changes):
    plain = bytearray(_PLAIN)
    for at, value in changes:
        plain[at] = value
    opened, error = _outcome(p.open_packet, _encrypt(bytes(plain)), server_key=_SERVER)
    assert (error.field and error.error) if opened is None else opened.terminal == TERMINAL


# ---------------------------------------------------------------------------------------------
# Routing lists


def _routing(keys, version=2, issued=NOW - timedelta(days=1), expires=NOW + timedelta(days=30), **over):
    recipients = over.pop("recipients", None) or [
        p.Recipient("npm-kz", "npm", AGE), p.Recipient("prosecutor-kz", "prosecutor", AGE)]
    return p.sign_routing_list(keys.routing, version=version, issued_at=issued, expires_at=expires,
                               recipients=recipients, recovery=AGE)


def test_a_terminal_accepts_a_current_signed_routing_list_and_chooses_recipients_by_the_rule(keys):
    routing = p.verify_routing_list(*_pair(_routing(keys)), public_key=keys.routing.public_key(), now=NOW)
    assert [r.organisation for r in p.recipients_for(routing, torture=True, minor_or_children=False)] == [
        "npm-kz", "prosecutor-kz"]
    assert [r.kind for r in p.recipients_for(routing, torture=False, minor_or_children=True)] == ["npm"]


def _pair(routing):
    return routing.body, routing.signature


@pytest.mark.parametrize(("case", "field"), [
    ("unsigned", "signature"), ("other key", "signature"), ("expired", "expires_at"), ("future", "issued_at"),
    ("rolled back", "version"), ("same version, other body", "version"), ("altered", "signature"),
])
def test_a_terminal_refuses_unsigned_expired_rolled_back_or_altered_routing_lists(keys, case, field):
    known = _routing(keys, version=2)
    body, sig = _pair(_routing(keys, version=1 if case == "rolled back" else 2))
    now = NOW
    if case == "unsigned":
        sig = b""
    elif case == "other key":
        body, sig = _pair(_routing(Keys()))
    elif case == "expired":
        now = NOW + timedelta(days=31)
    elif case == "future":
        now = NOW - timedelta(days=2)
    elif case == "same version, other body":
        body, sig = _pair(_routing(keys, version=2, expires=NOW + timedelta(days=9)))
    elif case == "altered":
        body = body.replace(b"npm-kz", b"npm-kx")
    with pytest.raises(p.RoutingError) as raised:
        p.verify_routing_list(body, sig, public_key=keys.routing.public_key(), now=now, known=known)
    assert raised.value.field == field


def test_a_routing_list_without_an_npm_recipient_cannot_be_signed(keys):
    with pytest.raises(p.RoutingError, match="npm"):
        _routing(keys, recipients=[p.Recipient("prosecutor-kz", "prosecutor", AGE)])


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_the_routing_parser_refuses_garbage_precisely(body):
    with pytest.raises(p.RoutingError) as raised:
        p.verify_routing_list(body, bytes(64), public_key=Keys().routing.public_key(), now=NOW)
    assert raised.value.field
