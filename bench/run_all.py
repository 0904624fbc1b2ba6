"""Run every benchmark in bench/ one after another and print their tables.

Each benchmark measures its own baseline in the same run (raw hashlib for the ledger, a trivial
page for the web pages) and reports medians. Run on an otherwise idle machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["bench_ledger_core.py", "bench_ledger_storage.py", "bench_ledger_write.py", "bench_ledger_proofs_http.py",
              "bench_pages.py", "bench_visits.py", "bench_custody.py", "bench_complaints.py",
              "bench_video.py"]  # bench_complaints.py runs bench_terminal.py and bench_complaints_inbox.py


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode:
            failed.append(name)
    if failed:
        print(f"\nTargets missed in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
