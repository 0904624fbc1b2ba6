"""The public shape of entries, commitments and openings (the pure core, custodywatch_log.entries)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custodywatch_log.entries import (
    SCHEMAS,
    EntryShapeError,
    Opening,
    OpeningError,
    canonical_record,
    check_entry,
    coarse_time,
    commitment,
    encode_public_entry,
    verify_opening,
)

SALT = bytes(range(32))
RECORD = {"id": 7, "facility": 12, "after": {"name_ru": "Колония № 1", "total": 480}, "before": None}


def _entry(kind: str = "registry:change", record=RECORD, salt: bytes = SALT) -> bytes:
    return encode_public_entry(kind, {"time": "2026-12-02T04Z", "commitment": commitment(kind, salt, record)})


def test_every_committed_kind_has_exactly_a_time_and_a_commitment_in_public():
    for kind, schema in SCHEMAS.items():
        if schema.committed:
            assert set(schema.fields) == {"time", "commitment"}, kind
    assert not SCHEMAS["key:rotation"].committed


def test_the_coarse_time_is_the_hour_for_registry_changes_and_the_day_for_complaints():
    at = datetime(2026, 12, 2, 4, 37, 12, tzinfo=UTC)
    assert coarse_time("registry:change", at) == "2026-12-02T04Z"
    assert coarse_time("complaint:receipt", at) == "2026-12-02"
    with pytest.raises(ValueError, match="timezone-aware"):
        coarse_time("registry:change", datetime(2026, 12, 2))


def test_the_canonical_record_is_rfc_8785_json():
    # Keys in UTF-16 code unit order, no whitespace, UTF-8 strings without needless escapes.
    assert canonical_record({"b": [1, True, None], "a": "é\n", "\U0001f600": 1, "\uffff": 2}) == (
        '{"a":"é\\n","b":[1,true,null],"\U0001f600":1,"\uffff":2}'.encode()
    )
    with pytest.raises(OpeningError):
        canonical_record({"x": 1.5})
    with pytest.raises(OpeningError):
        canonical_record({"x": 2**53})


def test_the_commitment_depends_on_the_kind_the_salt_and_every_value():
    base = commitment("registry:change", SALT, RECORD)
    assert base == commitment("registry:change", SALT, dict(reversed(RECORD.items())))
    assert base != commitment("complaint:receipt", SALT, RECORD)
    assert base != commitment("registry:change", bytes(32), RECORD)
    assert base != commitment("registry:change", SALT, {**RECORD, "id": 8})


def test_an_opening_opens_its_entry_and_nothing_else():
    entry = _entry()
    opening = Opening(kind="registry:change", salt=SALT, record=canonical_record(RECORD), index=3)
    assert verify_opening(entry, Opening.parse(opening.format())) == RECORD
    with pytest.raises(OpeningError, match="does not match"):
        verify_opening(entry, Opening(kind="registry:change", salt=SALT, record=canonical_record({**RECORD, "id": 8})))
    with pytest.raises(OpeningError, match="does not match"):
        verify_opening(entry, Opening(kind="registry:change", salt=bytes(32), record=opening.record))
    with pytest.raises(OpeningError, match="is for a"):
        verify_opening(entry, Opening(kind="complaint:receipt", salt=SALT, record=opening.record))


@pytest.mark.parametrize("extra", ["facility", "camera", "model", "object", "change", "name"])
def test_an_entry_with_any_field_beyond_its_schema_is_refused(extra):
    fields = json.loads(_entry())
    fields[extra] = "12"
    data = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(EntryShapeError) as caught:
        check_entry(data)
    assert caught.value.field == extra


@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_refused_with_a_reason_or_are_a_well_formed_entry(data):
    try:
        fields = check_entry(data)
    except EntryShapeError as e:
        problem = (e.field, e.error)
        assert all(problem)
    else:
        assert set(fields) <= {"time", "commitment", "old_key_id", "new_key_id", "new_vkey", "rotated_at"}


@given(st.text(max_size=200))
def test_arbitrary_opening_documents_are_refused_with_a_reason(text):
    with pytest.raises(OpeningError):
        Opening.parse(text)


@given(st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
))
def test_any_json_record_round_trips_through_an_opening_document(value):
    record = {"value": value}
    opening = Opening(kind="segment", salt=SALT, record=canonical_record(record))
    assert Opening.parse(opening.format()) == opening
    assert verify_opening(_entry("segment", record), opening) == record
