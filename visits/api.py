"""The visits part of the JSON API (mounted at /api/v1/visits/)."""

from __future__ import annotations

from ninja import Router

router = Router()
