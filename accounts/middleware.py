"""Sends a logged-in person who owes a step (accounts.steps) to that step before any other page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.sessions import move_deadline_on
from accounts.steps import pending_step

# Pages a person owing a step may open besides that step's own: logging out, the language.
# Only the step owed now: a password alone must not reach the password change behind a second factor.
_ALWAYS = ("accounts:logout", "set_language")


class AccountStepsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = pending_step(request)
        if step is not None and not self._exempt(request.path_info, step):
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse(step)
                return response
            return redirect(step)
        move_deadline_on(request)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str, step: str) -> bool:
        if path.startswith("/api/") or path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            # The API answers for itself (its session authentication refuses; tokens are not sessions).
            return True
        return path in {reverse(name) for name in (step, *_ALWAYS)}
