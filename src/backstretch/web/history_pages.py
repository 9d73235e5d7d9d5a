"""Pages: the history with its charts, and one session in detail.

The figures come from the same core functions as `backstretch stats` and `backstretch history`.
The charts are SVG made by `render.charts`, inline in the page, so they show without JavaScript;
their words go through the template's own gettext, as every other string on the page does.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from backstretch.core.durations import clock, minutes, minutes_of
from backstretch.core.records import SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.core.stats import HistoryRow, history_rows
from backstretch.render.charts import (
    Calendar,
    Grouping,
    PainMark,
    PainPoint,
    Words,
    build_calendar,
    calendar_svg,
    day_words,
    latest_change,
    mark_label,
    pain_chart_svg,
    pain_points,
    pain_series,
    short_number,
)
from backstretch.services.sessions import find_session, session_history, session_stats
from backstretch.web.deps import PersonDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)


class TemplateWords:
    """The rendering template's gettext and ngettext, for the words inside a chart."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def gettext(self, message: str, /) -> str:
        """Return the message as the template's `_` translates it."""
        return str(self._context.call(self._context.resolve("gettext"), message))

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """Return the singular or plural message as the template's `ngettext` does."""
        return str(self._context.call(self._context.resolve("ngettext"), singular, plural, n))


SHOWN = 50  # sessions listed before "show them all"


def _signal_words(signal: StopSignal, words: Words) -> str:
    named = {
        StopSignal.SHARP_PAIN: words.gettext("sharp pain"),
        StopSignal.NUMBNESS_TINGLING: words.gettext("numbness or tingling"),
        StopSignal.WEAKNESS: words.gettext("weakness"),
        StopSignal.DIZZINESS_VISION: words.gettext("dizziness or a change in vision"),
        StopSignal.SPREADING: words.gettext("pain spreading down a limb"),
        StopSignal.PREGNANCY_WARNING: words.gettext("a pregnancy warning sign"),
        StopSignal.PAIN_RISING: words.gettext("pain building"),
    }
    return named.get(signal, signal.value.replace("_", " "))


def status_words(row: HistoryRow, words: Words) -> str:
    """Return how a session ended in words, with the stop signal when there was one."""
    if row.skipped:
        text = words.gettext("skipped: nothing done")
    elif row.reads_as is SessionStatus.STOPPED:
        text = words.gettext("stopped")
        if row.stop_signal is not None:
            text = words.gettext("stopped: {signal}").format(
                signal=_signal_words(row.stop_signal, words)
            )
    else:
        text = (
            words.gettext("completed")
            if row.reads_as is SessionStatus.COMPLETED
            else words.gettext("not finished")
        )
        if row.stop_signal is not None:  # "pain building" ends a stretch, not the session
            text = words.gettext("{status}; one stretch stopped: {signal}").format(
                status=text, signal=_signal_words(row.stop_signal, words)
            )
    if row.source == "log":
        text = words.gettext("{status} (logged)").format(status=text)
    return text


@pass_context
def _status(context: Context, row: HistoryRow) -> str:
    return status_words(row, TemplateWords(context))


@pass_context
def _day(context: Context, day: date) -> str:
    return day_words(day, TemplateWords(context), year=True)


@pass_context
def _pain_chart(context: Context, points: tuple[PainPoint, ...]) -> Markup:
    # Made by our own code from numbers and dates, with every text escaped.
    return Markup(pain_chart_svg(points, words=TemplateWords(context), id_prefix="pain"))


@pass_context
def _calendar_chart(context: Context, calendar: Calendar) -> Markup:
    return Markup(calendar_svg(calendar, words=TemplateWords(context), id_prefix="calendar"))


@pass_context
def _mark_label(context: Context, mark: PainMark, grouping: Grouping) -> str:
    return mark_label(mark, grouping, TemplateWords(context))


def _rating(value: float | None) -> str:
    return "–" if value is None else short_number(value)


HELPERS = {
    "day": _day,
    "status": _status,
    "number": short_number,
    "rating": _rating,
    "clock": clock,
    "minutes": minutes,
    "minutes_of": minutes_of,
}


@router.get("/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    person: PersonDep,
    show_all: Annotated[bool, Query(alias="all")] = False,
) -> Any:
    """Your sessions with the headline figures, the pain chart and the consistency calendar."""
    records = session_history(person)
    stats = session_stats(person)
    today = person.today()
    rows = history_rows(records)
    points = pain_points(records)
    return TEMPLATES.TemplateResponse(
        request,
        "history.html",
        {
            **HELPERS,
            "stats": stats,
            "rows": rows,
            "shown": rows if show_all else rows[:SHOWN],
            "points": points,
            "series": pain_series(points),
            "latest": latest_change(points),
            "calendar": build_calendar(stats.heatmap, records, today),
            "pain_chart": _pain_chart,
            "calendar_chart": _calendar_chart,
            "mark_label": _mark_label,
        },
    )


@router.get("/history/{session_uuid}", response_class=HTMLResponse)
def session_page(
    request: Request,
    session_uuid: Annotated[str, Path(max_length=60)],
    person: PersonDep,
) -> Any:
    """One session: each stretch's target next to what was done, and how it ended."""
    record = find_session(person, session_uuid)
    catalogue = person.catalogue
    stretches = {item.stretch for item in record.items}
    if record.stopped_stretch:
        stretches.add(record.stopped_stretch)
    known = {s for s in stretches if s in catalogue}
    # An own stretch removed since is shown by its id.
    names = {s: catalogue.get(s).name if s in known else s for s in stretches}
    return TEMPLATES.TemplateResponse(
        request,
        "history_session.html",
        {
            **HELPERS,
            "row": history_rows([record])[0],
            "record": record,
            "items": sorted(record.items, key=lambda item: item.position),
            "names": names,
            "known": known,
        },
    )
