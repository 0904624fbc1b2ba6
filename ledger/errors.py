"""The ledger's own exceptions."""

from __future__ import annotations


class LedgerIntegrityError(Exception):
    """The stored tree is damaged or inconsistent: missing or wrong hashes, or missing entries."""


class LedgerForkError(LedgerIntegrityError):
    """Signing now would contradict a checkpoint already signed (e.g. the database was restored
    from an old backup, or stored hashes were altered). Nothing is signed; an operator must look."""


class SigningKeyError(Exception):
    """The log's signing key is missing, unreadable, or does not match the active key on record."""
