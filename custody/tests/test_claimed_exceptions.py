"""A register that states the ground of a lawful exception: the import and the police system's API
keep it, the rules honour it, and the record's alerts say what it claims so a monitor can check it."""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse

from accounts.testing import ApiClient, error_fields
from custody.models import Alert, Detention
from custody.services.importing import import_file
from custody.testing import csv_bytes, row

pytestmark = pytest.mark.django_db

# Held 60 hours, sanctioned then: lawful only on a ground of the 72-hour term.
SIXTY_HOURS = {"court_sanction_at": "04.03.2026 22:00", "transferred_at": "04.03.2026 23:00"}


def _rules() -> set[str]:
    return set(Alert.objects.values_list("rule", flat=True))


def test_a_stated_ground_in_the_file_is_kept_and_the_72_hours_honoured(police, personas):
    outcome, _ = import_file(data=csv_bytes([row("R-1", term_ground="criminal_group", **SIXTY_HOURS)]),
                             filename="tdc.csv", by=personas.npm_monitor)
    assert outcome.ok, outcome.problems
    assert Detention.objects.get().term_ground == "criminal_group"
    assert _rules() == {"longer_term_claimed"}


def test_without_the_ground_the_same_detention_is_a_breach_of_48_hours(police, personas):
    outcome, _ = import_file(data=csv_bytes([row("R-1", **SIXTY_HOURS)]), filename="tdc.csv",
                             by=personas.npm_monitor)
    assert outcome.ok, outcome.problems
    assert {"adult_sanction_48h", "court_sanction_late"} <= _rules()
    assert "longer_term_claimed" not in _rules()


def test_an_unknown_or_misplaced_ground_is_refused_with_its_line_and_nothing_is_imported(police, personas):
    rows = [row("R-1"), row("R-2", term_ground="full_moon"), row("R-3", term_ground="administrative_arrest"),
            row("R-4", cell_exception="friendly")]
    outcome, _ = import_file(data=csv_bytes(rows), filename="tdc.csv", by=personas.npm_monitor)
    assert not outcome.ok
    assert {(p.line, p.column) for p in outcome.problems} == {(3, "term_ground"), (4, "term_ground"),
                                                              (5, "cell_exception")}
    assert not Detention.objects.exists()


def test_the_alert_page_says_what_the_register_claims(client, police, personas):
    import_file(data=csv_bytes([row("R-1", term_ground="criminal_group", family_notified_at="03.03.2026 10:00",
                                    **SIXTY_HOURS)]), filename="tdc.csv", by=personas.npm_monitor)
    client.force_login(personas.npm_monitor)
    for rule in ("longer_term_claimed", "family_notice_12h"):  # every alert of the record shows the claim
        alert = Alert.objects.get(rule=rule)
        page = html.unescape(client.get(reverse("custody:alert", args=[alert.pk])).content.decode())
        assert "72 h allowed: ground offence committed in a criminal group" in page, rule
        assert "check the ground against the case file" in page
    claim = Alert.objects.get(rule="longer_term_claimed")
    assert (claim.detail["ground"], claim.detail["allowed_hours"], claim.detail["held_hours"]) == (
        "criminal_group", 72, 60)


def test_the_police_system_states_the_ground_through_the_api(police, police_officer):
    api = ApiClient(police_officer)
    body = row(term_ground="border_migration", legal_basis="administrative", offence_category="administrative",
               protocol_at=None, prosecutor_notified_at=None, court_sanction_at=None, court_decision=None,
               transferred_at=None, released_at="03.03.2026 08:00")
    body.pop("record_id")
    body.pop("facility")
    created = api.send("put", f"/custody/facilities/{police.pk}/records/R-9", json.dumps(body))
    assert created.status_code == 201, created.content
    assert Detention.objects.get().term_ground == "border_migration"
    assert "administrative_3h" not in _rules()  # 22 hours: within the 48 of CoAO art. 789(2)
    assert "longer_term_claimed" in _rules()
    wrong = api.send("put", f"/custody/facilities/{police.pk}/records/R-10",
                     json.dumps({**body, "term_ground": "drugs"}))
    assert wrong.status_code == 422
    assert error_fields(wrong) == {"term_ground"}


def test_the_import_page_lists_the_values_of_each_ground(client, personas):
    client.force_login(personas.npm_monitor)
    page = html.unescape(client.get(reverse("custody:import")).content.decode())
    assert "<code>criminal_group</code>" in page
    assert "<code>first_time_adult</code>" in page
    assert "Code of Administrative Offences, art. 789(3)" in page
