"""The visits part of the demo: every oversight body of the demo country gets an interview-notes key.

Run by `load_standards` once the demo country is loaded (never otherwise: a real body registers
its own public key with `register_sealing_key --recipient`). A body that already has a key keeps
it. The demo identities are written to `VAR_DIR/demo-keys/<code>.age-identity` (mode 0600) so
that the walkthrough can open a sealed note with `age -d -i`; they are demo data, not secrets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyrage
from django.conf import settings

from accounts.models import Organisation, OrganisationKind
from visits.models import SealingKey
from visits.services import register_sealing_key


@dataclass(frozen=True)
class DemoKey:
    organisation: str
    recipient: str
    identity_file: Path


def demo_keys_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-keys"


def give_demo_sealing_keys() -> list[DemoKey]:
    """A sealing key for each oversight body without one; returns the keys made (none the second time)."""
    made = []
    directory = demo_keys_dir()
    bodies = Organisation.objects.filter(kind__in=sorted(OrganisationKind.oversight())).order_by("code")
    for body in bodies:
        if SealingKey.objects.filter(organisation=body, retired_at__isnull=True).exists():
            continue
        identity = pyrage.x25519.Identity.generate()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{body.code}.age-identity"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(f"# demo identity of {body.code}: opens its interview notes\n{identity}\n")
        key = register_sealing_key(organisation=body, recipient=str(identity.to_public()))
        made.append(DemoKey(body.code, key.recipient, path))
    return made
