"""Ledger storage: the append-only entry and subtree-hash tables, checkpoints and cosignatures.

Every complete subtree of the RFC 9162 tree is stored exactly once: single-leaf subtrees (the
leaf hashes) as ``Entry.leaf_hash``, larger ones as ``SubtreeHash`` rows. That gives about two
stored hashes per leaf, so appending reads only the O(log n) hashes of the right edge and any root
or proof of any size is one query for O(log n) rows. Keeping the leaf hash on the entry rather than
as a third row per leaf saves a row header and an index entry per leaf (about 90 bytes per entry on
PostgreSQL), and the search-by-hash index lives on the entry table.

Entries, subtree hashes, checkpoints and cosignatures are append-only: migration
``0002_append_only_triggers`` installs triggers refusing UPDATE and DELETE on both databases.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from ledger.fields import LeafIndexField


def _is_sha256(field: str) -> Exact:
    return Exact(Length(field), 32)


class EntryKind(models.TextChoices):
    """Every kind of ledger entry; the values follow ``encoding.KIND_RE`` (``noun(:noun)*``)."""

    SEGMENT = "segment", _("Video segment manifest")
    CAMERA_NO_SIGNAL = "camera:no_signal", _("Camera without signal")
    FOOTAGE_ACCESS = "footage:access", _("Footage access")
    COMPLAINT_RECEIPT = "complaint:receipt", _("Complaint receipt")
    COMPLAINT_ACCESS = "complaint:access", _("Complaint opened by an officer")
    COMPLAINT_HANDLING = "complaint:handling", _("Complaint handled by an officer")
    REGISTRY_CHANGE = "registry:change", _("Registry change")
    VISIT_EVIDENCE = "visit:evidence", _("Monitoring visit evidence")
    COMPLAINT_ROUTING = "complaint:routing", _("Complaint terminals' routing list")
    VISIT_FINDING = "visit:finding", _("Monitoring visit finding")
    VISIT_RECOMMENDATION = "visit:recommendation", _("Recommendation and its follow-up")
    RETENTION_DELETION = "retention:deletion", _("Deletion under the retention policy")
    KEY_ROTATION = "key:rotation", _("Signing key rotation")
    CUSTODY_IMPORT = "custody:import", _("Custody register submission")
    CUSTODY_PHOTO = "custody:photo", _("Injury photograph")


class PublicationStatus(models.TextChoices):
    """Whether a checkpoint's cosignatures meet the witness quorum (derived, never stored)."""

    PUBLISHED = "published", _("Published: witness quorum met")
    AWAITING_WITNESSES = "awaiting_witnesses", _("Signed, awaiting witnesses")


class Entry(models.Model):
    """One leaf of the log: its index, kind, canonical bytes (see ``encoding``) and leaf hash."""

    index = LeafIndexField(primary_key=True)
    kind = models.CharField(max_length=40, choices=EntryKind.choices)
    data = models.BinaryField(max_length=4096)
    # SHA-256(0x00 || data): the level-0 subtree hash. Searched through an index the migration
    # creates per database (a hash index on PostgreSQL: equality is the only lookup).
    leaf_hash = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(index__gte=0), name="ledger_entry_index_not_negative"),
            models.CheckConstraint(condition=_is_sha256("leaf_hash"), name="ledger_entry_leaf_hash_is_sha256"),
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"


class SubtreeHash(models.Model):
    """The hash of the complete subtree of ``2**level`` leaves starting at leaf ``index * 2**level``.

    Only levels 1 and up: level 0 is ``Entry.leaf_hash``.
    """

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("subtree hash")
        verbose_name_plural = _("subtree hashes")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=63, index__gte=0), name="ledger_subtree_in_tree"
            ),
            models.CheckConstraint(condition=_is_sha256("hash"), name="ledger_subtree_hash_is_sha256"),
        ]

    def __str__(self) -> str:
        return f"subtree ({self.level}, {self.index})"


class SigningKey(models.Model):
    """Public metadata of a log signing key; the private seed lives under ``LEDGER_KEY_DIR``."""

    name = models.CharField(max_length=255)
    key_id = models.CharField(max_length=8)
    vkey = models.CharField(max_length=400, unique=True)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(retired_at__isnull=True), name="ledger_one_active_key_per_name"
            ),
        ]

    def __str__(self) -> str:
        return self.vkey


class Checkpoint(models.Model):
    """A signed C2SP checkpoint of the log at ``size`` (the note holds the log's signature only)."""

    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="checkpoints")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["-size", "-pk"]
        get_latest_by = ["size", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["size", "signing_key"], name="ledger_one_checkpoint_per_size_and_key"),
            models.CheckConstraint(condition=Q(size__gte=0), name="ledger_checkpoint_size_not_negative"),
            models.CheckConstraint(condition=_is_sha256("root"), name="ledger_checkpoint_root_is_sha256"),
        ]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    """A witness's cosignature/v1 line over a checkpoint, as returned by add-checkpoint."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.CharField(max_length=255)
    line = models.TextField()
    # The cosignature's own timestamp (POSIX seconds), signed by the witness.
    timestamp = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("cosignature")
        verbose_name_plural = _("cosignatures")
        ordering = ["witness"]
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_one_cosignature_per_witness"),
            models.CheckConstraint(condition=Q(timestamp__gt=0), name="ledger_cosignature_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"



class Record(models.Model):
    """A record an app committed to the log: the outbox row and, with it, the entry's opening.

    A service inserts it in its own transaction with ``index`` empty (pending); the sequencer sets
    ``index`` in the same transaction that appends ``data`` to the log, so a record is sequenced
    exactly once. ``record`` (canonical JSON) and ``salt`` open the commitment in ``data``: they
    never leave the database except to a reader whose mandate covers ``facility_id`` (the record's
    scope; None: no facility, national mandates only). ``subject`` names what the record is about
    (``app.model:pk``) so the app can find it again; it is never logged.

    Triggers (migration ``0003_records_outbox_and_openings``) refuse DELETE, and UPDATE of
    anything but an empty ``index``.
    """

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=40, choices=EntryKind.choices)
    data = models.BinaryField(max_length=4096)
    record = models.BinaryField()
    salt = models.BinaryField(max_length=32)
    facility_id = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("ledger record")
        verbose_name_plural = _("ledger records")
        indexes = [
            models.Index(fields=["kind", "subject"], name="ledger_record_subject_idx"),
            models.Index(fields=["id"], condition=Q(index__isnull=True), name="ledger_record_pending_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Exact(Length("salt"), 32), name="ledger_record_salt_is_32_bytes"),
            models.CheckConstraint(
                condition=Q(index__isnull=True) | Q(index__gte=0), name="ledger_record_index_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"record {self.pk} ({self.kind})"
