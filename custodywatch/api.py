"""The versioned JSON API: one NinjaAPI instance, routers contributed by each app."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="CustodyWatch API",
    version="1",
    description="Registry of places of detention and the tamper-evident ledger.",
    urls_namespace="api-v1",
)
