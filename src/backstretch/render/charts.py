"""Charts as SVG text: pain before and after over time, and a consistency calendar.

Pure: records and dates in, a string out; nothing here reads a clock or a file. Each chart is an
`<svg role="img">` labelled by its own `<title>` and `<desc>` (a summary in words), every mark
has a `<title>` tooltip, and nothing is told by colour alone: the two pain series differ in
marker and line style, and the calendar's shades differ in lightness. The numbers behind each
chart (`pain_series`, `Calendar.week_totals`) are public, so a page can list them as a table.

Text goes through `words` (gettext and ngettext, English by default), so a page can pass its own
translations; messages use `{name}` placeholders and no `%`, and every text is escaped here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from backstretch.core.records import SessionRecord
from backstretch.core.stats import HEAT_LEVEL_MINUTES, Heatmap, counting_sessions, week_start

# A year of daily sessions is drawn as weekly averages: past this many marks the chart groups
# sessions by day, then week, then month, so it stays readable and a few kilobytes in size.
MAX_MARKS = 60
PAIN_WIDTH, PAIN_HEIGHT = 640, 300
PAIN_LEFT, PAIN_RIGHT, PAIN_TOP, PAIN_BOTTOM = 58, 16, 44, 40
PAIN_INSET = 12  # keeps the first and last marks off the axes
PAIN_TICKS = 5  # date labels along the bottom, at most
PAIN_FONT_SIZE, CAL_FONT_SIZE = 14, 12
CELL, CELL_STEP = 11, 13  # calendar squares and their pitch
CAL_LEFT, CAL_TOP, CAL_RIGHT = 34, 22, 8
CAL_LEGEND_HEIGHT = 40

INK, MUTED, GRID, PAPER = "#1f2933", "#52606d", "#d9e2ec", "#ffffff"
BEFORE_COLOUR, AFTER_COLOUR = "#b54708", "#0b6e4f"
# Heat levels 0-4, from light to dark: the lightness alone tells them apart.
LEVEL_FILLS = ("#eef1f4", "#c3e6d2", "#7cc5a0", "#2f8f68", "#0b4f39")
LEVEL_STROKE = "#c4cdd5"
FONT = "system-ui, sans-serif"
SVG_NS = "http://www.w3.org/2000/svg"
ID_PREFIX = re.compile(r"[a-z][a-z0-9-]{0,30}")


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


# Written out call by call, so a message extractor finds every name.
MONTHS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


class Words(Protocol):
    """Translations, as Python's `gettext.NullTranslations` and a page's template provide."""

    def gettext(self, message: str, /) -> str:
        """Return the message in the person's language."""
        ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """Return the singular or plural message for `n`, in the person's language."""
        ...


class English:
    """The messages as written."""

    def gettext(self, message: str, /) -> str:
        """Return the message unchanged."""
        return message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """Return the singular for 1, else the plural."""
        return singular if n == 1 else plural


ENGLISH = English()


