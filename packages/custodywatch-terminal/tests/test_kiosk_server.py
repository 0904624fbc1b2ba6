"""The kiosk's server: localhost only, nothing cached or kept, hostile requests refused with a
page in the complainant's language, every string in three languages."""

# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose.
from __future__ import annotations

import http.client
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from terminal_kiosk_fixtures import run_kiosk

from custodywatch_terminal import receipts
from custodywatch_terminal.kiosk import messages, pages
from custodywatch_terminal.kiosk.server import KioskServer

PAGES = ["/", "/kk/", "/ru/", "/en/", "/kk/complaint", "/ru/urgent", "/en/follow-up", "/kk/nowhere"]


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    for running in run_kiosk(tmp_path_factory.mktemp("terminal")):
        yield running.server, running


def request(server, method, path, body=b"", headers=None):
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    base = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"}
    if body:
        base["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers={**base, **(headers or {})})
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")


def form(**fields) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def test_kiosk_serves_on_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        KioskServer(object(), host="0.0.0.0", port=0)  # noqa: S104 (the address being refused)


@pytest.mark.parametrize("path", PAGES)
def test_kiosk_pages_are_never_cached_set_no_cookie_and_allow_only_own_scripts(kiosk, path):
    server, _ = kiosk
    status, headers, _body = request(server, "GET", path)
    assert status in (200, 404)
    assert headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_kiosk_start_page_asks_the_browser_to_drop_cache_and_storage(kiosk):
    _, headers, _ = request(kiosk[0], "GET", "/")
    assert headers["Clear-Site-Data"] == '"cache", "storage"'


def test_kiosk_refuses_another_host_name_and_a_post_from_another_origin(kiosk):
    server, agent = kiosk
    before = agent.agent.outbox.pending_count("complaint")
    assert request(server, "GET", "/kk/", headers={"Host": "evil.example"})[0] == 421
    body = form(category="health", text="x")
    assert request(server, "POST", "/kk/complaint", body, {"Origin": "http://evil.example"})[0] == 403
    assert request(server, "POST", "/kk/complaint", body, {"Origin": "null"})[0] == 403
    assert agent.agent.outbox.pending_count("complaint") == before


def test_kiosk_refuses_an_oversized_or_malformed_body_in_the_pages_language(kiosk):
    server, agent = kiosk
    before = agent.agent.outbox.pending_count("complaint")
    status, _, html = request(server, "POST", "/ru/complaint", b"x", {"Content-Length": str(5 * 1024 * 1024)})
    assert status == 413
    assert "Слишком большой объём" in html
    status, _, html = request(server, "POST", "/kk/complaint", b"--x\r\n\r\n",
                              {"Content-Type": "multipart/form-data; boundary=x"})
    assert status == 400
    assert "Форманың бір бөлігі қабылданбады" in html
    assert request(server, "POST", "/en/complaint", b"\xff\xfe", {})[0] == 400
    assert agent.agent.outbox.pending_count("complaint") == before


def test_kiosk_says_which_field_is_wrong_and_keeps_what_was_written(kiosk):
    server, agent = kiosk
    before = agent.agent.outbox.pending_count("complaint")
    status, _, html = request(server, "POST", "/kk/complaint", form(category="health", text="x" * 10_001))
    assert status == 400
    assert 'id="error-text"' in html
    assert "Мәтін тым ұзын." in html
    status, _, html = request(server, "POST", "/ru/complaint",
                              form(category="family", text="Не дают звонить", anonymous="0", name=" "))
    assert status == 400
    assert 'id="error-name"' in html
    assert "Не дают звонить" in html  # the text is shown again, not lost
    status, _, html = request(server, "POST", "/en/complaint", form(category="", text="Cold"))
    assert 'id="error-category"' in html
    assert agent.agent.outbox.pending_count("complaint") == before


def test_kiosk_follow_up_says_precisely_what_is_wrong_with_a_code(kiosk):
    server, _ = kiosk
    code = receipts.new_receipt().digits
    _, _, html = request(server, "POST", "/kk/follow-up", form(code=code[:7] + "o" + code[8:]))
    assert "8-таңба («o») цифр емес." in html
    _, _, html = request(server, "POST", "/ru/follow-up", form(code=code[:-2]))
    assert "В коде цифр: 19, а в коде квитанции их 21." in html
    _, _, html = request(server, "POST", "/en/follow-up", form(code=code[:5] + code[6] + code[5] + code[7:]
                                                              if code[5] != code[6] else code[:-1] + "x"))
    assert "The code is not right" in html or "is not a digit" in html
    status, _, html = request(server, "POST", "/en/follow-up", form(code=code))  # valid but unknown
    assert status == 404
    assert "No complaint was found with this code." in html


def test_kiosk_writes_no_log_line_with_a_code(kiosk, capsys, caplog):
    server, _ = kiosk
    _, _, html = request(server, "POST", "/en/urgent", form(text="help", category="other"))
    code = re.search(r'aria-label="([0-9 ]+)"', html).group(1)
    request(server, "POST", "/en/follow-up", form(code=code))
    captured = capsys.readouterr()
    digits = code.replace(" ", "")
    for text in (captured.out, captured.err, caplog.text):
        assert digits[8:20] not in text.replace(" ", "")


def test_every_kiosk_string_exists_in_three_languages_with_the_same_placeholders():
    for key, texts in messages.MESSAGES.items():
        assert len(texts) == 3, key
        assert all(t.strip() for t in texts), key
        placeholders = [set(re.findall(r"{(\w+)}", t)) for t in texts]
        assert placeholders[0] == placeholders[1] == placeholders[2], key


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.text.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_kazakh_and_russian_pages_carry_no_english(lang):
    thread = pages.ThreadView(status="under_review", ledger_index=12345, entries=(
        pages.ReplyView(text="Жауап", by="npm", at=None), pages.ReplyView(text="", by="", at=None, mine=True),
        pages.ReplyView(text="", by="other", at=None, readable=False)))
    bodies = [
        pages.home_page(lang), pages.complaint_page(lang, errors={"text": "err_text_required"}),
        pages.urgent_page(lang), pages.follow_up_page(lang, "err_code_check"),
        pages.receipt_page(lang, grouped="1234 5678 9012 3456 7890 1", locator="12345678", ledger_index=None),
        pages.thread_page(lang, thread=thread, code="1234", sent=True), pages.error_page(lang, "err_form"),
    ]
    for body in bodies:
        parser = _Visible()
        parser.feed(pages.layout(lang, messages.t(lang, "title"), body, idle=90, warn=20, page="x"))
        visible = " ".join(parser.text)
        assert re.findall(r"[A-Za-z]{2,}", visible) == [], visible[:200]
