"""How the visit views find the visit a request is about, and run a service on a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from facilities.forms import show_service_errors
from visits import selectors
from visits.models import Visit

T = TypeVar("T")


def visit_or_404(request: HttpRequest, pk: int) -> Visit:
    """The visit if the user may see it; 404 otherwise, so its existence is not revealed."""
    try:
        return selectors.visit_detail(request.user, pk)
    except Visit.DoesNotExist:
        raise Http404(_("No such visit.")) from None


def recordable_or_403(request: HttpRequest, pk: int) -> Visit:
    visit = visit_or_404(request, pk)
    if not selectors.can_record(request.user, visit):
        raise PermissionDenied
    return visit


def attempt(form: Any, write: Callable[[], T]) -> T | None:
    """Run one service call in its own transaction; if it refuses, its reasons go on the form."""
    try:
        with transaction.atomic():
            return write()
    except ValidationError as error:
        show_service_errors(form, error)
    except PermissionDenied as refusal:
        show_service_errors(form, ValidationError({NON_FIELD_ERRORS: str(refusal) or _("Not allowed.")}))
    return None
