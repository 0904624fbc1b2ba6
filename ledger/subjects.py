"""Which facility and record a ledger entry is about, for the reader's mandate only.

The log itself says nothing identifying: an entry carries a commitment, and the record it commits
to stays in the database, scoped like the record. This is the one place the ledger's pages ask
"what is entry N about?". Today the answer comes from the registry's change records, which keep
the index of the entry that logged them (``RegistryChange.ledger_index``); when the ledger keeps
openings (record and salt) of its own, only ``entry_subjects`` changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from accounts.permissions import Capability, can


@dataclass(frozen=True)
class EntrySubject:
    """What an entry is about: a facility and one of its records, with links the reader may follow."""

    facility: str
    facility_url: str
    record: str
    record_url: str | None


def entry_subjects(user: Any, indices: Iterable[int]) -> dict[int, EntrySubject]:
    """The subjects of the entries at ``indices`` that lie within ``user``'s mandate, in one query.

    An entry about a facility outside the mandate is simply absent, exactly like an entry that is
    about no record: the answer never reveals what it does not show. Fails closed: a user without
    the ledger capability gets nothing.
    """
    wanted = sorted(set(indices))
    if not wanted or not can(user, Capability.VIEW_LEDGER):
        return {}
    # The registry is asked lazily: the ledger app must load without the apps that log into it.
    from facilities.models import RegistryChange
    from facilities.selectors import facilities_for

    changes = (
        RegistryChange.objects.filter(ledger_index__in=wanted, facility__in=facilities_for(user).values("pk"))
        .select_related("facility")
    )
    history = can(user, Capability.VIEW_REGISTRY_HISTORY)
    out: dict[int, EntrySubject] = {}
    for change in changes:
        facility = change.facility
        out[change.ledger_index] = EntrySubject(
            facility=str(facility),
            facility_url=reverse("facilities:detail", args=[facility.pk]),
            record=_record_label(change),
            record_url=reverse("facilities:history", args=[facility.pk]) if history else None,
        )
    return out


def _record_label(change: Any) -> str:
    from django.utils.translation import gettext as _

    before, after = change.before or {}, change.after or {}
    if change.model == "facilities.unit":
        record = _("Unit %(code)s") % {"code": after.get("code") or before.get("code", "")}
    elif change.model == "facilities.populationsnapshot":
        record = _("Population on %(date)s") % {"date": after.get("date") or before.get("date", "")}
    elif change.model == "facilities.facility":
        record = _("Registry record")
    else:
        record = _("Record %(id)s") % {"id": change.object_id}
    return f"{record} ({change.get_action_display()})"
