"""The officers' workspace: inbox, a complaint's page and the actions on it.

Thin views: authorise (capability 403, a complaint outside reach 404), parse, call a service,
render. Decryption happens in the request, with the identities the session unlocked.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import Capability, require
from complaints import keys, selectors
from complaints.forms import AssignForm, ClassifyForm, InboxFilterForm, StatementForm, StatusForm
from complaints.models import Complaint, StatementKind
from complaints.paging import CappedPaginator
from complaints.services import escalation, handling
from complaints.services.sealing import CannotOpen
from complaints.views.rows import inbox_rows
from facilities.models import Region
from facilities.selectors import facilities_for

PAGE_SIZE = 50
# The inbox counts its list exactly up to this many complaints, and beyond says "more than" it.
COUNT_CAP = 10_000


def require_handler(user: Any) -> None:
    """Refuse (403) anyone who may not handle complaints, or belongs to no organisation that could
    receive them (a superuser is for administration: no key, no complaints)."""
    require(user, Capability.HANDLE_COMPLAINTS)
    if user.organisation_id is None:
        raise PermissionDenied


def complaint_or_404(request: HttpRequest, pk: Any) -> Complaint:
    require_handler(request.user)
    try:
        return selectors.complaint_for(request.user, pk)
    except (Complaint.DoesNotExist, ValidationError, ValueError):
        raise Http404(_("No such complaint.")) from None


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages_ in error.message_dict.values() for message in messages_]
    return list(error.messages)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    require_handler(request.user)
    # The filter's choices are the facilities of the mandate (not those with complaints: that
    # would cost a pass over every complaint on each page).
    # Read as plain values in the reader's language (no model per facility: there are hundreds).
    name = selectors.name_column()
    facilities = facilities_for(request.user).select_related(None)
    regions = Region.objects.filter(pk__in=facilities.values("region")).order_by("code")
    form = InboxFilterForm(request.GET or None,
                           facilities=[(code, f"{code} · {mine or english}")
                                       for code, mine, english in facilities.values_list("code", name, "name_en")],
                           regions=[(code, mine or english)
                                    for code, mine, english in regions.values_list("code", name, "name_en")])
    chosen = form.inbox_filter()
    # The inbox rows are counted (no further than the cap) and paged along their indexes, yielding
    # the page's ids only; the page's complaints are then read by id with what a row shows, whether
    # each is overdue included (never their ciphertext: the list never decrypts).
    rows = selectors.inbox_list(request.user, chosen)
    paginator = CappedPaginator(rows.values_list("complaint_id", flat=True), PAGE_SIZE, cap=COUNT_CAP,
                                counted=selectors.countable(rows))
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.in_order(selectors.inbox_page(request.user), list(page.object_list))
    query = {k: v for k, v in request.GET.items() if k != "page"}
    return render(request, "complaints/inbox.html", {
        "form": form, "page": page, "rows": inbox_rows(page.object_list), "unlocked": keys.is_unlocked(request),
        "query": urlencode(query),
    })


def render_detail(request: HttpRequest, complaint: Complaint, *, identity: str = "", status: int = 200,
                  **forms: Any) -> HttpResponse:
    opened = None
    error = ""
    if keys.is_unlocked(request):
        try:
            opened = handling.open_complaint(complaint=complaint, by=request.user,
                                             identities=keys.unlocked_identities(request))
        except CannotOpen:
            error = _("None of the keys unlocked in this session opens this complaint.")
    complaint.refresh_from_db()
    people = handling.assignable(complaint)
    context = {
        "complaint": complaint,
        "handling": getattr(complaint, "handling", None),
        "opened": opened,
        "open_error": error,
        "identity": identity,
        "unlocked": keys.is_unlocked(request),
        "next_statuses": [(v, str(handling.S(v).label)) for v in handling.next_statuses(complaint.status)],
        "status_form": forms.get("status_form") or StatusForm(),
        "assign_form": forms.get("assign_form") or AssignForm(
            people=people, initial={"assigned_to": complaint.assigned_to_id}),
        "reply_form": forms.get("reply_form") or StatementForm(prefix="reply"),
        "note_form": forms.get("note_form") or StatementForm(prefix="note"),
        "classify_form": forms.get("classify_form") or ClassifyForm(
            initial={"category": getattr(getattr(complaint, "handling", None), "category", "")}),
        "events": complaint.events.select_related("actor").order_by("-at", "-pk")[:50],
        "can_reply": bool(complaint.reply_recipient),
    }
    return render(request, "complaints/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return render_detail(request, complaint_or_404(request, pk))


def _back(complaint: Complaint) -> HttpResponse:
    return redirect("complaints:detail", pk=complaint.pk)


@login_required
@require_POST
def show_identity(request: HttpRequest, pk: Any) -> HttpResponse:
    complaint = complaint_or_404(request, pk)
    try:
        name = handling.show_identity(complaint=complaint, by=request.user,
                                      identities=keys.unlocked_identities(request))
    except CannotOpen:
        messages.error(request, _("Unlock your organisation's key first."))
        return _back(complaint)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
        return _back(complaint)
    if request.headers.get("HX-Request"):
        return render(request, "complaints/detail.html#identity", {"complaint": complaint, "identity": name})
    return render_detail(request, complaint, identity=name)


def _audio_type(data: bytes) -> str:
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"\x1aE\xdf\xa3"):
        return "audio/webm"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    return "application/octet-stream"


@login_required
def voice(request: HttpRequest, pk: Any) -> HttpResponse:
    """The voice recording, decrypted in the request and never cached; each playing is logged."""
    complaint = complaint_or_404(request, pk)
    try:
        data = handling.voice_recording(complaint=complaint, by=request.user,
                                        identities=keys.unlocked_identities(request))
    except (CannotOpen, ValidationError):
        raise Http404(_("No voice recording can be opened here.")) from None
    response = HttpResponse(data, content_type=_audio_type(data))
    response["Cache-Control"] = "no-store"
    if response["Content-Type"] == "application/octet-stream":
        response["Content-Disposition"] = "attachment"
    return response


@login_required
@require_POST
def change_status(request: HttpRequest, pk: Any) -> HttpResponse:
    complaint = complaint_or_404(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render_detail(request, complaint, status=400, status_form=form)
    try:
        handling.change_status(complaint=complaint, to=form.cleaned_data["status"], by=request.user,
                               reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in _errors(error):
            form.add_error(None, message)
        return render_detail(request, complaint, status=400, status_form=form)
    messages.success(request, _("Status changed."))
    return _back(complaint)


@login_required
@require_POST
def escalate(request: HttpRequest, pk: Any) -> HttpResponse:
    complaint = complaint_or_404(request, pk)
    try:
        level = escalation.escalate(complaint=complaint, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
    else:
        messages.success(request, _("Escalated to level %(level)d: the next level was alerted.") % {"level": level})
    return _back(complaint)


@login_required
@require_POST
def assign(request: HttpRequest, pk: Any) -> HttpResponse:
    complaint = complaint_or_404(request, pk)
    people = handling.assignable(complaint)
    form = AssignForm(request.POST, people=people)
    if not form.is_valid():
        return render_detail(request, complaint, status=400, assign_form=form)
    chosen = form.cleaned_data["assigned_to"]
    to = User.objects.get(pk=chosen) if chosen else None
    handling.assign(complaint=complaint, to=to, by=request.user)
    messages.success(request, _("Assignment saved."))
    return _back(complaint)


def _statement(request: HttpRequest, pk: Any, kind: str) -> HttpResponse:
    complaint = complaint_or_404(request, pk)
    prefix = "reply" if kind == StatementKind.REPLY else "note"
    form = StatementForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            write = handling.send_reply if kind == StatementKind.REPLY else handling.add_note
            write(complaint=complaint, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            for message in _errors(error):
                form.add_error("text", message)
    if form.errors:
        return render_detail(request, complaint, status=400, **{f"{prefix}_form": form})
    messages.success(request, _("Reply sealed and sent.") if kind == StatementKind.REPLY else _("Note added."))
    return _back(complaint)


@login_required
@require_POST
def reply(request: HttpRequest, pk: Any) -> HttpResponse:
    return _statement(request, pk, StatementKind.REPLY)


@login_required
@require_POST
def note(request: HttpRequest, pk: Any) -> HttpResponse:
    return _statement(request, pk, StatementKind.NOTE)


@login_required
@require_POST
def classify(request: HttpRequest, pk: Any) -> HttpResponse:
    complaint = complaint_or_404(request, pk)
    form = ClassifyForm(request.POST)
    if not form.is_valid():
        return render_detail(request, complaint, status=400, classify_form=form)
    handling.classify(complaint=complaint, category=form.cleaned_data["category"], by=request.user)
    messages.success(request, _("Classification saved."))
    return _back(complaint)


def inbox_url(**query: str) -> str:
    return reverse("complaints:inbox") + (f"?{urlencode(query)}" if query else "")
