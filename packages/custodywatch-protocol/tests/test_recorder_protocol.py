"""Segment manifests, heartbeats and reports: canonical, signed, and parsed with precise errors."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodywatch_protocol import recorder as rp

KEY = rp.generate_key()
PUBLIC = KEY.public_key()
T0 = 1_796_000_000_000


def segment(seq: int = 0, **changes) -> rp.Segment:
    fields = dict(recorder="nvr-1", camera="cam-1", seq=seq, start=T0 + seq * 10_000, end=T0 + seq * 10_000 + 10_000,
                  clock_offset_ms=12, clock_ref="ntp:time.kz", codec="h264", width=640, height=360,
                  container="mpegts", size=123_456, sha256="ab" * 32, prev=rp.ZERO_HASH if seq == 0 else "cd" * 32)
    fields.update(changes)
    return rp.Segment(**fields)


def wire_with(body: dict) -> bytes:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return rp.canonical_record({"v": 1, "recorder": "nvr-1", "messages": [
        {"body": base64.b64encode(raw).decode(), "sig": base64.b64encode(KEY.sign(rp.MESSAGE_DOMAIN + raw)).decode()}]})


def test_a_signed_batch_round_trips_and_verifies():
    messages = [rp.sign(segment(0), KEY), rp.sign(segment(1), KEY),
                rp.sign(rp.Heartbeat(recorder="nvr-1", at=T0, clock_offset_ms=-3, clock_ref="ntp:time.kz"), KEY),
                rp.sign(rp.NoSignal(recorder="nvr-1", camera="cam-1", start=T0, end=T0 + 60_000), KEY),
                rp.sign(rp.Inventory(recorder="nvr-1", camera="cam-1", at=T0, held=((0, 5), (7, 9))), KEY),
                rp.sign(rp.Deletion(recorder="nvr-1", camera="cam-1", at=T0, first=0, last=3, reason="retention"), KEY)]
    parsed = rp.parse_submission(rp.encode_submission("nvr-1", messages))
    assert parsed.errors == []
    assert [s.message for _, s in parsed.messages] == [m.message for m in messages]
    assert all(rp.verify(s, PUBLIC) for _, s in parsed.messages)
    assert parsed.messages[4][1].message.holds(8)
    assert not parsed.messages[4][1].message.holds(6)


def test_a_forged_or_altered_message_fails_the_signature():
    signed = rp.sign(segment(0), KEY)
    other = rp.generate_key()
    assert not rp.verify(signed, other.public_key())
    altered = rp.Signed(body=signed.body.replace(b"123456", b"123457"), signature=signed.signature,
                        message=signed.message)
    assert not rp.verify(altered, PUBLIC)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"seq": -1}, "seq", "between"),
    ({"seq": True}, "seq", "integer"),
    ({"sha256": "AB" * 32}, "sha256", "lower-case hex"),
    ({"container": "avi"}, "container", "mp4, mpegts"),
    ({"end": T0 - 1}, "end", "before start"),
    ({"prev": "cd" * 32}, "prev", "first segment"),
    ({"camera": ""}, "camera", "id"),
    ({"start": 5}, "start", "between"),
    ({"extra": 1}, "extra", "not a field"),
])
def test_a_bad_manifest_is_refused_naming_the_field(change, field, words):
    body = rp.message_object(segment(0)) | change
    parsed = rp.parse_submission(wire_with(body))
    [(position, error)] = parsed.errors
    assert position == 0
    assert error.field == f"messages[0].body.{field}"
    assert words in error.error


def test_a_missing_field_and_a_non_canonical_body_are_named():
    body = rp.message_object(segment(0))
    del body["codec"]
    [(_, error)] = rp.parse_submission(wire_with(body)).errors
    assert (error.field, error.error) == ("messages[0].body.codec", "is missing")
    raw = json.dumps(rp.message_object(segment(0)), indent=1).encode()
    envelope = rp.canonical_record({"v": 1, "recorder": "nvr-1", "messages": [
        {"body": base64.b64encode(raw).decode(), "sig": base64.b64encode(b"x" * 64).decode()}]})
    [(_, error)] = rp.parse_submission(envelope).errors
    assert error.field == "messages[0].body.body"
    assert "canonical" in error.error


@pytest.mark.parametrize(("data", "field"), [
    (b"", "submission"), (b"[]", "submission"), (b'{"v":3,"recorder":"a","messages":[]}', "v"),
    (b'{"v":2,"recorder":"a","messages":["AA=="]}', "sig"), (b'{"v":2,"recorder":"a","messages":[1],"sig":"' + b"A" * 86
     + b'=="}', "messages[0]"), (b'{"v":1,"recorder":"a","messages":[1],"sig":"x"}', "sig"),
    (b'{"v":1,"recorder":"a b","messages":[]}', "recorder"), (b'{"v":1,"recorder":"a","messages":[]}', "messages"),
    (b'{"v":1,"recorder":"a","messages":{}}', "messages"), (b'{"v":1,"recorder":"a","messages":[1],"x":1}', "x"),
])
def test_an_unusable_envelope_is_refused_as_a_whole(data, field):
    with pytest.raises(rp.ProtocolError) as caught:
        rp.parse_submission(data)
    assert caught.value.field == field


def test_a_message_of_another_recorder_is_refused_in_the_batch():
    signed = rp.sign(segment(0, recorder="nvr-2"), KEY)
    parsed = rp.parse_submission(rp.encode_submission("nvr-1", [rp.sign(segment(0), KEY), signed]))
    assert [i for i, _ in parsed.messages] == [0]
    assert parsed.errors[0][1].field == "messages[1].body.recorder"


def test_a_writer_cannot_encode_an_invalid_message():
    with pytest.raises(rp.ProtocolError, match="width"):
        rp.encode_message(segment(0, width=0))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_a_protocol_error_or_a_parse(data):
    error = None
    try:
        rp.parse_submission(data)
    except rp.ProtocolError as e:
        error = e
    if error is not None:
        assert error.field
        assert error.error


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["segment", "heartbeat", "no_signal", "inventory", "deletion"]),
       st.sampled_from(["seq", "start", "end", "camera", "held", "at", "first", "reason", "sha256", "type", "new"]),
       json_values)
def test_a_message_with_any_field_replaced_is_parsed_or_refused_precisely(kind, name, value):
    base = {
        "segment": rp.message_object(segment(3)),
        "heartbeat": rp.message_object(rp.Heartbeat(recorder="nvr-1", at=T0, clock_offset_ms=0, clock_ref="gps")),
        "no_signal": rp.message_object(rp.NoSignal(recorder="nvr-1", camera="c", start=T0, end=T0)),
        "inventory": rp.message_object(rp.Inventory(recorder="nvr-1", camera="c", at=T0, held=((0, 1),))),
        "deletion": rp.message_object(rp.Deletion(recorder="nvr-1", camera="c", at=T0, first=0, last=0,
                                                  reason="overwrite")),
    }[kind]
    body = base | {name: value}
    try:
        raw = rp.canonical_record(body)
    except ValueError:
        return
    try:
        message = rp.parse_message(raw)
    except rp.ProtocolError as e:
        error = e
    else:
        error = None
    if error is not None:
        assert error.field in (*body, "body", "type") or error.field.startswith("held[")
        return
    assert rp.encode_message(message) == raw


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**40), st.integers(0, rp.MAX_SEGMENT_MS), st.integers(-rp.MAX_OFFSET_MS, rp.MAX_OFFSET_MS),
       st.sampled_from(rp.CONTAINERS), st.binary(min_size=32, max_size=32))
def test_any_valid_manifest_round_trips(seq, length, offset, container, digest):
    message = segment(seq, start=T0, end=T0 + length, clock_offset_ms=offset, container=container,
                      sha256=digest.hex())
    signed = rp.sign(message, KEY)
    [(_, parsed)] = rp.parse_submission(rp.encode_submission("nvr-1", [signed])).messages
    assert parsed.message == message
    assert parsed.digest == signed.digest
    assert rp.verify(parsed, PUBLIC)


def test_a_v2_batch_carries_one_signature_and_proves_each_message_on_its_own():
    bodies = [rp.encode_message(segment(i)) for i in range(5)]
    parsed = rp.parse_submission(rp.encode_batch_submission("nvr-1", bodies, KEY))
    assert parsed.errors == []
    assert [s.body for _, s in parsed.messages] == bodies
    assert parsed.batch.verify(PUBLIC)
    assert not parsed.batch.verify(rp.generate_key().public_key())
    for index, body in enumerate(bodies):
        proven = rp.parse_signed(rp.Signed(body=body, signature=b"", message=segment(index),
                                           batch=parsed.batch.proof(index)).wire())
        assert rp.verify(proven, PUBLIC)
        other = bodies[(index + 1) % 5]
        assert not rp.verify(rp.Signed(body=other, signature=b"", message=proven.message, batch=proven.batch), PUBLIC)


@settings(max_examples=50, deadline=None)
@given(size=st.integers(1, 40), data=st.data())
def test_a_batch_proof_holds_only_for_its_own_place(size, data):
    bodies = [b"%d" % i for i in range(size)]
    batch = rp.sign_batch(bodies, KEY)
    index = data.draw(st.integers(0, size - 1))
    wrong = data.draw(st.integers(0, size - 1))
    proof = batch.proof(index)
    signed = rp.Signed(body=bodies[wrong], signature=b"", message=None, batch=proof)
    assert rp.verify(signed, PUBLIC) == (wrong == index)


@pytest.mark.parametrize(("batch", "field"), [
    ({"size": 2, "index": 2, "path": [], "sig": "A" * 86 + "=="}, "manifest.batch.index"),
    ({"size": 2, "index": 0, "path": ["zz"], "sig": "A" * 86 + "=="}, "manifest.batch.path[0]"),
    ({"size": 2, "index": 0, "path": [], "sig": "AA=="}, "manifest.batch.sig"),
    ({"size": 2, "index": 0, "path": []}, "manifest.batch"),
])
def test_a_malformed_batch_proof_is_named(batch, field):
    body = base64.b64encode(rp.encode_message(segment(0))).decode()
    with pytest.raises(rp.ProtocolError) as caught:
        rp.parse_signed({"body": body, "batch": batch}, "manifest")
    assert caught.value.field == field


def sorted_json(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def read_in_full(body: bytes) -> tuple[str, dict]:
    """What the full path (JSON parser, field checks, canonical form) makes of a body."""
    kind, obj = rp._read_json(body)
    values = {name: check(obj[name]) for name, check in rp._FIELDS[kind].items()}
    if sorted_json(obj) != body:
        raise rp.ProtocolError("body", "not in canonical form")
    return kind, values


any_value = st.integers(-(2**62), 2**62) | st.text(max_size=70) | st.sampled_from(
    ["", "-0", "01", "mp4", "ok", "a\"b", "a\\b", "ntp:x y", "\u00e9", "\x7f", "ab" * 32])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["segment", "heartbeat", "no_signal", "deletion"]), st.data())
def test_a_body_read_in_one_step_is_exactly_what_the_full_path_reads(kind, data):
    base = {
        "segment": rp.message_object(segment(3)),
        "heartbeat": rp.message_object(rp.Heartbeat(recorder="nvr-1", at=T0, clock_offset_ms=0, clock_ref="gps")),
        "no_signal": rp.message_object(rp.NoSignal(recorder="nvr-1", camera="c", start=T0, end=T0)),
        "deletion": rp.message_object(rp.Deletion(recorder="nvr-1", camera="c", at=T0, first=0, last=0,
                                                  reason="overwrite")),
    }[kind]
    changed = {name: data.draw(any_value) for name in data.draw(st.sets(st.sampled_from(sorted(base)), max_size=3))}
    body = sorted_json(base | changed)
    if data.draw(st.booleans()):  # one byte changed, added or taken away anywhere
        at = data.draw(st.integers(0, len(body)))
        byte = bytes([data.draw(st.sampled_from(b'"\\,:{}[] 0-9e.\x00\x7f\xc3') | st.integers(0, 255))])
        body = data.draw(st.sampled_from([body[:at] + byte + body[at + 1:], body[:at] + byte + body[at:],
                                          body[:at] + body[at + 1:]]))
    read = rp._read_canonical(body)
    if read is not None:
        assert read_in_full(body) == read
    try:
        full = read_in_full(body)
    except rp.ProtocolError:
        return
    if all(ord(" ") <= b <= ord("~") for b in body) and b"\\" not in body:
        # A good body whose strings need no escape is always read in one step.
        assert read == full


@pytest.mark.parametrize(("old", "new"), [
    (b'"clock_ref":"ntp:time.kz"', b'"clock_ref":"ntp:"time.kz"'),  # not JSON
    (b'"clock_ref":"ntp:time.kz"', b'"clock_ref":"ntp:time.kz","codec":"vp9"'),  # a key twice
    (b'"clock_ref":"ntp:time.kz"', b'"clock_ref":"ntp:\\u0074ime.kz"'),  # an escape it does not need
    (b'"seq":3', b'"seq":03'),
    (b'"seq":3', b'"seq":3.0'),
    (b'"clock_offset_ms":12', b'"clock_offset_ms":-0'),
    (b'"seq":3', b'"seq": 3'),
    (b'"width":640', b'"width":640000'),
    (b'"container":"mpegts"', b'"container":"mpeg"'),
])
def test_a_body_not_exactly_canonical_or_not_good_is_not_read_in_one_step(old, new):
    body = rp.encode_message(segment(3))
    assert old in body
    changed = body.replace(old, new)
    assert rp._read_canonical(changed) is None
    with pytest.raises(rp.ProtocolError):
        rp.parse_message(changed)
    assert rp._read_canonical(body) is not None
