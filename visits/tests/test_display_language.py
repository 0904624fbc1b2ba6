"""What a reader sees is in the reader's language, whatever language the answer was saved in:
the checklist's reasons, the findings' summaries (pages, lists and the PDF's HTML)."""

# Kazakh and Russian text is Cyrillic by design.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import re
import uuid
from html import unescape as html_unescape

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from visits import services
from visits.reports.visit_report import report_context
from visits.services import findings as finding_services


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    yield
    translation.deactivate()


def _reader(personas, language: str) -> Client:
    client = Client()
    client.force_login(personas.npm_monitor)
    client.cookies["django_language"] = language
    return client


def _reason(html: str, code: str) -> str:
    found = re.search(rf'<span id="reason-{code}"[^>]*>(.*?)</span>', html, re.S)
    assert found, f"no reason shown for {code}"
    return re.sub(r"\s+", " ", found.group(1)).strip()


@pytest.mark.parametrize(("language", "expected"), [
    ("kk", "Сәйкес емес. Кемінде 4 адамға шаққанда м² болса, сәйкес."),
    ("ru", "Не соответствует. Соответствует, если не менее 4 м² на человека."),
])
def test_a_reason_synchronised_in_english_is_shown_in_the_readers_language(personas, visit, language, expected):
    english = _reader(personas, "en")
    body = {"answers": [{"device_id": str(uuid.uuid4()), "indicator": "SPACE-01", "value": "3.2", "base_version": 0}]}
    synced = english.post(f"/api/v1/visits/{visit.pk}/sync", json.dumps(body), content_type="application/json")
    assert synced.json()["results"][0]["outcome"] == "saved"
    assert visit.answers.get().reason.startswith("Not met.")  # kept as it was saved, for history

    html = _reader(personas, language).get(reverse("visits:checklist", args=[visit.pk])).content.decode()

    assert _reason(html, "SPACE-01") == expected
    assert "Not met." not in html
    assert "Compliant if" not in html


@pytest.fixture
def findings(visit, personas):
    for code, value in (("SPACE-01", "3.2"), ("SPACE-09", "no")):
        services.save_answer(visit=visit, by=personas.npm_monitor, indicator=code, value=value)
    with translation.override("en"):
        proposed = finding_services.propose_findings(visit=visit, by=personas.npm_monitor)
        return [finding_services.confirm_finding(finding=f, by=personas.npm_monitor) for f in proposed]


def test_a_findings_summary_is_written_in_the_readers_words_on_pages_and_in_the_pdf(personas, visit, findings):
    assert {f.summary for f in findings} == {"SPACE-01: 3.2 m2_per_person", "SPACE-09: no"}  # in no language
    for language, space, water, no in (
        ("kk", "SPACE-01: 3,2 адамға шаққанда м²", "SPACE-09: жоқ", "SPACE-09: no"),
        ("ru", "SPACE-01: 3,2 м² на человека", "SPACE-09: нет", "SPACE-09: no"),
        ("en", "SPACE-01: 3.2 m² per person", "SPACE-09: no", None),
    ):
        reader = _reader(personas, language)
        pages = {"findings": reader.get(reverse("visits:findings", args=[visit.pk])).content.decode(),
                 "list": reader.get(reverse("visits:finding-list")).content.decode()}
        with translation.override(language):  # what visit_report.render_pdf hands to WeasyPrint
            pages["pdf"] = render_to_string("visits/reports/visit_report_print.html",
                                            {**report_context(visit), "language": language})
        for name, html in pages.items():
            assert space in html, (language, name)
            assert water in html, (language, name)
            assert "m2_per_person" not in html, (language, name)
            assert no is None or no not in html, (language, name)
        standard = {"kk": "Санитариялық торапты есептемегенде адамға кемінде 4 м²",
                    "ru": "Не менее 4 м² на человека без учёта санитарного узла",
                    "en": ">= 4 m2 per person excluding sanitary annex"}[language]
        assert standard in html_unescape(pages["findings"]), language  # the standard beside the finding
        assert standard in html_unescape(pages["pdf"]), language
