"""The access log never holds a one-time password link's token: the pattern follows accounts/urls.py,
and a real gunicorn started with deploy/gunicorn.conf.py writes the redacted line."""

from __future__ import annotations

import http.client
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.password_links import link_for
from facilities.factories import UserFactory
from lib.access_log import REDACTED, redact

ROOT = Path(settings.BASE_DIR)


TOKEN_SHAPED = "cz5ry3-0123456789abcdef0123456789abcdef"  # Django's timestamp-hmac form, made up


def link(uid: str = "MTIz", token: str = TOKEN_SHAPED) -> str:
    return reverse("accounts:password-link", kwargs={"uidb64": uid, "token": token})


def test_the_token_of_a_password_link_is_redacted_and_the_person_stays():
    assert redact(f"GET {link()} HTTP/1.1") == f"GET /password/MTIz/{REDACTED}/ HTTP/1.1"


def test_a_link_without_its_slash_with_a_query_or_inside_a_full_referer_is_redacted_too():
    token = "cz5ry3-0123456789abcdef"
    bare = link(token=token).removesuffix("/")
    assert redact(bare) == f"/password/MTIz/{REDACTED}"
    assert redact(f"{link(token=token)}?next=/") == f"/password/MTIz/{REDACTED}/?next=/"
    assert redact(f"https://custodywatch.example.kz{link(token=token)}") == (
        f"https://custodywatch.example.kz/password/MTIz/{REDACTED}/")


def test_the_address_the_link_moves_to_and_other_password_pages_are_left_alone():
    moved = link(token="set-password")
    assert redact(moved) == moved
    for url in (reverse("accounts:password-change"), reverse("accounts:user-reset-password", args=[5]),
                reverse("accounts:login")):
        assert redact(f"POST {url} HTTP/1.1") == f"POST {url} HTTP/1.1"


@hypothesis_settings(deadline=None)
@given(uid=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=12),
       token=st.text("0123456789abcdefghijklmnopqrstuvwxyz-", min_size=8, max_size=60),
       tail=st.sampled_from(["", "/", "/?a=1", "?a=b/c", "/ HTTP/1.1", '/" 302']))
def test_no_token_shaped_segment_survives(uid, token, tail):
    line = f"GET /password/{uid}/{token}{tail}"
    out = redact(line)
    assert (token in out) == (token == "set-password")
    assert f"/password/{uid}/" in out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.sqlite_only
@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_the_deployment_config_logs_a_password_link_without_its_token(tmp_path):
    person = UserFactory(username="new.monitor")
    path = urlsplit(link_for(person)).path
    token = path.rstrip("/").rsplit("/", 1)[1]
    # gunicorn's workers read a copy of this test's (migrated) database, the person in it.
    (tmp_path / "db").mkdir()
    database = tmp_path / "db" / "web.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)
    access_log = tmp_path / "access.log"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(DJANGO_SETTINGS_MODULE="custodywatch.test_settings", SECRET_KEY=settings.SECRET_KEY,
               DATABASE_URL=f"sqlite:///{database}", LEDGER_KEY_DIR=str(tmp_path / "keys"), DEBUG="0",
               ALLOWED_HOSTS="127.0.0.1", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG=str(access_log),
               WEB_CONCURRENCY="1", LOG_LEVEL="WARNING", DATA_DIR=str(tmp_path / "var"))
    server = subprocess.Popen(  # noqa: S603 - our gunicorn with the deployment's configuration
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        opened = _get(port, path, server)
        # The link is real: its page takes the token into the session and moves to set-password.
        assert opened.status == 302, opened.status
        moved = opened.getheader("Location")
        assert moved.endswith("/set-password/")
        page = _get(port, moved, server, headers={"Cookie": opened.getheader("Set-Cookie").split(";")[0],
                                                  "Referer": f"http://127.0.0.1:{port}{path}"})
        assert page.status == 200
    finally:
        server.terminate()
        stderr = server.communicate(timeout=30)[1]
    lines = access_log.read_text().splitlines()
    assert len(lines) == 2, (lines, stderr[-2000:])
    assert token not in access_log.read_text()
    uid = path.split("/")[2]
    assert f'"GET /password/{uid}/{REDACTED}/ HTTP/1.1" 302' in lines[0]
    assert f'"GET /password/{uid}/set-password/ HTTP/1.1" 200' in lines[1]
    assert f'"http://127.0.0.1:{port}/password/{uid}/{REDACTED}/"' in lines[1]  # the Referer


def _get(port: int, path: str, server: subprocess.Popen, headers: dict[str, str] | None = None):
    deadline = time.monotonic() + 90
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            return response
        except ConnectionError:  # refused until gunicorn listens, reset until its worker has booted
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not serve: {server.communicate()[1][-2000:]}") from None
            time.sleep(0.1)
