"""Which facility and record a ledger entry is about, for the reader's mandate only.

The log itself says nothing identifying: an entry carries a commitment, and the record it commits
to stays in the database, scoped like the record. This is the one place the ledger's pages ask
"what is entry N about?". The ledger keeps the openings of its entries (record and salt,
``ledger.interface.openings_for``, which applies the mandate); the answer is read from the opened
record. Only ``entry_subjects`` knows how.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can

REGISTRY_CHANGE = "registry:change"


@dataclass(frozen=True)
class EntrySubject:
    """What an entry is about: a facility and one of its records, with links the reader may follow."""

    facility: str
    facility_url: str
    record: str
    record_url: str | None


def entry_subjects(user: Any, indices: Iterable[int]) -> dict[int, EntrySubject]:
    """The subjects of the entries at ``indices`` that lie within ``user``'s mandate, in a few queries.

    An entry about a facility outside the mandate is simply absent, exactly like an entry that is
    about no record: the answer never reveals what it does not show. Fails closed: a user without
    the ledger capability gets nothing.
    """
    wanted = sorted({i for i in indices if isinstance(i, int) and i >= 0})
    if not wanted or not can(user, Capability.VIEW_LEDGER):
        return {}
    # The registry is asked lazily: the ledger app must load without the apps that log into it.
    from facilities.selectors import facilities_for

    records = _registry_records(user, wanted)
    ids = {r.get("facility") for r in records.values()} - {None}
    facilities = {f.pk: f for f in facilities_for(user).filter(pk__in=ids)} if ids else {}
    history = can(user, Capability.VIEW_REGISTRY_HISTORY)
    out: dict[int, EntrySubject] = {}
    for index, record in records.items():
        facility = facilities.get(record.get("facility"))
        if facility is None:
            continue
        out[index] = EntrySubject(
            facility=str(facility),
            facility_url=reverse("facilities:detail", args=[facility.pk]),
            record=_record_label(record),
            record_url=reverse("facilities:history", args=[facility.pk]) if history else None,
        )
    return out


def _registry_records(user: Any, indices: list[int]) -> dict[int, Mapping[str, Any]]:
    """The registry change records logged at ``indices`` (model, object, action, facility, values)."""
    from ledger.interface import openings_for

    openings = openings_for(user, indices)
    return {index: o.record_object for index, o in openings.items() if o.kind == REGISTRY_CHANGE}


def _record_label(record: Mapping[str, Any]) -> str:
    from facilities.models import ChangeAction

    before, after = record.get("before") or {}, record.get("after") or {}
    model = record.get("model")
    if model == "facilities.unit":
        label = _("Unit %(code)s") % {"code": after.get("code") or before.get("code", "")}
    elif model == "facilities.populationsnapshot":
        label = _("Population on %(date)s") % {"date": after.get("date") or before.get("date", "")}
    elif model == "facilities.facility":
        label = _("Registry record")
    else:
        label = _("Record %(id)s") % {"id": record.get("object_id", "")}
    action = record.get("action")
    if action in ChangeAction.values:
        label = f"{label} ({ChangeAction(action).label})"
    return label
