"""Set up a database for the sync kill test: ``python -m visits.tests.sync_server DATABASE_URL``.

Migrates that database (if it is not), makes the NPM with a monitor (and an API token), its interview-notes key,
a colony, a small catalogue and a planned visit, and prints {"token", "visit", "identity"} as JSON.
The server itself is complaints.tests.terminal_server.Server (gunicorn, SIGKILLed as a group).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys


def setup_main() -> None:
    os.environ["DATABASE_URL"] = sys.argv[1]
    import django

    django.setup()
    import pyrage

    from accounts.models import OrganisationKind, Role
    from accounts.services import issue_api_token
    from facilities.factories import FacilityFactory, OrganisationFactory, UserFactory
    from lib.testing.databases import migrate_if_needed
    from visits import services
    from visits.tests.followup.world import catalogue

    migrate_if_needed()
    npm = OrganisationFactory(code="npm", kind=OrganisationKind.NPM)
    monitor = UserFactory(username="aigerim.npm", organisation=npm, role=Role.MONITOR)
    identity = pyrage.x25519.Identity.generate()
    services.register_sealing_key(organisation=npm, recipient=str(identity.to_public()))
    colony = FacilityFactory(code="LA-155/1", type="colony_medium")
    catalogue()
    visit = services.plan_visit(by=monitor, facility=colony, planned_on=dt.date.today())
    token = issue_api_token(user=monitor, label="sync kill test", by=None)[1]
    print(json.dumps({"token": token, "visit": visit.pk, "identity": str(identity)}))


if __name__ == "__main__":
    setup_main()
