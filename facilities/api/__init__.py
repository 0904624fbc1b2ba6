"""The registry's part of the JSON API (mounted at /api/v1/facilities/ by custodywatch.api)."""

from facilities.api.views import router

__all__ = ["router"]
