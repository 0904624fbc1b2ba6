"""One alert's page shows its rule's legal basis in the reader's language and whether it was checked."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from custody.models import Alert
from custody.rules import catalogue
from custody.services.importing import import_file
from custody.testing import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(police, personas):
    """Two alerts of one register: the family told late (a checked basis), no medical examination (not checked)."""
    rows = [row("A-1", family_notified_at="03.03.2026 10:00", medical_exam_at=None)]
    outcome, _ = import_file(data=csv_bytes(rows), filename="centre.csv", by=personas.npm_monitor)
    assert outcome.ok, outcome.problems
    return {a.rule: a for a in Alert.objects.filter(rule__in=["family_notice_12h", "medical_exam_24h"])}


def _page(client, alert, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("custody:alert", args=[alert.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_alert_shows_the_legal_basis_in_the_readers_language(client, personas, alerts, language):
    client.force_login(personas.npm_monitor)
    rule = catalogue.load().by_code["family_notice_12h"]
    page = _page(client, alerts["family_notice_12h"], language)
    assert f'<dd id="alert-basis">{rule.legal_basis[language]}' in page
    for other in {"en", "ru", "kk"} - {language}:
        assert rule.legal_basis[other] not in page


def test_the_kazakh_alert_page_cites_the_codes_in_kazakh(client, personas, alerts):
    client.force_login(personas.npm_monitor)
    page = _page(client, alerts["family_notice_12h"], "kk")
    assert "ҚР ҚПК 2014, 135-бап және 64-бап 3-бөлік" in page
    assert "Criminal Procedure Code" not in page


def test_the_alert_says_whether_its_basis_was_checked_against_the_text_of_the_law(client, personas, alerts):
    client.force_login(personas.npm_monitor)
    checked = _page(client, alerts["family_notice_12h"], "en")
    unchecked = _page(client, alerts["medical_exam_24h"], "en")
    assert "(checked against the text of the law;" in checked
    assert "(not yet checked against the text of the law;" in unchecked
    assert "official text" not in checked + unchecked
