"""The milestones' timeline as a PNG (Pillow), with the same content as text for screen readers and previews.

Pure: rows in, bytes (or text) out. One row per milestone: its baseline a hollow diamond, its forecast a filled one,
a bar between them when it slipped, coloured by status; today's vertical line; month ticks along the date axis; an
arrow from each milestone waited for to the one waiting (a milestone of another project is a small labelled row).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont

from domain.text import plural

WIDTH, LEFT, RIGHT, TOP, ROW, BOTTOM, SMALL_ROW = 1200, 300, 40, 70, 36, 60, 26
ROW_LIMIT = 60
DIAMOND = 8
INK = (30, 30, 30)
GRID = (225, 225, 225)
ARROW = (120, 120, 120)
TODAY = (30, 110, 235)  # today's line: a colour nothing else uses
COLOURS = {
    "on_track": (46, 160, 67),
    "at_risk": (235, 170, 0),
    "late": (214, 39, 40),
    "done": (140, 140, 140),
}
WORDS = {"on_track": "on track", "at_risk": "at risk", "late": "late", "done": "done"}


@dataclass(frozen=True)
class Row:
    """One milestone on the timeline: its id in the picture, how it is labelled, its days and status."""

    key: int
    label: str  # `M-UAT UAT sign-off`, or `#proj-payments M-API` for another project's
    baseline: date
    forecast: date
    status: str
    slip_days: int = 0  # working days past the baseline
    other: bool = False  # in another project's channel (drawn small)


@dataclass(frozen=True)
class Timeline:
    """What the picture shows."""

    title: str
    today: date
    rows: list[Row]
    arrows: list[tuple[int, int]] = field(default_factory=list)  # (key waited for, key waiting)
    hidden: int = 0  # dependencies in channels not shown here


def span(timeline: Timeline) -> tuple[date, date]:
    """The first and last day of the axis: every date shown and today, with a week either side."""
    days = [timeline.today, *(r.baseline for r in timeline.rows), *(r.forecast for r in timeline.rows)]
    first, last = min(days) - timedelta(days=7), max(days) + timedelta(days=7)
    return first, max(last, first + timedelta(days=28))


def _months(first: date, last: date) -> list[date]:
    found, day = [], date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            found.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return found


def _layout(timeline: Timeline) -> tuple[list[Row], dict[int, int], int]:
    """The rows drawn, the y of each row's middle by key, and the picture's height."""
    rows = timeline.rows[:ROW_LIMIT]
    ys, y = {}, TOP
    for row in rows:
        height = SMALL_ROW if row.other else ROW
        ys[row.key] = y + height // 2
        y += height
    return rows, ys, y + BOTTOM


def today_x(timeline: Timeline) -> int:
    """Where today's line is drawn."""
    first, last = span(timeline)
    return _x(timeline.today, first, last)


def where(timeline: Timeline, key: int, day: date) -> tuple[int, int]:
    """Where a row's mark for `day` is drawn (its centre)."""
    first, last = span(timeline)
    return _x(day, first, last), _layout(timeline)[1][key]


def _x(day: date, first: date, last: date) -> int:
    return LEFT + round((day - first).days / max(1, (last - first).days) * (WIDTH - LEFT - RIGHT))


def size(timeline: Timeline) -> tuple[int, int]:
    """The picture's width and height."""
    return WIDTH, _layout(timeline)[2]


def _diamond(draw: ImageDraw.ImageDraw, x: int, y: int, colour: tuple[int, int, int], *, filled: bool, r: int) -> None:
    points = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    draw.polygon(points, fill=colour if filled else "white", outline=colour, width=2)


def _arrow(draw: ImageDraw.ImageDraw, start: tuple[int, int], end: tuple[int, int]) -> None:
    (x0, y0), (x1, y1) = start, end
    draw.line([(x0, y0), (x0, y1), (x1, y1)], fill=ARROW, width=2)
    head = 7 if x1 >= x0 else -7
    draw.polygon([(x1, y1), (x1 - head, y1 - 5), (x1 - head, y1 + 5)], fill=ARROW)


