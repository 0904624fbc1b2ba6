"""A test client for the JSON API that authenticates with a bearer token, as machine clients do."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from accounts.services import issue_api_token

API = "/api/v1"


class ApiClient:
    """Calls /api/v1/ as `user`, with a freshly issued token."""

    def __init__(self, user: Any, *, token: str | None = None) -> None:
        self.user = user
        self.token = token or issue_api_token(user=user, label="tests", by=None)[1]
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API + path, params or {}, headers=self._headers())

    def post(self, path: str, data: Any) -> Any:
        return self.send("post", path, json.dumps(data))

    def patch(self, path: str, data: Any) -> Any:
        return self.send("patch", path, json.dumps(data))

    def delete(self, path: str) -> Any:
        return self.client.delete(API + path, headers=self._headers())

    def send(self, method: str, path: str, body: bytes | str, content_type: str = "application/json") -> Any:
        # generic() sends the bytes as they are, whatever charset the content type claims.
        return self.client.generic(method.upper(), API + path, body, content_type=content_type,
                                   headers=self._headers())


def error_fields(response: Any) -> set[str | None]:
    """The fields named in an error answer."""
    return {item["field"] for item in response.json()["errors"]}
