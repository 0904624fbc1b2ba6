"""How the registry's views find the facility a request is about."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from facilities import selectors
from facilities.models import Facility


def facility_or_404(request: HttpRequest, pk: int) -> Facility:
    """The facility if it lies within the user's mandate; 404 otherwise, so its existence is not revealed."""
    try:
        return selectors.facility_detail(request.user, pk)
    except Facility.DoesNotExist:
        raise Http404(_("No such facility.")) from None
