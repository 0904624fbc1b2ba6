"""The versioned JSON API: one NinjaAPI instance, routers contributed by each app.

Authentication is an API token (`Authorization: Bearer cw_...`) or, for the site's own pages,
the logged-in session with CSRF. Every error answers `{"errors": [{"field", "error"}]}` with a
4xx code (lib/api.py); that includes unknown paths and methods under /api/v1/.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, URLPattern, URLResolver, re_path, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from accounts.api import router as tokens_router
from accounts.auth import API_AUTH
from complaints.api import router as complaints_router
from custody.api import router as custody_router
from facilities.api import router as facilities_router
from ledger.api import router as ledger_router
from lib.api import StrictJsonParser, error_body, install_error_handlers
from video.api import router as video_router
from visits.api import router as visits_router


class CustodyWatchAPI(NinjaAPI):
    """A NinjaAPI whose unknown paths and methods also answer in JSON."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = [_with_json_errors(self, url) for url in super()._get_urls()]
        # No CSRF check: nothing is done here, and the middleware's refusal would be an HTML page.
        urls.append(re_path(r"^.*$", csrf_exempt(self._not_found), name="not-found"))
        return urls

    @property
    def not_found_view(self) -> Any:
        """The JSON 404 of the API, for a path outside its URL patterns (e.g. /api/v1 without a slash)."""
        return csrf_exempt(self._not_found)

    def _not_found(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        message = _("No such API endpoint.")
        other = request.path.removesuffix("/") if request.path.endswith("/") else request.path + "/"
        try:
            if resolve(other).url_name != "not-found":
                message = _("No such API endpoint; did you mean %(path)s?") % {"path": other}
        except Resolver404:
            pass
        return self.create_response(request, error_body((None, message)), status=404)


def _with_json_errors(api: NinjaAPI, url: URLResolver | URLPattern) -> URLResolver | URLPattern:
    """Wrap a view of the API so its 404 and 405 answers are JSON too (ninja's are HTML or text)."""
    if not isinstance(url, URLPattern):
        return url
    view = url.callback

    @wraps(view)  # keeps csrf_exempt: ninja checks CSRF itself, for session authentication only
    def json_errors(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return api.create_response(request, error_body((None, _("Not found."))), status=404)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = api.create_response(
                request, error_body((None, _("Method not allowed; use %(allowed)s.") % {"allowed": allowed})),
                status=405,
            )
            response["Allow"] = allowed
        return response

    # Every operation view of ninja is exempt already (it checks CSRF itself, for session
    # authentication only); the rest (root, docs, schema) change nothing. Exempting them all keeps
    # the middleware's HTML refusal out of the API.
    json_errors.csrf_exempt = True  # type: ignore[attr-defined]
    url.callback = json_errors
    return url


api = CustodyWatchAPI(
    title="CustodyWatch API",
    version="1",
    description="Registry of places of detention and the tamper-evident ledger.",
    urls_namespace="api-v1",
    auth=API_AUTH,
    parser=StrictJsonParser(),
)
install_error_handlers(api)

api.add_router("/facilities", facilities_router, tags=["facilities"])
api.add_router("/tokens", tokens_router, tags=["tokens"])
api.add_router("/ledger", ledger_router, tags=["ledger"])
api.add_router("/complaints", complaints_router, tags=["complaints"])
api.add_router("/visits", visits_router, tags=["visits"])
api.add_router("/video", video_router, tags=["video"])
api.add_router("/custody", custody_router, tags=["custody"])
