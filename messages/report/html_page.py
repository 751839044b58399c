"""The Board's report as one HTML page that works offline: inline SVG charts, no scripts, no requests.

Each chart is a <figure> with a title, a text description and, beside it, a table of the same
numbers; the SVG is labelled for screen readers (role="img", <title>, <desc>). Series differ by
pattern as well as colour, so the charts read in greyscale too. Every text from outside (policy,
directory) is escaped.
"""

from __future__ import annotations

import math
from html import escape

from bot.report import BoardReport, Figure, Row
from messages.record import local_time
from messages.report import HIDDEN, cell_text, period_text

COLOURS = ("#1d4f91", "#b3461b")  # dark blue, dark orange: both 4.5:1 or more against white
DASHES = ("", "6 4")
WIDTH = 760
LABEL_W = 300
BAR_H = 18
ROW_H = 30

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin:0 0 .3rem}
.meta{color:#444;margin:.1rem 0}
section{border-top:1px solid #bbb;padding:1.2rem 0}
figure{margin:0}figcaption p{margin:.2rem 0 .6rem;color:#333}
table{border-collapse:collapse;margin-top:.6rem;min-width:24rem}
caption{text-align:left;font-weight:600;padding-bottom:.3rem}
th,td{border:1px solid #999;padding:.25rem .6rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tfoot th,tfoot td{font-weight:700}
.hidden{font-style:italic;color:#444}
svg text{font-family:inherit;font-size:13px;fill:#1a1a1a}
svg .muted{fill:#444;font-style:italic}
.note{background:#f3f3f3;padding:.6rem .8rem;border-left:4px solid #1d4f91}
@media print{section{break-inside:avoid}}
"""


def report_html(report: BoardReport) -> bytes:
    """The whole page, UTF-8."""
    sections = "\n".join(_section(f, i) for i, f in enumerate(report.figures))
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}: {escape(period_text(report))}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{escape(report.title)}</h1>
<p class="meta">{escape(report.partnership)}</p>
<p class="meta">Disputes raised from {escape(period_text(report))}. Generated {escape(local_time(report.generated_at))}.</p>
<p class="note">Numbers only: no case is named. Any count from 1 to 4 is shown as “{HIDDEN}”, and where a
table shows a total, one more count may be hidden so that a hidden one cannot be worked out.</p>
{sections}
</main>
</body>
</html>
"""
    return page.encode("utf-8")


def _section(figure: Figure, index: int) -> str:
    ident = f"fig{index}"
    chart = ""
    if figure.chart == "bar":
        chart = _bar_chart(figure, ident)
    elif figure.chart == "line":
        chart = _line_chart(figure, ident)
    return f"""<section aria-labelledby="{ident}-h">
<figure>
<figcaption><h2 id="{ident}-h">{escape(figure.title)}</h2><p id="{ident}-d">{escape(figure.description)}</p></figcaption>
{chart}
{_table(figure)}
</figure>
</section>"""


def _table(figure: Figure) -> str:
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in figure.columns)

    def row(r: Row, tag: str = "td") -> str:
        cells = "".join(
            f'<td class="n{" hidden" if c.hidden else ""}">{escape(cell_text(c))}</td>' for c in r.cells
        )
        return f'<tr><th scope="row">{escape(r.label)}</th>{cells}</tr>'

    body = "\n".join(row(r) for r in figure.rows)
    foot = f"<tfoot>{row(figure.total)}</tfoot>" if figure.total else ""
    return (
        f"<table><caption>{escape(figure.title)}: the numbers</caption>"
        f'<thead><tr><th scope="col">{escape(figure.label_heading)}</th>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody>{foot}</table>"
    )


def _svg_open(ident: str, figure: Figure, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{ident}-t {ident}-sd">'
        f'<title id="{ident}-t">{escape(figure.title)}</title>'
        f'<desc id="{ident}-sd">{escape(figure.description)} The same numbers are in the table below.</desc>'
    )


def _legend(figure: Figure, y: int) -> str:
    if len(figure.columns) < 2:
        return ""
    parts = []
    for s, name in enumerate(figure.columns):
        x = LABEL_W + s * 140
        parts.append(
            f'<rect x="{x}" y="{y}" width="14" height="14" fill="{COLOURS[s % 2]}"'
            f'{_pattern_attr(s)}/><text x="{x + 20}" y="{y + 12}">{escape(name)}</text>'
        )
    return "".join(parts)


def _pattern_attr(series: int) -> str:
    return ' fill-opacity="0.55" stroke="#1a1a1a" stroke-width="1"' if series % 2 else ""


def _bar_chart(figure: Figure, ident: str) -> str:
    series = len(figure.columns)
    legend_h = 26 if series > 1 else 0
    group_h = max(ROW_H, series * (BAR_H + 4) + 8)
    height = legend_h + group_h * len(figure.rows) + 10
    values = [c.value for r in figure.rows for c in r.cells if c.value is not None]
    top = max(values, default=0) or 1
    span = WIDTH - LABEL_W - 110
    out = [_svg_open(ident, figure, height), _legend(figure, 4)]
    for i, row in enumerate(figure.rows):
        y0 = legend_h + i * group_h
        out.append(
            f'<text x="{LABEL_W - 8}" y="{y0 + group_h / 2 + 4:.0f}" text-anchor="end">{escape(_short(row.label))}</text>'
        )
        for s, cell in enumerate(row.cells):
            y = y0 + 4 + s * (BAR_H + 4) + (group_h - 8 - series * (BAR_H + 4)) / 2
            if cell.value is None:
                out.append(f'<text class="muted" x="{LABEL_W + 4}" y="{y + 13:.0f}">{HIDDEN}</text>')
                continue
            w = span * cell.value / top
            out.append(
                f'<rect x="{LABEL_W}" y="{y:.0f}" width="{w:.1f}" height="{BAR_H}" fill="{COLOURS[s % 2]}"{_pattern_attr(s)}/>'
                f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 13:.0f}">{escape(cell_text(cell))}</text>'
            )
    out.append(f'<line x1="{LABEL_W}" y1="{legend_h}" x2="{LABEL_W}" y2="{height - 6}" stroke="#1a1a1a"/></svg>')
    return "".join(out)


def _line_chart(figure: Figure, ident: str) -> str:
    height, left, right, top_pad, bottom = 320, 60, 50, 40, 50
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    n = len(figure.rows)
    values = [c.value for r in figure.rows for c in r.cells if c.value is not None]
    top = _nice_top(max(values, default=0))
    step = plot_w / max(n - 1, 1)
    out = [_svg_open(ident, figure, height), _legend_line(figure)]
    for k in range(5):  # gridlines
        v = top * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:,.0f}</text>'
        )
    for i, row in enumerate(figure.rows):
        x = left + i * step
        month, _, year = row.label.partition(" ")
        # the year only where it changes, so twelve months fit side by side
        second = f'<tspan x="{x:.1f}" dy="15">{escape(year)}</tspan>' if i == 0 or month == "Jan" else ""
        out.append(
            f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle"><tspan x="{x:.1f}">{escape(month)}</tspan>{second}</text>'
        )
    for s in range(len(figure.columns)):
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, row in enumerate(figure.rows):
            cell = row.cells[s]
            x = left + i * step
            if cell.value is None:
                if segment:
                    segments.append(segment)
                segment = []
                out.append(f'<text class="muted" x="{x:.1f}" y="{top_pad + plot_h - 6 - 14 * s}" text-anchor="middle">&lt;5</text>')
                continue
            y = top_pad + plot_h - plot_h * cell.value / top
            segment.append(f"{x:.1f},{y:.1f}")
            marker = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[s % 2]}"/>'
                if s % 2 == 0
                else f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{COLOURS[s % 2]}"/>'
            )
            out.append(marker)
        if segment:
            segments.append(segment)
        for seg in segments:
            dash = f' stroke-dasharray="{DASHES[s % 2]}"' if DASHES[s % 2] else ""
            out.append(f'<polyline fill="none" stroke="{COLOURS[s % 2]}" stroke-width="2.5"{dash} points="{" ".join(seg)}"/>')
    out.append(
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{WIDTH - right}" y2="{top_pad + plot_h}" stroke="#1a1a1a"/>'
        f'<text class="muted" x="{WIDTH - right}" y="{height - 4}" text-anchor="end">“&lt;5”: {HIDDEN}, left out of the line.</text></svg>'
    )
    return "".join(out)


def _legend_line(figure: Figure) -> str:
    parts = []
    for s, name in enumerate(figure.columns):
        x = 60 + s * 160
        dash = f' stroke-dasharray="{DASHES[s % 2]}"' if DASHES[s % 2] else ""
        parts.append(
            f'<line x1="{x}" y1="14" x2="{x + 30}" y2="14" stroke="{COLOURS[s % 2]}" stroke-width="2.5"{dash}/>'
            f'<text x="{x + 36}" y="18">{escape(name)}</text>'
        )
    return "".join(parts)


def _nice_top(largest: float) -> int:
    """A top for the value axis with four whole-number steps: 4, 8, 20, 40, 100, ..."""
    need = max(1, math.ceil(largest / 4))
    magnitude = 10 ** (len(str(need)) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= need and float(factor * magnitude).is_integer():
            return int(factor * magnitude * 4)
    return need * 4


def _short(label: str, limit: int = 38) -> str:
    """A chart label that fits; the table beside it has the full text."""
    return label if len(label) <= limit else label[: limit - 1] + "…"
