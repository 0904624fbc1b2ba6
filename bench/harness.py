"""What the benchmarks share: a scratch database, servers on loopback, percentiles, tables and the verdict.

Each benchmark keeps its own measurements, targets and table; this module holds the setup and the
reporting they would otherwise write again: Django on a throw-away database, gunicorn started with
``deploy/gunicorn.conf.py``, a part of a benchmark run in a process of its own, a PostgreSQL
database made for one run and dropped after it, and the exit code (non-zero when a target is missed).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# --- Percentiles ------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    """The value at rank ``int(q * n)`` of the sorted values (the largest for q near 1); NaN when empty."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def percentile_lower(values: Iterable[float], q: float) -> float:
    """The value at rank ``int(q * (n - 1))`` of the sorted values (never above the q-th, unlike ``percentile``)."""
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


# --- Django in this process -------------------------------------------------------------------


def django_on_scratch_database(*, prefix: str, database_url: str | None = None, allowed_hosts: str = "testserver",
                               **env: str) -> Path:
    """Set Django up for an in-process benchmark and return its scratch directory.

    The database is a new SQLite file in that directory, or ``database_url`` emptied first; static
    files are collected there (hashed names, as in production); the schema is migrated; the test
    environment is on (the test client, query capture). ``env`` adds or overrides variables.
    """
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.settings")
    os.environ["ALLOWED_HOSTS"] = allowed_hosts
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["DATA_DIR"] = str(workdir)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("collectstatic", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    if database_url:
        call_command("flush", interactive=False, verbosity=0)
    return workdir


def measure_page(label: str, url: str, http: Any, runs: int) -> dict[str, Any]:
    """GET ``url`` with a test client ``runs`` times after one warm-up, each response read whole.

    Returns the label, the last status and query count, and the median and p90 in milliseconds.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _read(http.get(url))  # warm caches and template loading
    timings, queries, status = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = http.get(url)
            _read(response)  # a streamed export is written while it is read
            timings.append((time.perf_counter() - t0) * 1000)
        queries, status = len(captured), response.status_code
    return {"label": label, "status": status, "median": statistics.median(timings),
            "p90": percentile_lower(timings, 0.9), "queries": queries}


def _read(response: Any) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


# --- Processes --------------------------------------------------------------------------------


def run_part(script: str | Path, name: str, *args: object) -> dict[str, Any]:
    """Run ``script --part name args...`` in a new Python process; its last output line is JSON."""
    done = subprocess.run([sys.executable, str(script), "--part", name, *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    if done.returncode:
        raise RuntimeError(f"part {name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    """A TCP port on loopback that nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn with ``deploy/gunicorn.conf.py`` on 127.0.0.1:``port``, its stderr kept for an error message.

    Its access log goes nowhere and it logs warnings only, unless ``env`` says otherwise.
    """
    env = {"GUNICORN_ACCESS_LOG": os.devnull, "LOG_LEVEL": "WARNING", **env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    # Its stderr goes to a file: a pipe nobody reads fills up and stalls every worker.
    log = tempfile.NamedTemporaryFile(prefix="cw-bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    process.log_path = log.name
    return process


def server_log(process: subprocess.Popen, *, tail: int = 3000) -> str:
    """The end of what a server started by ``start_gunicorn`` wrote to its stderr."""
    path = getattr(process, "log_path", None)
    return Path(path).read_text(errors="replace")[-tail:] if path else ""


def wait_until_listening(port: int, server: subprocess.Popen, *, timeout: float = 60.0) -> float:
    """Wait until ``server`` accepts connections on ``port``; return the seconds that took.

    Raises RuntimeError (with the end of the server's stderr, when kept) if it exits or the time runs out.
    """
    started = time.perf_counter()
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return time.perf_counter() - started
        except OSError:
            if time.perf_counter() - started > timeout or server.poll() is not None:
                server.kill()
                server.wait()
                raise RuntimeError(f"the server did not start: {server_log(server, tail=2000)}") from None
            time.sleep(0.05)


def stop(process: subprocess.Popen, *, timeout: float = 30.0) -> None:
    """Terminate ``process`` and wait for it; kill it if it does not go within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fresh_database(server_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """Create a new database on the PostgreSQL server of ``server_url`` (a libpq URI).

    Returns its URL (the server's query string kept) and a function that drops it.
    """
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    head, _sep, query = server_url.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else ""), drop


# --- Tables and the verdict -------------------------------------------------------------------


def print_boxed(rows: Sequence[tuple[str, str, str, bool]], *, value: int, target: int, met: int) -> None:
    """A boxed table of (measurement, value, target, met) rows; ``met`` is shown only where there is a target."""
    width = max(len(r[0]) for r in rows) + 2
    line = "+" + "-" * width + "+" + "-" * value + "+" + "-" * target + "+" + "-" * met + "+"
    print(line)
    print(f"| {'measurement (medians)':<{width - 1}}| {'value':<{value - 1}}| {'target':<{target - 1}}| "
          f"{'met':<{met - 1}}|")
    print(line)
    for name, shown, goal, ok in rows:
        mark = ("yes" if ok else "NO") if goal else ""
        print(f"| {name:<{width - 1}}| {shown:<{value - 1}}| {goal:<{target - 1}}| {mark:<{met - 1}}|")
    print(line)


def missed_rows(rows: Iterable[tuple[str, str, str, bool]]) -> list[str]:
    """The names of the (measurement, value, target, met) rows that have a target and missed it."""
    return [name for name, _value, target, met in rows if target and not met]


def print_page_table(rows: Sequence[dict[str, Any]], *, ok: Callable[[dict[str, Any]], bool], label_width: int,
                     rule: bool = False) -> int:
    """Pages measured like ``measure_page``, the first row the baseline; return how many missed ``ok``."""
    header = (f"{'page':<{label_width}} {'status':>6} {'median ms':>10} {'p90 ms':>8} {'x baseline':>10} "
              f"{'queries':>8}  target")
    print(header)
    if rule:
        print("-" * len(header))
    baseline = rows[0]["median"] or 1.0
    missed = 0
    for row in rows:
        met = ok(row)
        missed += not met
        print(f"{row['label']:<{label_width}} {row['status']:>6} {row['median']:>10.1f} {row['p90']:>8.1f} "
              f"{row['median'] / baseline:>10.1f} {row['queries']:>8}  {'met' if met else 'MISSED'}")
    return missed


def verdict(missed: Sequence[str], *, label: str = "targets missed") -> int:
    """Print the missed targets, if any, and return the benchmark's exit code (1 when one was missed)."""
    if missed:
        print(f"{label}: {'; '.join(missed)}")
        return 1
    return 0


def load_line() -> str:
    """This machine's CPU count and load, for a benchmark's heading."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load {load}"
