"""Charts as inline SVG, drawn on the server: no script, no network, nothing to download.

`bar_chart` draws horizontal bars (one per label, the label on the left, the value at
the bar's end, a scale below); `line_chart` draws one line per series over the same
x labels (a month each), with a legend and a scale on the left. Both:

- are `<svg role="img">` with an `aria-label` that reads the chart out (title and
  values) and a `<title>` for the chart and for every bar and point (the tooltip);
- carry no `style=` attribute (the pages' Content-Security-Policy forbids inline style):
  colours are SVG presentation attributes (`fill=`, `stroke=`), the rest is classes a
  page's CSS may refine (`chart`, `bar`, `axis`, `grid`, `value`, `series-N`);
- escape every label (they are free text such as a complaint's cause);
- say 暂无数据 when there is nothing to draw, rather than a fake zero;
- draw a missing value (None: nothing to divide) as no bar / a gap, labelled 无数据.

The numbers also belong in a table beside the chart (the page's job): a chart is for
the eye, the table for reading and for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

EMPTY = "暂无数据"
NO_VALUE = "无数据"
WIDTH = 640
PALETTE = ("#1f6feb", "#e08a00", "#2e7d32", "#8e44ad", "#c62828", "#00838f")
INK, MUTED, LINE = "#1d2330", "#6b7385", "#e3e6ee"

Format = Callable[[float], str]


def number(value: float) -> str:
    """12 -> '12', 80.25 -> '80.3'."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def percent(value: float) -> str:
    """A share in [0, 1] as a percentage: 0.6667 -> '66.7%'."""
    return f"{value * 100:.1f}%"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    note: str = ""  # more for the tooltip, e.g. "达标 3 / 超时 1"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per x label


def nice_scale(largest: float) -> tuple[float, float]:
    """A round upper end and tick step for a count scale, whole-number ticks, at most
    five steps: 7 -> (8, 2), 13 -> (15, 5), 1 -> (1, 1)."""
    if largest <= 1:
        return 1, 1
    magnitude = 10 ** math.floor(math.log10(largest))
    for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        step = factor * magnitude
        if step >= 1 and largest / step <= 5:
            return step * math.ceil(largest / step), step
    raise AssertionError("unreachable: 10 x magnitude covers any value")


def _scale(values: list[float], scale_max: float | None) -> tuple[float, list[float]]:
    """The scale's top and its ticks: a fixed scale in quarters, else a round one."""
    if scale_max is not None and scale_max >= max(values):
        return scale_max, [scale_max * i / 4 for i in range(5)]
    top, step = nice_scale(max(values))
    return top, [step * i for i in range(round(top / step) + 1)]


def _n(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(title: str, height: float, aria: str, body: list[str], css: str) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(css)}" role="img" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" width="{WIDTH}" height="{_n(height)}" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(aria)}">'
        f"<title>{escape(title)}</title>"
        f'<text class="chart-title" x="0" y="18" font-size="14" font-weight="600" '
        f'fill="{INK}">{escape(title)}</text>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _empty(title: str, css: str) -> Markup:
    body = [
        f'<text class="empty" x="{WIDTH / 2}" y="56" text-anchor="middle" font-size="13" '
        f'fill="{MUTED}">{EMPTY}</text>'
    ]
    return _svg(title, 80, f"{title}：{EMPTY}", body, css)


# --- bars --------------------------------------------------------------------------------

