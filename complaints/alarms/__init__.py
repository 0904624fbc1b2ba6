"""Suppression alarms: signs that a facility may be hiding, delaying or forging complaints.

Alarms are ``TerminalAlarm`` rows, listed to oversight bodies only (never to facility users).
``raise_alarm`` is the one way to raise one; other parts hook notifications onto it through
``ALARM_HOOKS`` (callables taking the alarm; they must carry no complaint content).
Repeated alarms of one kind about the same thing (``key``) while the first is open are counted
on it instead of piling up: a proxy replaying a thousand packets raises one replay alarm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from complaints.models import AlarmKind, Terminal, TerminalAlarm

logger = logging.getLogger("complaints.alarms")

ALARM_HOOKS: list[Callable[[TerminalAlarm], None]] = []
MAX_OCCURRENCES = 20


def raise_alarm(
    *, kind: str, facility: Any, terminal: Terminal | None = None, evidence: Mapping[str, Any] | None = None,
    key: str = "", now: datetime | None = None,
) -> TerminalAlarm:
    """Record an alarm (or count it on the open one with the same kind, terminal and key).

    ``evidence`` holds numbers, hashes and signed records (base64), never content. Hooks run once
    the transaction commits, for a new alarm only.
    """
    if kind not in AlarmKind.values:
        raise ValueError(f"{kind!r} is not an alarm kind")
    now = now or timezone.now()
    evidence = dict(evidence or {})
    with transaction.atomic():
        open_alarm = (
            TerminalAlarm.objects.select_for_update()
            .filter(kind=kind, terminal=terminal, facility=facility, resolved_at__isnull=True, evidence__key=key)
            .order_by("-raised_at").first()
        )
        if open_alarm is not None:
            seen = open_alarm.evidence
            seen["count"] = int(seen.get("count", 1)) + 1
            seen["last_at"] = now.isoformat()
            later = seen.setdefault("later", [])
            if len(later) < MAX_OCCURRENCES:
                later.append(evidence)
            open_alarm.save(update_fields=["evidence"])
            return open_alarm
        alarm = TerminalAlarm.objects.create(
            kind=kind, terminal=terminal, facility=facility, raised_at=now,
            evidence={**evidence, "key": key, "count": 1},
        )
        logger.warning("Suppression alarm %s (terminal %s)", kind, terminal.pk if terminal else "-")
        transaction.on_commit(lambda: _notify(alarm))
    return alarm


def _notify(alarm: TerminalAlarm) -> None:
    for hook in list(ALARM_HOOKS):
        try:
            hook(alarm)
        except Exception:  # a failing notifier must not lose the alarm, which is already stored
            logger.exception("Alarm hook %r failed", hook)


def resolve_alarm(*, alarm: TerminalAlarm, by: Any, now: datetime | None = None) -> TerminalAlarm:
    """Mark an alarm as looked at; its evidence stays."""
    alarm.resolved_at = now or timezone.now()
    alarm.evidence = {**alarm.evidence, "resolved_by": getattr(by, "pk", None)}
    alarm.save(update_fields=["resolved_at", "evidence"])
    return alarm
