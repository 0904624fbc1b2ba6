"""Recorders, cameras and what they report: segments, silences, tamper events and outages.

The footage stays where it was recorded; these rows hold the manifests (the signed description
of each segment file), so any copy can later be checked against them and the ledger.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility


class Zone(models.TextChoices):
    ADMISSION_SEARCH = "admission_search", _("Admission and search area")
    CORRIDOR = "corridor", _("Corridor")
    CELL = "cell", _("Cell")
    ISOLATION_CELL = "isolation_cell", _("Isolation cell")
    YARD = "yard", _("Exercise yard")
    MEDICAL_ROOM = "medical_room", _("Medical examination room")
    INTERVIEW_ROOM = "interview_room", _("Interview room")
    VISITING_ROOM = "visiting_room", _("Visiting room")
    TRANSPORT_VEHICLE = "transport_vehicle", _("Transport vehicle")
    TOILET = "toilet", _("Toilet or shower")


class Recorder(models.Model):
    """A recorder (NVR) in a facility, known by its id and its Ed25519 public key."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="recorders")
    code = models.CharField(_("recorder id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    public_key = models.CharField(_("public key"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    clock_offset_ms = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Camera(models.Model):
    """A camera, the recorder that records it and the zone it covers.

    ``next_seq``, ``last_sha256`` and ``last_end`` are the head of its chain of segments, kept by
    the ingest service in the transaction that accepts them.
    """

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="cameras")
    recorder = models.ForeignKey(Recorder, on_delete=models.PROTECT, related_name="cameras")
    code = models.CharField(_("camera id"), max_length=64)
    zone = models.CharField(_("zone"), max_length=32, choices=Zone.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    next_seq = models.BigIntegerField(default=0)
    last_sha256 = models.CharField(max_length=64, blank=True)
    last_end = models.DateTimeField(null=True, blank=True)
    # Gap detection has looked at this camera's segments up to here (video.gaps).
    checked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["recorder", "code"], name="video_camera_unique_per_recorder"),
            models.CheckConstraint(condition=Q(next_seq__gte=0), name="video_camera_next_seq_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.recorder.code}/{self.code}"


class SegmentBatch(models.Model):
    """The manifests of one camera accepted from one submission: one ledger entry (kind
    ``segment``) commits to all of their digests."""

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="batches")
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.camera_id}:{self.first_seq}-{self.last_seq}"

    @property
    def subject(self) -> str:
        return f"video.segmentbatch:{self.pk}"


class SignedSubmission(models.Model):
    """A v2 submission's one recorder signature and the leaf hashes of all its messages (32 bytes
    each, in order), so that any of its manifests can be proven later (``rp.BatchProof``)."""

    recorder = models.ForeignKey(Recorder, on_delete=models.PROTECT, related_name="signed_submissions")
    signature = models.BinaryField()
    leaves = models.BinaryField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.recorder_id}:{self.received_at:%Y-%m-%dT%H:%M:%S}"

    def batch(self):
        from custodywatch_protocol import recorder as rp

        raw = bytes(self.leaves)
        return rp.BatchSignature(signature=bytes(self.signature),
                                 leaves=tuple(raw[i:i + 32] for i in range(0, len(raw), 32)))


class Segment(models.Model):
    """One segment file as its recorder signed it (``body`` and ``signature`` are the exact
    manifest; the other columns are what it says, for queries). A manifest that came in a v2
    batch has no signature of its own: ``submission`` holds the batch's, ``leaf`` its place."""

    # Not indexed on its own: the unique (camera, seq) and the (camera, start) index lead with it.
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="segments", db_index=False)
    batch = models.ForeignKey(SegmentBatch, on_delete=models.PROTECT, related_name="segments")
    seq = models.BigIntegerField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    sha256 = models.CharField(max_length=64)
    # The first 60 bits of ``sha256`` as an integer (``sha256_prefix``), indexed in its place: an
    # eight-byte key costs a fraction of the 64-character one at every insert. A lookup filters by
    # the prefix and then compares the whole hash (``with_sha256``).
    sha_prefix = models.BigIntegerField(db_index=True)
    size = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    body = models.BinaryField()
    signature = models.BinaryField()
    submission = models.ForeignKey(SignedSubmission, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="segments")
    leaf = models.IntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["camera", "seq"], name="video_segment_unique_seq")]
        indexes = [models.Index(fields=["camera", "start"], name="video_segment_camera_start")]

    def __str__(self) -> str:
        return f"{self.camera_id}:{self.seq}"


def sha256_prefix(sha256: str) -> int:
    """The first 60 bits of a SHA-256 in hex, as the non-negative integer ``Segment.sha_prefix`` holds."""
    return int(sha256[:15], 16)


def with_sha256(hashes: list[str]) -> Q:
    """The segments whose file has one of these SHA-256s: found by the indexed prefix, then the whole hash."""
    return Q(sha_prefix__in=sorted({sha256_prefix(h) for h in hashes}), sha256__in=hashes)


