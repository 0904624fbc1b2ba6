"""Numbers a script or a test reads from a data-* attribute are plain integers in every language:
Kazakh and Russian group thousands with a non-breaking space, which no parser reads as a number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

# A data-* attribute whose value holds a template expression.
ATTRIBUTE = re.compile(r'\b(data-[\w-]+)="([^"]*\{\{[^"]*)"')
EXPRESSION = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# The attributes that carry words, not numbers: codes, keys, states, kinds.
TEXT = {"data-alert", "data-event", "data-status", "data-kind", "data-measure", "data-programme",
        "data-region", "data-indicator", "data-zone", "data-camera", "data-coverage-state", "data-code",
        "data-seal-to", "data-recordable", "data-copy"}


def _templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(p for p in [*base.glob("templates/**/*.html"), *base.glob("*/templates/**/*.html")]
                  if ".venv" not in p.parts)


def test_every_number_in_a_data_attribute_is_written_unlocalised():
    found, missing = 0, []
    for path in _templates():
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name, value in ATTRIBUTE.findall(line):
                if name in TEXT or (name == "data-figure" and "figure.key" in value):
                    continue
                for expression in EXPRESSION.findall(value):
                    found += 1
                    if "|date:" in expression:
                        continue  # a date written in a fixed format, not a localised number
                    if not expression.replace(" ", "").endswith("|unlocalize"):
                        missing.append(f"{path.name}:{line_no} {name}={expression}")
    assert found > 15  # the check reads the templates it is meant to
    assert missing == []


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
