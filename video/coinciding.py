"""Events elsewhere in the product that make a camera outage more serious when they coincide.

A complaint, a use-of-force report or a monitor's visit in the same facility around the time a
camera went dark raises the outage's severity and lengthens how long the footage around it must
be kept. The modules that know those events register a source here (in their AppConfig.ready)::

    from video import coinciding

    @coinciding.source("complaint")
    def complaints_near(facility_id, start, end):
        return [coinciding.Event("complaint", at) for at in ...]

A source returns only the kind and the time of each event (nothing about who or what), so the
outage can say "coincides with a complaint" to whoever may see the outage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Event", "around", "register", "source", "unregister"]


@dataclass(frozen=True)
class Event:
    kind: str  # "complaint", "use_of_force", "visit", ...
    at: datetime


Source = Callable[[int, datetime, datetime], Iterable[Event]]
_SOURCES: dict[str, Source] = {}


def register(name: str, function: Source) -> None:
    _SOURCES[name] = function


def unregister(name: str) -> None:
    _SOURCES.pop(name, None)


def source(name: str) -> Callable[[Source], Source]:
    def wrap(function: Source) -> Source:
        register(name, function)
        return function
    return wrap


def around(facility_id: int, start: datetime, end: datetime) -> list[Event]:
    """Every registered source's events in the facility between ``start`` and ``end``."""
    events: list[Event] = []
    for name in sorted(_SOURCES):
        events.extend(_SOURCES[name](facility_id, start, end))
    return sorted(events, key=lambda e: (e.at, e.kind))
