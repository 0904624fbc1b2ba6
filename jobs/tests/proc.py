"""`python -m jobs.tests.proc DATABASE_URL JOBS_JSON`: queue jobs on a database of its own (migrated if it is not).

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
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from lib.testing.databases import migrate_if_needed

    migrate_if_needed()
    for spec in jobs:
        task = import_string(spec["task"])
        if spec.get("delay"):
            task = task.using(run_after=timezone.now() + timedelta(seconds=spec["delay"]))
        print(task.enqueue(**spec.get("kwargs", {})).id, flush=True)


if __name__ == "__main__":
    main()
