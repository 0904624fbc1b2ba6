"""Benchmark of the ledger's Django storage: appends, proofs at 10 million entries, bytes per entry.

    .venv/bin/python bench/bench_ledger_storage.py [--postgres URL | --no-postgres]
                                                   [--append N] [--proof-entries N] [--pg-proof-entries N]

Prints one table of medians:

* sustained batched appends (``append_entries``, 4,096 entries per transaction) into a temporary
  SQLite file and into PostgreSQL (``--postgres URL``, else $DATABASE_URL if it is PostgreSQL, else
  a throw-away server started with initdb when available), with and without encoding the entries
  (the outbox and the sequencer in front of it: ``bench_ledger_write.py``);
* the baseline: raw hashlib for the same hashes (one leaf hash and about one node hash per entry);
* inclusion and consistency proof latency from the database at 10 million entries, on SQLite and
  PostgreSQL (the tree is written straight into the tables from an in-memory tree to save time);
* storage per entry beyond the entry data (dbstat on SQLite, pg_total_relation_size on PostgreSQL).

Each measurement runs in a subprocess of its own (Django is configured once per process, with
only the ledger app). Targets: >= 20,000 entries/s into SQLite, proofs < 1 ms median, <= 300 bytes.
About 2.5 minutes on two cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 4096
PG_BIN = Path("/usr/lib/postgresql/15/bin")


# ---------------------------------------------------------------------------------------------
# Parts (each runs in its own process)


def _setup(url: str, key_dir: str) -> None:
    from ledger.testing import configure_standalone

    configure_standalone(url, key_dir=key_dir)
    from django.core.management import call_command

    call_command("migrate", "ledger", verbosity=0)


def _payload(i: int) -> dict[str, str]:
    # What every entry holds in public: the coarse time and the commitment to its record.
    return {"time": "2026-11-22T05Z", "commitment": hashlib.sha256(b"segment %d" % i).hexdigest()}


def _storage_bytes() -> tuple[int, int]:
    """(bytes used by the entry and subtree tables with their indexes, bytes of entry data)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(LENGTH(data)) FROM ledger_entry")
        (data,) = cursor.fetchone()
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('ledger_entry') + pg_total_relation_size('ledger_subtreehash')"
            )
            (total,) = cursor.fetchone()
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('ledger_entry', 'ledger_subtreehash', "
                "'ledger_entry_leaf_hash_idx') OR name LIKE 'sqlite_autoindex_ledger_subtreehash%'"
            )
            (total,) = cursor.fetchone()
    return int(total), int(data or 0)


def part_append(url: str, entries: int, key_dir: str) -> dict[str, object]:
    _setup(url, key_dir)
    from ledger.encoding import encode_entry
    from ledger.services import append_entries

    rates_total, rates_store = [], []
    done = 0
    while done < entries:
        count = min(BATCH, entries - done)
        t0 = time.perf_counter()
        batch = [encode_entry(kind="segment", payload=_payload(done + k)) for k in range(count)]
        t1 = time.perf_counter()
        append_entries(entries=batch)
        t2 = time.perf_counter()
        rates_total.append(count / (t2 - t0))
        rates_store.append(count / (t2 - t1))
        done += count
    total, data = _storage_bytes()

    return {
        "append_median": statistics.median(rates_total),
        "store_median": statistics.median(rates_store),
        "bytes_per_entry": (total - data) / entries,
        "data_per_entry": data / entries,
    }


def part_baseline(entries: int) -> dict[str, object]:
    from ledger.encoding import encode_entry

    datas = [encode_entry(kind="segment", payload=_payload(i)).data for i in range(entries)]
    sha = hashlib.sha256
    rates = []
    for start in range(0, entries, BATCH):
        chunk = datas[start : start + BATCH]
        t0 = time.perf_counter()
        leaves = [sha(b"\x00" + d).digest() for d in chunk]
        # About one node hash per leaf, as the stored tree needs.
        nodes = [sha(b"\x01" + a + b).digest() for a, b in zip(leaves, leaves[1:] + leaves[:1], strict=True)]
        rates.append(len(chunk) / (time.perf_counter() - t0))
        del nodes
    return {"hash_median": statistics.median(rates)}


