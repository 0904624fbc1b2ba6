"""The plaintext documents: their rules, their JSON and the size buckets that hide their length."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custodywatch_terminal.sealing import (
    BUCKETS,
    MAX_TEXT_CHARS,
    MAX_VOICE_BYTES,
    Category,
    Complaint,
    Message,
    PlaintextError,
    Reply,
    TooLarge,
    pad,
    parse_plaintext,
    unpad,
)

FILED = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)


def complaint(**overrides) -> Complaint:
    fields = {"category": "health", "text": "Мне не дают лекарства.", "filed_at": FILED, "language": "ru"}
    return Complaint(**{**fields, **overrides})


TEXT = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")  # what the form accepts


@settings(max_examples=25, deadline=None)
@given(text=st.text(TEXT, min_size=1, max_size=3000).filter(str.strip), category=st.sampled_from(list(Category)),
       minor=st.booleans(), name=st.one_of(st.none(), st.text(TEXT, min_size=1, max_size=40).filter(str.strip)),
       voice=st.one_of(st.none(), st.binary(min_size=1, max_size=5000)))
def test_every_document_pads_to_a_bucket_and_reads_back_the_same(text, category, minor, name, voice):
    c = complaint(text=text, category=category, minor=minor, voice=voice, anonymous=name is None, name=name)
    padded = pad(c.to_json())
    assert len(padded) in BUCKETS
    assert parse_plaintext(padded) == c


def test_the_padded_plaintext_is_json_as_it_stands_with_the_contract_field_names():
    doc = json.loads(pad(complaint(anonymous=False, name="Асель Нурланова", minor=True).to_json()))
    assert doc == {
        "v": 1, "category": "health", "text": "Мне не дают лекарства.", "voice": None, "anonymous": False,
        "name": "Асель Нурланова", "minor": True, "private_visit": False, "urgent_danger": False,
        "reprisal_risk": "unknown", "language": "ru", "filed_at": "2026-11-30T14:05:00+00:00",
    }


def test_a_short_and_a_longer_complaint_have_the_same_padded_length():
    assert len(pad(complaint(text="a").to_json())) == len(pad(complaint(text="b" * 3000).to_json())) == 4096
    assert len(pad(complaint(text="ә" * MAX_TEXT_CHARS).to_json())) == 64 * 1024


def test_a_voice_recording_of_the_largest_size_fits_the_voice_bucket():
    assert len(pad(complaint(text="", voice=b"\x01" * MAX_VOICE_BYTES).to_json())) == BUCKETS[-1]


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text", "too_long"),
    ({"text": "half a surrogate \ud800"}, "text", "bad_encoding"),
    ({"text": "nul\x00"}, "text", "bad_encoding"),
    ({"text": "   ", "voice": None}, "text", "required"),
    ({"voice": b"\x00" * (MAX_VOICE_BYTES + 1)}, "voice", "too_long"),
    ({"voice": "not bytes"}, "voice", "invalid"),
    ({"anonymous": True, "name": "Someone"}, "name", "not_anonymous"),
    ({"anonymous": False, "name": None}, "name", "required"),
    ({"anonymous": False, "name": "n" * 201}, "name", "too_long"),
    ({"category": "gossip"}, "category", "invalid"),
    ({"reprisal_risk": "maybe"}, "reprisal_risk", "invalid"),
    ({"language": "de"}, "language", "invalid"),
    ({"minor": "yes"}, "minor", "invalid"),
    ({"filed_at": datetime(2026, 11, 30, 14, 5)}, "filed_at", "invalid"),
])
def test_bad_input_is_refused_naming_the_field(overrides, field, code):
    with pytest.raises(PlaintextError) as caught:
        complaint(**overrides)
    assert (caught.value.field, caught.value.code) == (field, code)


def test_oversized_input_is_a_too_large_error():
    with pytest.raises(TooLarge):
        complaint(text="x" * (MAX_TEXT_CHARS + 1))
    with pytest.raises(TooLarge, match="largest accepted is 1048576 bytes"):
        pad({"v": 1, "blob": "x" * BUCKETS[-1]})


def test_messages_and_replies_carry_their_kind_and_read_back():
    message = Message(text="Спасибо, врач пришёл.", filed_at=FILED)
    reply = Reply(text="Мы посетим учреждение.", by_organisation="npm-kz",
                  sent_at=FILED.astimezone(timezone(timedelta(hours=5))))
    assert json.loads(pad(message.to_json()))["kind"] == "message"
    assert parse_plaintext(pad(message.to_json())) == message
    assert parse_plaintext(pad(reply.to_json())) == reply


@pytest.mark.parametrize(("data", "field"), [
    (b"{}" + b" " * 100, "document"),  # not a bucket size
    (b"\xff" * 4096, "document"),
    (b"[1]".ljust(4096), "document"),
    (json.dumps({"v": 2, "kind": "message", "text": "x", "voice": None, "filed_at": FILED.isoformat()})
     .encode().ljust(4096), "v"),
    (json.dumps({"v": 1, "kind": "message", "text": "x", "voice": None}).encode().ljust(4096), "filed_at"),
    (json.dumps({"v": 1, "kind": "message", "text": "x", "voice": "%%", "filed_at": FILED.isoformat()})
     .encode().ljust(4096), "voice"),
    (json.dumps({"v": 1, "kind": "note"}).encode().ljust(4096), "kind"),
])
def test_a_damaged_plaintext_is_refused_with_a_precise_error(data, field):
    with pytest.raises(PlaintextError) as caught:
        parse_plaintext(data)
    assert caught.value.field == field


def test_unpad_reads_what_pad_wrote():
    assert unpad(pad({"v": 1, "x": "й"})) == {"v": 1, "x": "й"}
