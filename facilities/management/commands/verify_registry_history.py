from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from facilities.audit import audit_registry_history


class Command(BaseCommand):
    help = "Check every registry change record against the ledger entry that committed it."

    def handle(self, *args, **options) -> None:
        problems = audit_registry_history()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} registry change(s) do not match the ledger")
        self.stdout.write(self.style.SUCCESS("Every registry change matches its ledger entry."))
