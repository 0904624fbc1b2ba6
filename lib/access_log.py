"""The web server's access log, without the one secret an address can carry.

A one-time password link (``accounts:password-link``, ``/password/<uidb64>/<token>/``) is a
credential in its path until its page moves the token into the session and redirects to
``/password/<uidb64>/set-password/``. The application never logs it, but gunicorn's access log
writes every request line. ``RedactingLogger`` (gunicorn's ``logger_class`` in
``deploy/gunicorn.conf.py``) replaces the token segment with ``[redacted]`` in every value a log
format can name: the request line, the path, the Referer, any header or environment value. The
person's id (uidb64) and the rest of the line stay, so an operator still sees who opened a link.

No Django import: gunicorn's master process loads this before any application.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# The segment after /password/<uidb64>/, wherever an address holds it (a path, a full URL in a
# Referer), except Django's own `set-password` that replaces the token once it is in the session.
_TOKEN = re.compile(r"(/password/[^/?#\s\"]+/)(?!set-password(?:[/?#\s\"]|$))[^/?#\s\"]+")


def redact(text: str) -> str:
    """``text`` with the token of every password-link address in it replaced by ``[redacted]``."""
    return _TOKEN.sub(lambda m: m.group(1) + REDACTED, text)


class RedactingLogger(Logger):
    """gunicorn's logger, with password-link tokens redacted from every access-log atom."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
