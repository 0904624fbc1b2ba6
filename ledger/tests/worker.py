"""Ledger work in a process of its own, on a database of its own, for the sequencing tests.

``python -m ledger.tests.worker race DATABASE_URL KEY_DIR`` migrates the database and has six
threads, each with its own connection, append 15 batches of 3 entries concurrently; it prints
``ok <size>`` if no index was handed out twice and the stored tree audits clean. (The in-process
test does the same when the test database allows it; SQLite's shared-cache in-memory test
database answers "table is locked" at once instead of waiting, so a file database is used here.)

``python -m ledger.tests.worker produce DATABASE_URL KEY_DIR`` migrates the database, then
submits entries from four threads through a ``Sequencer`` forever, printing ``<index> <leaf hash
hex>`` for each entry as soon as its batch is acknowledged (committed). The test kills it with
SIGKILL mid-stream.

``python -m ledger.tests.worker check DATABASE_URL KEY_DIR ACKS_FILE`` then checks that
every acknowledged entry is stored at its index with its leaf hash, that indices are contiguous,
and that every stored subtree hash matches the entries (``audit_storage``); it prints ``ok <size>``.
"""

from __future__ import annotations

import sys
import threading


def produce() -> None:
    from django.core.management import call_command

    from ledger.sequencer import Sequencer
    from ledger.tests.conftest import segment

    call_command("migrate", "ledger", verbosity=0)
    sequencer = Sequencer(max_batch=200, max_delay=0.005)
    out_lock = threading.Lock()
    print("ready", flush=True)

    def producer(offset: int) -> None:
        i = offset
        while True:
            pending = [sequencer.submit(segment(i + k)) for k in range(0, 400, 4)]
            i += 400
            for p in pending:
                index = p.wait()
                with out_lock:
                    sys.stdout.write(f"{index} {p.leaf_hash.hex()}\n")
            with out_lock:
                sys.stdout.flush()

    threads = [threading.Thread(target=producer, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def race() -> None:
    from django.core.management import call_command
    from django.db import connections, transaction

    from ledger import selectors
    from ledger.services import append_entries
    from ledger.tests.conftest import segments

    call_command("migrate", "ledger", verbosity=0)
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            mine: list[int] = []
            for round_ in range(15):
                with transaction.atomic():
                    mine += append_entries(entries=segments(1000 * n + 10 * round_, 3))
            results[n] = mine
        except BaseException as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    indices = sorted(i for mine in results.values() for i in mine)
    if errors or indices != list(range(6 * 15 * 3)):
        print(f"failed: errors {errors[:3]}, {len(indices)} indices, {len(set(indices))} distinct")
        sys.exit(1)
    print(f"ok {selectors.audit_storage().end}")


def check(acks_file: str) -> None:
    from ledger import selectors
    from ledger.models import Entry

    acked = {}
    with open(acks_file, encoding="ascii") as f:
        for line in f:
            index, leaf = line.split()
            acked[int(index)] = bytes.fromhex(leaf)
    size = selectors.log_size()
    audit = selectors.audit_storage()
    stored = dict(Entry.objects.filter(index__in=list(acked)).values_list("index", "leaf_hash"))
    lost = [i for i, h in acked.items() if bytes(stored.get(i, b"")) != h]
    if lost:
        print(f"lost or changed acknowledged entries: {sorted(lost)[:10]}")
        sys.exit(1)
    print(f"ok {size} {audit.root.hex()}")


def main() -> None:
    command, database_url, key_dir, *rest = sys.argv[1:]
    from ledger.testing import configure_standalone

    configure_standalone(database_url, key_dir=key_dir)
    if command == "produce":
        produce()
    elif command == "race":
        race()
    else:
        check(rest[0])


if __name__ == "__main__":
    main()
