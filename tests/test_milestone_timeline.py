"""The milestones' timeline, pure: the PNG and its text twin from rows, without Slack or a database."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from handlers.milestones import timeline
from handlers.milestones.timeline import COLOURS, TODAY, Row, Timeline

TODAY_DATE = date(2026, 12, 2)


def _timeline() -> Timeline:
    rows = [
        Row(1, "M-UAT UAT sign-off", date(2027, 1, 15), date(2027, 1, 22), "late", slip_days=5),
        Row(2, "M-LIVE Go live", date(2027, 2, 1), date(2027, 2, 1), "at_risk"),
        Row(3, "M-KICK Kick-off", date(2026, 11, 20), date(2026, 11, 20), "done"),
        Row(4, "#proj-payments M-API", date(2027, 1, 10), date(2027, 1, 10), "on_track", other=True),
    ]
    return Timeline("#proj-apollo milestones", TODAY_DATE, rows, arrows=[(4, 1), (1, 2)], hidden=1)


def _image(drawn: Timeline) -> Image.Image:
    image = Image.open(io.BytesIO(timeline.png(drawn)))
    image.load()
    return image.convert("RGB")


def test_the_png_decodes_at_its_size_with_todays_line() -> None:
    """The picture is a PNG of the size laid out, and today's line is drawn in its own colour where today is."""
    drawn = _timeline()
    image = _image(drawn)
    assert timeline.size(drawn) == image.size and image.size[1] > 4 * timeline.SMALL_ROW
    x = timeline.today_x(drawn)
    _, y = timeline.where(drawn, 2, TODAY_DATE)
    assert TODAY == image.getpixel((x, y))
    assert TODAY not in {image.getpixel((x + 40, y)), image.getpixel((x - 40, y))}


def test_the_baseline_is_hollow_and_the_forecast_filled_in_the_status_colour() -> None:
    """A slipped milestone: white inside its baseline's diamond, its status colour inside its forecast's and on
    the bar between them."""
    drawn = _timeline()
    image = _image(drawn)
    baseline = timeline.where(drawn, 1, date(2027, 1, 15))
    forecast = timeline.where(drawn, 1, date(2027, 1, 22))
    assert (255, 255, 255) == image.getpixel(baseline)
    assert COLOURS["late"] == image.getpixel(forecast)
    assert COLOURS["late"] == image.getpixel(((baseline[0] + forecast[0]) // 2 + 1, baseline[1]))
    assert COLOURS["at_risk"] == image.getpixel(timeline.where(drawn, 2, date(2027, 2, 1)))


def test_no_milestones_still_draws_an_axis_and_says_so() -> None:
    """An empty channel gives a picture (the axis and today) and a sentence."""
    empty = Timeline("#proj-apollo milestones", TODAY_DATE, [])
    assert timeline.size(empty) == _image(empty).size
    assert "#proj-apollo milestones: no milestones." == timeline.text(empty)


def test_the_text_lists_each_milestone_with_its_dates_status_and_dependencies() -> None:
    """Every milestone is a line with its status, baseline, forecast and what it waits for; the other project's
    milestone is listed apart, and the hidden dependency counted."""
    said = timeline.text(_timeline())
    lines = said.splitlines()
    assert "#proj-apollo milestones (today Wed 02 Dec 2026):" == lines[0]
    assert (
        "• M-UAT UAT sign-off: late, baseline Fri 15 Jan 2027, forecast Fri 22 Jan 2027 (5 working days late); "
        "waits for #proj-payments M-API" == lines[1]
    )
    assert "• M-LIVE Go live: at risk, baseline Mon 01 Feb 2027; waits for M-UAT" == lines[2]
    assert "• M-KICK Kick-off: done, baseline Fri 20 Nov 2026" == lines[3]
    assert ["Waited for in other channels:", "• #proj-payments M-API: on track, baseline Sun 10 Jan 2027"] == lines[4:6]
    assert "(1 dependency in channels not shown here.)" == lines[6]
