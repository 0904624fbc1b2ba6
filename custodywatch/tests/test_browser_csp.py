"""The main pages work under the Content-Security-Policy: no violation is reported, and the
scripted parts (the language switch, htmx's live filter) still work."""

from __future__ import annotations

import pytest
from django.urls import reverse

from facilities.factories import TEST_PASSWORD
from lib.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every violation the browser reports (the event fires for each blocked script, style,
# image or connection, including inline attributes), before any page script runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, plus the list of CSP violations its console and documents report."""
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(LISTEN)
    return page, console


def violations(page, console: list[str]) -> list[str]:
    return [*console, *page.evaluate("window.__cspViolations")]


def test_the_main_pages_raise_no_content_security_policy_violation(watched, personas):
    page, console = watched
    page.goto(reverse("accounts:login"))
    assert violations(page, console) == []
    log_in(page, "aigerim.npm", TEST_PASSWORD)

    pages = [
        reverse("facilities:overview"),
        reverse("facilities:list"),
        reverse("facilities:detail", args=[personas.colony.pk]),
        reverse("facilities:history", args=[personas.colony.pk]),
        reverse("facilities:edit", args=[personas.colony.pk]),
        reverse("facilities:population", args=[personas.colony.pk]),
        reverse("facilities:import"),
        reverse("ledger:index"),
        "/no-such-page/",
    ]
    seen = {}
    for url in pages:
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        assert response.headers.get("content-security-policy"), url
        seen[url] = violations(page, console)
        console.clear()
    assert seen == {url: [] for url in pages}

    # The watch itself works: markup with an inline style, as a careless template would add, is reported.
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in v for v in violations(page, console))


def test_htmx_and_the_language_switch_work_under_the_policy(watched, personas):
    page, console = watched
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("facilities:list"))

    with page.expect_response(lambda r: "q=LA-155" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("#id_q").fill("LA-155")
    page.wait_for_url("**q=LA-155**")  # htmx pushed the filtered address
    assert page.locator("#results").get_by_text("LA-155/1").count() >= 1

    with page.expect_navigation():
        page.locator("#language-select").select_option("ru")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert violations(page, console) == []
