"""Load a simulated week of custody registers into the police centres of the registry, and a
sample of colonies' enrolment in education and rehabilitation programmes (demo data)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from custody.demo import load_enrolment_demo
from custody.models import Detention
from custody.services.register import Row, apply, resolve
from custody.simulate import CELLS, as_rows, simulate
from custody.validation import clean_placement, clean_record
from facilities.models import Facility, Unit, UnitKind


class Command(BaseCommand):
    help = ("Simulate a week of registers of up to N police centres (with planted breaches) and import them; "
            "add a sample of colonies' enrolment reports.")

    def add_arguments(self, parser):
        parser.add_argument("--centres", type=int, default=5)
        parser.add_argument("--per-day", type=int, default=6)

    def handle(self, *args, centres: int, per_day: int, **options):
        added = load_enrolment_demo()
        self.stdout.write(f"{added} enrolment reports of a sample of colonies." if added else
                          "The colonies' enrolment sample is already loaded (or there is no colony): nothing added.")
        found = list(Facility.objects.filter(type="police_tdc").order_by("code")[:centres])
        if not found:
            raise CommandError("no police temporary detention centre in the registry; load the demo country first")
        # The simulation numbers its records "<centre>-<n>" from 1: the first one tells a second run.
        if Detention.objects.filter(facility=found[0], record_id=f"{found[0].code}-1").exists():
            self.stdout.write("The simulated week is already loaded: nothing added.")
            return
        for facility in found:
            for cell in CELLS:
                Unit.objects.get_or_create(facility=facility, code=cell, defaults={
                    "name": cell, "kind": UnitKind.CELL, "capacity": 10, "living_space_m2": 20})
        now = timezone.now()
        start = (now - dt.timedelta(days=10)).replace(hour=0, minute=0, second=0, microsecond=0)
        sim = simulate(centres=[f.code for f in found], days=7, per_day=per_day, breach_rate=0.1, start=start)
        rows = []
        for n, (raw, cells) in enumerate(as_rows(sim.records), start=1):
            row = Row(fields=clean_record(raw, now=now), line=n + 1)
            for cell in cells:
                placement = clean_placement({k: v for k, v in cell.items() if v})
                row.placements.append(placement)
            rows.append(row)
        problems: list = []
        resolve(rows, by=None, problems=problems)
        if problems:
            raise CommandError(f"the simulation does not fit the registry: {problems[0].reason}")
        outcome = apply(rows, by=None, channel="file", sha256="0" * 64, filename="simulated-week.csv", now=now)
        self.stdout.write(f"{outcome.created} detentions in {len(found)} centres, {len(sim.planted)} planted breaches.")
