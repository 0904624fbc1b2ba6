"""From findings to the next visit, as people do it in a real chromium; in Kazakh too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from facilities.factories import TEST_PASSWORD
from lib.testing.browser import log_in, serious_accessibility_violations
from visits.models import Finding, FindingStatus, Recommendation, RecommendationStatus

# What a person sees does not depend on the database engine: the PostgreSQL run skips these.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


def other_person(chromium, live_server, username: str):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, username, TEST_PASSWORD)
    return context, page


def test_confirm_recommend_answer_close_at_the_next_visit_and_download_the_pdf(page, chromium, live_server, world):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("visits:findings", args=[world.first.pk]))
    page.get_by_role("button", name="Propose findings from the record").click()
    space = Finding.objects.get(visit=world.first, indicator__code="SPACE-01")
    assert serious_accessibility_violations(page) == []
    card = page.locator(f"#finding-{space.pk}")
    card.get_by_role("button", name="Confirm").click()
    assert Finding.objects.get(pk=space.pk).status == FindingStatus.CONFIRMED

    card = page.locator(f"#finding-{space.pk}")
    card.locator("summary", has_text="Issue a recommendation").click()
    card.get_by_label("Addressed to").select_option("facility")
    card.get_by_label("Recommendation", exact=True).fill("Give every person at least 4 m2 of living space.")
    card.get_by_label("Response due by").fill((dt.date.today() + dt.timedelta(days=20)).isoformat())
    card.get_by_role("button", name="Issue the recommendation").click()
    page.wait_for_load_state("networkidle")
    recommendation = Recommendation.objects.get()
    assert "Give every person" in page.locator(f"#finding-{space.pk}").inner_text()

    context, officer = other_person(chromium, live_server, "officer.la155")
    officer.get_by_role("navigation").get_by_role("link", name="Recommendations").click()
    officer.get_by_role("link", name=recommendation.code).click()
    officer.get_by_label("Accepted", exact=True).check()
    officer.locator("#action_1").fill("Move 40 people to the repaired block 3")
    officer.locator("#due_1").fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
    officer.get_by_role("button", name="Send").click()
    officer.wait_for_load_state("networkidle")
    assert "Move 40 people" in officer.locator(".statements").inner_text()
    assert serious_accessibility_violations(officer) == []
    context.close()
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.ACCEPTED

    page.goto(reverse("visits:follow-up", args=[world.second.pk]))
    item = page.locator(f"#recommendation-{recommendation.pk}")
    item.get_by_label("Implemented", exact=True).check()
    item.get_by_label("What the monitors saw").fill("4.3 m2 measured in every shared cell.")
    item.get_by_role("button", name="Record the check").click()
    page.wait_for_load_state("networkidle")
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.IMPLEMENTED
    assert page.get_by_text("No open recommendation from earlier visits.").is_visible()

    page.goto(reverse("visits:report", args=[world.first.pk]))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 2000


def test_a_monitor_works_in_kazakh_and_gets_the_report_in_kazakh(page, world):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    with page.expect_navigation():
        page.locator("#language-select").select_option(label="Қазақша")
    assert page.locator("html").get_attribute("lang") == "kk"
    with translation.override("kk"):
        propose, confirm, download = (translation.gettext(text) for text in (
            "Propose findings from the record", "Confirm", "Download the PDF"))

    page.goto(reverse("visits:findings", args=[world.first.pk]))
    page.get_by_role("button", name=propose).click()
    access = Finding.objects.get(visit=world.first, origin="access")
    page.locator(f"#finding-{access.pk}").get_by_role("button", name=confirm).click()
    assert Finding.objects.get(pk=access.pk).status == FindingStatus.CONFIRMED

    page.goto(reverse("visits:report", args=[world.first.pk]))
    # The theme in Kazakh, as the catalogue names it.
    assert "Шағымдар мен тексерулер (OPCAT бойынша кіру құқығын қоса)" in page.locator("main").inner_text()
    with page.expect_download() as file:
        page.get_by_role("link", name=download).click()
    assert file.value.suggested_filename.endswith("-kk.pdf")
    assert file.value.path().read_bytes().startswith(b"%PDF")
