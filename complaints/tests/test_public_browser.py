"""A relative follows a complaint on the public form, in Kazakh, on a phone: the code is checked,
the key derived and the reply opened in the browser; the server sees only locator and token."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from complaints.models import ComplaintMessage
from complaints.services import handling
from complaints.workspace_testing import make_complaint
from custodywatch_terminal import receipts
from custodywatch_terminal.sealing import open_sealed
from lib.testing.browser import PHONE_WIDTH, sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_follow_up_in_kazakh_on_a_phone_opens_the_reply_in_the_browser(phone, live_server, workspace,
                                                                                tmp_path):
    complaint, secret = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm],
                                       with_receipt=True)
    handling.send_reply(complaint=complaint, by=workspace.personas.npm_monitor, text="Сәрсенбіде келеміз.")
    code = receipts.Receipt(complaint.locator, secret).grouped
    seen: list[str] = []
    phone.on("request", lambda request: seen.append(f"{request.url} {request.post_data or ''}"))

    phone.goto(reverse("complaints:public-follow-up"))
    with phone.expect_navigation():
        phone.locator("#language-select").select_option(label="Қазақша")
    assert phone.locator("html").get_attribute("lang") == "kk"
    digits = code.replace(" ", "")
    mistyped = digits[:9] + str((int(digits[9]) + 1) % 10) + digits[10:]
    phone.locator("#receipt-code").fill(mistyped)
    phone.locator("[data-code-form] button").click()
    error = phone.locator("[data-error]")
    error.wait_for()
    assert error.inner_text().strip()
    assert phone.locator("#receipt-code").get_attribute("aria-invalid") == "true"

    phone.locator("#receipt-code").fill(code.replace(" ", "-"))
    phone.locator("[data-code-form] button").click()
    phone.get_by_text("Сәрсенбіде келеміз.").wait_for(timeout=20_000)
    with translation.override("kk"):
        assert phone.locator("[data-status]").inner_text() == complaint.get_status_display()
    assert phone.locator("p[data-undecrypted]").is_hidden()
    assert phone.locator("#receipt-code").input_value() == ""  # the code does not stay on the page
    # a message back, sealed in the browser to the bodies
    phone.locator("#follow-up-text").fill("Рахмет, күтеміз.")
    phone.locator("[data-message-form] button").click()
    phone.locator("[data-message-sent]").wait_for()
    (message,) = ComplaintMessage.objects.filter(complaint=complaint)
    assert open_sealed(bytes(message.sealed), [workspace.npm_identity]).text == "Рахмет, күтеміз."
    phone.screenshot(path=tmp_path / "public-follow-up.png", full_page=True)
    assert sideways_overflow(phone)["scrollWidth"] <= PHONE_WIDTH
    # only the locator and the token went to the server, never the secret digits
    assert seen
    assert not [line for line in seen if secret in line]
    assert "Рахмет" not in " ".join(seen)  # the message travelled sealed
