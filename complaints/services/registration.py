"""A complaint received by letter or on a visit, typed in by a monitor and sealed at once.

It is sealed exactly as a terminal seals one (the terminal's plaintext document, padding and
routing rules) to the recipient bodies' active keys, the registering officer's own body and the
recovery key, and stored like a terminal complaint with channel letter or visit. The typed text
exists in clear only in the request that seals it. A receipt code can be made for it (the same
code and Argon2id derivation as a terminal's, ``custodywatch_terminal.receipts``): it is shown
once, in the answer to that request, and never stored; the server keeps only the locator, the salt
and the digest of the lookup token, and the reply key's public half.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from accounts.permissions import CHILDRENS_OMBUDSMAN_TYPES, Capability, can, facility_scope
from complaints.models import Channel, Complaint, EventKind, OrganisationKey, Priority
from complaints.models.recipient import seal_to
from complaints.services import deadlines, sealing
from complaints.services.events import record_event
from custodywatch_terminal import receipts
from facilities.models import Facility
from ledger import interface as ledger

REGISTERED_CHANNELS = (Channel.LETTER, Channel.VISIT)


@dataclass(frozen=True)
class Registered:
    complaint: Complaint
    # The receipt code in groups, to hand to the complainant now; never stored. "" without a receipt.
    receipt_code: str = ""


def _facility_in_mandate(by: Any, facility: Facility) -> None:
    scope = facility_scope(by)
    if scope is None or not Facility.objects.filter(scope, pk=facility.pk).exists():
        raise PermissionDenied(_("The facility is outside your mandate."))


def recipient_organisations(*, kinds: frozenset[str], by: Any) -> list[Organisation]:
    """The organisations of the routed kinds that hold an active key, and the registering officer's own."""
    with_keys = OrganisationKey.objects.filter(retired_at__isnull=True)
    organisations = list(Organisation.objects.filter(kind__in=[str(k) for k in kinds],
                                                     complaint_keys__in=with_keys).distinct())
    missing = set(map(str, kinds)) - {o.kind for o in organisations}
    if missing:
        raise ValidationError({"facility": _("A body this complaint must reach has no key yet; it cannot be sealed.")})
    if by.organisation_id not in {o.pk for o in organisations}:
        if not OrganisationKey.objects.filter(organisation_id=by.organisation_id, retired_at__isnull=True).exists():
            raise ValidationError({"facility": _("Your organisation has no key yet; it cannot read what it seals.")})
        organisations.append(by.organisation)
    return organisations


@transaction.atomic
def register_complaint(
    *, by: Any, facility: Facility, channel: str, category: str, text: str, anonymous: bool = True,
    name: str | None = None, minor: bool = False, private_visit: bool = False, urgent_danger: bool = False,
    reprisal_risk: str = "unknown", language: str = "ru", with_receipt: bool = False,
) -> Registered:
    """Seal and store a complaint received by letter or on a visit; raises ValidationError naming the field."""
    from complaints import keys

    if not can(by, Capability.REGISTER_COMPLAINTS) or by.organisation_id is None:
        raise PermissionDenied
    _facility_in_mandate(by, facility)
    if channel not in REGISTERED_CHANNELS:
        raise ValidationError({"channel": _("A registered complaint came by letter or on a visit.")})
    now = timezone.now()
    document = sealing.complaint_document(
        category=category, text=text.replace("\r\n", "\n") if isinstance(text, str) else text,
        filed_at=now, language=language, anonymous=anonymous, name=None if anonymous else name,
        minor=minor, private_visit=private_visit, urgent_danger=urgent_danger, reprisal_risk=reprisal_risk,
    )
    routing = sealing.route(document, facility_holds_children=facility.type in CHILDRENS_OMBUDSMAN_TYPES)
    organisations = recipient_organisations(kinds=routing.kinds, by=by)
    public_keys = keys.active_public_keys(organisations)
    sealed = sealing.seal_complaint(document, [*public_keys.values(), keys.recovery_recipient()])
    priority = Priority.URGENT if routing.priority == "urgent" else Priority.STANDARD
    complaint = Complaint(
        facility=facility, channel=channel, sealed=sealed.ciphertext, sealed_sha256=sealed.sha256,
        size_bucket=sealed.bucket, priority=priority, received_at=now, routing_version=0,
        acknowledge_by=deadlines.acknowledge_by(priority=priority, received_at=now),
    )
    code = ""
    if with_receipt:
        receipt, salt = receipts.new_receipt(), receipts.new_salt()
        derived = receipts.derive(receipt.secret, salt)
        complaint.locator, complaint.lookup_salt = receipt.locator, salt
        complaint.lookup_digest, complaint.reply_recipient = derived.lookup_digest, derived.reply_recipient
        code = receipt.grouped
    try:
        with transaction.atomic():
            complaint.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"with_receipt": _("Please try again: the receipt number was taken.")}) from None
    seal_to(complaint, organisations)
    ledger.record(kind="complaint:receipt", scope=None, subject=f"complaints.complaint:{complaint.pk}", record={
        "complaint": str(complaint.pk), "channel": channel, "sealed_sha256": sealed.sha256,
        "received": now.date().isoformat(),
    })
    record_event(kind=EventKind.REGISTERED, complaint=complaint, actor=by, detail={"channel": channel})
    return Registered(complaint=complaint, receipt_code=code)
