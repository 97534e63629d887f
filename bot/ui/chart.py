"""The registrations chart: its words, and the PNG drawn with matplotlib.

matplotlib is imported only when a chart is drawn, in the thread that draws it (start-up and
the event loop never pay for it), and only its object API is used: a ``Figure`` on its own
``FigureCanvasAgg``, no pyplot, so no global backend or figure registry is touched and
charts can be drawn in several threads at once.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date

from bot.services.chart import DailyTotals, Timeline
from bot.ui import glyphs
from bot.ui.fmt import number
from bot.ui.i18n import _, current, ngettext, pgettext

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 1200, 675, 150  # pixels: 16:9, sharp on phones, ~60 KB
SEATS_COLOUR = "#1f77b4"
REGISTRATIONS_COLOUR = SEATS_COLOUR  # the seat line took the place of the registrations line
CANCELLATIONS_COLOUR = "#d62728"
CAPACITY_COLOUR = "#2ca02c"
MARKERS_UP_TO = 45  # days: with more, markers would crowd the lines
TITLE_LINE = 60  # characters a line of the chart's title
DAY_TICKS = 8  # labelled days on the axis at most
LEGEND_AT = 2  # matplotlib's code for the upper left corner
HEADROOM = 1.2  # the y axis goes this much above the highest line (room for the legend)


@dataclass(frozen=True)
class ChartWords:
    """Every word drawn on the chart, worded on the event loop (in the reader's language)."""

    title: str
    seats: str
    cancellations: str
    capacity: str
    days: str
    people: str
    day_pattern: str  # CLDR pattern of a day under the axis
    year_pattern: str  # the same with the year, for charts that span two years
    locale: Locale


def chart_words(timeline: Timeline, tz: ZoneInfo) -> ChartWords:
    """The chart's title, legend and axis labels."""
    return ChartWords(
        title=timeline.title,
        seats=_("People holding a seat (end of day)"),
        cancellations=_("Cancellations (cumulative)"),
        capacity=_("Capacity ({count})").format(count=number(timeline.capacity)),
        days=_("Day ({zone})").format(zone=str(tz)),
        people=_("People"),
        # TRANSLATORS: a CLDR date pattern for the chart's days (d day, MMM month)
        day_pattern=pgettext("date pattern", "d MMM"),
        # TRANSLATORS: a CLDR date pattern for the chart's days (d day, MMM month, y year)
        year_pattern=pgettext("date pattern", "d MMM y"),
        locale=current().locale,
    )


def caption(timeline: Timeline) -> str:
    """Under the chart: the totals (well within Telegram's 1024 characters)."""
    made = ngettext(
        "{count} registration made", "{count} registrations made", timeline.total
    ).format(count=number(timeline.total))
    cancelled = ngettext("{count} cancelled", "{count} cancelled", len(timeline.cancelled)).format(
        count=number(len(timeline.cancelled))
    )
    taken = ngettext(
        "{taken} of {count} seat taken now",
        "{taken} of {count} seats taken now",
        timeline.capacity,
    ).format(taken=number(timeline.registered_now), count=number(timeline.capacity))
    return _("📈 <b>{title}</b>\n{made}, {cancelled}; {taken}.").format(
        title=escape(timeline.title), made=made, cancelled=cancelled, taken=taken
    )


def no_registrations(title: str) -> str:
    """Nobody has registered yet: nothing to draw."""
    return _("Nobody has registered for <b>{title}</b> yet, so there is no chart to draw.").format(
        title=escape(title)
    )


def render_png(totals: DailyTotals, capacity: int, words: ChartWords) -> bytes:
    """The chart (``chart_figure``) as PNG bytes. Any thread."""
    out = io.BytesIO()
    chart_figure(totals, capacity, words).savefig(out, format="png")
    return out.getvalue()


def chart_figure(totals: DailyTotals, capacity: int, words: ChartWords) -> Figure:
    """Per day, the people holding a seat and the cumulative cancellations, with the
    capacity line; each named in the legend. Any thread (its own Agg canvas, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # days are drawn at 0, 1, 2 ... and labelled by Babel in the reader's language
    x = list(range(len(totals.days)))
    marker = "o" if len(x) <= MARKERS_UP_TO else None
    seats = totals.seats
    lines = (
        (seats, SEATS_COLOUR, words.seats),
        (totals.cancellations, CANCELLATIONS_COLOUR, words.cancellations),
    )
    for values, colour, label in lines:
        axes.plot(x, values, color=colour, linewidth=2, marker=marker, markersize=4, label=label)
    axes.axhline(
        capacity, color=CAPACITY_COLOUR, linestyle="--", linewidth=1.5, label=words.capacity
    )
    axes.set_xlim(-0.5, len(x) - 0.5)
    # headroom above the highest line for the legend's one row
    axes.set_ylim(0, max(capacity, *seats, *totals.cancellations) * HEADROOM + 1)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    days = totals.days
    with_years = days[0].year != days[-1].year  # longer labels: fewer of them
    ticks = DAY_TICKS - 2 if with_years else DAY_TICKS
    axes.xaxis.set_major_locator(MaxNLocator(nbins=ticks, integer=True, min_n_ticks=1))
    pattern = words.year_pattern if with_years else words.day_pattern
    axes.xaxis.set_major_formatter(FuncFormatter(_day_labels(days, pattern, words.locale)))
    axes.set_xlabel(words.days)
    axes.set_ylabel(words.people)
    axes.grid(alpha=0.3)
    axes.legend(loc=LEGEND_AT, fontsize="small", ncols=3)
    title = textwrap.fill(drawable(words.title), TITLE_LINE)
    axes.set_title(title, parse_math=False)  # a "$" in a title is a dollar, not TeX
    return figure


def _day_labels(
    days: list[date], pattern: str, locale: Locale
) -> Callable[[float, int | None], str]:
    """The x axis's tick labels: the day at a whole position, nothing elsewhere."""

    def label(position: float, _tick: int | None) -> str:
        index = round(position)
        if abs(position - index) > 1e-6 or not 0 <= index < len(days):
            return ""
        return format_date(days[index], pattern, locale=locale)

    return label


def drawable(text: str) -> str:
    """``text`` without the characters the chart's font has no glyph for (emoji, mostly),
    which would be drawn as boxes; unchanged if nothing of it would be left."""
    return glyphs.drawable(text, _font_glyphs()) or text


def _font_glyphs() -> frozenset[int]:
    """The code points matplotlib's default font can draw."""
    from matplotlib import font_manager

    return glyphs.font_glyphs(font_manager.findfont(font_manager.FontProperties()))
