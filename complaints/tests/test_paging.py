"""The inbox's figure: exact up to its cap, "more than" the cap beyond it, and always true of its list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints import selectors
from complaints.models import ComplaintRecipient
from complaints.paging import CappedPaginator
from complaints.services import handling
from complaints.views import workspace as workspace_views
from complaints.workspace_testing import make_complaint

pytestmark = pytest.mark.django_db
HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def listed(page: str) -> list[str]:
    return re.findall(r'data-complaint="([0-9a-f-]+)"', page)


def figure(page: str) -> tuple[str, int]:
    """("exact", n) or ("more than", n) as the page's count states it."""
    found = re.search(r'data-count(-more-than)?="(\d+)"', page)
    assert found, "the inbox states no count"
    return ("more than" if found.group(1) else "exact"), int(found.group(2))


def every_page(client: Client, query: dict) -> list[str]:
    seen, number = [], 1
    while True:
        page = client.get(reverse("complaints:inbox"), {**query, "page": number}).content.decode()
        seen += listed(page)
        if f'page={number + 1}"' not in page.replace("&amp;", "&"):
            return seen
        number += 1


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(workspace_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(workspace_views, "COUNT_CAP", 4)


def test_the_inbox_counts_exactly_up_to_its_cap(workspace, small_pages):
    for _i in range(4):
        workspace.complaint()
    client = Client()
    client.force_login(workspace.personas.npm_monitor)

    page = client.get(reverse("complaints:inbox")).content.decode()

    assert figure(page) == ("exact", 4)
    assert "4 complaints" in page
    assert "Page 1 of 2" in page


def test_beyond_its_cap_the_inbox_says_more_than_the_cap_and_every_page_still_reaches_the_list(
        workspace, small_pages):
    made = [workspace.complaint() for _i in range(7)]
    client = Client()
    client.force_login(workspace.personas.npm_monitor)

    first = client.get(reverse("complaints:inbox")).content.decode()
    assert figure(first) == ("more than", 4)
    assert "More than 4 complaints" in first
    assert "Page 1 of more than 2" in first
    # Past the counted pages the list is counted in full: the figure is exact again, the last page known.
    third = client.get(reverse("complaints:inbox"), {"page": 3}).content.decode()
    assert figure(third) == ("exact", 7)
    assert "Page 3 of 4" in third
    beyond = client.get(reverse("complaints:inbox"), {"page": 99}).content.decode()
    assert "Page 4 of 4" in beyond
    assert len(listed(beyond)) == 1
    # Walking the pages from the first reaches every complaint once: more than 4, as the first page said.
    walked = every_page(client, {})
    assert sorted(walked) == sorted(str(c.pk) for c in made)


def test_each_filters_figure_is_true_of_the_list_it_heads(workspace, small_pages):
    p = workspace.personas
    weeks_ago = timezone.now() - dt.timedelta(weeks=3)
    for facility in (p.colony, p.colony, p.other_colony, p.special_school, p.colony, p.other_colony):
        make_complaint(facility=facility, recipients=[workspace.npm], category="torture", received_at=weeks_ago)
    workspace.complaint(facility=p.special_school)
    client = Client()
    client.force_login(p.npm_monitor)

    for query in ({}, {"overdue": "on"}, {"priority": "urgent"}, {"facility": p.colony.code},
                  {"region": p.other_region.code}, {"status": "resolved"}, {"open": "on", "priority": "standard"}):
        page = client.get(reverse("complaints:inbox"), query).content.decode()
        kind, n = figure(page)
        walked = every_page(client, query)
        assert len(set(walked)) == len(walked)
        if kind == "exact":
            assert len(walked) == n, query
        else:
            assert len(walked) > n, query


@HYPOTHESIS
@given(size=st.integers(0, 7), per_page=st.integers(1, 4), extra=st.integers(0, 6),
       number=st.one_of(st.integers(-3, 12), st.text(max_size=6), st.just("1e3"), st.just("999999999999999999")))
def test_the_capped_paginator_states_only_what_is_true_of_its_rows(workspace_rows, size, per_page, extra, number):
    cap = per_page + extra
    rows = workspace_rows.filter(pk__in=list(workspace_rows.values_list("pk", flat=True)[:size]))
    everything = list(rows.values_list("pk", flat=True))
    paginator = CappedPaginator(rows.values_list("pk", flat=True), per_page, cap=cap,
                                counted=selectors.countable(rows))

    page = paginator.get_page(number)

    if paginator.exact:
        assert paginator.count == size
    else:
        assert size > cap
        assert paginator.count == cap + 1
        assert page.number <= paginator.pages_more_than < -(-size // per_page)
    start = (page.number - 1) * per_page
    assert list(page.object_list) == everything[start:start + per_page]
    assert page.has_next() == (start + per_page < size)


@pytest.fixture
def workspace_rows(workspace):
    for _i in range(7):
        workspace.complaint()
    return selectors.inbox_for(workspace.personas.npm_monitor)


def test_a_cap_smaller_than_a_page_is_refused():
    with pytest.raises(ValueError, match="at least one page"):
        CappedPaginator(ComplaintRecipient.objects.none(), 50, cap=10)


def test_the_rows_written_in_python_escape_what_people_typed(workspace):
    p = workspace.personas
    made = workspace.complaint()
    p.npm_monitor.first_name, p.npm_monitor.last_name = "<script>alert(1)</script>", "&"
    p.npm_monitor.save()
    handling.assign(complaint=made, to=p.npm_monitor, by=p.npm_monitor)
    client = Client()
    client.force_login(p.npm_monitor)

    page = client.get(reverse("complaints:inbox")).content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page
    assert f'<a href="{reverse("complaints:detail", args=[made.pk])}">' in page
