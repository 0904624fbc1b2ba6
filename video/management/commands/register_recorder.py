"""manage.py register_recorder FACILITY_CODE RECORDER_ID PUBLIC_KEY [--camera ID=ZONE ...]"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from facilities.models import Facility
from video import services
from video.models import Recorder


class Command(BaseCommand):
    help = "Register a recorder (NVR) of a facility with its public key, and its cameras."

    def add_arguments(self, parser):
        parser.add_argument("facility", help="the facility's institution code")
        parser.add_argument("recorder", help="the recorder's id (as it signs its manifests)")
        parser.add_argument("public_key", nargs="?", default="",
                            help="its Ed25519 public key (custodywatch-recorder generate-key prints it); "
                                 "leave out to add cameras to a registered recorder")
        parser.add_argument("--camera", action="append", default=[], metavar="ID=ZONE")
        parser.add_argument("--location", default="")

    def handle(self, *args, **options):
        facility = Facility.objects.filter(code=options["facility"]).first()
        if facility is None:
            raise CommandError(f"no facility with the code {options['facility']}")
        try:
            recorder = Recorder.objects.filter(code=options["recorder"], facility=facility).first()
            if recorder is None:
                recorder = services.register_recorder(facility=facility, code=options["recorder"],
                                                      public_key=options["public_key"], by=None)
                self.stdout.write(f"recorder {recorder.code} registered at {facility.code}")
            for spec in options["camera"]:
                code, sep, zone = spec.partition("=")
                if not sep:
                    raise CommandError(f"--camera {spec}: expected ID=ZONE")
                camera = services.register_camera(recorder=recorder, code=code, zone=zone,
                                                  location=options["location"], by=None)
                self.stdout.write(f"camera {camera.code} ({camera.zone}) registered on {recorder.code}")
        except ValidationError as e:
            raise CommandError("; ".join(f"{field}: {' '.join(m)}" for field, m in e.message_dict.items())) from None
