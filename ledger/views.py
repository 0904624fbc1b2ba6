"""The ledger's pages and its published files (tlog-tiles, proof bundles).

The ledger page and entry search are for logged-in users whose role includes viewing the ledger
(``Capability.VIEW_LEDGER``); anonymous requests are sent to the login page. The published
files are for the same users, or machine clients with an API token. The "how to check this
yourself" page and the browser verifier are public: they hold only what anyone needs to check
the log (its public keys and the witnesses'), never an entry or a record.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.auth import user_for_token
from accounts.permissions import Capability, require
from custodywatch_log.tiles import TileError, parse_tile_path
from ledger import public, publication, selectors
from ledger.forms import EntrySearchForm
from ledger.subjects import entry_subjects

IMMUTABLE = "private, max-age=31536000, immutable"
# The checkpoint changes as the log grows: tlog-tiles asks that it not be cached beyond seconds.
SHORT_LIVED = "private, max-age=5"


def accredited_reader(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the published files: a session or an API bearer token of a user who may view the ledger.

    Machine clients (the offline verifier, a witness operator's mirror) get 401 rather than a
    redirect to the log-in page.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _space, raw = header.partition(" ")
            user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return _unauthorised()
            request.user = user
        elif not request.user.is_authenticated:
            return _unauthorised()
        require(request.user, Capability.VIEW_LEDGER)
        return view(request, *args, **kwargs)

    return wrapper


def _unauthorised() -> HttpResponse:
    response = HttpResponse(_("Log in, or send an API token: Authorization: Bearer <token>."), status=401,
                            content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Bearer realm="custodywatch"'
    return response


RECENT_ENTRIES = 20


def _before(request: HttpRequest) -> int | None:
    """The ``before`` paging parameter: an entry index; anything else shows the newest entries."""
    value = request.GET.get("before", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _fragment(request: HttpRequest) -> bool:
    """An htmx request for part of the page (a history restore wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _rows(request: HttpRequest, entries: selectors.EntryPage) -> list[tuple[Any, Any]]:
    """Each entry with what it is about, where that lies within the reader's mandate."""
    subjects = entry_subjects(request.user, [e.index for e in entries.entries])
    return [(entry, subjects.get(entry.index)) for entry in entries.entries]


def _page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The whole ledger page: the overview, the recent entries (from ``?before=``) and the search."""
    overview = publication.overview()
    before = _before(request)
    entries = selectors.entry_page(before=before, size=RECENT_ENTRIES)
    context = {
        "overview": overview,
        "entries": entries,
        "rows": _rows(request, entries),
        "published_size": overview.published_size,
        "paged": before is not None,
        "keys": public.trusted_keys(),
        **context,
    }
    return render(request, "ledger/index.html", context)


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The latest checkpoint, its witnesses, the log size, the recent entries and a search by entry hash.

    htmx asking for ``?before=<index>`` gets only the rows of the next older entries.
    """
    require(request.user, Capability.VIEW_LEDGER)
    before = _before(request)
    if _fragment(request) and before is not None:
        entries = selectors.entry_page(before=before, size=RECENT_ENTRIES)
        context = {
            "entries": entries,
            "rows": _rows(request, entries),
            "published_size": publication.published_size(),
        }
        return render(request, "ledger/index.html#entry-rows", context)
    return _page(request, {"form": EntrySearchForm()})


@require_GET
@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Look an entry up by leaf hash; htmx gets the result fragment, others the whole page."""
    require(request.user, Capability.VIEW_LEDGER)
    form = EntrySearchForm(request.GET)
    entry = selectors.entry_by_leaf_hash(form.cleaned_data["hash"]) if form.is_valid() else None
    subjects = entry_subjects(request.user, [entry.index]) if entry else {}
    context = {"form": form, "searched": True, "entry": entry, "subject": subjects.get(entry.index) if entry else None}
    if _fragment(request):
        context["published_size"] = publication.published_size()
        return render(request, "ledger/index.html#search-result", context)
    return _page(request, context)


@require_GET
@login_required
def proof(request: HttpRequest, index: int) -> HttpResponse:
    """Download the offline tlog-proof bundle of entry ``index``."""
    require(request.user, Capability.VIEW_LEDGER)
    proven = publication.entry_proof(index=index)
    if proven is None:
        raise Http404(_("No published checkpoint covers this entry yet."))
    response = HttpResponse(proven.bundle, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="custodywatch-entry-{index}.tlog-proof"'
    return response


@require_GET
def check(request: HttpRequest) -> HttpResponse:
    """Public: how to check the ledger yourself, with its keys, the commands and the browser verifier."""
    return render(request, "ledger/check.html", {
        "keys": public.trusted_keys(),
        "version": public.verifier_package_version(),
        "tiles_url": request.build_absolute_uri(reverse("ledger:tiles-checkpoint")).removesuffix("checkpoint"),
    })


@require_GET
def verifier(request: HttpRequest) -> HttpResponse:
    """Public: the browser verifier, the same single file as the download, with its own CSP.

    ``?download`` answers it as an attachment to keep and open offline.
    """
    html, policy = public.verifier_page()
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # Set here, so a site-wide policy (which never overwrites a response's own) leaves it alone.
    response["Content-Security-Policy"] = policy
    response["Referrer-Policy"] = "no-referrer"
    if "download" in request.GET:
        response["Content-Disposition"] = f'attachment; filename="{public.VERIFIER_FILENAME}"'
    return response


@require_GET
@accredited_reader
def tiles_checkpoint(request: HttpRequest) -> HttpResponse:
    """``<prefix>/checkpoint``: the latest published checkpoint with its cosignatures."""
    checkpoint = publication.published_checkpoint()
    if checkpoint is None:
        raise Http404(_("No checkpoint has been published yet."))
    response = HttpResponse(publication.cosigned_note(checkpoint), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = SHORT_LIVED
    return response


@require_GET
@accredited_reader
def tile(request: HttpRequest, path: str) -> HttpResponse:
    """``<prefix>/tile/<L>/<N>[.p/<W>]`` and ``<prefix>/tile/entries/<N>[.p/<W>]``, from the database."""
    try:
        level, index, width = parse_tile_path(f"tile/{path}")
    except TileError:
        raise Http404(_("No such tile.")) from None
    checkpoint = publication.published_checkpoint()
    size = checkpoint.size if checkpoint else 0
    if level is None:
        data = publication.entry_bundle(index, width, size=size)
    else:
        data = publication.hash_tile(level, index, width, size=size)
    if data is None:
        raise Http404(_("No such tile."))
    response = HttpResponse(data, content_type="application/octet-stream")
    # Tiles never change once they exist (a partial tile of a given width neither).
    response["Cache-Control"] = IMMUTABLE
    return response


@require_GET
@login_required
def opening(request: HttpRequest, index: int) -> HttpResponse:
    """Download the opening of entry ``index`` (its record and salt), if the reader's mandate covers it.

    With the entry's .tlog-proof it lets anyone check both the record and its inclusion:
    ``python -m custodywatch_log.entries BUNDLE OPENING --log-key VKEY``. Outside the mandate
    (or for an entry with no opening) the answer is 404, as for a facility outside it.
    """
    require(request.user, Capability.VIEW_LEDGER)
    found = selectors.openings_for(request.user, [index]).get(index)
    if found is None:
        raise Http404(_("No record you may read belongs to this entry."))
    response = HttpResponse(found.format(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="custodywatch-entry-{index}.opening.json"'
    return response
