"""Logging filters: a refused request is one line in the log, not a traceback."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404


class RefusalsOneLine(logging.Filter):
    """Strip the traceback from a 4xx record of `django.request` (a refusal is not an error).

    A permission refusal or a facility outside the user's mandate is an expected answer; the line
    keeps the path, the status and who asked, which is what an operator needs. Server errors keep
    their tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._is_refusal(record):
            return True
        record.exc_info = None
        record.exc_text = None
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False) and not getattr(record, "_who_added", False):
            record.msg = f"{record.msg} (status {getattr(record, 'status_code', '?')}, user {user.pk})"
            record._who_added = True
        return True

    @staticmethod
    def _is_refusal(record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            return True
        exc = record.exc_info[1] if record.exc_info else None
        return isinstance(exc, PermissionDenied | Http404)
