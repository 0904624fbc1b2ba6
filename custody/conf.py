"""The custody module's configuration, read when used (never at import time).

``CUSTODY_PERSON_KEY`` (or ``CUSTODY_PERSON_KEY_FILE``, as every secret) keys the pseudonyms of
IINs. Without it, a key is generated once into DATA_DIR/custody_person_key, like SECRET_KEY: it
must be backed up with the database, since a new key gives everyone a new pseudonym and breaks
the link between a person's detentions (the rule on re-detention within 24 hours needs it).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.conf import settings

from lib.env import env_str

KAZAKHSTAN = dt.timezone(dt.timedelta(hours=5), "UTC+05:00")
# Since this moment the whole country keeps UTC+5 with no daylight saving; a register time without
# an offset before it is refused, since regions then kept UTC+5 or UTC+6.
SINGLE_ZONE_SINCE = dt.datetime(2024, 3, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=6)))


def person_key() -> bytes:
    """The key of IIN pseudonyms: the setting, the environment (or its _FILE), else generated once."""
    configured = getattr(settings, "CUSTODY_PERSON_KEY", None) or env_str("CUSTODY_PERSON_KEY", default="")
    if configured:
        if len(configured) < 32:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("CUSTODY_PERSON_KEY must be at least 32 characters.")
        return configured.encode("utf-8")
    return _generated(Path(settings.VAR_DIR)).encode("ascii")


def _generated(data_dir: Path) -> str:
    import secrets

    path = data_dir / "custody_person_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".custody_person_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, never overwrites: concurrent first uses agree on one key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="ascii").strip()