# ---- shared helpers -----------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def short_number(value: float) -> str:
    """Format a number with at most one decimal, and none when it is whole: 5, 5.5."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


_n = short_number


def _check_prefix(prefix: str) -> str:
    if not ID_PREFIX.fullmatch(prefix):
        raise ValueError(f"id_prefix must be a short lower-case name, not {prefix!r}")
    return prefix


def day_words(day: date, words: Words, *, weekday: bool = True, year: bool = False) -> str:
    """Return a day in words, e.g. "Tue 4 Nov" or "4 Nov 2026"."""
    month = words.gettext(MONTHS[day.month - 1])
    if weekday and year:
        message = words.gettext("{weekday} {day} {month} {year}")
    elif weekday:
        message = words.gettext("{weekday} {day} {month}")
    elif year:
        message = words.gettext("{day} {month} {year}")
    else:
        message = words.gettext("{day} {month}")
    return message.format(
        weekday=words.gettext(WEEKDAYS[day.weekday()]), day=day.day, month=month, year=day.year
    )


def _month_words(day: date, words: Words) -> str:
    return words.gettext("{month} {year}").format(
        month=words.gettext(MONTHS[day.month - 1]), year=day.year
    )


def _sessions_words(count: int, words: Words) -> str:
    return words.ngettext("{count} session", "{count} sessions", count).format(count=count)


def _open_svg(
    prefix: str, size: tuple[int, int], font_size: int, title: str, desc: str
) -> list[str]:
    width, height = size
    return [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="{FONT}" '
        f'font-size="{font_size}">',
        f'<title id="{prefix}-title">{_esc(title)}</title>',
        f'<desc id="{prefix}-desc">{_esc(desc)}</desc>',
    ]


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = MUTED) -> str:
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}">{_esc(text)}</text>'


# ---- pain before and after ----------------------------------------------------------------


@dataclass(frozen=True)
class PainPoint:
    """One session's pain ratings, at the local time it started."""

    at: datetime  # wall time in the session's own time zone, without tzinfo
    before: int | None
    after: int | None

    @property
    def day(self) -> date:
        """Return the person's calendar day of the session."""
        return self.at.date()


def pain_points(sessions: Sequence[SessionRecord]) -> tuple[PainPoint, ...]:
    """Return the rated sessions that count (some stretching done), oldest first."""
    points = [
        PainPoint(
            at=s.started_at.astimezone(ZoneInfo(s.timezone)).replace(tzinfo=None),
            before=s.pain_before,
            after=s.pain_after,
        )
        for s in counting_sessions(sessions)
        if s.pain_before is not None or s.pain_after is not None
    ]
    return tuple(sorted(points, key=lambda point: point.at))


def latest_change(points: Sequence[PainPoint]) -> PainPoint | None:
    """Return the newest point rated both before and after, if there is one."""
    rated = [p for p in points if p.before is not None and p.after is not None]
    return max(rated, key=lambda point: point.at) if rated else None


class Grouping(StrEnum):
    """What one mark of the pain chart stands for."""

    SESSION = "session"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class PainMark:
    """One mark of the pain chart: a session, or the average of a day, week or month."""

    start: date  # the session's day, or the first day of its day, week or month
    at: datetime  # where it sits in time: the session, or the middle of its period
    sessions: int
    before: float | None  # mean of the ratings given, one decimal; None when none was
    after: float | None


@dataclass(frozen=True)
class PainSeries:
    """The marks of the pain chart, oldest first, and what they add up to."""

    grouping: Grouping
    marks: tuple[PainMark, ...]
    sessions: int
    first: date | None
    last: date | None
    mean_before: float | None
    mean_after: float | None


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _period(day: date, grouping: Grouping) -> tuple[date, date]:
    """Return the first day of the day, week or month holding `day`, and the day after it."""
    if grouping is Grouping.WEEK:
        start = week_start(day)
        return start, start + timedelta(days=7)
    if grouping is Grouping.MONTH:
        start = day.replace(day=1)
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return start, following
    return day, day + timedelta(days=1)


def _grouped(points: Sequence[PainPoint], grouping: Grouping) -> tuple[PainMark, ...]:
    if grouping is Grouping.SESSION:
        return tuple(
            PainMark(
                start=p.day,
                at=p.at,
                sessions=1,
                before=None if p.before is None else float(p.before),
                after=None if p.after is None else float(p.after),
            )
            for p in points
        )
    groups: dict[date, list[PainPoint]] = {}
    for point in points:
        groups.setdefault(_period(point.day, grouping)[0], []).append(point)
    marks = []
    for start, members in sorted(groups.items()):
        end = _period(start, grouping)[1]
        middle = datetime.combine(start, time()) + (end - start) / 2
        marks.append(
            PainMark(
                start=start,
                at=middle,
                sessions=len(members),
                before=_mean([p.before for p in members if p.before is not None]),
                after=_mean([p.after for p in members if p.after is not None]),
            )
        )
    return tuple(marks)


