"""Entry encoding, the append-only tables, stored subtree hashes and proofs read from the database."""

from __future__ import annotations

import json
import random

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from custodywatch_log import merkle
from ledger import selectors
from ledger.encoding import KIND_RE, EntryError, NewEntry, decode_entry, encode_entry
from ledger.errors import LedgerIntegrityError
from ledger.models import Checkpoint, Cosignature, Entry, EntryKind, SigningKey, SubtreeHash
from ledger.services import append_entries
from ledger.testing import lift_append_only_triggers
from ledger.tests.conftest import segment, segments

pytestmark = pytest.mark.usefixtures("ledger_settings")

# --- Kinds and canonical encoding ---------------------------------------------------------------


def test_every_registered_kind_follows_the_kind_grammar():
    assert {"segment", "camera:no_signal", "key:rotation"} <= set(EntryKind.values)
    for kind in EntryKind.values:
        assert KIND_RE.match(kind), kind


@pytest.mark.parametrize("kind", ["Segment", "camera:", "camera::x", "camera no_signal", "camera:unknown"])
def test_malformed_or_unregistered_kinds_are_refused(kind):
    with pytest.raises(EntryError) as caught:
        encode_entry(kind=kind, payload={})
    assert caught.value.field == "kind"


def test_canonical_encoding_is_sorted_compact_ascii_json_holding_the_kind():
    entry = encode_entry(kind="camera:no_signal", payload={"seq": 7, "camera": "cam-1", "ok": False})
    assert entry.data == b'{"camera":"cam-1","kind":"camera:no_signal","ok":false,"seq":7}'
    assert entry.leaf_hash == merkle.leaf_hash(entry.data)
    assert json.loads(entry.data) == {"camera": "cam-1", "kind": "camera:no_signal", "ok": False, "seq": 7}
    assert decode_entry(entry.data) == {"camera": "cam-1", "kind": "camera:no_signal", "ok": False, "seq": 7}


def test_the_same_payload_always_gives_the_same_bytes():
    a = encode_entry(kind="segment", payload={"b": 1, "a": "x"})
    b = encode_entry(kind="segment", payload={"a": "x", "b": 1})
    assert a == b


def test_bytes_values_are_hashes_written_in_hex():
    digest = bytes(range(32))
    entry = encode_entry(kind="footage:access", payload={"request_sha256": digest})
    assert json.loads(entry.data)["request_sha256"] == digest.hex()


@pytest.mark.parametrize(
    "key",
    [
        "name",
        "surname",
        "iin",
        "birth_date",
        "address",
        "phone",
        "text",
        "email",
        "complainant_name",
        "patronymic",
        "home_address",
        "text_sha256",
    ],
)
def test_personal_fields_are_refused(key):
    with pytest.raises(EntryError) as caught:
        encode_entry(kind="complaint:receipt", payload={key: "x"})
    assert caught.value.field == key
    assert "personal" in caught.value.error


@pytest.mark.parametrize(
    "value",
    [1.5, None, ["a"], {"a": 1}, "two words", "x" * 257, "кириллица", b"short", 2**63],
)
def test_values_other_than_tokens_integers_booleans_and_hashes_are_refused(value):
    with pytest.raises(EntryError):
        encode_entry(kind="segment", payload={"camera": value})


def test_hash_fields_must_hold_64_lowercase_hex_digits():
    with pytest.raises(EntryError):
        encode_entry(kind="segment", payload={"segment_sha256": "ABCDEF"})
    encode_entry(kind="segment", payload={"segment_sha256": "ab" * 32})


def test_kind_is_reserved_and_field_names_follow_the_grammar():
    with pytest.raises(EntryError):
        encode_entry(kind="segment", payload={"kind": "x"})
    with pytest.raises(EntryError):
        encode_entry(kind="segment", payload={"Camera": "x"})


