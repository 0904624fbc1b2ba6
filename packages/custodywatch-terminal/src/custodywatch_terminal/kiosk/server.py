"""The kiosk's web server: localhost only, standard library (ThreadingHTTPServer).

It holds nothing between requests: a complaint goes from the posted form straight to the agent,
which seals it before it is stored anywhere; the receipt code exists only in the page that shows
it. Every response says ``Cache-Control: no-store``; the start page also asks the browser to drop
its cache and storage (``Clear-Site-Data``); no cookie is ever set. Requests are not logged
(a path never carries a code, but a log line is still one more place to look).

Defences a kiosk needs even on loopback: the Host header must name the loopback address (DNS
rebinding), a POST must come from the kiosk's own origin, bodies are bounded, and the
Content-Security-Policy allows only the kiosk's own script and style files.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from custodywatch_terminal import receipts
from custodywatch_terminal.agent import Filed, FollowUpError
from custodywatch_terminal.kiosk import forms, pages
from custodywatch_terminal.kiosk.messages import LANGUAGES, t
from custodywatch_terminal.sealing import PlaintextError

log = logging.getLogger("custodywatch_terminal.kiosk")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no-referrer would make the browser send "Origin: null"
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=(), payment=(), usb=()",
}
STATIC = {"kiosk.css": "text/css; charset=utf-8", "kiosk.js": "text/javascript; charset=utf-8"}
_LOCATOR = re.compile(r"^[0-9]{8}$")


class Agent(Protocol):
    """What the kiosk asks of the terminal agent (``custodywatch_terminal.agent.Agent``)."""

    def file_complaint(self, form: dict[str, Any]) -> Filed: ...
    def follow_up(self, code: str) -> Any: ...
    def add_message(self, code: str, *, text: str = "", voice: bytes | None = None) -> int: ...
    def status(self) -> Any: ...


@dataclass
class Settings:
    idle_seconds: int = 90
    warn_seconds: int = 20


class KioskServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, agent: Agent, *, host: str = "127.0.0.1", port: int = 8088,
                 settings: Settings | None = None) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the kiosk serves on a loopback address only, not {host}")
        self.agent = agent
        self.settings = settings or Settings()
        super().__init__((host, port), KioskHandler)

    @property
    def origin_hosts(self) -> set[str]:
        port = self.server_address[1]
        return {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}


class KioskHandler(BaseHTTPRequestHandler):
    server: KioskServer
    server_version = "custodywatch-kiosk"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        return

    # --- plumbing ---------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self, lang: str, title: str, body: str, *, page: str, status: int = 200,
              extra: dict[str, str] | None = None) -> None:
        html = pages.layout(lang, title, body, idle=self.server.settings.idle_seconds,
                            warn=self.server.settings.warn_seconds, page=page)
        self._send(status, html.encode("utf-8"), "text/html; charset=utf-8", extra)

    def _host_ok(self) -> bool:
        return (self.headers.get("Host") or "") in self.server.origin_hosts

    def _origin_ok(self) -> bool:
        origin = self.headers.get("Origin")
        if origin is None:  # a browser always sends it on a form POST; a missing one is not a form
            return False
        parts = urlsplit(origin)
        return parts.scheme == "http" and parts.netloc in self.server.origin_hosts

    def _route(self) -> tuple[str, str]:
        path = urlsplit(self.path).path
        match = re.fullmatch(r"/(kk|ru|en)/([a-z/-]*)", path)
        if match:
            return match.group(1), match.group(2).rstrip("/")
        return "", path

    # --- GET --------------------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_ok():
            self._send(HTTPStatus.MISDIRECTED_REQUEST, b"", "text/plain")
            return
        lang, rest = self._route()
        if not lang:
            if rest == "/":
                self._page("", "Қазақша · Русский · English", pages.language_page(), page="language",
                           extra={"Clear-Site-Data": '"cache", "storage"'})
            elif rest.startswith("/static/") and rest[8:] in STATIC:
                name = rest[8:]
                body = resources.files("custodywatch_terminal.kiosk").joinpath("static", name).read_bytes()
                self._send(200, body, STATIC[name])
            elif rest.startswith("/delivery/"):
                self._delivery(rest[len("/delivery/"):])
            else:
                self._page("kk", t("kk", "not_found"), pages.not_found_page("kk"), page="error", status=404)
            return
        title = t(lang, "title")
        if rest == "":
            self._page(lang, title, pages.home_page(lang), page="home")
        elif rest == "complaint":
            self._page(lang, title, pages.complaint_page(lang), page="complaint")
        elif rest == "urgent":
            self._page(lang, t(lang, "urgent_title"), pages.urgent_page(lang), page="urgent")
        elif rest == "follow-up":
            self._page(lang, t(lang, "follow_title"), pages.follow_up_page(lang), page="follow-up")
        else:
            self._page(lang, t(lang, "not_found"), pages.not_found_page(lang), page="error", status=404)

    def _delivery(self, locator: str) -> None:
        query = parse_qs(urlsplit(self.path).query)
        lang = (query.get("lang") or ["kk"])[0]
        if not _LOCATOR.fullmatch(locator) or lang not in LANGUAGES:
            self._send(404, b"{}", "application/json")
            return
        index = delivered_index(self.server.agent, locator)
        body = {"delivered": index is not None, "text": pages.delivery_text(lang, index)}
        self._send(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")

    # --- POST -------------------------------------------------------------------------------------

    def do_POST(self) -> None:
        if not self._host_ok():
            self._send(HTTPStatus.MISDIRECTED_REQUEST, b"", "text/plain")
            return
        lang, rest = self._route()
        if not lang or rest not in {"complaint", "urgent", "follow-up", "follow-up/message"}:
            self._page(lang or "kk", t(lang or "kk", "not_found"), pages.not_found_page(lang or "kk"),
                       page="error", status=404)
            return
        if not self._origin_ok():
            self._page(lang, t(lang, "err_form"), pages.error_page(lang, "err_form"), page="error", status=403)
            return
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self._page(lang, t(lang, "err_form"), pages.error_page(lang, "err_form"), page="error", status=411)
            return
        if length < 0 or length > forms.MAX_BODY:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            self._page(lang, t(lang, "err_too_large"), pages.error_page(lang, "err_too_large"), page="error",
                       status=413)
            return
        body = self.rfile.read(length)
        try:
            posted = forms.read_form(self.headers.get("Content-Type") or "", body)
        except forms.FormError:
            self._page(lang, t(lang, "err_form"), pages.error_page(lang, "err_form"), page="error", status=400)
            return
        if rest in {"complaint", "urgent"}:
            self._file(lang, rest, posted)
        elif rest == "follow-up":
            self._follow_up(lang, posted)
        else:
            self._add_message(lang, posted)

    def _file(self, lang: str, kind: str, posted: forms.Posted) -> None:
        urgent = kind == "urgent"
        render = pages.urgent_page if urgent else pages.complaint_page
        title = t(lang, "urgent_title" if urgent else "title")
        values = {k: v for k, v in posted.fields.items() if k != "voice"}
        if posted.bad_encoding & {"text", "name"}:
            field = "text" if "text" in posted.bad_encoding else "name"
            self._page(lang, title, render(lang, values, {field: "err_text_bad_encoding"}), page=kind, status=400)
            return
        try:
            result = self.server.agent.file_complaint(forms.complaint_fields(posted, lang=lang, urgent=urgent))
        except Exception as error:
            refused = _refusal(error)
            if refused is None:
                log.error("filing a complaint failed: %s", type(error).__name__)
                self._page(lang, title, pages.error_page(lang, "err_unavailable"), page="error", status=503)
                return
            self._page(lang, title, render(lang, values, dict([refused])), page=kind, status=400)
            return
        receipt = result.receipt
        self._page(lang, t(lang, "receipt_title"),
                   pages.receipt_page(lang, grouped=receipt.grouped, locator=receipt.locator,
                                      ledger_index=result.ledger_index),
                   page="receipt")

    def _parse_code(self, lang: str, text: str) -> receipts.Receipt | None:
        try:
            return receipts.parse(text)
        except receipts.ReceiptError as error:
            values = {"position": error.position, "character": error.character, "count": error.count}
            self._page(lang, t(lang, "follow_title"),
                       pages.follow_up_page(lang, f"err_code_{error.reason}", **values), page="follow-up", status=400)
            return None

    def _lookup(self, lang: str, receipt: receipts.Receipt) -> Any:
        try:
            return self.server.agent.follow_up(receipt.digits)
        except Exception as error:
            key = _lookup_refusal(error)
            status = 429 if key == "err_rate_limited" else 404 if key == "err_code_unknown" else 503
            if key == "err_offline":
                log.warning("a follow-up lookup failed: %s", type(error).__name__)
            self._page(lang, t(lang, "follow_title"), pages.follow_up_page(lang, key), page="follow-up", status=status)
            return None

    def _kinds(self) -> dict[str, str]:
        """Organisation code -> kind of body, from the terminal's routing list (to name who replied)."""
        routing = getattr(self.server.agent, "routing", None)
        current = routing.current() if routing is not None else None
        return {r.organisation: r.kind for r in current.recipients} if current is not None else {}

    def _follow_up(self, lang: str, posted: forms.Posted) -> None:
        receipt = self._parse_code(lang, posted.fields.get("code", ""))
        if receipt is None:
            return
        thread = self._lookup(lang, receipt)
        if thread is None:
            return
        view = thread_view(thread, self._kinds())
        self._page(lang, t(lang, "follow_title"), pages.thread_page(lang, thread=view, code=receipt.grouped),
                   page="thread")

    def _add_message(self, lang: str, posted: forms.Posted) -> None:
        receipt = self._parse_code(lang, posted.fields.get("code", ""))
        if receipt is None:
            return
        text = posted.fields.get("text", "").replace("\r\n", "\n")
        errors: dict[str, str] = {}
        if "text" in posted.bad_encoding:
            errors["text"] = "err_text_bad_encoding"
        else:
            try:
                self.server.agent.add_message(receipt.digits, text=text, voice=posted.voice)
            except Exception as error:
                refused = _refusal(error)
                if refused is None:
                    key = _lookup_refusal(error)
                    self._page(lang, t(lang, "follow_title"), pages.follow_up_page(lang, key), page="follow-up",
                               status=503)
                    return
                errors = dict([refused])
        thread = self._lookup(lang, receipt)
        if thread is None:
            return
        view = thread_view(thread, self._kinds())
        self._page(lang, t(lang, "follow_title"),
                   pages.thread_page(lang, thread=view, code=receipt.grouped, errors=errors, sent=not errors),
                   page="thread", status=400 if errors else 200)