def pain_series(points: Sequence[PainPoint], max_marks: int = MAX_MARKS) -> PainSeries:
    """Return the chart's marks: one per session, or per day, week or month when there are many."""
    if max_marks < 1:
        raise ValueError(f"max_marks must be at least 1, not {max_marks}")
    ordered = sorted(points, key=lambda point: point.at)
    marks: tuple[PainMark, ...] = ()
    grouping = Grouping.SESSION
    for grouping in Grouping:
        marks = _grouped(ordered, grouping)
        if len(marks) <= max_marks:
            break
    return PainSeries(
        grouping=grouping,
        marks=marks,
        sessions=len(ordered),
        first=ordered[0].day if ordered else None,
        last=ordered[-1].day if ordered else None,
        mean_before=_mean([p.before for p in ordered if p.before is not None]),
        mean_after=_mean([p.after for p in ordered if p.after is not None]),
    )


def mark_label(mark: PainMark, grouping: Grouping, words: Words) -> str:
    """Return when a mark is, in words: its day, "week of 3 Nov" or "Nov 2026"."""
    if grouping is Grouping.WEEK:
        return words.gettext("week of {day}").format(
            day=day_words(mark.start, words, weekday=False, year=True)
        )
    if grouping is Grouping.MONTH:
        return _month_words(mark.start, words)
    return day_words(mark.start, words, year=True)


def _pain_values(before: float | None, after: float | None, words: Words) -> str:
    if before is not None and after is not None:
        return words.gettext("{before} before, {after} after").format(
            before=_n(before), after=_n(after)
        )
    if before is not None:
        return words.gettext("{before} before, not rated after").format(before=_n(before))
    return words.gettext("not rated before, {after} after").format(after=_n(after or 0))


def _mark_title(mark: PainMark, series: PainSeries, words: Words) -> str:
    values = _pain_values(mark.before, mark.after, words)
    grouping = series.grouping
    if grouping is Grouping.SESSION:
        year = len({m.start.year for m in series.marks}) > 1  # named when it changes
        when = words.gettext("{day} {time}").format(
            day=day_words(mark.start, words, year=year), time=mark.at.strftime("%H:%M")
        )
        return words.gettext("{when}: {values}").format(when=when, values=values)
    return words.gettext("{when}: {sessions}, on average {values}").format(
        when=mark_label(mark, grouping, words),
        sessions=_sessions_words(mark.sessions, words),
        values=values,
    )


def _pain_desc(series: PainSeries, words: Words) -> str:
    if series.first is None or series.last is None:
        return words.gettext("No pain ratings yet.")
    sessions = _sessions_words(series.sessions, words)
    if series.first == series.last:
        span = words.gettext("{sessions} rated, on {day}.").format(
            sessions=sessions, day=day_words(series.first, words, year=True)
        )
    else:
        span = words.gettext("{sessions} rated, from {first} to {last}.").format(
            sessions=sessions,
            first=day_words(series.first, words, weekday=False, year=True),
            last=day_words(series.last, words, weekday=False, year=True),
        )
    before, after = series.mean_before, series.mean_after
    if before is not None and after is not None:
        means = words.gettext("Pain before averaged {before}, after {after}.").format(
            before=_n(before), after=_n(after)
        )
    elif before is not None:
        means = words.gettext("Pain before averaged {before}.").format(before=_n(before))
    else:
        means = words.gettext("Pain after averaged {after}.").format(after=_n(after or 0))
    parts = [span, means]
    if series.grouping is Grouping.DAY:
        parts.append(words.gettext("Each mark is one day's average."))
    elif series.grouping is Grouping.WEEK:
        parts.append(words.gettext("Each mark is one week's average."))
    elif series.grouping is Grouping.MONTH:
        parts.append(words.gettext("Each mark is one month's average."))
    return " ".join(parts)