BAR_LABEL_W = 150  # the label column
BAR_VALUE_W = 80  # room for the value after the longest bar
BAR_ROW = 28
BAR_H = 18
BAR_TOP = 32


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    scale_max: float | None = None,
    fmt: Format = number,
    css: str = "",
) -> Markup:
    """Horizontal bars, lengths proportional to the values on a scale from 0 to
    `scale_max` (1 for shares, 100 for an index; by default a round number above the
    largest value)."""
    values = [b.value for b in bars if b.value is not None]
    if not values:
        return _empty(title, css)
    top, ticks = _scale(values, scale_max)  # never a bar beyond its scale
    x0, plot_w = BAR_LABEL_W, WIDTH - BAR_LABEL_W - BAR_VALUE_W
    bottom = BAR_TOP + BAR_ROW * len(bars)
    body: list[str] = []
    for tick in ticks:
        x = x0 + plot_w * tick / top
        body.append(
            f'<line class="grid" x1="{_n(x)}" y1="{BAR_TOP - 4}" x2="{_n(x)}" '
            f'y2="{_n(bottom)}" stroke="{LINE}"/>'
            f'<text class="axis" x="{_n(x)}" y="{_n(bottom + 16)}" text-anchor="middle" '
            f'font-size="11" fill="{MUTED}">{escape(fmt(tick))}</text>'
        )
    spoken = []
    for i, bar in enumerate(bars):
        y = BAR_TOP + BAR_ROW * i
        shown = NO_VALUE if bar.value is None else fmt(bar.value)
        tip = f"{bar.label}：{shown}" + (f"（{bar.note}）" if bar.note else "")
        spoken.append(f"{bar.label} {shown}")
        parts = [
            f'<g class="bar-row"><title>{escape(tip)}</title>'
            f'<text class="label" x="{x0 - 8}" y="{_n(y + BAR_H / 2 + 4)}" text-anchor="end" '
            f'font-size="12" fill="{INK}">{escape(_clip(bar.label, 11))}</text>'
        ]
        if bar.value is None:
            parts.append(
                f'<text class="value none" x="{x0 + 4}" y="{_n(y + BAR_H / 2 + 4)}" '
                f'font-size="12" fill="{MUTED}">{NO_VALUE}</text>'
            )
        else:
            width = plot_w * bar.value / top
            parts.append(
                f'<rect class="bar" x="{x0}" y="{y}" width="{_n(width)}" height="{BAR_H}" '
                f'fill="{PALETTE[0]}" data-value="{escape(str(bar.value))}"/>'
                f'<text class="value" x="{_n(x0 + width + 6)}" y="{_n(y + BAR_H / 2 + 4)}" '
                f'font-size="12" fill="{INK}">{escape(shown)}</text>'
            )
        parts.append("</g>")
        body.append("".join(parts))
    body.append(
        f'<line class="axis" x1="{x0}" y1="{BAR_TOP - 4}" x2="{x0}" y2="{_n(bottom)}" '
        f'stroke="{MUTED}"/>'
    )
    return _svg(title, bottom + 26, f"{title}：" + "，".join(spoken), body, css)


# --- lines -------------------------------------------------------------------------------

LINE_H = 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 52, 40


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    scale_max: float | None = None,
    fmt: Format = number,
    tips: Sequence[str] | None = None,
    css: str = "",
) -> Markup:
    """One line per series over `labels` (short x labels; `tips` the long ones for the
    tooltips), a gap where a value is None, on a scale from 0 to `scale_max`."""
    values = [v for s in series for v in s.values if v is not None]
    if not labels or not values:
        return _empty(title, css)
    tips = tips or labels
    top, ticks = _scale(values, scale_max)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, LINE_H - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return LEFT + step * i, TOP + plot_h * (1 - v / top)

    body: list[str] = []
    for tick in ticks:
        _, y = xy(0, tick)
        body.append(
            f'<line class="grid" x1="{LEFT}" y1="{_n(y)}" x2="{WIDTH - RIGHT}" y2="{_n(y)}" '
            f'stroke="{LINE}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end" '
            f'font-size="11" fill="{MUTED}">{escape(fmt(tick))}</text>'
        )
    for i, label in enumerate(labels):
        x, _ = xy(i, 0)
        body.append(
            f'<text class="axis" x="{_n(x)}" y="{LINE_H - BOTTOM + 18}" text-anchor="middle" '
            f'font-size="11" fill="{MUTED}">{escape(label)}</text>'
        )
    legend_x = WIDTH - RIGHT
    for k, one in reversed(list(enumerate(series))):  # right-aligned, first series leftmost
        colour = PALETTE[k % len(PALETTE)]
        legend_x -= 14 * len(one.name) + 26
        body.append(
            f'<g class="legend series-{k}"><rect x="{_n(legend_x)}" y="30" width="12" '
            f'height="12" fill="{colour}"/><text x="{_n(legend_x + 16)}" y="40" '
            f'font-size="12" fill="{INK}">{escape(one.name)}</text></g>'
        )
    for k, one in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        dots = []
        for i, v in enumerate(one.values):
            if v is None:
                runs.append([])
                continue
            x, y = xy(i, v)
            runs[-1].append((x, y))
            tip = f"{one.name} · {tips[i]}：{fmt(v)}"
            dots.append(
                f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{colour}" '
                f'data-value="{escape(str(v))}"><title>{escape(tip)}</title></circle>'
            )
        lines = [
            f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in run)}"/>'
            for run in runs
            if len(run) > 1
        ]
        body.append(f'<g class="series series-{k}">' + "".join(lines + dots) + "</g>")
    body.append(
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}" stroke="{MUTED}"/>'
    )
    names = "、".join(s.name for s in series)
    aria = f"{title}：{names}，{tips[0]}至{tips[-1]}，数值见下方数据表"
    return _svg(title, LINE_H, aria, body, css)
