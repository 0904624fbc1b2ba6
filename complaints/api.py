"""The complaints part of the JSON API (mounted at /api/v1/complaints/)."""

from __future__ import annotations

from ninja import Router

router = Router()