def _seconds(at: datetime) -> float:
    return (at - datetime(1970, 1, 1)).total_seconds()


def _pain_legend(words: Words, grouping: Grouping) -> list[str]:
    y = 18
    x = PAIN_LEFT
    after_x = x + 170
    parts = [
        f'<g aria-hidden="true">'
        f'<line x1="{x}" y1="{y}" x2="{x + 28}" y2="{y}" stroke="{BEFORE_COLOUR}" '
        f'stroke-width="2"/>'
        f'<circle cx="{x + 14}" cy="{y}" r="4" fill="{BEFORE_COLOUR}"/>',
        _text(x + 36, y + 4, words.gettext("pain before"), fill=INK),
        f'<line x1="{after_x}" y1="{y}" x2="{after_x + 28}" y2="{y}" stroke="{AFTER_COLOUR}" '
        f'stroke-width="2" stroke-dasharray="5 3"/>'
        f'<rect x="{after_x + 10}" y="{y - 4}" width="8" height="8" fill="{PAPER}" '
        f'stroke="{AFTER_COLOUR}" stroke-width="2"/>',
        _text(after_x + 36, y + 4, words.gettext("pain after"), fill=INK),
    ]
    note = {
        Grouping.DAY: words.gettext("daily averages"),
        Grouping.WEEK: words.gettext("weekly averages"),
        Grouping.MONTH: words.gettext("monthly averages"),
    }.get(grouping)
    if note:
        parts.append(_text(PAIN_WIDTH - PAIN_RIGHT, y + 4, note, anchor="end"))
    parts.append("</g>")
    return parts


def _tick_label(day: date, grouping: Grouping, span_days: int, words: Words) -> str:
    if grouping is Grouping.MONTH or span_days > 300:
        return _month_words(day, words)
    return day_words(day, words, weekday=False)


_PLOT_LEFT, _PLOT_RIGHT = PAIN_LEFT, PAIN_WIDTH - PAIN_RIGHT
_PLOT_TOP, _PLOT_BOTTOM = PAIN_TOP, PAIN_HEIGHT - PAIN_BOTTOM


def _y_of(pain: float) -> float:
    return _PLOT_BOTTOM - pain / 10 * (_PLOT_BOTTOM - _PLOT_TOP)


@dataclass(frozen=True)
class _TimeScale:
    """Time to x, from the first mark to the last; a single moment sits in the middle."""

    first: datetime
    last: datetime

    def x(self, at: datetime) -> float:
        left, right = _PLOT_LEFT + PAIN_INSET, _PLOT_RIGHT - PAIN_INSET
        span = _seconds(self.last) - _seconds(self.first)
        if span == 0:
            return (left + right) / 2
        return left + (_seconds(at) - _seconds(self.first)) / span * (right - left)


def _pain_frame(words: Words) -> list[str]:
    """Return the gridlines at every second point and the pain scale on the left."""
    out = ['<g aria-hidden="true">']
    for pain in range(0, 11, 2):
        y = _n(_y_of(pain))
        width = ' stroke-width="1.5"' if pain == 0 else ""
        out.append(
            f'<line x1="{_PLOT_LEFT}" y1="{y}" x2="{_PLOT_RIGHT}" y2="{y}" stroke="{GRID}"{width}/>'
        )
        out.append(_text(_PLOT_LEFT - 8, _y_of(pain) + 4, str(pain), anchor="end"))
    middle = _n((_PLOT_TOP + _PLOT_BOTTOM) / 2)
    out.append(
        f'<text transform="translate(14 {middle}) rotate(-90)" text-anchor="middle" '
        f'fill="{MUTED}">{_esc(words.gettext("pain (0 none, 10 worst)"))}</text>'
    )
    out.append("</g>")
    return out


