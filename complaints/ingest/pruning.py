"""Deleting old heartbeat records without weakening the chain checks.

A heartbeat record proves nothing once its number is behind the terminal's last record: the
gap check needs only the terminal's last number, the chain check its last hash (both on
``Terminal``) and the last record itself (kept, whatever its age). What an old number still
answers is "was it taken?": a record arriving with a number below the last one is a late record
filling a gap if that number was never taken, and a fork if it was. So each deleted heartbeat's
number is remembered in a ``PrunedHeartbeats`` run, and the intake treats a record arriving on
a pruned number as a fork (a terminal sends only its oldest unacknowledged record, which the
server holds as its last one, so an honest terminal never sends such a record again).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.models import PrunedHeartbeats, RecordKind, Terminal, TerminalRecord

BATCH = 5000


def retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "COMPLAINT_HEARTBEAT_RETENTION_DAYS", 30)))


def was_pruned(*, terminal: Terminal, seq: int) -> bool:
    """Whether the record numbered ``seq`` was a heartbeat taken and since deleted."""
    return PrunedHeartbeats.objects.filter(terminal=terminal, first_seq__lte=seq, last_seq__gte=seq).exists()


def prune_heartbeats(*, now: datetime | None = None, keep: timedelta | None = None) -> int:
    """Delete every terminal's heartbeat records received before ``now - keep`` (default: the
    setting), except each terminal's last record; returns how many were deleted."""
    cutoff = (now or timezone.now()) - (keep if keep is not None else retention())
    deleted = 0
    terminals = TerminalRecord.objects.filter(kind=RecordKind.HEARTBEAT, received_at__lt=cutoff).values("terminal")
    for terminal_id in Terminal.objects.filter(pk__in=terminals).values_list("pk", flat=True):
        while True:
            taken = _prune_batch(terminal_id, cutoff)
            deleted += taken
            if taken < BATCH:
                break
    return deleted


def _prune_batch(terminal_id, cutoff: datetime) -> int:
    with transaction.atomic():
        # The intake holds this row while it takes a record: no record arrives mid-prune.
        terminal = Terminal.objects.select_for_update().get(pk=terminal_id)
        old = TerminalRecord.objects.filter(terminal=terminal, kind=RecordKind.HEARTBEAT, received_at__lt=cutoff,
                                            seq__lt=terminal.last_seq)
        seqs = list(old.order_by("seq").values_list("seq", flat=True)[:BATCH])
        if not seqs:
            return 0
        for first, last in _runs(seqs):
            _remember(terminal, first, last, cutoff)
        TerminalRecord.objects.filter(terminal=terminal, seq__in=seqs, kind=RecordKind.HEARTBEAT).delete()
        return len(seqs)


def _runs(seqs: list[int]) -> list[tuple[int, int]]:
    """Sorted numbers as runs of consecutive ones: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for seq in seqs:
        if runs and seq == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    return runs


def _remember(terminal: Terminal, first: int, last: int, now: datetime) -> None:
    """Add the run, joined to a run that ends just before it or starts just after it."""
    before = PrunedHeartbeats.objects.filter(terminal=terminal, last_seq=first - 1).first()
    after = PrunedHeartbeats.objects.filter(terminal=terminal, first_seq=last + 1).first()
    if before is not None and after is not None:
        before.last_seq = after.last_seq
        after.delete()
        before.save(update_fields=["last_seq"])
    elif before is not None:
        before.last_seq = last
        before.save(update_fields=["last_seq"])
    elif after is not None:
        after.first_seq = first
        after.save(update_fields=["first_seq"])
    else:
        PrunedHeartbeats.objects.create(terminal=terminal, first_seq=first, last_seq=last, pruned_at=now)
