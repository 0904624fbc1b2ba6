"""Hostile input on the addressee's answer forms: a clear refusal (400) or a valid statement, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from visits.models import PlannedAction, RecommendationStatus, Statement
from visits.tests.followup.world import Rollback

# The form and service rules are engine-independent; the PostgreSQL run skips this.
pytestmark = [pytest.mark.django_db, pytest.mark.sqlite_only]

TEXT = st.one_of(st.text(max_size=60), st.just(""), st.just("x" * 4001), st.just("=HYPERLINK(\"http://x\")"),
                 st.just("a\x00b"), st.just("<script>alert(1)</script>"))
DATE = st.one_of(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)).map(dt.date.isoformat),
                 st.text(max_size=12), st.just("2026-02-31"), st.just("31.12.2026"), st.just(""))
STATUS = st.one_of(st.sampled_from([*RecommendationStatus.values, ""]), st.text(max_size=20))


@pytest.fixture
def answering(world, awaiting_recommendation):
    client = Client()
    client.force_login(world.personas.facility_officer)
    return client, awaiting_recommendation


FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(["respond", "progress", "", "drop tables"]), status=STATUS, text=TEXT,
       rows=st.lists(st.tuples(TEXT, DATE), max_size=4))
@example(action="respond", status="accepted", text="", rows=[("Repair block 3", FUTURE)])
@example(action="respond", status="rejected", text="No budget", rows=[])
@example(action="respond", status="partly_accepted", text="Block 3 only", rows=[("Repair", "2026-02-31")])
def test_any_answer_is_refused_with_a_reason_or_stored_whole(answering, action, status, text, rows):
    client, recommendation = answering
    data = {"action": action, "status": status, "text": text}
    for n, (description, due) in enumerate(rows, start=1):
        data[f"action_{n}"], data[f"due_{n}"] = description, due
    try:
        with transaction.atomic():
            response = client.post(reverse("visits:answer", args=[recommendation.pk]), data)
            assert response.status_code in (302, 400), response.status_code
            recommendation.refresh_from_db()
            if response.status_code == 400:
                assert 'role="alert"' in response.content.decode()
                assert not Statement.objects.exists()
                assert not PlannedAction.objects.exists()
                assert recommendation.status == RecommendationStatus.AWAITING_RESPONSE
            else:
                statement = Statement.objects.get()
                assert statement.status == recommendation.status == status
                assert "\x00" not in statement.text
                if status == RecommendationStatus.REJECTED:
                    assert statement.text
                else:
                    assert statement.actions.exists()
            raise Rollback
    except Rollback:
        pass
