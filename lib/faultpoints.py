"""Named points in durable code paths where tests inject a failure (an exception or a kill).

Code that must survive a crash at any step calls ``reached("<area>:<step>")`` between its steps;
in production nothing is armed and the call is one dictionary lookup. Tests arm a point with
``armed(name, action)`` in-process, or from a subprocess with ``arm(name, kill)`` before running
the code path, so every order of failure can be exercised against real databases and files.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["FaultInjected", "arm", "armed", "disarm", "kill", "reached"]

_armed: dict[str, Callable[[], None]] = {}


class FaultInjected(RuntimeError):
    """The failure a test injected at a fault point."""


def reached(name: str) -> None:
    """Run the action armed at ``name``, if any (production: nothing is armed)."""
    action = _armed.get(name)
    if action is not None:
        action()


def kill() -> None:
    """End this process at once, as a power cut or ``kill -9`` would (no cleanup, no commit)."""
    os.kill(os.getpid(), signal.SIGKILL)


def raise_fault(name: str) -> Callable[[], None]:
    def action() -> None:
        raise FaultInjected(f"fault injected at {name}")

    return action


def arm(name: str, action: Callable[[], None] | None = None) -> None:
    """Make ``reached(name)`` run ``action`` (default: raise ``FaultInjected``)."""
    _armed[name] = action or raise_fault(name)


def disarm(name: str) -> None:
    _armed.pop(name, None)


@contextmanager
def armed(name: str, action: Callable[[], None] | None = None) -> Iterator[None]:
    """Arm ``name`` inside the block only."""
    arm(name, action)
    try:
        yield
    finally:
        disarm(name)
