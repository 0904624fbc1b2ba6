"""Server-side SVG charts: well-formed, accessible, carrying their values, calm with no data."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.safestring import SafeString

from lib.charts import Bar, Point, Segment, bar_chart, line_chart, linked_bar_chart, nice_scale, stacked_bar
from lib.templatetags.charts import percent

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)  # noqa: S314 (our own markup, parsed to check it is well-formed)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def assert_accessible(root: ET.Element) -> None:
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert title.text
    assert desc is not None
    assert desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def monthly(values: list[int], start: dt.date = dt.date(2021, 11, 1)) -> list[Point]:
    points = []
    for i, value in enumerate(values):
        month = start.month - 1 + i
        points.append(Point(dt.date(start.year + month // 12, month % 12 + 1, 1), value))
    return points


class TestBarChart:
    def test_is_valid_accessible_svg_marked_safe(self):
        markup = bar_chart([Bar("Colonies", 1200, target=1000, note="120%")], title="By type")

        assert isinstance(markup, SafeString)
        assert_accessible(parse(markup))

    def test_shows_each_label_and_value_and_states_them_in_the_description(self):
        root = parse(bar_chart(
            [Bar("Colonies", 1200, target=1000, note="120%"), Bar("Pre-trial centres", 300, target=400)],
            title="By type", target_label="places",
        ))

        shown = texts(root)
        assert "Colonies" in shown
        assert "Pre-trial centres" in shown
        assert "1,200 · 120%" in shown
        assert "300" in shown
        description = root.find(f"{SVG}desc").text
        assert "Colonies: 1,200 · 120% (places 1,000)" in description
        assert "Pre-trial centres: 300 (places 400)" in description

    def test_marks_the_target_and_draws_the_part_above_it_in_red(self):
        root = parse(bar_chart([Bar("Colony", 150, target=100)], title="t", plot_share=1.0))

        marker = root.find(f".//{SVG}line")
        assert marker.get("x1") == "66.67%"
        red = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#b3261e"]
        assert len(red) == 1
        assert red[0].get("x") == "66.67%"
        assert red[0].get("width") == "33.33%"

    def test_a_bar_below_its_target_has_no_red_part(self):
        root = parse(bar_chart([Bar("Colony", 80, target=100)], title="t"))

        assert not [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#b3261e"]

    def test_the_svg_itself_holds_no_links(self):
        root = parse(bar_chart([Bar("Almaty", 10, href="/facilities/?region=KZ-75")], title="t"))

        assert root.find(f".//{SVG}a") is None

    def test_all_zero_values_draw_without_dividing_by_zero(self):
        root = parse(bar_chart([Bar("Empty", 0, target=0), Bar("Also empty", 0)], title="t"))

        assert "0" in texts(root)

    def test_no_bars_says_there_is_no_data(self):
        root = parse(bar_chart([], title="By type", empty_text="Nothing here."))

        assert_accessible(root)
        assert texts(root) == ["Nothing here."]

    def test_labels_are_escaped(self):
        markup = bar_chart([Bar('<script>alert("x")</script>', 1)], title="<b>t</b>")

        assert "<script>" not in markup
        assert "<b>" not in markup
        assert '<script>alert("x")</script>' in texts(parse(markup))

    def test_numbers_follow_the_active_language(self):
        with translation.override("ru"):
            root = parse(bar_chart([Bar("Колонии", 12345)], title="t"))

        assert "12\xa0345" in texts(root)

    def test_shares_use_a_decimal_comma_in_russian_and_kazakh(self):
        for language in ("ru", "kk"):
            with translation.override(language):
                root = parse(stacked_bar([Segment("a", 1), Segment("b", 2)], title="t"))
            assert "a: 1 (33%)" in texts(root)
            with translation.override(language):
                assert percent(1 / 3, 1) == "33,3%"
        assert percent(1 / 3, 1) == "33.3%"


class TestLinkedBarChart:
    def test_lays_a_named_link_over_each_row_beside_the_image(self):
        bars = [Bar("Almaty", 10, target=8, href="/facilities/?region=KZ-75&type=x"), Bar("Astana", 5, href="/a")]

        markup = linked_bar_chart(bars, title="By region", links_label="List a region", target_label="places",
                                  value_label="held")

        wrapper = ET.fromstring(markup)  # noqa: S314 (our own markup)
        assert_accessible(wrapper.find(f"{SVG}svg"))
        assert wrapper.find(f".//{SVG}a") is None
        links = wrapper.findall("./ul/li/a")
        assert [a.get("href") for a in links] == ["/facilities/?region=KZ-75&type=x", "/a"]
        # Rows are placed by the stylesheet (no style attributes under the Content-Security-Policy).
        assert all(a.get("style") is None for a in links)
        assert wrapper.find("./ul").get("class") == "chart-links below-legend"
        assert "".join(links[0].itertext()) == "Almaty: 10 (places 8)"
        assert wrapper.find("./ul").get("aria-label") == "List a region"

    def test_a_row_without_a_link_keeps_the_following_links_on_their_rows(self):
        markup = linked_bar_chart([Bar("A", 1), Bar("B", 2, href="/b")], title="t", links_label="x")

        items = ET.fromstring(markup).findall("./ul/li")  # noqa: S314 (our own markup)
        assert [item.find("a") is None for item in items] == [True, False]
        assert ET.fromstring(markup).find("./ul").get("class") == "chart-links"  # noqa: S314

    def test_without_links_is_just_the_chart(self):
        assert linked_bar_chart([Bar("A", 1)], title="t", links_label="x") == bar_chart([Bar("A", 1)], title="t")
        assert linked_bar_chart([], title="t", links_label="x") == bar_chart([], title="t")


class TestLineChart:
    def test_is_valid_accessible_svg_with_a_reference_line(self):
        points = monthly([400 + i for i in range(60)])

        root = parse(line_chart(points, title="History", reference=500, reference_label="Capacity"))

        assert_accessible(root)
        shown = texts(root)
        assert "Capacity 500" in shown
        assert "459" in shown  # the latest value is labelled
        dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
        assert len(dashed) == 1

    def test_one_segment_per_consecutive_pair_and_one_marker_per_point(self):
        points = monthly([10, 20, 30, 40])

        root = parse(line_chart(points, title="t"))

        series = [line for line in root.iter(f"{SVG}line") if line.get("stroke") == "#0b5cad"]
        assert len(series) == 3
        assert len(list(root.iter(f"{SVG}circle"))) == 4

    def test_labels_the_years_and_describes_the_range(self):
        points = monthly([100] * 24, start=dt.date(2024, 1, 1))

        root = parse(line_chart(points, title="t"))

        assert {"2024", "2025"} <= set(texts(root))
        description = root.find(f"{SVG}desc").text
        assert "1 January 2024" in description
        assert "1 December 2025" in description
        assert "24 values" in description

    def test_dates_and_numbers_in_the_description_follow_the_active_language(self):
        points = monthly([1200, 1500], start=dt.date(2026, 10, 1))
        with translation.override("ru"):
            russian = parse(line_chart(points, title="t")).find(f"{SVG}desc").text
        with translation.override("kk"):
            kazakh = parse(line_chart(points, title="t")).find(f"{SVG}desc").text

        assert "1 ноября 2026 г." in russian  # noqa: RUF001
        assert "1\xa0500" in russian
        assert "2026 жылғы 1 қараша" in kazakh
        assert "1\xa0500" in kazakh

    def test_points_are_sorted_by_date(self):
        points = [Point(dt.date(2026, 3, 1), 30), Point(dt.date(2026, 1, 1), 10)]

        root = parse(line_chart(points, title="t"))

        circles = list(root.iter(f"{SVG}circle"))
        assert circles[0].get("cx") == "1.00%"
        assert circles[-1].get("cx") == "99.00%"

    def test_a_single_point_is_drawn_in_the_middle(self):
        root = parse(line_chart([Point(dt.date(2026, 10, 1), 5)], title="t", reference=10))

        assert [c.get("cx") for c in root.iter(f"{SVG}circle")] == ["50.00%"]
        assert "1 October 2026" in texts(root)

    def test_zero_values_and_no_reference(self):
        root = parse(line_chart(monthly([0, 0, 0]), title="t"))

        assert_accessible(root)

    def test_no_points_says_there_is_no_data(self):
        root = parse(line_chart([], title="t", empty_text="No population data."))

        assert texts(root) == ["No population data."]


class TestStackedBar:
    def test_splits_the_bar_in_proportion_with_a_legend(self):
        root = parse(stacked_bar([Segment("Men", 75), Segment("Women", 25)], title="By sex"))

        assert_accessible(root)
        widths = [r.get("width") for r in root.iter(f"{SVG}rect") if r.get("height") == "22"]
        assert widths == ["75.00%", "25.00%"]
        assert texts(root) == ["Men: 75 (75%)", "Women: 25 (25%)"]

    def test_a_zero_segment_keeps_its_legend_line_but_no_bar(self):
        root = parse(stacked_bar([Segment("Adults", 10), Segment("Minors", 0)], title="t"))

        assert len([r for r in root.iter(f"{SVG}rect") if r.get("height") == "22"]) == 1
        assert "Minors: 0 (0%)" in texts(root)

    def test_nothing_to_split_says_there_is_no_data(self):
        assert texts(parse(stacked_bar([Segment("A", 0)], title="t"))) == ["No data to show."]
        assert texts(parse(stacked_bar([], title="t"))) == ["No data to show."]


@pytest.mark.parametrize(("top", "expected"), [
    (0, (1.0, 0.2)), (1, (1.0, 0.2)), (95, (100, 20)), (525, (600, 200)), (1050, (1250, 250)), (4200, (5000, 1000)),
])
def test_nice_scale_rounds_the_axis_up_to_at_most_five_steps(top, expected):
    assert nice_scale(top) == pytest.approx(expected)


@pytest.mark.parametrize(("top", "expected"), [(0, (1, 1)), (1.05, (2, 1)), (3, (3, 1)), (12, (15, 5))])
def test_nice_scale_for_counts_has_whole_steps(top, expected):
    assert nice_scale(top, integer=True) == expected


def test_chart_ids_are_stable_and_distinct():
    first = bar_chart([Bar("A", 1)], title="One")

    assert first == bar_chart([Bar("A", 1)], title="One")
    assert parse(first).get("aria-labelledby") != parse(bar_chart([Bar("A", 2)], title="One")).get("aria-labelledby")