def _pain_ticks(series: PainSeries, scale: _TimeScale, words: Words) -> list[str]:
    """Return the dates along the bottom: each day of a short span, else evenly spaced."""
    start, end = scale.first, scale.last
    span_days = (end.date() - start.date()).days
    if span_days < PAIN_TICKS:
        noons = (
            datetime.combine(start.date() + timedelta(days=n), time(12))
            for n in range(span_days + 1)
        )
        times = [min(max(noon, start), end) for noon in noons]
    else:
        times = [start + (end - start) * n / (PAIN_TICKS - 1) for n in range(PAIN_TICKS)]
    ticks: dict[str, datetime] = {}
    for at in times:
        ticks.setdefault(_tick_label(at.date(), series.grouping, span_days, words), at)
    out = ['<g aria-hidden="true">']
    y = _PLOT_BOTTOM + 18
    for index, (label, at) in enumerate(ticks.items()):
        x = scale.x(at)
        out.append(
            f'<line x1="{_n(x)}" y1="{_PLOT_TOP}" x2="{_n(x)}" y2="{_PLOT_BOTTOM}" '
            f'stroke="{GRID}" stroke-dasharray="2 4"/>'
        )
        # The end labels lean inwards, so they stay inside the chart.
        if len(ticks) > 1 and index == 0:
            out.append(_text(x - PAIN_INSET, y, label))
        elif len(ticks) > 1 and index == len(ticks) - 1:
            out.append(_text(x + PAIN_INSET, y, label, anchor="end"))
        else:
            out.append(_text(x, y, label, anchor="middle"))
    out.append("</g>")
    return out


def _pain_marks(series: PainSeries, scale: _TimeScale, words: Words) -> list[str]:
    """Return a line per series through its ratings, then each mark with its tooltip."""
    out = []
    for name, colour, dash, values in (
        ("before", BEFORE_COLOUR, "", [(m.at, m.before) for m in series.marks]),
        ("after", AFTER_COLOUR, ' stroke-dasharray="6 4"', [(m.at, m.after) for m in series.marks]),
    ):
        rated = [f"{_n(scale.x(at))} {_n(_y_of(v))}" for at, v in values if v is not None]
        if len(rated) > 1:
            out.append(
                f'<polyline class="{name}-line" points="{" ".join(rated)}" fill="none" '
                f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"{dash}/>'
            )
    for mark in series.marks:
        x = scale.x(mark.at)
        out.append(f"<g><title>{_esc(_mark_title(mark, series, words))}</title>")
        if mark.before is not None:
            out.append(
                f'<circle class="before" cx="{_n(x)}" cy="{_n(_y_of(mark.before))}" r="4.5" '
                f'fill="{BEFORE_COLOUR}"/>'
            )
        if mark.after is not None:
            y = _y_of(mark.after)
            out.append(
                f'<rect class="after" x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8" '
                f'fill="{PAPER}" stroke="{AFTER_COLOUR}" stroke-width="2"/>'
            )
        out.append("</g>")
    return out


def pain_chart_svg(
    points: Sequence[PainPoint],
    *,
    words: Words = ENGLISH,
    id_prefix: str = "pain",
    max_marks: int = MAX_MARKS,
) -> str:
    """Return the SVG chart of pain before (filled circles, solid) and after (squares, dashed)."""
    prefix = _check_prefix(id_prefix)
    series = pain_series(points, max_marks)
    out = _open_svg(
        prefix,
        (PAIN_WIDTH, PAIN_HEIGHT),
        PAIN_FONT_SIZE,
        words.gettext("Pain before and after stretching (0 to 10)"),
        _pain_desc(series, words),
    )
    out.extend(_pain_frame(words))
    out.extend(_pain_legend(words, series.grouping))
    if series.marks:
        scale = _TimeScale(first=series.marks[0].at, last=series.marks[-1].at)
        out.extend(_pain_ticks(series, scale, words))
        out.extend(_pain_marks(series, scale, words))
    else:
        middle = (_PLOT_TOP + _PLOT_BOTTOM) / 2
        message = words.gettext("No pain ratings yet.")
        out.append(
            _text((_PLOT_LEFT + _PLOT_RIGHT) / 2, middle, message, anchor="middle", fill=INK)
        )
    out.append("</svg>")
    return "".join(out)


