"""Numbers a script or a test reads from a data-* attribute are plain integers in every language:
Kazakh and Russian group thousands with a non-breaking space, which no parser reads as a number.
The static check of every template's machine-read attributes is lib/tests/test_machine_numbers.py."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.utils import translation


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_facility_lists_count_is_a_plain_integer_beside_the_grouped_words(language, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    request = rf.get("/facilities/")
    request.user = AnonymousUser()
    page = Paginator(range(1234), 25).page(1)
    with translation.override(language):
        html = render_to_string("facilities/facility_list.html#results",
                                {"page": page, "rows": [], "form": None, "user": request.user}, request=request)
    assert re.search(r'class="result-count" data-count="([^"]*)"', html).group(1) == "1234"
    assert "1\xa0234" in html  # the words keep the language's grouping


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_video_figure_writes_its_counts_plain(language):
    template = engines["django"].from_string('{% include "video/overview_figure.html" %}')
    with translation.override(language):
        html = template.render({"shown": True, "covered": 1234, "unknown": 5678, "known": 6912,
                                "href": "#", "unknown_href": "#"})
    assert 'data-count="1234"' in html
    assert 'data-count="5678"' in html
