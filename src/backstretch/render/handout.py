"""The printable handout of a routine: what to do, how much, when to stop, and a month to tick.

One page or two (a 10-minute routine fits on two sides of A4 or Letter): for each stretch its
figure for the planned way, the set-up and movement in short steps, the dose and sides, how to
breathe, and the stretch's own stop signs; then how it should feel, how often, the stop signals
and the emergency advice (the screening's own wording, with the person's emergency number), a
four-week tick grid, and a QR code with the link back to the routine printed under it.

Drawn by WeasyPrint (it reuses Jinja2 templates and our SVG figures as they are, and embeds the
subset of the fonts it uses) with the QR code from segno (pure Python, no dependencies, SVG out).
Pure: it takes core values (routine items, the screening's wording) and a link, never a person
or a database, so a shared routine prints the same way as a person's own:

    pdf = handout_pdf(plan.routine, title="Morning", link="https://example.org/r/abc",
                      guide=guide, emergency_number="999", paper="letter")
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from markupsafe import Markup

from backstretch.core.plan_words import dose_words, sides_words
from backstretch.core.safety import StopSignal, stop_signals_for
from backstretch.core.screening import ScreeningGuide
from backstretch.core.timeline import RoutineItem, TimelineSettings, routine_seconds
from backstretch.render.figures import still_svg
from backstretch.render.pdf import PAPERS, Paper, render_html, write_pdf

TEMPLATE = "handout.html"

# How often, until a schedule says otherwise: every day, because the programme puts regular
# practice before long sessions and suggests a short routine daily (002_037d46966b935319.txt;
# the education page `consistency` says the same). A schedule passes its own sentence.
HOW_OFTEN = (
    "Once a day, every day if you can: a few minutes daily does more than a long session "
    "once in a while (source 002)."
)
WEEKS = 4
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Drawings up to this wide for their height stand beside the text (see `_stretch_view`).
NARROW_FIGURE = 2.6
_VIEW_BOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
# The player's own signal (pain rated against the start) means nothing on paper.
PAPER_SIGNALS = frozenset(StopSignal) - {StopSignal.PAIN_RISING}


class HandoutError(ValueError):
    """A handout cannot be made from these values (no stretch, an unknown paper size)."""


def handout_pdf(
    items: Sequence[RoutineItem],
    *,
    title: str,
    link: str,
    guide: ScreeningGuide,
    emergency_number: str,
    paper: Paper = "a4",
    how_often: str = HOW_OFTEN,
    pregnant: bool = False,
    settings: TimelineSettings | None = None,
    day: date | None = None,
) -> bytes:
    """Return the handout of a routine as PDF bytes on `paper` ("a4" or "letter").

    `items` are the routine's stretches in order (each done its planned way, at its dose);
    `link` is where the routine lives (printed, and as a QR code); `how_often` is one sentence
    (a schedule's, when there is one); `pregnant` adds the pregnancy warning signs; `settings`
    time the routine; `day` is the day it was planned for (doses change as a person
    progresses), left out for a routine that is not planned for anyone. Raises `HandoutError`
    for no items or another paper.
    """
    if paper not in PAPERS:
        raise HandoutError(f"paper: '{paper}' is not a paper size; use {' or '.join(PAPERS)}")
    html = handout_html(
        items,
        title=title,
        link=link,
        guide=guide,
        emergency_number=emergency_number,
        how_often=how_often,
        pregnant=pregnant,
        settings=settings,
        day=day,
    )
    return write_pdf(html, paper=paper)


def handout_html(
    items: Sequence[RoutineItem],
    *,
    title: str,
    link: str,
    guide: ScreeningGuide,
    emergency_number: str,
    how_often: str = HOW_OFTEN,
    pregnant: bool = False,
    settings: TimelineSettings | None = None,
    day: date | None = None,
) -> str:
    """Return the handout as HTML with its own print stylesheet (see `handout_pdf`)."""
    if not items:
        raise HandoutError("no stretch in this routine: there is nothing to print")
    seconds = routine_seconds(items, settings or TimelineSettings())

    def filled(text: str) -> str:
        return " ".join(text.replace("{emergency_number}", emergency_number).split())

    emergency = guide.advice["emergency"]
    shown = set(stop_signals_for(pregnant=pregnant)) & PAPER_SIGNALS
    return render_html(
        TEMPLATE,
        title=title,
        link=link,
        qr=Markup(qr_svg(link)),
        count=len(items),
        day=f"{day:%A} {day.day} {day:%B %Y}" if day else None,
        minutes=max(1, round(seconds / 60)),
        places=list(dict.fromkeys(item.way.words for item in items)),
        equipment=list(dict.fromkeys(e.value for item in items for e in item.way.equipment)),
        stretches=[_stretch_view(number, item) for number, item in enumerate(items, 1)],
        reminder=filled(guide.session_reminder),
        how_often=how_often,
        signals=[
            {"label": text.label, "advice": filled(text.advice)}
            for text in guide.stop_signals
            if text.id in shown
        ],
        emergency_title=filled(emergency["title"]),
        # The screening's actions for a sign that cannot wait, but the one that speaks of the
        # answers to its questions: on paper there are none.
        emergency_actions=[
            filled(action) for action in emergency.get("actions", ()) if "answer" not in action
        ],
        emergency_number=emergency_number,
        weeks=WEEKS,
        weekdays=WEEKDAYS,
    )


def _stretch_view(number: int, item: RoutineItem) -> dict[str, Any]:
    stretch, way = item.stretch, item.way
    figure = still_svg(stretch, way=way)
    box = _VIEW_BOX.search(figure)
    width, height = (float(box.group(1)), float(box.group(2))) if box else (1.0, 1.0)
    return {
        "number": number,
        "name": stretch.name,
        "dose": dose_words(item),
        "sides": sides_words(item),
        "where": way.words,
        "equipment": [e.value for e in way.equipment],
        # Our own renderer's SVG from validated data, every text in it escaped.
        "figure": Markup(figure),
        # A narrow drawing (one or two people sitting or standing) leaves room for the name and
        # the first steps beside it; a wide one (lying down, three poses) takes the column.
        "beside": width / height <= NARROW_FIGURE,
        "setup": way.setup,
        "movement": (*stretch.movement_of(way), *stretch.steps.finish),
        "breath": stretch.breath,
        "stop_if": stretch.stop_if,
    }


def qr_svg(link: str) -> str:
    """Return `link` as a QR code: an SVG element sized by its viewBox, for a page to scale.

    Error correction level M keeps a creased or smudged print readable.
    """
    import segno

    code = segno.make(link, error="m")
    svg: str = code.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff")
    return svg
