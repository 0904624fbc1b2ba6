"""The secret key a server generates for itself when none is given."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def secret_key_file(data_dir: Path) -> str:
    """The key stored in DATA_DIR/secret_key, created (random, owner-only) on first use.

    Every process of one server reads the same file, so sessions and signed links survive a
    restart; several servers behind one proxy must share SECRET_KEY or SECRET_KEY_FILE instead.
    """
    path = Path(data_dir) / FILE_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_urlsafe(50))
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # atomic and never overwrites: concurrent first starts agree on one key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"The secret key in {path} is too short; remove the file to generate a new one.")
    return key
