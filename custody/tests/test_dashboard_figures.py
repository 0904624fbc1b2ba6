"""Every figure on the custody dashboard equals the list it links to, within the reader's mandate."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from custody import iin
from custody.services.importing import import_file
from custody.testing import MINOR_BIRTH, csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def registers(police, other_police, personas):
    rows = [
        row("A-1", court_sanction_at="05.03.2026 10:00", transferred_at="05.03.2026 11:00"),
        row("A-2", family_notified_at="03.03.2026 10:00", medical_exam_at=None),
        row("C-1", iin=iin.make(MINOR_BIRTH, "male", serial=9), court_sanction_at="04.03.2026 10:00",
            family_notified_at="02.03.2026 10:30"),
        row("K-1", facility="TDC-2", citizenship="UZ"),
    ]
    outcome, _ = import_file(data=csv_bytes(rows), filename="two-centres.csv", by=personas.npm_monitor)
    assert outcome.ok, outcome.problems


@pytest.mark.parametrize("persona", ["npm_monitor", "ombudsman_monitor", "pmc_member"])
def test_every_dashboard_figure_equals_its_list(client, personas, registers, persona,
                                                django_assert_max_num_queries):
    client.force_login(getattr(personas, persona))
    page = client.get(reverse("custody:dashboard")).content.decode()
    links = re.findall(r'href="(/custody/alerts/\?[^"]+)"[^>]*>(?:<strong>)?(\d+)', page)
    assert links, page
    for href, figure in links:
        with django_assert_max_num_queries(12):
            listing = client.get(href.replace("&amp;", "&")).content.decode()
        count = int(re.search(r'id="alert-count">(\d+)', listing).group(1))
        assert count == int(figure), href
        assert listing.count('class="alert-row"') == count
