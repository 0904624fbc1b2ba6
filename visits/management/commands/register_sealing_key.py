"""Give an oversight body the age key its interview notes are sealed to.

With --recipient, the body's own public key (age1...) is registered: the identity never leaves the
body. With --generate, a key pair is made here, the public half registered and the identity printed
once, to be stored by the body offline (the server keeps no copy).
"""

from __future__ import annotations

import pyrage
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from visits.services import register_sealing_key


class Command(BaseCommand):
    help = "Register the age public key that a body's interview notes are sealed to."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's code")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--recipient", help="the body's age public key (age1...)")
        group.add_argument("--generate", action="store_true",
                           help="make a key pair and print the identity once (keep it offline)")

    def handle(self, *args, organisation: str, recipient: str | None, generate: bool, **options):
        body = Organisation.objects.filter(code=organisation).first()
        if body is None or not body.is_oversight:
            raise CommandError(f"{organisation}: no oversight body has this code")
        identity = pyrage.x25519.Identity.generate() if generate else None
        try:
            public = str(identity.to_public()) if identity else recipient
            key = register_sealing_key(organisation=body, recipient=public)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Interview notes of {body.code} are now sealed to {key.recipient}.")
        if identity is not None:
            self.stdout.write("Identity (store it offline; it opens the notes with `age -d -i FILE`):")
            self.stdout.write(str(identity))
