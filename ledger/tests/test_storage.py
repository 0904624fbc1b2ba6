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

# --- Kinds and public shapes (the rules themselves are tested in test_entries.py) ----------------


def test_every_registered_kind_follows_the_kind_grammar_and_has_a_schema():
    assert {"segment", "camera:no_signal", "key:rotation"} <= set(EntryKind.values)
    for kind in EntryKind.values:
        assert KIND_RE.match(kind), kind


@pytest.mark.parametrize("kind", ["Segment", "camera:", "camera::x", "camera no_signal", "camera:unknown"])
def test_malformed_or_unregistered_kinds_are_refused(kind):
    with pytest.raises(EntryError) as caught:
        encode_entry(kind=kind, payload={})
    assert caught.value.field == "kind"


def test_an_entry_is_sorted_compact_ascii_json_of_kind_time_and_commitment():
    entry = segment(7)
    fields = json.loads(entry.data)
    assert set(fields) == {"kind", "time", "commitment"}
    assert entry.data == json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")
    assert entry.leaf_hash == merkle.leaf_hash(entry.data)
    assert decode_entry(entry.data) == fields


@pytest.mark.parametrize("extra", [{"camera": "cam-1"}, {"facility": "12"}, {"model": "facilities.facility"}])
def test_no_field_beyond_the_kinds_schema_can_be_logged(extra):
    payload = {k: v for k, v in json.loads(segment(1).data).items() if k != "kind"}
    with pytest.raises(EntryError) as caught:
        encode_entry(kind="segment", payload={**payload, **extra})
    assert caught.value.field == next(iter(extra))


def test_decode_refuses_bytes_that_are_not_canonical():
    with pytest.raises(EntryError):
        decode_entry(segment(1).data.replace(b",", b", ", 1))


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
