"""verify-footage: which camera and time a copy of footage is, and whether it matches the ledger."""

from __future__ import annotations


def main() -> int:
    raise SystemExit("verify-footage: not built yet")
