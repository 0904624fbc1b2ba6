"""Ledger work in a process of its own, on a database of its own, for the sequencing tests.

``python -m ledger.tests.worker race DATABASE_URL KEY_DIR`` migrates the database and has six
threads, each with its own connection, append 15 batches of 3 entries concurrently; it prints
``ok <size>`` if no index was handed out twice and the stored tree audits clean. (The in-process
test does the same when the test database allows it; SQLite's shared-cache in-memory test
database answers "table is locked" at once instead of waiting, so a file database is used here.)

``python -m ledger.tests.worker produce DATABASE_URL KEY_DIR`` migrates the database, starts the
background sequencer and has four threads write records through ``interface.record_many`` (100
per transaction) forever, printing ``<index> <record id>`` for each record as soon as
``wait_for_index`` returns its index. The test kills it with SIGKILL mid-stream.

``python -m ledger.tests.worker check DATABASE_URL KEY_DIR ACKS_FILE`` then sequences whatever the
killed process left pending and checks that every acknowledged record is at its acknowledged
index; that every record written is in the log exactly once, at its own index and with its own
entry bytes; that the log holds nothing else and its indices are contiguous; and that every
stored subtree hash matches the entries (``audit_storage``). It prints ``ok <size> <root>``.
"""

from __future__ import annotations

import sys
import threading


def produce() -> None:
    from django.core.management import call_command
    from django.db import connections, transaction

    from ledger import interface

    call_command("migrate", "ledger", verbosity=0)
    out_lock = threading.Lock()
    print("ready", flush=True)

    def producer(offset: int) -> None:
        i = offset
        while True:
            with transaction.atomic():
                recorded = interface.record_many(
                    kind="segment",
                    items=[interface.Item(record={"seq": i + k}, scope=None, subject=f"seq:{i + k}")
                           for k in range(0, 400, 4)],
                )
            i += 400
            lines = [f"{interface.wait_for_index(r, timeout=60)} {r.id}\n" for r in recorded]
            with out_lock:
                sys.stdout.write("".join(lines))
                sys.stdout.flush()
        connections.close_all()

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
    from ledger.models import Entry, Record
    from ledger.sequencer import sequence_pending

    acked: dict[int, int] = {}
    with open(acks_file, encoding="ascii") as f:
        for line in f:
            index, record_id = line.split()
            acked[int(record_id)] = int(index)
    sequence_pending()
    records = {pk: (index, bytes(data)) for pk, index, data in Record.objects.values_list("pk", "index", "data")}
    entries = {index: bytes(data) for index, data in Entry.objects.values_list("index", "data")}
    moved = [pk for pk, index in acked.items() if records.get(pk, (None,))[0] != index]
    if moved:
        print(f"acknowledged records not at their acknowledged index: {sorted(moved)[:10]}")
        sys.exit(1)
    indices = sorted(index for index, _data in records.values())
    if indices != list(range(len(records))) or len(entries) != len(records):
        contiguous = indices == list(range(len(records)))
        print(f"{len(records)} records but {len(entries)} entries; indices contiguous: {contiguous}")
        sys.exit(1)
    wrong = [pk for pk, (index, data) in records.items() if entries.get(index) != data]
    if wrong:
        print(f"records whose entry differs: {wrong[:10]}")
        sys.exit(1)
    audit = selectors.audit_storage()
    print(f"ok {audit.end} {audit.root.hex()}")


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