def test_decode_refuses_bytes_that_are_not_canonical():
    with pytest.raises(EntryError):
        decode_entry(b'{"kind":"segment", "seq":1}')


# --- Appending and the stored tree ---------------------------------------------------------------


@pytest.mark.django_db
def test_append_entries_assigns_consecutive_indices_from_zero():
    assert append_entries(entries=segments(0, 3)) == [0, 1, 2]
    assert append_entries(entries=segments(3, 2)) == [3, 4]
    assert append_entries(entries=[]) == []
    assert selectors.log_size() == 5
    stored = Entry.objects.get(index=3)
    assert bytes(stored.data) == segment(3).data
    assert bytes(stored.leaf_hash) == merkle.leaf_hash(segment(3).data)
    assert stored.kind == EntryKind.SEGMENT


@pytest.mark.django_db
def test_an_entry_whose_hash_does_not_match_its_data_is_refused():
    forged = NewEntry(kind="segment", data=segment(1).data, leaf_hash=segment(2).leaf_hash)
    with pytest.raises(EntryError):
        append_entries(entries=[segment(0), forged])
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_every_complete_subtree_is_stored_once_with_the_in_memory_trees_hash():
    rng = random.Random(7)
    tree = merkle.MerkleTree()
    while tree.size < 300:
        batch = segments(tree.size, rng.choice([1, 2, 3, 5, 17, 64]))
        append_entries(entries=batch)
        for e in batch:
            tree.append(e.data)
    stored = {(s.level, s.index): bytes(s.hash) for s in SubtreeHash.objects.all()}
    expected = {st: h for st, h in tree.subtrees.items() if st[0] > 0}
    assert stored == expected
    # Two hashes per leaf in all: the leaf hash on the entry and about one subtree row.
    assert len(stored) == tree.size - bin(tree.size).count("1")


