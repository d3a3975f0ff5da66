"""The server-drawn SVG charts (backend/api/pages/charts.py): bars proportional to their
values, lines through their points, nothing to draw said as 暂无数据, every label
escaped, accessible (role="img", aria-label, <title>) and free of inline style (CSP)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from backend.api.pages.charts import (
    EMPTY,
    NO_VALUE,
    Bar,
    Series,
    bar_chart,
    line_chart,
    nice_scale,
    percent,
)

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # well-formed XML, or this fails


def _bars(svg) -> list[float]:
    return [float(r.get("width")) for r in _parse(svg).iterfind(".//s:rect[@class='bar']", NS)]


def test_bars_are_proportional_to_their_values_on_a_fixed_scale():
    svg = bar_chart("达标率", [Bar("甲", 0.25), Bar("乙", 0.5), Bar("丙", 1.0)], scale_max=1)
    quarter, half, whole = _bars(svg)
    assert half == pytest.approx(2 * quarter, rel=0.01)
    assert whole == pytest.approx(4 * quarter, rel=0.01)
    assert whole == pytest.approx(640 - 150 - 80)  # the whole plot for 100%


def test_bars_on_a_round_count_scale_and_zero_has_no_length():
    svg = bar_chart("投诉", [Bar("维修延误", 7), Bar("态度", 0), Bar("配件", 3.5)])
    seven, zero, half = _bars(svg)
    assert zero == 0 and half == pytest.approx(seven / 2, rel=0.01)
    ticks = [t.text for t in _parse(svg).iterfind(".//s:text[@class='axis']", NS)]
    assert ticks == ["0", "2", "4", "6", "8"]  # whole numbers up to a round top


@pytest.mark.parametrize(
    "largest, scale", [(1, (1, 1)), (3, (3, 1)), (7, (8, 2)), (13, (15, 5)), (100, (100, 20))]
)
def test_a_count_scale_is_round_with_at_most_five_whole_steps(largest, scale):
    assert nice_scale(largest) == scale


def test_every_bar_shows_its_value_and_a_tooltip():
    svg = bar_chart("达标率", [Bar("上门时限", 0.75, "达标 3 / 超时 1")], scale_max=1, fmt=percent)
    root = _parse(svg)
    assert [t.text for t in root.iterfind(".//s:text[@class='value']", NS)] == ["75.0%"]
    tips = [t.text for t in root.iterfind(".//s:g/s:title", NS)]
    assert tips == ["上门时限：75.0%（达标 3 / 超时 1）"]


def test_a_missing_value_is_no_bar_and_says_so():
    svg = bar_chart("达标率", [Bar("上门时限", None), Bar("修复时限", 0.5)], scale_max=1)
    assert len(_bars(svg)) == 1
    assert NO_VALUE in str(svg)


@pytest.mark.parametrize(
    "svg",
    [
        bar_chart("满意度", []),
        bar_chart("满意度", [Bar("王师傅", None)]),
        line_chart("趋势", [], []),
        line_chart("趋势", ["9月", "10月"], [Series("满意度", [None, None])]),
    ],
)
def test_nothing_to_draw_says_no_data(svg):
    root = _parse(svg)
    assert root.find(".//s:rect", NS) is None and root.find(".//s:polyline", NS) is None
    assert [t.text for t in root.iterfind(".//s:text[@class='empty']", NS)] == [EMPTY]
    assert EMPTY in root.get("aria-label")


HOSTILE = '<script>alert(1)</script>"&\' onload="x'


def test_labels_are_escaped_everywhere():
    bar = bar_chart(HOSTILE, [Bar(HOSTILE, 1, HOSTILE)])
    line = line_chart(HOSTILE, [HOSTILE, "x"], [Series(HOSTILE, [1, 2])], tips=[HOSTILE, "y"])
    for svg in (bar, line):
        text = str(svg)
        assert "<script" not in text and 'onload="x' not in text
        root = _parse(svg)  # still well-formed: nothing broke out of a text or attribute
        assert root.find(".//s:script", NS) is None
        assert HOSTILE in root.get("aria-label")
        assert root.find("s:title", NS).text == HOSTILE


@pytest.mark.parametrize(
    "svg",
    [
        bar_chart("SLA 达标率", [Bar("上门时限", 0.75)], scale_max=1),
        line_chart("满意度指数趋势", ["9月", "10月"], [Series("满意度指数", [80, 90])]),
        bar_chart("空", []),
    ],
)
def test_accessible_and_without_inline_style(svg):
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label").startswith(root.find("s:title", NS).text + "：")
    assert not re.search(r"\sstyle=", str(svg)) and "<style" not in str(svg)


def test_lines_go_through_their_points_with_gaps_for_missing_months():
    labels = ["8月", "9月", "10月", "11月"]
    svg = line_chart(
        "达标率趋势",
        labels,
        [Series("上门时限", [0.5, 1.0, None, 0.0]), Series("修复时限", [1.0, 1.0, 1.0, 1.0])],
        scale_max=1,
        fmt=percent,
        tips=["2026年8月", "2026年9月", "2026年10月", "2026年11月"],
    )
    root = _parse(svg)
    first, second = [
        g for g in root.iterfind(".//s:g", NS) if g.get("class", "").startswith("series ")
    ]
    ys = [float(c.get("cy")) for c in first.iterfind("s:circle", NS)]
    assert len(ys) == 3  # no point for the missing month
    half, whole, zero = ys
    assert (zero - half) == pytest.approx(half - whole)  # 0.5 midway between 0 and 1
    assert len(first.findall("s:polyline", NS)) == 1  # the lone last point starts no line
    assert len(second.findall("s:polyline", NS)) == 1
    assert len(second.findall("s:circle", NS)) == 4
    tips = [c.find("s:title", NS).text for c in first.iterfind("s:circle", NS)]
    assert tips[0] == "上门时限 · 2026年8月：50.0%"
    legend = [
        g.find("s:text", NS).text
        for g in root.iterfind(".//s:g", NS)
        if g.get("class", "").startswith("legend ")
    ]
    assert sorted(legend) == ["上门时限", "修复时限"]
    axis = [t.text for t in root.iterfind(".//s:text[@class='axis']", NS)]
    assert labels == axis[-4:] and "100.0%" in axis
