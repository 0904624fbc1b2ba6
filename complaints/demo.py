"""Demo complaints for the fictional demo country: keys for the recipient bodies and sealed complaints.

Run after ``load_demo_country`` (``manage.py load_demo_complaints``). The keys are made with the
demo passphrase ``DEMO_PASSPHRASE`` (printed by the command, like the demo log-ins); an
organisation that already has a key keeps it. The complaints are sealed exactly as a terminal
seals them, to the routed bodies' keys, and spread over the last months and the facilities, with
a few handled already. Running it again adds nothing once demo complaints exist.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from accounts.permissions import CHILDRENS_OMBUDSMAN_TYPES
from complaints import keys
from complaints.models import Channel, Complaint, OrganisationKey, Priority
from complaints.models.recipient import seal_to
from complaints.services import deadlines, sealing
from custodywatch_terminal import sealing as terminal_sealing
from facilities.models import Facility

DEMO_PASSPHRASE = "demo-sealed-complaints-2026!"  # noqa: S105 (the fictional demo country only)
TEXTS = {
    "torture": "Guards beat me in the search room after the visit. I have bruises on my back.",
    "health": "I asked for a doctor three weeks ago for my tooth and nobody came.",
    "conditions": "Our cell has no heating at night and the window is broken.",
    "family": "My family's letters are not given to me since last month.",
    "legal_aid": "I cannot meet my lawyer alone; a guard always stays in the room.",
    "reprisal": "After I complained, I was moved to a worse block.",
    "other": "The shop prices are much higher than outside.",
}


@dataclass(frozen=True)
class DemoResult:
    keys_made: int
    complaints: int


def _organisations() -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for kind in (OrganisationKind.NPM, OrganisationKind.CHILDRENS_OMBUDSMAN, OrganisationKind.PROSECUTOR):
        organisation = Organisation.objects.filter(kind=kind).order_by("pk").first()
        if organisation is not None:
            found[str(kind)] = organisation
    return found


def load_demo_complaints(*, count: int = 60, seed: int = 8, passphrase: str = DEMO_PASSPHRASE) -> DemoResult:
    organisations = _organisations()
    made = 0
    for organisation in organisations.values():
        if not OrganisationKey.objects.filter(organisation=organisation, retired_at__isnull=True).exists():
            keys.create_organisation_key(organisation=organisation, passphrase=passphrase, by=None)
            made += 1
    if Complaint.objects.exists() or "npm" not in organisations:
        return DemoResult(keys_made=made, complaints=0)
    public = keys.active_public_keys(organisations.values())
    facilities = list(Facility.objects.filter(is_active=True).order_by("pk"))
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        for _i in range(count):
            facility = rng.choice(facilities)
            category = rng.choices(list(TEXTS), weights=[2, 5, 5, 3, 2, 1, 2])[0]
            document = terminal_sealing.Complaint(
                category=category, text=TEXTS[category], filed_at=now, language=rng.choice(["kk", "ru"]),
                minor=rng.random() < 0.1, urgent_danger=rng.random() < 0.05,
            )
            children = facility.type in CHILDRENS_OMBUDSMAN_TYPES
            routing = sealing.route(document, facility_holds_children=children)
            chosen = [organisations[str(kind)] for kind in routing.kinds if str(kind) in organisations]
            sealed = terminal_sealing.seal(document, [public[o.code] for o in chosen] + [
                k for k in [keys.recovery_recipient()] if k])
            received = now - dt.timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 23))
            priority = Priority.URGENT if routing.priority == "urgent" else Priority.STANDARD
            complaint = Complaint.objects.create(
                facility=facility, channel=rng.choice([Channel.LETTER, Channel.VISIT]), sealed=sealed.ciphertext,
                sealed_sha256=sealed.sha256, size_bucket=sealed.bucket, priority=priority, received_at=received,
                acknowledge_by=deadlines.acknowledge_by(priority=priority, received_at=received),
            )
            seal_to(complaint, chosen)
    return DemoResult(keys_made=made, complaints=count)