@pytest.mark.django_db
def test_roots_and_proofs_from_the_database_match_the_in_memory_tree():
    tree = merkle.MerkleTree()
    for start in range(0, 70, 7):
        batch = segments(start, 7)
        append_entries(entries=batch)
        for e in batch:
            tree.append(e.data)
    assert selectors.root(size=0) == merkle.EMPTY_ROOT
    for size in range(1, 71):
        assert selectors.root(size=size) == tree.root(size)
        for index in {0, size // 2, size - 1}:
            proof = selectors.inclusion_proof(index=index, size=size)
            assert proof == tree.inclusion_proof(index, size)
            merkle.verify_inclusion(tree.leaf_hash(index), index, size, proof, tree.root(size))
        for old in {1, size // 3, size - 1}:
            if 0 < old <= size:
                proof = selectors.consistency_proof(old=old, new=size)
                assert proof == tree.consistency_proof(old, size)
                merkle.verify_consistency(old, size, tree.root(old), tree.root(size), proof)
    assert selectors.consistency_proof(old=0, new=70) == []


@pytest.mark.django_db
def test_a_proof_is_one_query_and_an_append_reads_only_the_right_edge():
    append_entries(entries=segments(0, 1000))
    with CaptureQueriesContext(connection) as reads:
        selectors.inclusion_proof(index=123, size=999)
    assert len(reads) == 1
    with CaptureQueriesContext(connection) as reads:
        selectors.consistency_proof(old=77, new=1000)
    assert len(reads) == 1
    with CaptureQueriesContext(connection) as queries:
        append_entries(entries=segments(1000, 5))
    selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    # The size, then one query for the O(log n) right-edge hashes (plus PostgreSQL's advisory lock).
    assert len(selects) == (3 if connection.vendor == "postgresql" else 2)


@pytest.mark.django_db
def test_proofs_beyond_the_log_are_refused():
    append_entries(entries=segments(0, 4))
    with pytest.raises(LedgerIntegrityError):
        selectors.root(size=5)
    with pytest.raises(ValueError, match="not in a tree"):
        selectors.inclusion_proof(index=4, size=4)


# --- Append-only in the database -------------------------------------------------------------------


def _stored_rows():
    append_entries(entries=segments(0, 2))
    key = SigningKey.objects.create(
        name="custodywatch.test/ledger", key_id="00000000", vkey="k", created_at="2026-11-22T00:00:00Z"
    )
    checkpoint = Checkpoint.objects.create(
        size=2, root=selectors.root(size=2), note="n", signing_key=key, created_at="2026-11-22T00:00:00Z"
    )
    cosignature = Cosignature.objects.create(
        checkpoint=checkpoint, witness="w", line="l", timestamp=1, created_at="2026-11-22T00:00:00Z"
    )
    return {
        Entry: ({"index": 0}, {"kind": EntryKind.FOOTAGE_ACCESS}),
        SubtreeHash: ({"level": 1, "index": 0}, {"hash": b"\0" * 32}),
        Checkpoint: ({"pk": checkpoint.pk}, {"size": 1}),
        Cosignature: ({"pk": cosignature.pk}, {"line": "forged"}),
    }


@pytest.mark.django_db
def test_the_database_refuses_to_update_or_delete_ledger_rows():
    for model, (lookup, change) in _stored_rows().items():
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            model.objects.filter(**lookup).update(**change)
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            model.objects.filter(**lookup)._raw_delete(model.objects.db)
        assert model.objects.filter(**lookup).exists()


@pytest.mark.django_db
def test_truncating_a_ledger_table_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    append_entries(entries=segments(0, 2))
    with pytest.raises(IntegrityError, match="TRUNCATE"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute('TRUNCATE "ledger_entry" CASCADE')


@pytest.mark.django_db
def test_audit_recomputes_the_tree_from_entry_data_and_finds_a_tampered_entry():
    append_entries(entries=segments(0, 40))
    audit = selectors.audit_storage()
    assert (audit.start, audit.end, audit.root) == (0, 40, selectors.root(size=40))
    assert selectors.audit_storage(start=5, chunk=7).root == audit.root
    with lift_append_only_triggers(connection):
        Entry.objects.filter(index=17).update(data=segment(99).data)
    with pytest.raises(LedgerIntegrityError, match="entry 17"):
        selectors.audit_storage()
    assert selectors.audit_storage(start=18).end == 40


@pytest.mark.django_db
def test_audit_finds_a_tampered_subtree_hash():
    append_entries(entries=segments(0, 40))
    with lift_append_only_triggers(connection):
        SubtreeHash.objects.filter(level=2, index=3).update(hash=b"\1" * 32)
    with pytest.raises(LedgerIntegrityError, match=r"subtree \(2, 3\)"):
        selectors.audit_storage()


# --- Storage cost ---------------------------------------------------------------------------------


def _ledger_bytes() -> int:
    tables = ["ledger_entry", "ledger_subtreehash"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT SUM(pg_total_relation_size(c::regclass)) FROM unnest(%s::text[]) AS c", [tables])
        else:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('ledger_entry', 'ledger_subtreehash', "
                "'ledger_entry_leaf_hash_idx') OR name LIKE 'sqlite_autoindex_ledger_subtreehash%%'"
            )
        (total,) = cursor.fetchone()
    return int(total)


@pytest.mark.django_db
def test_storage_beyond_the_entry_data_stays_under_300_bytes_per_entry():
    # Measure what appending costs once the tables exist: rolled-back rows of earlier tests and
    # each table's first pages are not per-entry costs.
    append_entries(entries=segments(0, 4096))
    before = _ledger_bytes()
    count = 5 * 4096
    for start in range(4096, 4096 + count, 4096):
        append_entries(entries=segments(start, 4096))
    data = sum(len(segment(i).data) for i in range(4096, 4096 + count))
    overhead = (_ledger_bytes() - before - data) / count
    assert overhead <= 300, f"{overhead:.0f} bytes per entry beyond the data"