def _populate(entries: int) -> tuple[float, int]:
    """Write a tree of ``entries`` small entries straight into the tables; returns (seconds, data bytes)."""
    import importlib

    from django.db import connection
    from django.utils import timezone

    triggers = importlib.import_module("ledger.migrations.0002_append_only_triggers")
    t0 = time.perf_counter()
    sha = hashlib.sha256
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    datas = [b'{"kind":"segment","seq":%d}' % i for i in range(entries)]
    level = [sha(b"\x00" + d).digest() for d in datas]
    data_bytes = sum(map(len, datas))
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        # Bulk load without the search index and build it afterwards, as a restore would.
        cursor.execute('DROP INDEX IF EXISTS "ledger_entry_leaf_hash_idx"')
        raw = cursor.cursor
        if pg:
            with raw.copy('COPY ledger_entry ("index", kind, data, leaf_hash, created_at) FROM STDIN') as copy:
                for i, (d, h) in enumerate(zip(datas, level, strict=True)):
                    copy.write_row((i, "segment", d, h, now))
        else:
            raw.executemany(
                'INSERT INTO ledger_entry ("index", kind, data, leaf_hash, created_at) VALUES (?, ?, ?, ?, ?)',
                ((i, "segment", d, h, now) for i, (d, h) in enumerate(zip(datas, level, strict=True))),
            )
        del datas
        height = 0
        while len(level) > 1:
            height += 1
            level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
            rows = ((height, i, h) for i, h in enumerate(level))
            if pg:
                with raw.copy('COPY ledger_subtreehash (level, "index", hash) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                raw.executemany('INSERT INTO ledger_subtreehash (level, "index", hash) VALUES (?, ?, ?)', rows)
        for sql in triggers.POSTGRES_INDEX[:1] if pg else triggers.SQLITE_INDEX:
            cursor.execute(sql)
        if pg:
            cursor.execute("ANALYZE ledger_entry")
            cursor.execute("ANALYZE ledger_subtreehash")
    return time.perf_counter() - t0, data_bytes


def part_proofs(url: str, entries: int, key_dir: str, samples: int) -> dict[str, object]:
    _setup(url, key_dir)
    from django.db import connection, transaction

    from custodywatch_log import merkle
    from ledger import selectors

    if connection.vendor == "sqlite":
        # A fresh file written in one go: a rollback journal stays small where WAL would copy every page.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=DELETE")
            cursor.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        seconds, data_bytes = _populate(entries)
    total, _data = _storage_bytes()
    rng = random.Random(1)
    size = entries
    root = selectors.root(size=size)
    inclusion, consistency = [], []
    for _ in range(samples):
        index = rng.randrange(size)
        t0 = time.perf_counter()
        proof = selectors.inclusion_proof(index=index, size=size)
        inclusion.append(time.perf_counter() - t0)
        old = rng.randrange(1, size)
        t0 = time.perf_counter()
        cproof = selectors.consistency_proof(old=old, new=size)
        consistency.append(time.perf_counter() - t0)
    # Spot-check that what was timed is right.
    leaf = merkle.leaf_hash(b'{"kind":"segment","seq":%d}' % index)
    merkle.verify_inclusion(leaf, index, size, proof, root)
    merkle.verify_consistency(old, size, selectors.root(size=old), root, cproof)
    return {
        "populate_seconds": seconds,
        "inclusion_median_ms": statistics.median(inclusion) * 1000,
        "inclusion_p95_ms": statistics.quantiles(inclusion, n=20)[-1] * 1000,
        "consistency_median_ms": statistics.median(consistency) * 1000,
        "consistency_p95_ms": statistics.quantiles(consistency, n=20)[-1] * 1000,
        "bytes_per_entry": (total - data_bytes) / entries,
    }


# ---------------------------------------------------------------------------------------------
# Orchestration


class ThrowawayPostgres:
    """A private PostgreSQL server in a temporary directory (needs root, or to run as postgres)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.port = 55000 + os.getpid() % 400
        self.url = ""

    def _as_postgres(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True)

    def start(self) -> str | None:
        if not (PG_BIN / "initdb").exists():
            return None
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses='' -c fsync=on"
        log = str(self.dir / "log")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")
        self.url = f"postgres://postgres@/postgres?host={self.dir}&port={self.port}"
        return self.url

    def stop(self) -> None:
        if self.url:
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def _run_part(name: str, *args: str) -> dict[str, object]:
    return harness.run_part(__file__, name, *args)


def _row(name: str, value: str, target: str = "") -> str:
    return f"| {name:<58} | {value:>16} | {target:<14} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="PostgreSQL URL to benchmark (databases are created next to it)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--append", type=int, default=200_000, help="entries appended per database")
    parser.add_argument("--proof-entries", type=int, default=10_000_000, help="tree size for SQLite proofs")
    parser.add_argument("--pg-proof-entries", type=int, default=10_000_000, help="tree size for PostgreSQL proofs")
    parser.add_argument("--samples", type=int, default=2000, help="proofs timed per kind")
    parser.add_argument("--part", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.part:
        kind, *rest = args.part
        if kind == "append":
            out = part_append(rest[0], int(rest[1]), rest[2])
        elif kind == "baseline":
            from ledger.testing import configure_standalone

            configure_standalone("sqlite://:memory:", key_dir=tempfile.mkdtemp())
            out = part_baseline(int(rest[0]))
        else:
            out = part_proofs(rest[0], int(rest[1]), rest[2], int(rest[3]))
        print(json.dumps(out))
        return 0

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    # The ledger refuses a key directory inside the SQLite database's directory: keep it beside.
    keys = tempfile.mkdtemp(prefix="bench-ledger-keys-")
    server = None
    pg_url = args.postgres
    if not pg_url and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pg_url = os.environ["DATABASE_URL"]
    if not pg_url and not args.no_postgres:
        server = ThrowawayPostgres()
        try:
            pg_url = server.start()
        except (subprocess.CalledProcessError, OSError) as e:
            print(f"(could not start a throw-away PostgreSQL: {e}; PostgreSQL rows are skipped)")
            pg_url = None
    if args.no_postgres:
        pg_url = None
    drops = []
    try:
        results: dict[str, dict[str, object]] = {}
        print(f"hashing baseline ({args.append:,} entries) ...", flush=True)
        results["baseline"] = _run_part("baseline", str(args.append))
        print(f"SQLite appends ({args.append:,}) ...", flush=True)
        results["sqlite_append"] = _run_part("append", f"sqlite:///{work / 'append.sqlite3'}", str(args.append), keys)
        print(f"SQLite proofs at {args.proof_entries:,} entries (populating) ...", flush=True)
        results["sqlite_proofs"] = _run_part(
            "proofs", f"sqlite:///{work / 'proofs.sqlite3'}", str(args.proof_entries), keys, str(args.samples)
        )
        if pg_url:
            print(f"PostgreSQL appends ({args.append:,}) ...", flush=True)
            url, drop = harness.fresh_database(pg_url, "bench_ledger_append")
            drops.append(drop)
            results["pg_append"] = _run_part("append", url, str(args.append), keys)
            print(f"PostgreSQL proofs at {args.pg_proof_entries:,} entries (populating) ...", flush=True)
            url, drop = harness.fresh_database(pg_url, "bench_ledger_proofs")
            drops.append(drop)
            results["pg_proofs"] = _run_part("proofs", url, str(args.pg_proof_entries), keys, str(args.samples))
    finally:
        for drop in drops:
            drop()
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(keys, ignore_errors=True)

    base = results["baseline"]
    line = "+" + "-" * 60 + "+" + "-" * 18 + "+" + "-" * 16 + "+"
    print()
    print(line)
    print(_row("measurement (medians)", "value", "target"))
    print(line)
    print(_row("hashlib baseline: leaf + node hash per entry", f"{base['hash_median']:,.0f} /s"))
    for db, label in (("sqlite", "SQLite"), ("pg", "PostgreSQL")):
        append = results.get(f"{db}_append")
        if append:
            target = ">= 20,000 /s" if db == "sqlite" else "(report)"
            rate = f"{append['append_median']:,.0f} /s"
            print(_row(f"{label}: append_entries, encode + store, 4,096/tx", rate, target))
            print(_row(f"{label}: append_entries, store only", f"{append['store_median']:,.0f} /s"))
            print(_row(
                f"{label}: bytes/entry beyond data ({append['data_per_entry']:.0f} B data)",
                f"{append['bytes_per_entry']:,.0f} B", "<= 300 B",
            ))
        proofs = results.get(f"{db}_proofs")
        if proofs:
            n = args.proof_entries if db == "sqlite" else args.pg_proof_entries
            median = f"{proofs['inclusion_median_ms']:.3f} ms"
            print(_row(f"{label}: inclusion proof at {n:,} entries", median, "< 1 ms"))
            print(_row(f"{label}:   p95", f"{proofs['inclusion_p95_ms']:.3f} ms"))
            median = f"{proofs['consistency_median_ms']:.3f} ms"
            print(_row(f"{label}: consistency proof at {n:,} entries", median, "< 1 ms"))
            print(_row(f"{label}:   p95", f"{proofs['consistency_p95_ms']:.3f} ms"))
            print(_row(f"{label}: bytes/entry beyond data at {n:,}", f"{proofs['bytes_per_entry']:,.0f} B", "<= 300 B"))
            print(_row(f"{label}: (writing {n:,} entries directly took)", f"{proofs['populate_seconds']:.0f} s"))
    print(line)
    print(f"total run time {time.perf_counter() - started:.0f} s")
    return harness.verdict(_missed(results), label="TARGETS MISSED")


def _missed(results: dict[str, dict]) -> list[str]:
    """The targets of the table above that were missed."""
    missed = []
    if results.get("sqlite_append", {}).get("append_median", 20_000) < 20_000:
        missed.append("SQLite appends >= 20,000/s")
    for db in ("sqlite", "pg"):
        for part in ("append", "proofs"):
            if results.get(f"{db}_{part}", {}).get("bytes_per_entry", 0) > 300:
                missed.append(f"{db} {part}: <= 300 bytes per entry")
        proofs = results.get(f"{db}_proofs", {})
        for kind in ("inclusion", "consistency"):
            if proofs.get(f"{kind}_median_ms", 0) >= 1:
                missed.append(f"{db}: {kind} proof < 1 ms")
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