def _legend(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> None:
    """Top right: what the two diamonds mean, and the colours."""
    x, y = WIDTH - RIGHT - 560, 22
    _diamond(draw, x, y, INK, filled=False, r=6)
    draw.text((x + 10, y - 7), "baseline", fill=INK, font=font)
    _diamond(draw, x + 80, y, INK, filled=True, r=6)
    draw.text((x + 90, y - 7), "forecast", fill=INK, font=font)
    x += 170
    for status, colour in COLOURS.items():
        draw.rectangle([x, y - 5, x + 10, y + 5], fill=colour)
        draw.text((x + 14, y - 7), WORDS[status], fill=INK, font=font)
        x += 24 + round(draw.textlength(WORDS[status], font=font))


def png(timeline: Timeline) -> bytes:
    """Draw the timeline."""
    rows, ys, height = _layout(timeline)
    first, last = span(timeline)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font, small = ImageFont.load_default(size=15), ImageFont.load_default(size=12)
    draw.text((16, 16), timeline.title[:90], fill=INK, font=ImageFont.load_default(size=22))
    _legend(draw, small)
    bottom = height - BOTTOM
    for month in _months(first, last):
        x = _x(month, first, last)
        draw.line([(x, TOP - 8), (x, bottom)], fill=GRID, width=1)
        draw.text((x + 3, bottom + 8), f"{month:%b %Y}", fill=INK, font=small)
    draw.line([(LEFT, bottom), (WIDTH - RIGHT, bottom)], fill=INK, width=1)
    for row in rows:
        y = ys[row.key]
        if not row.other:
            draw.line([(16, y + ROW // 2 - 1), (WIDTH - RIGHT, y + ROW // 2 - 1)], fill=GRID, width=1)
        label = row.label if len(row.label) <= 40 else row.label[:39] + "…"
        draw.text((16, y - 8), label, fill=INK if not row.other else ARROW, font=small if row.other else font)
    x_today = today_x(timeline)
    draw.line([(x_today, TOP - 8), (x_today, bottom)], fill=TODAY, width=3)
    draw.text((x_today + 4, TOP - 24), "today", fill=TODAY, font=small)
    for upstream, waiting in timeline.arrows:
        if upstream in ys and waiting in ys:
            up = next(r for r in rows if r.key == upstream)
            down = next(r for r in rows if r.key == waiting)
            start = (_x(up.forecast, first, last), ys[upstream] + DIAMOND)
            _arrow(draw, start, (_x(min(down.baseline, down.forecast), first, last) - DIAMOND - 2, ys[waiting]))
    for row in rows:
        y, colour = ys[row.key], COLOURS.get(row.status, INK)
        r = DIAMOND - 2 if row.other else DIAMOND
        xb, xf = _x(row.baseline, first, last), _x(row.forecast, first, last)
        if xf != xb:
            draw.rectangle([min(xb, xf), y - 2, max(xb, xf), y + 2], fill=colour)
        _diamond(draw, xb, y, colour, filled=False, r=r)
        _diamond(draw, xf, y, colour, filled=True, r=r)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _row_text(row: Row, waits_for: list[str]) -> str:
    dates = f"baseline {row.baseline:%a %d %b %Y}"
    if row.forecast != row.baseline:
        dates += f", forecast {row.forecast:%a %d %b %Y}"
    if row.slip_days:
        dates += f" ({plural(row.slip_days, 'working day')} late)"
    after = f"; waits for {', '.join(waits_for)}" if waits_for else ""
    return f"• {row.label}: {WORDS.get(row.status, row.status)}, {dates}{after}"


def text(timeline: Timeline) -> str:
    """The timeline in words: each milestone with its dates, status and what it waits for."""
    if not timeline.rows:
        return f"{timeline.title}: no milestones."
    labels = {r.key: r.label.split(" ")[0] if not r.other else r.label for r in timeline.rows}
    lines = [f"{timeline.title} (today {timeline.today:%a %d %b %Y}):"]
    for row in timeline.rows:
        if row.other:
            continue
        waits = [labels[up] for up, waiting in timeline.arrows if waiting == row.key and up in labels]
        lines.append(_row_text(row, waits))
    others = [r for r in timeline.rows if r.other]
    if others:
        lines.append("Waited for in other channels:")
        lines += [_row_text(r, []) for r in others]
    if timeline.hidden:
        lines.append(f"({plural(timeline.hidden, 'dependency', 'dependencies')} in channels not shown here.)")
    return "\n".join(lines)
