"""The account pages: people management (people.py), one's own security (security.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def no_access(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/no_access.html", status=403)
