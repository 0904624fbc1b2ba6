"""Registry changes committed to the ledger, and the check that they were not rewritten since.

Each change is recorded through the ledger's interface: the log's public entry carries only the
kind, the hour and a salted commitment to the change record (its id, time, actor id, model,
object, facility, action, values before and after); the record and salt stay in the database,
scoped to the change's facility. A record altered in the database no longer opens the commitment
the published checkpoints cover; a deleted one leaves a logged subject with no change behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from facilities.models import RegistryChange
from ledger import interface as ledger

ENTRY_KIND = "registry:change"
CHUNK = 1000


def subject_of(change: RegistryChange) -> str:
    return f"facilities.registrychange:{change.pk}"


def change_record(change: RegistryChange) -> dict[str, Any]:
    """The change as the ledger commits to it (JSON values only)."""
    return {
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


def commit_changes(changes: list[RegistryChange]) -> list[ledger.Recorded]:
    """Record the changes in the ledger, in the caller's transaction, a chunk at a time."""
    recorded: list[ledger.Recorded] = []
    for start in range(0, len(changes), CHUNK):
        items = [
            ledger.Item(record=change_record(c), scope=c.facility_id, subject=subject_of(c))
            for c in changes[start:start + CHUNK]
        ]
        recorded += ledger.record_many(kind=ENTRY_KIND, items=items)
    return recorded


def attach_ledger_indices(changes: Iterable[RegistryChange]) -> None:
    """Set each change's ``ledger_index`` from the ledger, and ``ledger_pending`` when its record
    waits to be sequenced (index None but recorded) rather than missing from the ledger."""
    changes = list(changes)
    indices = ledger.indices_of(kind=ENTRY_KIND, subjects=[subject_of(c) for c in changes])
    for change in changes:
        subject = subject_of(change)
        change.ledger_index = indices.get(subject)
        change.ledger_pending = subject in indices and change.ledger_index is None


def unverifiable_changes(changes: Iterable[RegistryChange]) -> list[tuple[RegistryChange, str]]:
    """The changes whose record no longer matches what the ledger committed, each with the reason."""
    changes = list(changes)
    found = ledger.verify_records(kind=ENTRY_KIND, records={subject_of(c): change_record(c) for c in changes})
    bad = (ledger.VerificationStatus.DIFFERS, ledger.VerificationStatus.NOT_RECORDED)
    return [(c, found[subject_of(c)].reason) for c in changes if found[subject_of(c)].status in bad]


def audit_registry_history() -> list[str]:
    """Every disagreement between the registry's change records and the ledger, in plain words.

    Finds records rewritten after they were logged, records never logged, and logged changes
    whose record has since been deleted.
    """
    problems: list[str] = []
    known: set[str] = set()
    changes = RegistryChange.objects.order_by("pk").iterator(chunk_size=CHUNK)
    while chunk := list(islice(changes, CHUNK)):
        known.update(subject_of(change) for change in chunk)
        for change, reason in unverifiable_changes(chunk):
            problems.append(f"change {change.pk} ({change.model} {change.object_id}): {reason}")
    for subject, index in ledger.recorded_subjects(kind=ENTRY_KIND):
        if subject not in known:
            where = f"ledger entry {index}" if index is not None else "a pending ledger record"
            problems.append(f"{where} logs change {subject.rpartition(':')[2]}, which is gone from the registry")
    return problems
