"""An import of a custody register in a process of its own, killed before it commits (crash test).

``python -m custody.tests.import_worker fault FILE`` migrates the database named by DATABASE_URL (if it is not),
makes a police centre with its cells, arms ``custody:import:before-commit`` with a SIGKILL and
imports FILE. ``python -m custody.tests.import_worker check`` prints what the database holds:
``detentions placements submissions alerts ledger_records``.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.test_settings")
    import django

    django.setup()
    from django.conf import settings

    settings.CUSTODY_PERSON_KEY = "custody-test-person-key-not-secret-0123456789"
    command, *rest = sys.argv[1:]
    if command == "fault":
        from pathlib import Path

        from custody.services.importing import import_file
        from facilities.factories import FacilityFactory, UnitFactory
        from lib import faultpoints
        from lib.testing.databases import migrate_if_needed

        migrate_if_needed()
        centre = FacilityFactory(code="TDC-1", type="police_tdc")
        for n in range(1, 5):
            UnitFactory(facility=centre, code=f"K-{n}", kind="cell", capacity=4)
        faultpoints.arm("custody:import:before-commit", faultpoints.kill)
        print("ready", flush=True)
        import_file(data=Path(rest[0]).read_bytes(), filename="tdc.csv", by=None)
        print("not killed", flush=True)
    else:
        from custody.models import Alert, CellPlacement, Detention, RegisterImport
        from ledger.models import Record

        print(Detention.objects.count(), CellPlacement.objects.count(), RegisterImport.objects.count(),
              Alert.objects.count(), Record.objects.filter(kind="custody:import").count(), flush=True)


if __name__ == "__main__":
    main()
