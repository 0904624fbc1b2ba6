"""The outbox: numbered, chained, durable records; blobs kept until a verified acknowledgement."""

from __future__ import annotations

import hashlib
import itertools
import json
import stat
import threading

import pytest

from custodywatch_terminal.device import DeviceKeyError, create_keys, load_keys, public_hex
from custodywatch_terminal.outbox import Outbox, OutboxError


def builder(kind: str):
    def build(seq: int, prev: str | None) -> tuple[bytes, str]:
        body = json.dumps({"seq": seq, "prev": prev, "kind": kind}).encode()
        return body, hashlib.sha256(body).hexdigest()
    return build


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def test_the_database_is_durable_wal_with_full_sync(outbox):
    assert outbox._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert outbox._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_records_are_numbered_from_one_and_chained(outbox):
    first = outbox.append("heartbeat", builder("heartbeat"))
    second = outbox.append("complaint", builder("complaint"), blob=b"sealed")
    assert (first.seq, second.seq) == (1, 2)
    assert json.loads(second.body)["prev"] == first.record_hash
    assert json.loads(first.body)["prev"] is None
    assert outbox.head() == (2, second.record_hash)
    assert outbox.blob(hashlib.sha256(b"sealed").hexdigest()) == b"sealed"


def test_concurrent_writers_never_share_a_number(outbox):
    def write():
        for _ in range(20):
            outbox.append("complaint", builder("complaint"), blob=b"x")
    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = outbox.pending()
    assert [r.seq for r in records] == list(range(1, 81))
    for earlier, later in itertools.pairwise(records):
        assert json.loads(later.body)["prev"] == earlier.record_hash


def test_a_builder_that_fails_leaves_nothing_behind(outbox):
    def broken(seq, prev):
        raise RuntimeError("signing failed")
    with pytest.raises(RuntimeError):
        outbox.append("complaint", broken, blob=b"sealed")
    assert outbox.head() == (0, None)
    assert outbox._db.execute("SELECT count(*) FROM blobs").fetchone()[0] == 0


def test_acknowledging_drops_the_blob_once_and_refuses_a_wrong_hash(outbox):
    stored = outbox.append("complaint", builder("complaint"), blob=b"sealed")
    with pytest.raises(OutboxError, match="names another record"):
        outbox.acknowledge(stored.seq, "0" * 64, 7)
    with pytest.raises(OutboxError, match="no record 9"):
        outbox.acknowledge(9, stored.record_hash, 7)
    assert outbox.pending_count() == 1
    assert outbox.acknowledge(stored.seq, stored.record_hash, 7) is True
    assert outbox.acknowledge(stored.seq, stored.record_hash, 7) is False
    assert outbox.pending() == []
    assert outbox.get(1).ledger_index == 7  # the head, kept without its body
    assert outbox.get(1).body is None
    with pytest.raises(OutboxError):
        outbox.blob(stored.blob_sha256)


def test_delivered_records_are_forgotten_but_the_head_keeps_the_chain(outbox):
    records = [outbox.append("heartbeat", builder("heartbeat")),
               outbox.append("complaint", builder("complaint"), blob=b"sealed"),
               outbox.append("heartbeat", builder("heartbeat"))]
    for r in records:
        outbox.acknowledge(r.seq, r.record_hash, None)
    assert list(outbox._db.execute("SELECT seq, kind, body FROM records")) == [(3, "heartbeat", None)]
    assert outbox.append("heartbeat", builder("heartbeat")).seq == 4
    assert outbox.secure_delete_is_on()


def test_records_survive_reopening(tmp_path):
    box = Outbox(tmp_path / "o.sqlite3")
    stored = box.append("complaint", builder("complaint"), blob=b"sealed")
    box.close()
    again = Outbox(tmp_path / "o.sqlite3")
    assert again.pending() == [stored]
    assert again.integrity() == []
    again.close()


def test_state_is_replaced_only_when_the_check_accepts(outbox):
    assert outbox.replace_state_if("routing", b"v1", lambda old: old is None)
    assert not outbox.replace_state_if("routing", b"v0", lambda old: old is None)
    assert outbox.get_state("routing") == b"v1"


def test_the_device_key_is_private_to_the_agent(tmp_path):
    state = tmp_path / "state"
    keys = create_keys(state)
    for name in ("device.key", "transport.key"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    again = load_keys(state)
    assert public_hex(again.device) == public_hex(keys.device)
    assert public_hex(again.transport) == public_hex(keys.transport)
    with pytest.raises(DeviceKeyError, match="already has its keys"):
        create_keys(state)
    (state / "device.key").chmod(0o644)
    with pytest.raises(DeviceKeyError, match="readable by other users"):
        load_keys(state)
    with pytest.raises(DeviceKeyError, match="init"):
        load_keys(tmp_path / "elsewhere")
