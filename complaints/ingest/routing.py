"""Routing lists on the server: issue a signed version, find the current one.

Each version is signed with the oversight body's routing key (``ingest.keys.routing_key``),
stored as ``RoutingList`` and committed to the ledger as a ``complaint:routing`` entry, so a
later claim that terminals were told to seal to someone else can be checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from complaints.ingest import keys
from complaints.models import RoutingList
from custodywatch_protocol import terminal as protocol
from ledger import interface as ledger

ROUTING_KIND = "complaint:routing"
KIND_OF_ORGANISATION = {"npm": "npm", "childrens_ombudsman": "childrens_ombudsman", "prosecutor": "prosecutor"}


class RoutingRefused(ValueError):
    def __init__(self, field: str, error: str) -> None:
        super().__init__(f"{field}: {error}")
        self.field = field
        self.error = error


def recipients_from_keys() -> tuple[list[protocol.Recipient], str]:
    """The recipients and recovery key from the organisations' active keys (``complaints.keys``)."""
    try:
        from complaints import keys as organisation_keys  # the officers' workspace keeps these
    except ImportError:
        raise RoutingRefused("recipients", "no organisation keys on this server: give the public keys") from None
    from accounts.models import Organisation

    public = organisation_keys.active_public_keys()
    kinds = dict(Organisation.objects.filter(code__in=public).values_list("code", "kind"))
    recipients = [protocol.Recipient(code, KIND_OF_ORGANISATION[kinds[code]], key)
                  for code, key in sorted(public.items()) if kinds.get(code) in KIND_OF_ORGANISATION]
    return recipients, organisation_keys.recovery_recipient()


def issue_routing_list(
    *, by: Any, recipients: Sequence[protocol.Recipient] | None = None, recovery: str | None = None,
    valid_for: timedelta = timedelta(days=90), now: datetime | None = None,
) -> RoutingList:
    """Sign the next version of the routing list, store it and commit it to the ledger."""
    now = (now or timezone.now()).replace(microsecond=0)
    if recipients is None or recovery is None:
        found, found_recovery = recipients_from_keys()
        recipients = found if recipients is None else recipients
        recovery = found_recovery if recovery is None else recovery
    with transaction.atomic():
        # The version lock: two issuers cannot both sign version n (the unique constraint decides).
        version = (RoutingList.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
        try:
            signed = protocol.sign_routing_list(
                keys.routing_key(), version=version, issued_at=now, expires_at=now + valid_for,
                recipients=recipients, recovery=recovery,
            )
        except protocol.RoutingError as exc:
            raise RoutingRefused(exc.field, exc.error) from None
        row = RoutingList.objects.create(version=version, body=signed.body, signature=signed.signature,
                                         issued_at=signed.issued_at, expires_at=signed.expires_at)
        ledger.record(kind=ROUTING_KIND, record={"v": 1, "version": version,
                                                 "sha256": hashlib.sha256(signed.body).hexdigest(),
                                                 "issued_by": getattr(by, "pk", None)},
                      scope=None, subject=f"complaints.routinglist:{version}")
    return row


def current_routing_list(*, now: datetime | None = None) -> RoutingList | None:
    """The newest version that has not expired."""
    now = now or timezone.now()
    return RoutingList.objects.filter(expires_at__gt=now).order_by("-version").first()


def parsed(row: RoutingList) -> protocol.RoutingList:
    return protocol.verify_routing_list(
        bytes(row.body), bytes(row.signature), public_key=keys.routing_key().public_key(), now=row.issued_at,
    )
