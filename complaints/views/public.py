"""The public follow-up form: a relative reads the replies to a complaint with its receipt code.

The code never reaches the server. The page (static/complaints/public-follow-up.js) checks the
code's Damm digit, asks for the salt of the code's public *locator*, derives the lookup token and
the reply identity with Argon2id in the browser, and sends the locator with the token; the
server compares SHA-256(token) with the stored digest (``complaints.ingest.lookups``, the same
rules as for terminals: a salt for any locator so existence does not leak, failed proofs counted
per locator) and answers with the complaint's status and the replies, sealed to the reply
identity, which the browser decrypts.

Guessing is limited per locator (``lookups.rate_limited``) and per client address
(``complaints.ratelimits``), both in the database, so the limits hold across server processes.
Nothing here is logged but refusals' status codes.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.client_ip import client_ip
from complaints import ratelimits
from complaints.ingest import lookups
from complaints.models import Complaint
from complaints.services import handling, messages
from custodywatch_terminal.sealing import BUCKETS
from ledger import interface as ledger

LOCATOR = re.compile(r"^[0-9]{8}$")
TOKEN = re.compile(r"^[0-9a-f]{64}$")
WINDOW_SECONDS = ratelimits.WINDOW_SECONDS
RECEIPT_KIND = "complaint:receipt"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _address(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _refused(field: str, error: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"field": field, "error": error}, status=status)


def _rate_limited() -> JsonResponse:
    return JsonResponse({"status": "rate_limited", "error": _("Too many attempts. Please try again in an hour.")},
                        status=429)


def _body(request: HttpRequest) -> dict | JsonResponse:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _refused("body", _("The request is not JSON."))
    if not isinstance(data, dict):
        return _refused("body", _("The request is not a JSON object."))
    locator = data.get("locator")
    if not isinstance(locator, str) or not LOCATOR.fullmatch(locator):
        return _refused("locator", _("The locator is the first 8 digits of the receipt code."))
    return data


@require_GET
@never_cache
def follow_up(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/public_follow_up.html", {"window_minutes": WINDOW_SECONDS // 60})


@require_POST
@never_cache
def salt(request: HttpRequest) -> JsonResponse:
    """The salt of a locator (a decoy for a locator that does not exist)."""
    data = _body(request)
    if isinstance(data, JsonResponse):
        return data
    # Counted first, then compared: two processes answering at once cannot both slip under the limit.
    if ratelimits.hit("salts", _address(request)) > _limit("COMPLAINT_PUBLIC_SALTS_PER_ADDRESS", 60):
        return _rate_limited()
    locator = data["locator"]
    if lookups.rate_limited(terminal=None, locator=locator, now=timezone.now()):
        return _rate_limited()
    found = Complaint.objects.filter(locator=locator).values_list("lookup_salt", flat=True).first()
    return JsonResponse({"status": "ok", "salt": (bytes(found) if found else lookups.decoy_salt(locator)).hex()})


def _proven(request: HttpRequest, data: dict) -> Complaint | JsonResponse:
    """The complaint whose lookup token ``data`` proves, or the refusal to send."""
    token = data.get("token")
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return _refused("token", _("The lookup token is 64 hexadecimal digits."))
    if ratelimits.count("failures", _address(request)) >= _limit("COMPLAINT_PUBLIC_FAILURES_PER_ADDRESS", 10):
        return _rate_limited()
    outcome, complaint = lookups.prove(terminal=None, locator=data["locator"], token=bytes.fromhex(token),
                                       now=timezone.now())
    if outcome == "rate_limited":
        return _rate_limited()
    if complaint is None:
        ratelimits.hit("failures", _address(request))
        return JsonResponse({"status": "wrong_receipt",
                             "error": _("No complaint was found with this code. Check the code.")}, status=404)
    return complaint


@require_POST
@never_cache
def thread(request: HttpRequest) -> JsonResponse:
    """The complaint's status and its replies (sealed to the reply identity), for a proven token."""
    data = _body(request)
    if isinstance(data, JsonResponse):
        return data
    complaint = _proven(request, data)
    if isinstance(complaint, JsonResponse):
        return complaint
    items = [{"kind": item.kind, "sealed": base64.b64encode(item.sealed).decode("ascii")}
             for item in lookups.thread_items(complaint)]
    index = ledger.index_of(kind=RECEIPT_KIND, subject=f"complaints.complaint:{complaint.pk}")
    # Replies name their organisation by code; the reader sees its name in their language.
    organisations = {org.code: org.name for org in complaint.recipients.all()}
    return JsonResponse({
        "status": "ok",
        "complaint_status": complaint.status,
        "status_label": complaint.get_status_display(),
        "received_text": formats.date_format(timezone.localtime(complaint.received_at), "SHORT_DATE_FORMAT"),
        "ledger_index": index,
        "ledger_text": "" if index is None else _("Entry number in the public ledger: %(index)s") % {
            "index": formats.number_format(index, force_grouping=True)},
        "organisations": organisations,
        "count": len(items),
        "items": items,
        # A message is sealed in the browser to these keys (the bodies' and the recovery key), like a terminal's.
        "seal_to": [key for key in handling.organisation_recipients(complaint) if key],
        "buckets": list(BUCKETS),
    })


@require_POST
@never_cache
def message(request: HttpRequest) -> JsonResponse:
    """A relative's message, sealed in their browser to the complaint's bodies, for a proven token."""
    data = _body(request)
    if isinstance(data, JsonResponse):
        return data
    bucket, sealed_text = data.get("bucket"), data.get("sealed")
    try:
        messages.check_bucket(bucket)
        if not isinstance(sealed_text, str) or len(sealed_text) > 2 * BUCKETS[2]:
            messages.check_sealed(None, bucket)
        try:
            sealed = base64.b64decode(sealed_text, validate=True)
        except (binascii.Error, ValueError):
            return _refused("sealed", _("The sealed message is not base64."))
        messages.check_sealed(sealed, bucket)
        complaint = _proven(request, data)
        if isinstance(complaint, JsonResponse):
            return complaint
        messages.record_web_message(complaint=complaint, sealed=sealed, bucket=bucket, by=None)
    except ValidationError as error:
        field, problems = next(iter(error.message_dict.items()))
        return _refused(field, problems[0])
    return JsonResponse({"status": "ok", "notice": _("Your message is sealed and has been delivered.")})
