"""Rich renderings of `backstretch history` and `backstretch stats`.

Everything reads in plain text too (NO_COLOR, a pipe): the heatmap and the charts use glyphs
and letters, colour only adds to them. Layouts narrow down to 40 columns without wrapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from backstretch.core.durations import minutes, minutes_of
from backstretch.core.records import SessionRecord, SessionStatus
from backstretch.core.stats import (
    HEAT_LEVEL_MINUTES,
    PSFS_ACTIVITY_MDC,
    PSFS_MEAN_MDC,
    Heatmap,
    HistoryRow,
    PsfsTrend,
    Stats,
    WeekSummary,
    history_rows,
)

EMPTY = "No sessions yet — `backstretch start` begins one."
NONE = "–"
# Below these widths the tables give way to narrower layouts.
WIDE = 64
HISTORY_WIDE = 72
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HEAT_GLYPHS = ("·", "░", "▒", "▓", "█")  # levels 0-4; a blank is a day still to come
HEAT_STYLES = ("grey42", "dark_green", "green4", "green3", "green1")
SPARKS = "▁▂▃▄▅▆▇█"  # pain 0 → ▁ … pain 10 → █
NO_RATING = "·"
PAIN_LABEL_WIDTH = len("before ")
PSFS_SHOWN = 8
STATUS_STYLES = {
    SessionStatus.COMPLETED: "green",
    SessionStatus.STOPPED: "red",
    SessionStatus.ABANDONED: "yellow",
}


def _half_up(value: float) -> int:
    # Python's round() sends 4.5 to 4; a chart should move up at every half point.
    return int(value + 0.5)


def _number(minutes: float) -> str:
    return f"{minutes:g}" if minutes == int(minutes) else f"{minutes:.1f}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _short_day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def _pain(before: float | int | None, after: float | int | None) -> str:
    if before is None and after is None:
        return NONE
    first = NONE if before is None else _number(before)
    second = NONE if after is None else _number(after)
    return f"{first} → {second}"


def _words(value: str) -> str:
    return value.replace("_", " ")


# ---- history ------------------------------------------------------------------------------


def _status(row: HistoryRow) -> Text:
    if row.skipped:  # nothing done: never read as completed
        text = Text("skipped", style="dim")
    else:
        text = Text(row.reads_as.value, style=STATUS_STYLES.get(row.reads_as, ""))
    if row.stop_signal is not None:
        text.append("\n" + _words(row.stop_signal.value), style="dim")
    if row.source == "log":
        text.append("\nlogged", style="dim")
    return text


def _history_table(console: Console, rows: Sequence[HistoryRow]) -> None:
    when = [row.started.strftime("%Y-%m-%d %H:%M") for row in rows]
    statuses = [_status(row) for row in rows]
    amounts = [minutes_of(row.done_seconds, row.planned_seconds) for row in rows]
    pains = [_pain(row.pain_before, row.pain_after) for row in rows]
    # The routine name is the one column that gives way, so the others are never cut.
    fixed = sum(
        max(len(line) for cell in column for line in str(cell).split("\n"))
        for column in (
            ["when", *when],
            ["status", *statuses],
            ["stretching", *amounts],
            ["pain", *pains],
        )
    )
    gaps = 3 * 4  # a padding, the box's blank divider, a padding
    routine_width = max(8, console.width - fixed - gaps)
    table = Table(
        title=_plural(len(rows), "session"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("when", no_wrap=True)
    table.add_column("routine", no_wrap=True, overflow="ellipsis", max_width=routine_width)
    table.add_column("status", no_wrap=True)
    table.add_column("stretching", justify="right", no_wrap=True)
    table.add_column("pain", no_wrap=True)
    for index, row in enumerate(rows):
        table.add_row(
            when[index], Text(row.routine_name), statuses[index], amounts[index], pains[index]
        )
    console.print(table)
    console.print(Text("stretching: done of planned · pain 0-10: before → after", style="dim"))


def _history_list(console: Console, rows: Sequence[HistoryRow]) -> None:
    console.print(Text(_plural(len(rows), "session"), style="italic"))
    for row in rows:
        heading = Text(row.started.strftime("%Y-%m-%d %H:%M") + "  ", style="bold")
        heading.append_text(_status(row).split("\n")[0])
        console.print(heading)
        console.print(Text("  " + row.routine_name), no_wrap=True, overflow="ellipsis")
        details = f"  {minutes_of(row.done_seconds, row.planned_seconds)}"
        if row.pain_before is not None or row.pain_after is not None:
            details += f" · pain {_pain(row.pain_before, row.pain_after)}"
        if row.source == "log":
            details += " · logged"
        console.print(Text(details, style="dim"), no_wrap=True, overflow="ellipsis")
        if row.stop_signal is not None:
            # Its own line, so the reason for stopping is never cut short.
            console.print(Text(f"  stopped for: {_words(row.stop_signal.value)}", style="red"))


def render_history(console: Console, records: Sequence[SessionRecord]) -> None:
    """Print the sessions newest first: when, routine, how it ended, minutes and pain."""
    rows = history_rows(records)
    if not rows:
        console.print(Text(EMPTY))
        return
    if console.width >= HISTORY_WIDE:
        _history_table(console, rows)
    else:
        _history_list(console, rows)


# ---- stats --------------------------------------------------------------------------------


def _headline(console: Console, stats: Stats) -> None:
    streak, week, totals = stats.streak, stats.this_week, stats.totals
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("Streak", f"{_plural(streak.current, 'day')} (longest {streak.longest})")
    today = stats.heatmap.weeks[-1][stats.today.weekday()]
    if streak.current and not today.level:
        grid.add_row("", Text("Stretch today to keep it.", style="dim"))
    grid.add_row("This week", f"{_plural(week.sessions, 'session')} · {minutes(week.seconds)}")
    grid.add_row("In all", f"{_plural(totals.sessions, 'session')} · {minutes(totals.seconds)}")
    grid.add_row("Days", f"{totals.days} with stretching")
    console.print(grid)


def _weeks_table(console: Console, weeks: Sequence[WeekSummary]) -> None:
    wide = console.width >= WIDE
    table = Table(
        title=f"Last {len(weeks)} weeks",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("week of" if wide else "week", no_wrap=True)
    table.add_column("sessions" if wide else "sess.", justify="right", no_wrap=True)
    table.add_column("stretching" if wide else "time", justify="right", no_wrap=True)
    table.add_column("pain before" if wide else "before", justify="right", no_wrap=True)
    table.add_column("pain after" if wide else "after", justify="right", no_wrap=True)
    for week in weeks:
        table.add_row(
            _short_day(week.start),
            str(week.sessions),
            minutes(week.seconds),
            NONE if week.pain_before is None else _number(week.pain_before),
            NONE if week.pain_after is None else _number(week.pain_after),
        )
    console.print(table)


def _month_labels(mondays: Sequence[date]) -> str:
    # A month is named above the week holding its 1st, as a contribution graph does; the first
    # column is named too when the next label leaves room for it.
    starts = []
    for column, monday in enumerate(mondays):
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if day.day == 1:
                starts.append((column, day.month))
    if not starts or starts[0][0] >= len(MONTHS[0]) + 1:
        starts.insert(0, (0, mondays[0].month))
    line = [" "] * len(mondays)
    free_from = 0
    for column, month in starts:
        label = MONTHS[month - 1]
        if column < free_from or column + len(label) > len(mondays):
            continue
        line[column : column + len(label)] = label
        free_from = column + len(label) + 1
    return "".join(line).rstrip()


def _heatmap(console: Console, heatmap: Heatmap) -> None:
    label_width = len(WEEKDAYS[0]) + 1
    shown = max(1, min(len(heatmap.weeks), console.width - label_width))
    weeks = heatmap.weeks[-shown:]
    console.print(Text(f"Consistency — last {shown} weeks", style="bold"))
    months = _month_labels([week[0].day for week in weeks])
    console.print(Text(" " * label_width + months), no_wrap=True, overflow="crop")
    for weekday, name in enumerate(WEEKDAYS):
        row = Text(name.ljust(label_width), style="dim")
        for week in weeks:
            cell = week[weekday]
            if cell.future:
                row.append(" ")
            else:
                row.append(HEAT_GLYPHS[cell.level], style=HEAT_STYLES[cell.level])
        console.print(row, no_wrap=True, overflow="crop")
    legend = Text("less ", style="dim")
    for level, glyph in enumerate(HEAT_GLYPHS):
        legend.append(glyph, style=HEAT_STYLES[level])
        legend.append(" ")
    legend.append("more", style="dim")
    console.print(legend)
    low, middle, high = HEAT_LEVEL_MINUTES
    console.print(
        Text(
            f"{HEAT_GLYPHS[1]} <{low}  {HEAT_GLYPHS[2]} <{middle}  {HEAT_GLYPHS[3]} <{high}  "
            f"{HEAT_GLYPHS[4]} {high}+ minutes a day",
            style="dim",
        )
    )


def _spark(value: float | None) -> str:
    if value is None:
        return NO_RATING
    return SPARKS[_half_up(max(0.0, min(10.0, value)) / 10 * (len(SPARKS) - 1))]


def _pain_chart(console: Console, weeks: Sequence[WeekSummary]) -> None:
    console.print(Text("Pain before / after, weekly (0-10)", style="bold"))
    rated = [w for w in weeks if w.pain_before is not None or w.pain_after is not None]
    if not rated:
        console.print(Text(f"No pain ratings in the last {len(weeks)} weeks.", style="dim"))
        return
    available = max(1, console.width - PAIN_LABEL_WIDTH)
    weeks = weeks[-available:]
    cell = next(width for width in (3, 2, 1) if width * len(weeks) <= available or width == 1)
    for name, style, values in (
        ("before", "yellow", [w.pain_before for w in weeks]),
        ("after", "cyan", [w.pain_after for w in weeks]),
    ):
        row = Text(name.ljust(PAIN_LABEL_WIDTH))
        for value in values:
            bar = _spark(value) * max(1, cell - 1)
            row.append(bar, style=style if value is not None else "dim")
            row.append(" " * (cell - len(bar)))
        console.print(row, no_wrap=True, overflow="crop")
    first, last = _short_day(weeks[0].start), _short_day(weeks[-1].start)
    span = len(weeks) * cell
    axis = first + last.rjust(span - len(first)) if span > len(first) + len(last) else first
    console.print(Text(" " * PAIN_LABEL_WIDTH + axis, style="dim"), no_wrap=True, overflow="crop")
    console.print(
        Text(f"{SPARKS[0]} 0 none  {SPARKS[-1]} 10 worst  {NO_RATING} no rating", style="dim")
    )
    latest = rated[-1]
    summary = Text(f"Week of {_short_day(latest.start)}: ")
    summary.append(_pain(latest.pain_before, latest.pain_after))
    console.print(summary)


def _signed(value: float) -> str:
    return f"{value:+.1f}" if value != int(value) else f"{int(value):+d}"


def _psfs(console: Console, psfs: PsfsTrend) -> None:
    console.print(Text("Activity check-ins", style="bold"))
    console.print(Text("0 can't do it … 10 as well as before", style="dim"))
    points = psfs.points[-PSFS_SHOWN:]
    if len(points) < len(psfs.points):
        console.print(Text(f"last {len(points)} of {len(psfs.points)}", style="dim"))
    for point in points:
        filled = _half_up(point.mean)
        line = Text(f"{_short_day(point.day):>6}  {point.mean:4.1f}  ")
        line.append("█" * filled, style="green")
        line.append("·" * (10 - filled), style="dim")
        console.print(line)
    if psfs.change is None:
        console.print(Text("One check-in so far; the next one shows the change.", style="dim"))
        return
    direction = "easier" if psfs.change > 0 else "harder" if psfs.change < 0 else "no change"
    console.print(Text(f"Since the first: {_signed(psfs.change)} ({direction})"))
    if psfs.beyond_mdc:
        note = f"{PSFS_MEAN_MDC}+ points: more than the usual wobble"
    else:
        note = f"Under {PSFS_MEAN_MDC} points: within the usual wobble"
    console.print(Text(note, style="dim"))
    if psfs.activities:
        console.print(Text(f"Per activity (clear at {PSFS_ACTIVITY_MDC}+ points):", style="dim"))
    for activity in psfs.activities:
        line = Text(f"  {activity.name}: {activity.first} → {activity.latest} ")
        line.append(f"({activity.change:+d}{', clear' if activity.beyond_mdc else ''})")
        console.print(line)


def render_stats(console: Console, stats: Stats) -> None:
    """Print the streak, the weekly table, the year heatmap, the pain chart and the PSFS trend."""
    if stats.totals.recorded == 0:
        console.print(Text(EMPTY))
    else:
        _headline(console, stats)
        console.print()
        _weeks_table(console, stats.weeks)
        console.print()
        _heatmap(console, stats.heatmap)
        console.print()
        _pain_chart(console, stats.weeks)
    if stats.psfs.points:
        console.print()
        _psfs(console, stats.psfs)
