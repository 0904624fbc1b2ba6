"""Follow-up messages that reach a complaint outside a terminal: a relative's, from the public form.

The message is sealed in the relative's browser to the complaint's bodies; the server checks
only its form (an age file padded to a text size bucket), stores the ciphertext and commits to it
in the ledger, in one transaction. There is no officer behind it: ``by`` is None, the relative
having proved the receipt's lookup token (``complaints.ingest.lookups``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Channel, Complaint, ComplaintMessage
from custodywatch_terminal.sealing import BUCKETS
from ledger import interface as ledger

RECEIPT_KIND = "complaint:receipt"
TEXT_BUCKETS = BUCKETS[:3]  # text only: voice is for terminals


def _padded_to(sealed: bytes, bucket: int) -> bool:
    """Whether ``sealed`` is an age file whose payload holds exactly ``bucket`` bytes of plaintext."""
    if not sealed.startswith(b"age-encryption.org/v1\n"):
        return False
    mac = sealed.find(b"\n--- ")
    end = sealed.find(b"\n", mac + 1) if mac >= 0 else -1
    if end < 0:
        return False
    chunks = -(-bucket // 65536)
    return len(sealed) - (end + 1) == 16 + bucket + 16 * chunks  # nonce, plaintext, one tag per 64 KiB chunk


def check_bucket(bucket: Any) -> None:
    """Raise ValidationError unless ``bucket`` is one of the text size buckets."""
    if not isinstance(bucket, int) or isinstance(bucket, bool) or bucket not in TEXT_BUCKETS:
        raise ValidationError({"bucket": _("The message is not padded to one of the size buckets.")})


def check_sealed(sealed: Any, bucket: int) -> None:
    """Raise ValidationError unless ``sealed`` is an age file padded to ``bucket``."""
    if not isinstance(sealed, bytes) or not sealed or len(sealed) > 2 * TEXT_BUCKETS[-1]:
        raise ValidationError({"sealed": _("The sealed message is missing or too large.")})
    if not _padded_to(sealed, bucket):
        raise ValidationError({"sealed": _("The sealed message is not an age file of its size bucket.")})


def record_web_message(*, complaint: Complaint, sealed: bytes, bucket: int, by: Any,
                       now: datetime | None = None) -> ComplaintMessage:
    """Store a message sealed in a relative's browser (``by`` None: no account behind it) and
    commit to it in the ledger, in one transaction; ValidationError if it is not well formed."""
    if by is not None:
        raise ValidationError({"by": "a web message comes from the receipt holder, not from an account"})
    check_bucket(bucket)
    check_sealed(sealed, bucket)
    now = now or timezone.now()
    with transaction.atomic():
        message = ComplaintMessage.objects.create(
            complaint=complaint, channel=Channel.WEB, sealed=sealed, sealed_sha256=hashlib.sha256(sealed).hexdigest(),
            size_bucket=bucket, received_at=now)
        subject = f"complaints.complaintmessage:{message.pk}"
        ledger.record(kind=RECEIPT_KIND, scope=complaint.facility_id, subject=subject, now=now,
                      record={"channel": Channel.WEB.value, "complaint": str(complaint.pk),
                              "sealed_sha256": message.sealed_sha256, "bucket": bucket})
    return message