class NoSignal(models.Model):
    """A recorder's report that a camera sent no picture for a while (ledger kind ``camera:no_signal``)."""

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="no_signals")
    start = models.DateTimeField()
    end = models.DateTimeField()
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["camera", "digest"], name="video_nosignal_unique")]

    def __str__(self) -> str:
        return f"{self.camera_id}:{self.start:%Y-%m-%dT%H:%M}"

    @property
    def subject(self) -> str:
        return f"video.nosignal:{self.pk}"


class TamperKind(models.TextChoices):
    MALFORMED = "malformed", _("Malformed message")
    BAD_SIGNATURE = "bad_signature", _("Signature does not verify")
    UNKNOWN_CAMERA = "unknown_camera", _("Camera not in the registry")
    CONFLICT = "conflict", _("A different manifest for a segment already accepted")
    OUT_OF_ORDER = "out_of_order", _("Sequence number out of order")
    SEQUENCE_GAP = "sequence_gap", _("Segments missing from the sequence")
    CHAIN_BREAK = "chain_break", _("Chain broken: previous segment differs")
    CLOCK = "clock", _("Clock far off")
    EARLY_DELETION = "early_deletion", _("Footage deleted before the end of retention")
    MISSING_FROM_INVENTORY = "missing_from_inventory", _("Footage gone from the recorder before the end of retention")
    BLACK = "black", _("Black picture")
    FROZEN = "frozen", _("Frozen picture")
    COVERED = "covered", _("Lens covered")
    UNREADABLE = "unreadable", _("Segment file unreadable (truncated or damaged)")


class TamperEvent(models.Model):
    """Something a recorder sent, or its footage shows, that points to interference.

    An alarm for the oversight bodies; the facility's own users never see these.
    """

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="tamper_events")
    recorder = models.ForeignKey(Recorder, on_delete=models.PROTECT, null=True, related_name="tamper_events")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, null=True, related_name="tamper_events")
    kind = models.CharField(max_length=32, choices=TamperKind.choices)
    field = models.CharField(max_length=100, blank=True)
    detail = models.CharField(max_length=500)  # the English wording (see ``message``)
    # What the alarm says, as a code of video.alarms.MESSAGES and its parameters: worded in the
    # reader's language when shown. Empty on alarms recorded before codes were kept.
    code = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(null=True)
    digest = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind}@{self.occurred_at:%Y-%m-%dT%H:%M}"

    @property
    def message(self) -> str:
        """What the alarm says, in the active language (the stored English for older alarms)."""
        from video import alarms

        return alarms.render(self.code, self.params) if self.code in alarms.MESSAGES else self.detail


class OutageKind(models.TextChoices):
    GAP = "gap", _("No footage")
    NO_SIGNAL = "no_signal", _("No signal")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class Outage(models.Model):
    """A stretch of a camera's timeline with no footage longer than the threshold: an incident."""

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="outages")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="outages")
    kind = models.CharField(max_length=16, choices=OutageKind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    coinciding = models.JSONField(default=list, blank=True)
    # Still silent at the last run of gap detection: ``end`` is that run's time, and grows.
    ongoing = models.BooleanField(default=False)
    detected_at = models.DateTimeField()

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "start"], name="video_outage_unique_start"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="video_outage_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id}:{self.start:%Y-%m-%dT%H:%M}"

    @property
    def duration(self):
        return self.end - self.start


class FootageRequestKind(models.TextChoices):
    VIEW = "view", _("View")
    EXPORT = "export", _("Export")


class FootageRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class FootageRequest(models.Model):
    """A request to view or export one camera's footage over a period, with its purpose."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="footage_requests")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="footage_requests")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    kind = models.CharField(_("kind"), max_length=16, choices=FootageRequestKind.choices)
    purpose = models.TextField(_("purpose"))
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="footage_requests")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=FootageRequestStatus.choices,
                              default=FootageRequestStatus.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                              name="video_footagerequest_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.camera_id}:{self.start:%Y-%m-%dT%H:%M}"

    @property
    def approvals_needed(self) -> int:
        """Two different officers approve an export, one a viewing (never the requester)."""
        return 2 if self.kind == FootageRequestKind.EXPORT else 1


class FootageApproval(models.Model):
    request = models.ForeignKey(FootageRequest, on_delete=models.PROTECT, related_name="approvals")
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="footage_approvals")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "by"], name="video_footageapproval_once")]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.by_id}"


class FootageAccess(models.Model):
    """One viewing or export of footage, logged (``footage:access``) before it was served."""

    request = models.ForeignKey(FootageRequest, on_delete=models.PROTECT, related_name="accesses")
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="footage_accesses")
    action = models.CharField(max_length=16, choices=FootageRequestKind.choices)
    at = models.DateTimeField()
    ledger_index = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.action}:{self.request_id}"

    @property
    def subject(self) -> str:
        return f"video.footageaccess:{self.pk}"
