"""Browser fixtures: Playwright driving the machine's own chromium against the live server.

No browser is downloaded: Playwright launches the Debian chromium at CHROMIUM_PATH. Where it is
missing the browser tests are skipped, except in CI (CI=true), where that fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _close_request_connections(server) -> None:
    """Close a live-server request thread's connections, except the test's in-memory SQLite one.

    The live server shares the test thread's in-memory database with its request threads; closing
    that connection is a no-op for SQLite, but Django checks thread sharing first, and a request
    thread still finishing after its test has moved on fails that check (an unhandled thread
    exception in whichever test runs next). Every other connection is closed as Django does.
    """
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.vendor == "sqlite" and conn.is_in_memory_db():
            continue
        conn.close()


def _patch_live_server() -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer

    ThreadedWSGIServer._close_connections = _close_request_connections  # Django's seam for tests


_patch_live_server()


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return candidate if Path(candidate).exists() else shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; CI requires the browser tests to run")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in another thread, but pytest-django's own DB setup runs here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server) -> Iterator[object]:
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")


_WATCH_SETTLE = """(part) => {
  window.cwSettled = window.cwSettled || {};
  window.cwSettled[part] = false;
  document.addEventListener("htmx:afterSettle", function settled(event) {
    const xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.responseURL.includes(part)) {
      window.cwSettled[part] = true;
      document.removeEventListener("htmx:afterSettle", settled);
    }
  });
}"""


@contextmanager
def htmx_swap(page, url_part: str) -> Iterator[None]:
    """After the block, waits until htmx has swapped in and settled the answer to a request whose
    address contains url_part: the response alone arrives before the page shows it."""
    page.evaluate(_WATCH_SETTLE, url_part)
    yield
    page.wait_for_function("(part) => window.cwSettled[part] === true", arg=url_part)


def serious_accessibility_violations(page) -> list[dict]:
    """axe-core's violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    return [v for v in violations if v.get("impact") in {"serious", "critical"}]


PHONE_WIDTH = 390


@pytest.fixture
def phone(chromium, live_server) -> Iterator[object]:
    """A page in a 390-pixel-wide phone viewport (an iPhone 12-14), touch and mobile layout."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": PHONE_WIDTH, "height": 844}, device_scale_factor=2,
        is_mobile=True, has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sideways_overflow(page) -> dict:
    """How far the page scrolls sideways, and the elements that stick out of the viewport
    (tables inside their own scrolling box and visually hidden text excepted)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const culprits = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= width + 1) continue;
            if (el.closest('.table-wrap, .visually-hidden, .skip-link')) continue;
            culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
              ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' → ' + Math.round(r.right));
          }
          return {scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 10)};
        }"""
    )


def clipped_badges(page) -> list[str]:
    """Badges whose text does not fit their box or whose box is cut off by an ancestor."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.badge')].filter(b => {
            // A stacked table's header row is hidden on purpose: each cell carries its label.
            if (b.closest('table.stacked thead')) return false;
            if (b.scrollWidth > b.clientWidth + 1) return true;
            const r = b.getBoundingClientRect();
            for (let p = b.parentElement; p; p = p.parentElement) {
              const s = getComputedStyle(p);
              if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
              const q = p.getBoundingClientRect();
              if (p.closest('.table-wrap') && p.classList.contains('table-wrap')) continue;
              if (r.left < q.left - 1 || r.right > q.right + 1) return true;
            }
            return false;
          }).map(b => b.textContent.trim())"""
    )
