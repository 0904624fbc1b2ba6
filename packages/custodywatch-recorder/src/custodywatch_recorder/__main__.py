"""Entry point of the terminal agent."""

from __future__ import annotations


def main() -> int:
    raise SystemExit("custodywatch-recorder: not built yet")
