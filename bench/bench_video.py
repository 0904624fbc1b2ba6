"""Benchmark of video integrity: hashing footage, ingesting manifests, finding gaps.

    .venv/bin/python bench/bench_video.py [--hash-mib 1024] [--segments 60000] [--cameras 20000] [--repeat 3]

Prints one table (medians of ``--repeat`` runs) and exits non-zero when a target is missed:

* **hashing in the recorder**: ``custodywatch_protocol.recorder.sha256_file`` (what the recorder
  agent runs on each closed segment) over ``--hash-mib`` MiB of segment-sized files, against
  ``sha256sum`` on the same files in the same run, runs interleaved, files in the page cache.
  Target: at least 90% of ``sha256sum``'s speed.
* **manifest ingest end to end**: signed submissions (1,000 manifests of 10 cameras each, one
  batch signature each as ``custodywatch-recorder`` sends them, protocol v2) POSTed from four
  client threads (``BENCH_CLIENTS`` in the environment to change) to ``/api/v1/video/manifests`` on
  gunicorn (``deploy/gunicorn.conf.py``), which checks each signature, sequence, chain and clock
  and commits them through the ledger's outbox; a sequencer process (``run_sequencer``) appends
  them to the log. The rate counts segments from the first request until the last one's ledger
  entries have their index; the latency is from sending a submission to its last entry's index,
  p99. Target: >= 10,000 segments/s. Baseline in the same run: Ed25519 verification alone of the
  same manifests in one process (the one cost no implementation avoids).
* **gap detection**: ``video.gaps.find_gaps`` over one simulated day of ``--cameras`` cameras with
  10-second segments (8,640 per camera; one camera in a hundred loses a stretch), camera by camera
  as the job runs it; peak memory (RSS) reported. Target < 60 s. Baseline: making the day's
  timestamps alone.

Runs on a temporary SQLite database (``--postgres URL`` for a PostgreSQL server you provide).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness
from harness import percentile as _p

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HASH_TARGET = 0.90
INGEST_TARGET = 10_000
GAPS_TARGET = 60.0
PER_SUBMISSION = 1_000
CAMERAS_PER_RECORDER = 10


# --- Hashing ----------------------------------------------------------------------------------


def bench_hashing(mib: int, repeat: int) -> dict:
    from custodywatch_protocol.recorder import sha256_file

    directory = Path(tempfile.mkdtemp(prefix="cw-hash-"))
    try:
        files = []
        size = 16 * 1024 * 1024  # about a minute of 2 Mbit/s video: a large segment
        for i in range(max(1, mib // 16)):
            path = directory / f"seg_{i:05d}.ts"
            path.write_bytes(os.urandom(size))
            files.append(path)
        total = sum(p.stat().st_size for p in files)
        sha256sum = shutil.which("sha256sum")
        if sha256sum is None:
            raise RuntimeError("sha256sum is not installed")
        ours, theirs = [], []
        subprocess.run([sha256sum, *map(str, files)], check=True, stdout=subprocess.DEVNULL)  # warm the cache
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sha256sum, *map(str, files)], check=True, stdout=subprocess.DEVNULL)
            theirs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for path in files:
                sha256_file(str(path))
            ours.append(time.perf_counter() - t0)
        return {"bytes": total, "ours": statistics.median(ours), "sha256sum": statistics.median(theirs)}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# --- Ingest -----------------------------------------------------------------------------------


def _django(url: str, key_dir: str) -> None:
    os.environ.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "custodywatch.settings", "DEBUG": "0",
        "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0", "LEDGER_KEY_DIR": key_dir, "LEDGER_SEQUENCER": "process",
    })
    import django

    django.setup()


def _submissions(segments: int) -> tuple[list[bytes], list]:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from facilities.factories import FacilityFactory
    from video.testing import SimulatedRecorder

    call_command("migrate", verbosity=0)
    facility = FacilityFactory(code="BENCH-1")
    per_camera = PER_SUBMISSION // CAMERAS_PER_RECORDER
    submissions_wanted = max(1, segments // PER_SUBMISSION)
    # Each recorder sends a few submissions in a row (its chain continues); recorders in parallel.
    rounds = 3
    recorders = [SimulatedRecorder.create(facility, code=f"nvr-{r}",
                                          cameras={f"cam-{k}": "corridor" for k in range(CAMERAS_PER_RECORDER)})
                 for r in range(max(1, submissions_wanted // rounds))]
    start = timezone.now() - timedelta(seconds=10 * per_camera * rounds + 60)
    data, signed_all = [], []
    for nvr in recorders:  # a recorder's submissions in the order it sends them
        nvr.version = 2  # one batch signature per submission, as custodywatch-recorder sends them
        for round_ in range(rounds):
            messages = [nvr.segment(f"cam-{k}", start + timedelta(seconds=10 * (round_ * per_camera + i)))
                        for k in range(CAMERAS_PER_RECORDER) for i in range(per_camera)]
            signed = nvr.sign(*messages)
            signed_all.extend((nvr.key.public_key(), s) for s in signed)
            data.append(nvr.submission(*signed))
    return [data[i:i + rounds] for i in range(0, len(data), rounds)], signed_all


def bench_ingest(url: str, key_dir: str, segments: int, workdir: str) -> dict:
    _django(url, key_dir)
    from django.db import connections

    from custodywatch_protocol import recorder as rp
    from ledger.models import Record

    per_recorder, signed = _submissions(segments)
    data = [body for group in per_recorder for body in group]
    t0 = time.perf_counter()
    for public, message in signed:
        rp.verify(message, public)
    verify_rate = len(signed) / (time.perf_counter() - t0)
    connections.close_all()

    port = harness.free_port()
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": os.devnull,
           "LOG_LEVEL": "WARNING", "DATA_DIR": workdir}
    sequencer = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "run_sequencer", "--poll", "0.02"],
                                 env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    gunicorn = harness.start_gunicorn(port, env)

    def server_log() -> str:
        return harness.server_log(gunicorn)

    def probe() -> int:
        # Generous: on a busy machine a worker may take a while to import the project (not timed).
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("POST", "/api/v1/video/manifests", body=b"{}", headers={"Content-Type": "application/json"})
            return conn.getresponse().status
        finally:
            conn.close()

    try:
        harness.wait_until_listening(port, gunicorn)
        for _ in range(16):  # every worker serves the endpoint once before the clock starts
            if probe() != 400:
                raise RuntimeError(f"the server does not answer the manifests endpoint: {server_log()}")
        # Each client sends whole recorders' sequences, in order (a recorder sends one batch at a time).
        numbered = iter(range(len(data)))
        queue = [[(next(numbered), body) for body in group] for group in per_recorder]
        lock = threading.Lock()
        sent: dict[int, tuple[float, list[int]]] = {}
        done: dict[int, float] = {}
        accepted = [0]
        answered: list[float] = []
        errors: list[str] = []

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                send(conn)
            except OSError as e:
                errors.append(repr(e))

        def send(conn: http.client.HTTPConnection) -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    group = queue.pop(0)
                for n, body in group:
                    post(conn, n, body)

        def post(conn: http.client.HTTPConnection, n: int, body: bytes) -> None:
            t = time.perf_counter()
            conn.request("POST", "/api/v1/video/manifests", body=body,
                         headers={"Content-Type": "application/json", "Host": "127.0.0.1"})
            response = conn.getresponse()
            answer = response.read()
            answered.append(time.perf_counter() - t)
            if response.status != 200:
                errors.append(f"{response.status}: {answer[:300]!r}")
                return
            result = json.loads(answer)
            if result["refused"]:
                errors.append(f"refused: {result['refused'][:2]}")
            with lock:
                accepted[0] += len(result["accepted"])
                sent[n] = (t, result["records"])

        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                with lock:
                    waiting = {n: ids for n, (_t, ids) in sent.items() if n not in done}
                ids = [i for group in waiting.values() for i in group]
                if ids:
                    pending = set(Record.objects.filter(pk__in=ids, index__isnull=True).values_list("pk", flat=True))
                    now = time.perf_counter()
                    for n, group in waiting.items():
                        if not pending & set(group):
                            done[n] = now
                time.sleep(0.02)
            connections.close_all()

        watcher = threading.Thread(target=watch)
        watcher.start()
        begin = time.perf_counter()
        clients = [threading.Thread(target=client) for _ in range(int(os.environ.get("BENCH_CLIENTS", "4")))]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        deadline = time.perf_counter() + 120
        while len(done) < len(sent) and time.perf_counter() < deadline:
            time.sleep(0.01)
        stop.set()
        watcher.join()
        if errors or not done:
            gunicorn.kill()
            raise RuntimeError(f"{len(errors)} of {len(data)} submissions failed ({len(done)} indexed): "
                               f"{errors[:3]}; gunicorn said: {server_log()}")
        end = max(done.values())
        latencies = [done[n] - sent[n][0] for n in done]
        return {"segments": accepted[0], "expected": len(signed), "rate": accepted[0] / (end - begin),
                "p99": _p(latencies, 0.99), "p50": _p(latencies, 0.5), "verify_rate": verify_rate,
                "submissions": len(sent), "request_p50": _p(answered, 0.5), "request_max": max(answered),
                "wall": end - begin}
    finally:
        harness.stop(gunicorn)
        harness.stop(sequencer)


# --- Gap detection ----------------------------------------------------------------------------


def bench_gaps(cameras: int) -> dict:
    import numpy as np

    # video.gaps is a Django module (its job reads the database); its core needs only the import.
    scratch = tempfile.mkdtemp(prefix="cw-gaps-")
    _django(f"sqlite:///{scratch}/unused.sqlite3", tempfile.mkdtemp(prefix="cw-gaps-keys-"))
    from video.gaps import find_gaps

    per_day = 8_640
    rng = np.random.default_rng(42)
    day = 1_796_000_000_000
    base = np.arange(per_day, dtype=np.int64) * 10_000 + day
    make = detect = 0.0
    outages = 0
    for camera in range(cameras):
        t0 = time.perf_counter()
        starts = base + rng.integers(0, 50, per_day)
        ends = starts + 10_000
        if camera % 100 == 0:
            cut = int(rng.integers(0, per_day - 700))
            keep = np.ones(per_day, dtype=bool)
            keep[cut:cut + int(rng.integers(30, 600))] = False
            starts, ends = starts[keep], ends[keep]
        t1 = time.perf_counter()
        outages += len(find_gaps(starts, ends, 60_000))
        detect += time.perf_counter() - t1
        make += t1 - t0
    return {"cameras": cameras, "segments": cameras * per_day, "detect": detect, "make": make, "outages": outages,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# --- Driver -----------------------------------------------------------------------------------


def _part(name: str, *args: str) -> dict:
    return harness.run_part(__file__, name, *args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hash-mib", type=int, default=1024)
    parser.add_argument("--segments", type=int, default=60_000)
    parser.add_argument("--cameras", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a throw-away database is made in it)")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--key-dir", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part == "hash":
        print(json.dumps(bench_hashing(args.hash_mib, args.repeat)))
        return 0
    if args.part == "ingest":
        print(json.dumps(bench_ingest(args.url, args.key_dir, args.segments, args.workdir)))
        return 0
    if args.part == "gaps":
        print(json.dumps(bench_gaps(args.cameras)))
        return 0

    rows = []
    hashing = _part("hash", "--hash-mib", str(args.hash_mib), "--repeat", str(args.repeat))
    share = hashing["sha256sum"] / hashing["ours"]
    mb = hashing["bytes"] / 1e6
    rows.append(("hashing in the recorder / sha256sum, same files", f"{mb / hashing['ours']:,.0f} / "
                 f"{mb / hashing['sha256sum']:,.0f} MB/s = {share:.0%}", f">= {HASH_TARGET:.0%}", share >= HASH_TARGET))

    ingests = []
    for _ in range(args.repeat):
        workdir = tempfile.mkdtemp(prefix="cw-video-")
        key_dir = tempfile.mkdtemp(prefix="cw-video-keys-")
        url = f"sqlite:///{workdir}/bench.sqlite3"
        drop = None
        if args.postgres:
            url, drop = harness.fresh_database(args.postgres, "cw_bench_video")
        try:
            ingests.append(_part("ingest", "--url", url, "--key-dir", key_dir, "--segments", str(args.segments),
                                 "--workdir", workdir))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            shutil.rmtree(key_dir, ignore_errors=True)
            if drop:
                drop()
    rate = statistics.median(i["rate"] for i in ingests)
    all_taken = all(i["segments"] == i["expected"] for i in ingests)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    rows.append((f"manifest ingest through gunicorn, {engine} ({ingests[0]['segments']:,} segments in "
                 f"{ingests[0]['submissions']} submissions)", f"{rate:,.0f} segments/s", f">= {INGEST_TARGET:,}/s",
                 rate >= INGEST_TARGET and all_taken))
    rows.append(("  submission -> ledger index, p50 / p99",
                 f"{statistics.median(i['p50'] for i in ingests) * 1000:,.0f} / "
                 f"{statistics.median(i['p99'] for i in ingests) * 1000:,.0f} ms", "reported", True))
    rows.append(("  baseline: Ed25519 verification alone, one process",
                 f"{statistics.median(i['verify_rate'] for i in ingests):,.0f} manifests/s", "baseline", True))

    gaps = [_part("gaps", "--cameras", str(args.cameras)) for _ in range(args.repeat)]
    detect = statistics.median(g["detect"] for g in gaps)
    rss = max(g["rss_mib"] for g in gaps)
    rows.append((f"gap detection, one day of {args.cameras:,} cameras ({gaps[0]['segments']:,} segments, "
                 f"{gaps[0]['outages']} outages)", f"{detect:,.1f} s, peak RSS {rss:,.0f} MiB",
                 f"< {GAPS_TARGET:.0f} s", detect < GAPS_TARGET))
    rows.append(("  baseline: making the day's timestamps", f"{statistics.median(g['make'] for g in gaps):,.1f} s",
                 "baseline", True))

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median':<34}  {'target':<14}  ok")
    for label, value, target, ok in rows:
        print(f"{label:<{width}}  {value:<34}  {target:<14}  {'yes' if ok else 'MISSED'}")
    return 0 if all(ok for *_rest, ok in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
