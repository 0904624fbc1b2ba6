"""The examination flow as a doctor does it: an injury placed by clicking the body chart, sealed on
saving, the facility's list showing only that the examination took place."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from pyrage import decrypt

from custody import sealing
from custody.models import Examination
from facilities.factories import TEST_PASSWORD
from lib.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_injury_placed_on_the_body_chart_is_sealed(page, personas, police, police_officer, age_identities):
    log_in(page, "officer.tdc1", TEST_PASSWORD)
    page.goto(reverse("custody:new_examination", args=[police.pk]))
    page.locator("#id_occasion").select_option("after_force")
    page.locator("#id_examined_at").fill("2026-03-02T10:30")
    page.locator("#id_examiner").fill("Dr S. Nurlanova, forensic physician")
    page.locator("#id_examiner_independent").check()
    page.locator("#id_consent").check()
    page.locator("#id_account").fill("Struck on the back with a baton")
    page.locator("[data-region='back_chest']").click()
    assert page.locator("#id_injury-0-region").input_value() == "back_chest"
    page.locator("#id_injury-0-type").select_option("bruise")
    page.locator("#id_injury-0-size_cm").fill("6")
    page.locator("#id_injury-0-colour").fill("red-blue")
    page.locator("#id_consistency").select_option("highly_consistent")
    page.locator("#id_reported_to").fill("regional prosecutor")
    page.locator("#id_reported_at").fill("2026-03-02T11:00")
    page.get_by_role("button", name="Seal and save").click()

    page.locator(".messages").wait_for()
    assert "sealed to the oversight bodies" in page.locator(".messages").inner_text()
    row = page.locator("tr.examination-row").inner_text()
    assert "TDC-1" in row
    assert "back" not in row.lower()
    exam = Examination.objects.get()
    assert exam.with_injuries
    opened = json.loads(sealing.unpad(decrypt(bytes(exam.sealed), [age_identities["prosecutor"]])))
    assert opened["injuries"][0]["region"] == "back_chest"
    assert opened["account"] == "Struck on the back with a baton"