# --- the agent's answers, read in one place ---------------------------------------------------------

def _refusal(error: Exception) -> tuple[str, str] | None:
    """(form field, message key) if ``error`` is the sealing rules refusing a field."""
    if isinstance(error, PlaintextError):
        return forms.refusal(error.field, error.code)
    return None


def _lookup_refusal(error: Exception) -> str:
    code = error.code if isinstance(error, FollowUpError) else ""
    return {"unknown": "err_code_unknown", "rate_limited": "err_rate_limited"}.get(code, "err_offline")


def delivered_index(agent: Agent, locator: str) -> int | None:
    """The ledger index of the complaint with this locator, once the server acknowledged it."""
    return agent.status().delivered.get(locator)


def thread_view(thread: Any, kinds: dict[str, str]) -> pages.ThreadView:
    """The agent's ``Thread`` as the page shows it (``kinds``: organisation code -> kind of body)."""
    entries = tuple(
        pages.ReplyView(text=item.text, by=kinds.get(item.by_organisation, "other"), at=item.sent_at,
                        mine=item.kind == "message",
                        readable=item.readable)
        for item in thread.entries
    )
    return pages.ThreadView(status=thread.status, ledger_index=thread.ledger_index, entries=entries)


def serve(agent: Agent, *, host: str = "127.0.0.1", port: int = 8088, settings: Settings | None = None) -> None:
    """Serve the kiosk until interrupted."""
    with KioskServer(agent, host=host, port=port, settings=settings) as server:
        server.serve_forever()
