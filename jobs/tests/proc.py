"""`python -m jobs.tests.proc DATABASE_URL JOBS_JSON`: migrate a database of its own and queue jobs.

JOBS_JSON is a list of {"task": dotted path, "kwargs": {...}, "delay": seconds}; prints one queued
job id per line. The tests then run real `manage.py run_worker`/`run_scheduler` processes on the
same database and read it with plain SQL (no third Django start-up, which is slow on a busy machine).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta


def main() -> None:
    database_url, jobs = sys.argv[1], json.loads(sys.argv[2])
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.test_settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from django.utils.module_loading import import_string

    call_command("migrate", verbosity=0)
    for spec in jobs:
        task = import_string(spec["task"])
        if spec.get("delay"):
            task = task.using(run_after=timezone.now() + timedelta(seconds=spec["delay"]))
        print(task.enqueue(**spec.get("kwargs", {})).id, flush=True)


if __name__ == "__main__":
    main()
