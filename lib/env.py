"""Small helpers that read configuration from the environment and fail loudly."""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    """The value of NAME, else the contents of the file named by NAME_FILE, else default."""
    if name in os.environ:
        return os.environ[name]
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        with open(file_name, encoding="utf-8") as fh:
            return fh.read().strip()
    if default is None:
        raise ImproperlyConfigured(f"Set the environment variable {name} (or {name}_FILE).")
    return default


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def env_int(name: str, default: int | None) -> int | None:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_json(name: str, default: Any) -> Any:
    """A JSON value from NAME or the file named by NAME_FILE."""
    if name not in os.environ and f"{name}_FILE" not in os.environ:
        return default
    raw = env_str(name)
    try:
        return json.loads(raw)
    except ValueError as e:
        raise ImproperlyConfigured(f"{name} must be JSON: {e}") from None
