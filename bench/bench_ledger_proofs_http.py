"""Benchmark: inclusion proofs at 10 million entries through the HTTP API, from a freshly started server.

    .venv/bin/python bench/bench_ledger_proofs_http.py [--entries N] [--requests N] [--database-url URL]

Builds a log of ``--entries`` entries (default 10 million) in a temporary SQLite database (or the
empty PostgreSQL database given by ``--database-url``): the tree is written straight into the
tables from an in-memory tree, as ``bench_ledger_storage.py`` does, and its checkpoint is signed
over the stored root (the client checks every proof against it and the entry it asked for).
Then it starts the application server in a new process (production
settings, one API token), and asks ``GET /api/v1/ledger/entries/<leaf hash>/proof`` for random
entries one after another, checking every proof against the signed root.

Prints one table: the first request after the server answered its first ping (caches cold), then
the median and p99 of the rest, and for the baseline the same server's ``/api/v1/ledger/checkpoint``
(same authentication and JSON path, no proof) measured in the same run. Targets: first proof
< 1 s, median < 50 ms, p99 < 200 ms. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGETS = {"first proof": 1000.0, "proof median": 50.0, "proof p99": 200.0}  # milliseconds


def _entry(i: int) -> bytes:
    return b'{"kind":"segment","seq":%d}' % i  # what bench_ledger_storage._populate writes


def _env(database_url: str, key_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "custodywatch.settings",
        "DATABASE_URL": database_url,
        "LEDGER_KEY_DIR": str(key_dir),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LEDGER_WITNESSES": "[]",
        "LOG_LEVEL": "WARNING",
    }


def populate(entries: int) -> None:
    """(Subprocess) migrate, write the tree, sign its checkpoint, print a token and the vkey."""
    import django

    django.setup()
    from bench_ledger_storage import _populate
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import issue_api_token
    from custodywatch_log.checkpoint import Checkpoint as CheckpointBody
    from ledger import keys, selectors
    from ledger.models import Checkpoint

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        seconds, _ = _populate(entries)
    root = selectors.root(size=entries)  # O(log n) stored subtree hashes
    now = timezone.now()
    with transaction.atomic():
        signer, key = keys.current_signer(now=now)
        # Signed over the root computed here: sign_checkpoint would first re-audit all entries.
        note = CheckpointBody(origin=key.name, size=entries, root_hash=root).sign(signer)
        Checkpoint.objects.create(size=entries, root=root, note=note, signing_key=key, created_at=now)
    user = User.objects.create_superuser("bench", password=None)
    _, token = issue_api_token(user=user, label="bench", by=user)
    print(json.dumps({"token": token, "vkey": key.vkey, "root": root.hex(), "populate_s": seconds}), flush=True)


def _get(url: str, token: str) -> tuple[float, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, json.loads(body)


def _check(proof: dict, index: int, size: int, root: bytes) -> None:
    from custodywatch_log.merkle import leaf_hash, verify_inclusion

    assert proof["index"] == index
    assert proof["tree_size"] == size
    path = [base64.b64decode(p) for p in proof["inclusion_proof"]]
    verify_inclusion(leaf_hash(_entry(index)), index, size, path, root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temporary SQLite file)")
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate is not None:
        populate(args.populate)
        return 0
    from custodywatch_log.merkle import leaf_hash

    with tempfile.TemporaryDirectory(prefix="bench-proofs-") as tmp:
        (Path(tmp) / "db").mkdir()
        url = args.database_url or f"sqlite:///{Path(tmp) / 'db' / 'ledger.sqlite3'}"
        env = _env(url, Path(tmp) / "keys")
        started = time.perf_counter()
        setup = subprocess.run(
            [sys.executable, __file__, "--populate", str(args.entries)],
            env=env, capture_output=True, text=True, check=False, cwd=ROOT,
        )
        if setup.returncode:
            print(setup.stdout + setup.stderr)
            return 2
        made = json.loads(setup.stdout.strip().splitlines()[-1])
        build_s = time.perf_counter() - started
        root = bytes.fromhex(made["root"])
        port = harness.free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}/api/v1/ledger"
            try:
                boot_ms = harness.wait_until_listening(port, server) * 1000
            except RuntimeError:
                print("the server did not start")
                return 2
            rng = random.Random(1)
            n = args.entries
            indexes = [rng.randrange(n) for _ in range(args.requests + 1)]

            def proof(i: int) -> float:
                ms, body = _get(f"{base}/entries/{leaf_hash(_entry(i)).hex()}/proof", made["token"])
                _check(body, i, n, root)
                return ms

            first = proof(indexes[0])
            proofs, checkpoints = [], []
            for i in indexes[1:]:  # interleaved with the baseline, so load affects both alike
                proofs.append(proof(i))
                checkpoints.append(_get(f"{base}/checkpoint", made["token"])[0])
        finally:
            harness.stop(server, timeout=10)

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98]

    rows = [
        ("GET /checkpoint (baseline) median", statistics.median(checkpoints), None),
        ("GET /checkpoint (baseline) p99", p99(checkpoints), None),
        ("first proof from the fresh server", first, TARGETS["first proof"]),
        ("proof median", statistics.median(proofs), TARGETS["proof median"]),
        ("proof p99", p99(proofs), TARGETS["proof p99"]),
    ]
    print(
        f"proofs through HTTP at {n:,} entries ({'PostgreSQL' if args.database_url else 'SQLite'}); "
        f"{len(proofs)} requests; log built in {build_s:.0f} s; server listening after {boot_ms:.0f} ms; "
        f"{harness.load_line()}"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'ms':>8}  {'target':>8}  verdict")
    missed = []
    for name, ms, target in rows:
        verdict = "" if target is None else ("ok" if ms < target else "MISSED")
        if verdict == "MISSED":
            missed.append(name)
        limit = f"< {target:g}" if target else ""
        print(f"{name:<{width}}  {ms:>8.1f}  {limit:>8}  {verdict}")
    return harness.verdict(missed, label="TARGETS MISSED")


if __name__ == "__main__":
    raise SystemExit(main())
