"""Terminals, the records they sent, routing lists and suppression alarms.

A ``Terminal`` is registered with its Ed25519 device key (which signs every record) and its
X25519 transport key (to which the server's answers are bound). ``TerminalRecord`` keeps every
signed record the server accepted, byte for byte, so an acknowledgement can be repeated and a
fork (two signed records with one number) is transferable proof. ``PacketChunk`` holds the parts
of a sealed blob until it is whole. ``TerminalAlarm`` rows go to oversight bodies only.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Terminal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="terminals")
    label = models.CharField(_("label"), max_length=100)
    # Raw public keys, hex (32 bytes each).
    device_public_key = models.CharField(max_length=64, unique=True)
    transport_public_key = models.CharField(max_length=64)
    registered_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    # The terminal sends one packet per tick; silence beyond a few ticks raises an alarm.
    schedule_seconds = models.PositiveIntegerField(default=60)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_record_hash = models.CharField(max_length=64, blank=True, default="")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # The packet counter of the last packet taken: a packet that repeats an older one is a replay.
    last_tx = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["facility", "label"]
        constraints = [
            models.CheckConstraint(condition=Q(schedule_seconds__gte=1), name="terminal_schedule_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class RecordKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    MESSAGE = "message", _("Message")
    HEARTBEAT = "heartbeat", _("Heartbeat")
    LOOKUP = "lookup", _("Lookup")


class TerminalRecord(models.Model):
    """A signed record the server accepted into the terminal's chain (one per terminal and seq)."""

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="records")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    record_hash = models.CharField(max_length=64)
    # The canonical record and its signature exactly as received: transferable proof.
    signed = models.BinaryField()
    received_at = models.DateTimeField()
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Ledger index of this record's complaint:receipt entry, once known (complaints and messages).
    ledger_subject = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["terminal", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["terminal", "seq"], name="terminal_record_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.terminal_id} #{self.seq}"


class PrunedHeartbeats(models.Model):
    """A run of consecutive numbers whose records were heartbeats, taken and later deleted.

    Heartbeats older than ``COMPLAINT_HEARTBEAT_RETENTION_DAYS`` are pruned (the terminal's last
    record never is); a run remembers that each of its numbers was taken, so a record arriving
    with one of them is a fork, not a late record filling a gap. Runs are few: a complaint,
    message, lookup or gap ends one.
    """

    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="pruned_heartbeats")
    first_seq = models.PositiveBigIntegerField()
    last_seq = models.PositiveBigIntegerField()
    pruned_at = models.DateTimeField()

    class Meta:
        ordering = ["terminal", "first_seq"]
        constraints = [
            models.CheckConstraint(condition=Q(last_seq__gte=models.F("first_seq")), name="pruned_run_in_order"),
            models.UniqueConstraint(fields=["terminal", "first_seq"], name="pruned_run_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.terminal_id} #{self.first_seq}-{self.last_seq} pruned"


class PacketChunk(models.Model):
    """One chunk of a sealed blob announced by a signed record that has not arrived whole yet."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="chunks")
    blob_sha256 = models.CharField(max_length=64)
    index = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    data = models.BinaryField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["terminal", "blob_sha256", "index"], name="packet_chunk_unique_index"),
        ]

    def __str__(self) -> str:
        return f"{self.blob_sha256[:12]} {self.index + 1}/{self.count}"


class RoutingList(models.Model):
    """A version of the routing list signed by the oversight body's routing key."""

    version = models.PositiveIntegerField(unique=True)
    body = models.BinaryField()  # canonical JSON, as signed
    signature = models.BinaryField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")), name="routing_list_expires_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return f"routing list v{self.version}"


class AlarmKind(models.TextChoices):
    SEQUENCE_GAP = "sequence_gap", _("Sequence gap")
    REPLAY = "replay", _("Replayed record")
    FORK = "fork", _("Fork: two records with one number")
    BAD_SIGNATURE = "bad_signature", _("Bad signature")
    CIPHERTEXT_MISMATCH = "ciphertext_mismatch", _("Ciphertext does not match its signed record")
    TERMINAL_SILENT = "terminal_silent", _("Terminal silent beyond its schedule")
    FACILITY_SILENT = "facility_silent", _("Facility silent: complaint rate far below comparable facilities")


class TerminalAlarm(models.Model):
    """A sign that complaints may be suppressed; shown to oversight bodies only, never to facilities."""

    kind = models.CharField(max_length=32, choices=AlarmKind.choices)
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="alarms")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="terminal_alarms")
    raised_at = models.DateTimeField()
    # What was seen (numbers, hashes, signed records as base64): never complaint content.
    evidence = models.JSONField(default=dict)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["kind", "terminal", "resolved_at"], name="terminal_alarm_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.raised_at:%Y-%m-%d}"


class LookupAttempt(models.Model):
    """A receipt lookup or a failed proof, counted to rate-limit guessing per terminal and locator."""

    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    locator = models.CharField(max_length=8)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["terminal", "at"], name="lookup_attempt_terminal"),
            models.Index(fields=["locator", "at"], name="lookup_attempt_locator"),
        ]

    def __str__(self) -> str:
        return f"lookup {self.at:%Y-%m-%d %H:%M}"
