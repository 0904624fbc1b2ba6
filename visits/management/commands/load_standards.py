"""Load the standards catalogue (visits/standards/) as a catalogue version; safe to run again."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from visits.standards import DIRECTORY, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = "Load the standards catalogue (international indicators and national rules) as a version."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=DIRECTORY,
                            help="where indicators.yaml, indicators.kk-ru.yaml and national.yaml are")
        parser.add_argument("--no-demo-keys", action="store_true",
                            help="with the demo country loaded, do not give its bodies interview-notes keys")

    def handle(self, *args, directory: Path, no_demo_keys: bool = False, **options):
        try:
            loaded = load_catalogue(directory=directory)
        except CatalogueError as error:
            raise CommandError("; ".join(error.messages)) from None
        catalogue = loaded.catalogue
        state = "loaded" if loaded.created else "already loaded, nothing changed"
        self.stdout.write(f"Catalogue {catalogue.version}: {state} ({catalogue.themes.count()} themes, "
                          f"{catalogue.indicators.count()} indicators).")
        # The demo works after `make run`: its bodies seal interview notes to a demo key (visits.demo).
        from facilities.demo.loader import is_loaded

        if is_loaded() and not no_demo_keys:
            from visits.demo import give_demo_sealing_keys

            for key in give_demo_sealing_keys():
                self.stdout.write(f"Demo: interview notes of {key.organisation} are sealed to {key.recipient}; "
                                  f"its identity is in {key.identity_file}.")