# ---- the consistency calendar -------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    """One day of the calendar: the sessions that counted and their minutes."""

    day: date
    sessions: int
    minutes: float
    level: int  # 0-4, as the terminal's heatmap (stats.HEAT_LEVEL_MINUTES)
    future: bool


@dataclass(frozen=True)
class CalendarWeek:
    """One week of the calendar in figures, for a table beside the chart."""

    start: date
    days: int  # days with some stretching
    sessions: int
    minutes: float


@dataclass(frozen=True)
class Calendar:
    """Whole weeks, oldest first, Monday first, ending in the week of `today`."""

    today: date
    weeks: tuple[tuple[CalendarDay, ...], ...]

    @property
    def week_totals(self) -> tuple[CalendarWeek, ...]:
        """Return each week's days with stretching, sessions and minutes, oldest first."""
        return tuple(
            CalendarWeek(
                start=week[0].day,
                days=sum(1 for d in week if d.sessions),
                sessions=sum(d.sessions for d in week),
                minutes=round(sum(d.minutes for d in week), 1),
            )
            for week in self.weeks
        )


def build_calendar(heatmap: Heatmap, sessions: Sequence[SessionRecord], today: date) -> Calendar:
    """Return the calendar of the heatmap's weeks, with the sessions counted on each day."""
    counts: dict[date, int] = {}
    for session in counting_sessions(sessions):
        counts[session.local_day] = counts.get(session.local_day, 0) + 1
    return Calendar(
        today=today,
        weeks=tuple(
            tuple(
                CalendarDay(
                    day=cell.day,
                    sessions=counts.get(cell.day, 0),
                    minutes=cell.minutes,
                    level=cell.level,
                    future=cell.future,
                )
                for cell in week
            )
            for week in heatmap.weeks
        ),
    )


def _cell_title(day: CalendarDay, today: date, words: Words) -> str:
    when = day_words(day.day, words, year=day.day.year != today.year)
    if day.sessions:
        text = words.gettext("{day}: {sessions}, {minutes} min").format(
            day=when, sessions=_sessions_words(day.sessions, words), minutes=_n(day.minutes)
        )
    else:
        text = words.gettext("{day}: no stretching").format(day=when)
    if day.day == today:
        text = words.gettext("{text} (today)").format(text=text)
    return text


def _level_names(words: Words) -> tuple[str, ...]:
    low, middle, high = HEAT_LEVEL_MINUTES
    return (
        words.gettext("none"),
        words.gettext("under {minutes} min").format(minutes=low),
        words.gettext("{low} to {high} min").format(low=low, high=middle - 1),
        words.gettext("{low} to {high} min").format(low=middle, high=high - 1),
        words.gettext("{minutes} min or more").format(minutes=high),
    )


def _calendar_desc(calendar: Calendar, words: Words) -> str:
    shown = [d for week in calendar.weeks for d in week if not d.future]
    active = [d for d in shown if d.sessions]
    first = shown[0].day if shown else calendar.today
    span = words.gettext("{first} to {last}").format(
        first=day_words(first, words, weekday=False, year=True),
        last=day_words(calendar.today, words, weekday=False, year=True),
    )
    if not active:
        return words.gettext("No stretching recorded from {span}.").format(span=span)
    return words.gettext(
        "Stretching on {active} of {days} days, {span}: {sessions}, {minutes} min in all. "
        "Darker squares mean more minutes; today is outlined."
    ).format(
        active=len(active),
        days=len(shown),
        span=span,
        sessions=_sessions_words(sum(d.sessions for d in active), words),
        minutes=_n(sum(d.minutes for d in active)),
    )


