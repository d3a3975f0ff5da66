"""Charts drawn on the server as inline SVG: no chart library, no script, no network.

The markup uses presentation attributes only (no `style` attributes), so it renders
under the console's Content-Security-Policy. Every text is escaped here. Each chart is
an `<svg>` with `data-chart` naming it, every mark carries its value in `data-value`
(and a `<title>` a pointer shows), so a test reads what was drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f6feb", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#c2255c")
WIDTH = 640
BAR_HEIGHT = 22
LEFT = 150  # room for the labels of a bar chart
PLOT_HEIGHT = 200


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per month; None: nothing to divide that month


def _attr(value) -> str:
    return escape(str(value), quote=True)


def _number(value: float | None, percent: bool) -> str:
    if value is None:
        return "无数据"
    return f"{value * 100:.1f}%" if percent else f"{value:g}"


def _empty(name: str, title: str) -> str:
    return (
        f'<svg class="chart" data-chart="{_attr(name)}" role="img" width="{WIDTH}" height="40" '
        f'viewBox="0 0 {WIDTH} 40" aria-label="{_attr(title)}">'
        f'<text x="0" y="24" fill="#667">{escape(title)}：本月无数据</text></svg>'
    )


def bar_chart(
    name: str,
    title: str,
    items: Sequence[tuple[str, float | None]],
    *,
    percent: bool = False,
    top: float | None = None,
) -> str:
    """Horizontal bars, one per (label, value); `top` the full scale (1 for a rate)."""
    if not items:
        return _empty(name, title)
    scale = top or max((v for _, v in items if v is not None), default=0) or 1
    span = WIDTH - LEFT - 70
    height = len(items) * (BAR_HEIGHT + 8) + 8
    marks = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * (BAR_HEIGHT + 8)
        length = 0 if value is None else max(1, round(span * value / scale))
        shown = _number(value, percent)
        marks.append(
            f'<text x="{LEFT - 8}" y="{y + 16}" text-anchor="end" fill="#223">'
            f"{escape(label)}</text>"
            f'<rect class="bar" x="{LEFT}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{PALETTE[i % len(PALETTE)]}" data-label="{_attr(label)}" '
            f'data-value="{_attr("" if value is None else value)}">'
            f"<title>{escape(label)}：{escape(shown)}</title></rect>"
            f'<text x="{LEFT + length + 6}" y="{y + 16}" fill="#445">{escape(shown)}</text>'
        )
    return (
        f'<svg class="chart" data-chart="{_attr(name)}" role="img" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-label="{_attr(title)}">'
        + "".join(marks)
        + "</svg>"
    )


def line_chart(
    name: str,
    title: str,
    months: Sequence[str],
    series: Sequence[Series],
    *,
    percent: bool = False,
    top: float | None = None,
) -> str:
    """One line per series over the months; a month with no value breaks the line."""
    known = [v for s in series for v in s.values if v is not None]
    scale = top or max(known, default=0) or 1
    left, right, top_pad = 56, 20, 12
    step = (WIDTH - left - right) / max(len(months) - 1, 1)
    legend_y = top_pad + PLOT_HEIGHT + 44
    height = legend_y + 20 * ((len(series) + 2) // 3)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(value: float) -> float:
        return round(top_pad + PLOT_HEIGHT * (1 - value / scale), 1)

    parts = []
    for fraction in (0, 0.5, 1):  # the scale: bottom, middle, top
        at = y(scale * fraction)
        parts.append(
            f'<line x1="{left}" y1="{at}" x2="{WIDTH - right}" y2="{at}" stroke="#e3e6ee"/>'
            f'<text x="{left - 6}" y="{at + 4}" text-anchor="end" fill="#667" font-size="11">'
            f"{escape(_number(scale * fraction, percent))}</text>"
        )
    for i, month in enumerate(months):
        parts.append(
            f'<text x="{x(i)}" y="{top_pad + PLOT_HEIGHT + 18}" text-anchor="middle" '
            f'fill="#667" font-size="11">{escape(month[2:])}</text>'
        )
    for n, line in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(line.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i)},{y(value)}")
            parts.append(
                f'<circle class="point" cx="{x(i)}" cy="{y(value)}" r="3.5" fill="{colour}" '
                f'data-series="{_attr(line.name)}" data-month="{_attr(months[i])}" '
                f'data-value="{_attr(value)}"><title>{escape(line.name)} {escape(months[i])}：'
                f"{escape(_number(value, percent))}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>'
                )
        lx, ly = 10 + (n % 3) * 210, legend_y + 20 * (n // 3)
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 18}" y="{ly}" fill="#223">{escape(line.name)}</text>'
        )
    return (
        f'<svg class="chart" data-chart="{_attr(name)}" role="img" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-label="{_attr(title)}">'
        + "".join(parts)
        + "</svg>"
    )
