"""Printing a routine: the handout of exactly the routine `plan` would give today.

Today's plan, a saved routine, a routine file or a preset go through `plan_today`, so the
handout shows the same stretches, ways and doses as the plan page, the terminal and the player,
after the same safety rules. Safety decides as it does for the player: a block, or a screening
that is missing, unfinished or over a week old, raises `Blocked` and nothing is printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backstretch.core.safety import GateStatus
from backstretch.services.errors import Blocked, Invalid
from backstretch.services.planning import PlanChoice, plan_today

if TYPE_CHECKING:
    from backstretch.render.pdf import Paper
    from backstretch.services.context import PersonContext

# Why a screening that lets a routine be planned does not let it be printed yet: a handout is a
# session done away from the app, so it waits for the same weekly check as the player.
NOT_SCREENED = {
    GateStatus.MISSING: "no safety screening on file yet: answer the safety questions first",
    GateStatus.INCOMPLETE: "some safety questions are still unanswered: answer them first",
    GateStatus.STALE: "your last safety check is over a week old: answer the questions again first",
}


@dataclass(frozen=True)
class Handout:
    """A routine's printable handout: its name and the PDF."""

    name: str
    pdf: bytes

    @property
    def filename(self) -> str:
        """Return a file name for the PDF made from the routine's name, e.g.
        'handout-basic-daily-routine.pdf'."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:60].strip("-")
        return f"handout-{slug or 'routine'}.pdf"


def paper_size(paper: str) -> Paper:
    """Return `paper` as a paper size ("a4" or "letter", any case), or raise `Invalid`."""
    from backstretch.render.pdf import PAPERS  # Jinja2 loads only when a handout is made

    wanted = paper.strip().lower()
    for known in PAPERS:
        if wanted == known:
            return known
    raise Invalid(f"paper: '{paper}' is not a paper size; use a4 or letter", field="paper")


def handout_pdf(
    person: PersonContext, choice: PlanChoice = PlanChoice(), *, paper: str = "a4", link: str
) -> Handout:
    """Plan the routine `choice` asks for, as `plan` would, and return its handout on `paper`
    with `link` (where the routine can be opened) printed and as a QR code.

    Raises `Invalid` for a bad paper size or a routine with no stretch, `NotFound` for an unknown
    saved routine, and `Blocked`, with the advice, when safety does not allow a session now.
    """
    size = paper_size(paper)
    today = plan_today(person, choice)  # a safety block raises Blocked with its advice
    gate = today.outcome.gate
    if not gate.may_play:
        message = NOT_SCREENED.get(gate.status, "safety does not allow a session now")
        raise Blocked(message, verdict=gate.verdict.value if gate.verdict else None)
    plan = today.plan
    if not plan.items:
        raise Invalid(f"nothing to print: no stretch of '{today.name}' fits today", field="routine")
    from backstretch.render.handout import handout_pdf as draw

    pdf = draw(
        plan.routine,
        title=today.name,
        link=link,
        guide=person.guide,
        emergency_number=person.emergency_number,
        paper=size,
        pregnant=any(r.value == "pregnant" for r in today.outcome.restrictions),
        settings=today.settings,
        day=choice.on or person.today(),
    )
    return Handout(name=today.name, pdf=pdf)
