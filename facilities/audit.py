"""Registry changes committed to the ledger, and the check that they were not rewritten since.

A change's ledger entry carries only a commitment: the SHA-256 of the change record in a
canonical JSON form (its id, time, actor id, model, object, action, values before and after).
Anyone holding the record can recompute it; a record altered in the database no longer matches
the entry the published checkpoints cover.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from facilities.models import RegistryChange
from ledger.encoding import NewEntry, decode_entry, encode_entry
from ledger.models import Entry

ENTRY_KIND = "registry:change"


def change_commitment(change: RegistryChange) -> str:
    record = {
        "id": change.pk,
        "at": change.at.isoformat(),
        "actor": change.actor_id,
        "model": change.model,
        "object_id": change.object_id,
        "facility": change.facility_id,
        "action": change.action,
        "before": change.before,
        "after": change.after,
    }
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ledger_entry(change: RegistryChange) -> NewEntry:
    return encode_entry(
        kind=ENTRY_KIND,
        payload={
            "change": change.pk,
            "model": change.model,
            "object": change.object_id,
            "action": change.action,
            "record_sha256": change_commitment(change),
        },
    )


def commit_changes(changes: list[RegistryChange]) -> None:
    """Append the changes' entries to the ledger and remember their indices (caller's transaction)."""
    from ledger.services import append_entries

    indices = append_entries(entries=[ledger_entry(change) for change in changes])
    for change, index in zip(changes, indices, strict=True):
        change.ledger_index = index
    RegistryChange.objects.bulk_update(changes, ["ledger_index"])


def unverifiable_changes(changes: Iterable[RegistryChange]) -> list[tuple[RegistryChange, str]]:
    """The changes whose record no longer matches its ledger entry, each with the reason."""
    changes = list(changes)
    entries = Entry.objects.in_bulk([c.ledger_index for c in changes if c.ledger_index is not None])
    problems = []
    for change in changes:
        entry = entries.get(change.ledger_index)
        if entry is None:
            problems.append((change, "no ledger entry"))
            continue
        logged = decode_entry(bytes(entry.data))
        if logged.get("kind") != ENTRY_KIND or logged.get("change") != change.pk:
            problems.append((change, f"ledger entry {change.ledger_index} is about something else"))
        elif logged.get("record_sha256") != change_commitment(change):
            problems.append((change, f"the record differs from what ledger entry {change.ledger_index} committed"))
    return problems


def audit_registry_history() -> list[str]:
    """Every disagreement between the registry's change records and the ledger, in plain words.

    Finds records rewritten after they were logged, records never logged, and logged changes
    whose record has since been deleted.
    """
    changes = list(RegistryChange.objects.order_by("pk"))
    problems = [f"change {change.pk} ({change.model} {change.object_id}): {reason}"
                for change, reason in unverifiable_changes(changes)]
    known = {change.pk for change in changes}
    for entry in Entry.objects.filter(kind=ENTRY_KIND).order_by("index").iterator():
        logged = decode_entry(bytes(entry.data))
        if logged["change"] not in known:
            problems.append(
                f"ledger entry {entry.index} logs change {logged['change']}, which is gone from the registry"
            )
    return problems
