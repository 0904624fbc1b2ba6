"""The server as it runs in production: error pages, security headers, logs, the secret key."""

from __future__ import annotations

import io
import logging
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from custodywatch.secret_key import secret_key_file
from lib.log_filters import RefusalsOneLine

ROOT = Path(settings.BASE_DIR)


def ru(text: str) -> str:
    with translation.override("ru"):
        translated = translation.gettext(text)
    assert translated != text
    return translated


def test_the_suite_runs_with_debug_off_as_production_does():
    assert settings.DEBUG is False


@pytest.mark.django_db
def test_a_missing_page_is_the_translated_404_in_the_base_layout():
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ru")

    body = response.content.decode()
    assert response.status_code == 404
    assert 'class="topbar"' in body  # the base layout, not Django's bare page
    assert ru("This page does not exist, or is outside your mandate") in body
    assert "Page not found" not in body
    assert "urlpatterns" not in body


@pytest.mark.django_db
def test_a_refused_page_is_the_translated_403(personas):
    client = Client()
    client.force_login(personas.facility_officer)

    response = client.get(reverse("facilities:import"), HTTP_ACCEPT_LANGUAGE="kk")

    assert response.status_code == 403
    assert 'class="topbar"' in response.content.decode()
    assert '<html lang="kk">' in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="custodywatch.tests.urls")
def test_a_server_error_is_the_translated_500_without_a_traceback():
    response = Client(raise_request_exception=False).get("/broken-for-test/", HTTP_ACCEPT_LANGUAGE="ru")

    body = response.content.decode()
    assert response.status_code == 500
    assert ru("Something went wrong on our side") in body
    assert "RuntimeError" not in body
    assert "Traceback" not in body
    assert "<style" not in body  # styled by the app's stylesheet, so the CSP holds here too


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_without_inline_code():
    response = Client().get(reverse("accounts:login"))

    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    found = [f"{t.relative_to(ROOT)}: {what}" for t in templates for pattern, what in INLINE
             if pattern.search(t.read_text(encoding="utf-8"))]
    assert len(templates) > 10
    assert found == []


def _console_handler() -> logging.Handler:
    (handler,) = [h for h in logging.getLogger().handlers if any(isinstance(f, RefusalsOneLine) for f in h.filters)]
    return handler


@pytest.mark.django_db
def test_a_permission_refusal_is_logged_as_one_line_without_a_traceback(personas):
    handler = _console_handler()
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        client = Client()
        client.force_login(personas.facility_officer)
        client.get(reverse("facilities:import"))
        client.get(reverse("facilities:detail", args=[personas.other_colony.pk]))  # outside the mandate
    finally:
        handler.setStream(old)

    logged = [line for line in stream.getvalue().splitlines() if "django.request" in line]
    assert len(logged) == 2, stream.getvalue()
    assert "Forbidden" in logged[0]
    assert f"user {personas.facility_officer.pk}" in logged[0]
    assert "Not Found" in logged[1]
    assert "Traceback" not in stream.getvalue()


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                                   ("/x/",), sys.exc_info())
    record.status_code = 500
    assert RefusalsOneLine().filter(record)
    assert record.exc_info is not None


def test_a_generated_secret_key_is_private_and_the_same_on_every_start(tmp_path):
    key = secret_key_file(tmp_path / "data")

    path = tmp_path / "data" / "secret_key"
    assert len(key) >= 50
    assert secret_key_file(tmp_path / "data") == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("short")
    with pytest.raises(ImproperlyConfigured, match="too short"):
        secret_key_file(tmp_path / "data")


def _settings_in_a_fresh_process(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "DEBUG", "DJANGO_"))}
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "custodywatch.settings", **env},
        capture_output=True, text=True, timeout=120, check=True,
    )
    return out.stdout.strip()


def test_production_never_falls_back_to_a_known_key(tmp_path):
    generated = _settings_in_a_fresh_process({"DATA_DIR": str(tmp_path)})
    (tmp_path / "given").write_text("k" * 60)
    from_file = _settings_in_a_fresh_process({"DATA_DIR": str(tmp_path), "SECRET_KEY_FILE": str(tmp_path / "given")})

    assert generated == f"False {(tmp_path / 'secret_key').read_text().strip()}"
    assert from_file == f"False {'k' * 60}"
