"""The officer's flow in a real chromium: unlock, triage, reply, escalate; in English and in Kazakh."""

from __future__ import annotations

import pyrage
import pytest
from django.utils import translation

from complaints.models import Alert, Complaint, Statement
from complaints.services import escalation
from complaints.workspace_testing import PASSPHRASE, make_complaint
from facilities.factories import TEST_PASSWORD
from lib.testing.browser import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _complaints(workspace, time_machine):
    time_machine.move_to("2026-12-01 06:00Z", tick=True)
    urgent, _ = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm], category="torture",
                               text="They beat me in the search room.", name="Serik B.")
    urgent.reply_recipient = str(pyrage.x25519.Identity.generate().to_public())
    urgent.save(update_fields=["reply_recipient"])
    make_complaint(facility=workspace.personas.other_colony, recipients=[workspace.npm], category="health",
                   text="No doctor for a week.")
    time_machine.move_to("2026-12-02 07:00Z", tick=True)  # the urgent one is now overdue
    return urgent


def _translated(language: str, *texts: str) -> list[str]:
    with translation.override(language):
        return [translation.gettext(text) for text in texts]


@pytest.mark.parametrize("language", ["en", "kk"])
def test_an_officer_unlocks_triages_replies_and_sees_the_escalation(page, workspace, time_machine, language):
    urgent = _complaints(workspace, time_machine)
    officer = workspace.personas.npm_monitor
    log_in(page, officer.username, TEST_PASSWORD)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(value=language)
        assert page.locator("html").get_attribute("lang") == language
    complaints, show = _translated(language, "Complaints", "Show identity")

    page.get_by_role("navigation").get_by_role("link", name=complaints).click()
    assert page.locator("h1").inner_text() == complaints
    assert page.locator("tr[data-complaint]").count() == 2
    assert serious_accessibility_violations(page) == []

    # Unlock with the organisation's passphrase.
    page.locator("[data-key-state=locked]").click()
    page.locator("#id_passphrase").fill(PASSPHRASE)
    page.locator("main form button[type=submit]").click()
    assert page.locator("[data-key-state=unlocked]").is_visible()

    # Triage: urgent first, open it, read it, see the name only on request.
    page.locator("#id_priority").select_option("urgent")
    page.locator("form.filters button[type=submit]").click()
    assert page.locator("tr[data-complaint]").count() == 1
    page.locator("tr[data-complaint] a").first.click()
    assert "They beat me in the search room." in page.locator("[data-complaint-text]").inner_text()
    assert "Serik B." not in page.content()
    page.get_by_role("button", name=show).click()
    assert page.locator("[data-identity]").inner_text() == "Serik B."

    page.locator("#id_status").select_option("acknowledged")
    page.locator("#id_status").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    assert page.locator("[data-status]").get_attribute("data-status") == "acknowledged"

    page.locator("#id_reply-text").fill("A monitor will visit you this week.")
    page.locator("#id_reply-text").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    assert page.locator("article[data-kind=reply]").count() == 1
    assert "A monitor will visit you this week." in page.locator("article[data-kind=reply]").inner_text()
    assert Statement.objects.get().complaint_id == urgent.pk
    assert b"visit you" not in bytes(Statement.objects.get().sealed)

    # Escalation: the other complaint, assigned to this officer, passes its deadline.
    other = Complaint.objects.exclude(pk=urgent.pk).get()
    other.assigned_to = officer
    other.acknowledge_by = other.received_at
    other.save(update_fields=["assigned_to", "acknowledge_by"])
    escalation.escalate_overdue()
    assert Alert.objects.filter(recipient=officer, complaint=other).exists()
    page.goto("/complaints/alerts/")
    page.locator("[data-alert=overdue] a").click()
    assert str(other.pk) in page.url
    assert "No doctor for a week." in page.locator("[data-complaint-text]").inner_text()

    # Lock: the text is gone from the next page.
    page.locator("main form[action$='/lock/'] button").first.click()
    assert page.locator("[data-key-state=locked]").is_visible()