def _month_starts(calendar: Calendar) -> list[tuple[int, int]]:
    """Return (column, month) for each week holding a 1st, the first column too if room."""
    starts = [
        (column, day.day.month)
        for column, week in enumerate(calendar.weeks)
        for day in week
        if day.day.day == 1
    ]
    if calendar.weeks and (not starts or starts[0][0] >= 3):
        starts.insert(0, (0, calendar.weeks[0][0].day.month))
    return starts


def calendar_svg(calendar: Calendar, *, words: Words = ENGLISH, id_prefix: str = "calendar") -> str:
    """Return the SVG consistency calendar: a square per day, darker for more minutes."""
    prefix = _check_prefix(id_prefix)
    columns = len(calendar.weeks)
    grid_bottom = CAL_TOP + 7 * CELL_STEP
    width = CAL_LEFT + columns * CELL_STEP + CAL_RIGHT
    width = max(width, 560)  # room for the legend under a short calendar
    height = grid_bottom + CAL_LEGEND_HEIGHT
    out = _open_svg(
        prefix,
        (width, height),
        CAL_FONT_SIZE,
        words.gettext("Days with stretching"),
        _calendar_desc(calendar, words),
    )
    out.append("<defs>")
    for level, fill in enumerate(LEVEL_FILLS):
        stroke = f' stroke="{LEVEL_STROKE}"' if level == 0 else ""
        out.append(
            f'<rect id="{prefix}-l{level}" width="{CELL}" height="{CELL}" rx="2" '
            f'fill="{fill}"{stroke}/>'
        )
    out.append("</defs>")
    # Labels: months over the columns where they begin, and every other weekday.
    out.append('<g aria-hidden="true">')
    free_from = 0
    for column, month in _month_starts(calendar):
        if column < free_from:
            continue
        x = CAL_LEFT + column * CELL_STEP
        out.append(_text(x, CAL_TOP - 8, words.gettext(MONTHS[month - 1])))
        free_from = column + 3
    for weekday in (0, 2, 4, 6):
        y = CAL_TOP + weekday * CELL_STEP + CELL - 1
        out.append(_text(CAL_LEFT - 6, y, words.gettext(WEEKDAYS[weekday]), anchor="end"))
    out.append("</g>")
    today_at: tuple[int, int] | None = None
    for column, week in enumerate(calendar.weeks):
        x = CAL_LEFT + column * CELL_STEP
        for row, day in enumerate(week):
            if day.future:
                continue
            y = CAL_TOP + row * CELL_STEP
            if day.day == calendar.today:
                today_at = (x, y)
            out.append(
                f'<use href="#{prefix}-l{day.level}" x="{x}" y="{y}">'
                f"<title>{_esc(_cell_title(day, calendar.today, words))}</title></use>"
            )
    if today_at is not None:
        x, y = today_at
        out.append(
            f'<rect class="today" x="{x - 1.5}" y="{y - 1.5}" width="{CELL + 3}" '
            f'height="{CELL + 3}" rx="3" fill="none" stroke="{INK}" stroke-width="2"/>'
        )
    out.extend(_calendar_legend(prefix, grid_bottom + 16, words))
    out.append("</svg>")
    return "".join(out)


def _calendar_legend(prefix: str, y: int, words: Words) -> list[str]:
    out = ['<g aria-hidden="true">']
    x = CAL_LEFT
    for level, name in enumerate(_level_names(words)):
        out.append(f'<use href="#{prefix}-l{level}" x="{x}" y="{y}"/>')
        out.append(_text(x + CELL + 4, y + CELL - 1, name))
        x += CELL + 12 + 7 * len(name)
    out.append(
        f'<rect x="{x - 1.5}" y="{y - 1.5}" width="{CELL + 3}" height="{CELL + 3}" rx="3" '
        f'fill="none" stroke="{INK}" stroke-width="2"/>'
    )
    out.append(_text(x + CELL + 6, y + CELL - 1, words.gettext("today")))
    out.append("</g>")
    return out
