"""`backstretch plan`: read the options and files into a plan choice; render the plan."""

from __future__ import annotations

import os
import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.core.plan_words import clock_minutes, dose_words, reason_text, sides_words
from backstretch.data import read_yaml
from backstretch.services.errors import Blocked, Invalid
from backstretch.services.planning import PlanChoice, TodayPlan

if TYPE_CHECKING:  # Rich loads only when a plan is printed for a person, not with --json
    from rich.console import Console


def read_document(path: Path) -> Any:
    """Read a YAML (or JSON) file, or raise `Invalid` with a message that names it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Invalid(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    try:
        return read_yaml(text, origin=str(path))
    except CatalogueError as error:
        raise Invalid(str(error)) from None


def plan_choice(
    *,
    preset: str | None,
    routine: str | None,
    profile: Path | None,
    flags: dict[str, Any],
    remember: bool = False,
) -> PlanChoice:
    """Return what the options ask for; `routine` is a saved routine's name or a file."""
    routine_file = None
    if routine is not None and Path(routine).is_file():
        routine_file = read_document(Path(routine))
    return PlanChoice(
        profile=read_document(profile) if profile is not None else None,
        origin=str(profile) if profile is not None else "options",
        flags=flags,
        preset=preset,
        routine=routine,
        routine_file=routine_file,
        routine_origin=str(routine) if routine_file is not None else "",
        routine_may_be_a_file=True,
        remember=remember,
    )


def save_routine(path: Path, document: dict[str, Any]) -> None:
    """Write a routine file atomically, so a failure never leaves half a file."""
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        yaml.safe_dump(document, out, sort_keys=False, allow_unicode=True)
    os.replace(temporary, path)


def quoted(name: str) -> str:
    """Return `name` quoted for a shell, to show in a command a person can copy."""
    return shlex.quote(name)


def blocked_json(blocked: Blocked) -> dict[str, Any]:
    """Return the plan JSON of a routine safety blocks: the verdict and the advice."""
    return {"blocked": True, "verdict": blocked.verdict, "advice": blocked.advice}


NARROW_COLUMNS = 60  # below this the plan is a list, not a table

SCREENING_WORDS = {
    "missing": "No safety screening on file yet: run `backstretch screen` first.",
    "incomplete": "Your last screening has unanswered questions: run `backstretch screen` first.",
    "stale": "Your last screening is over a week old: run `backstretch screen --recheck` first.",
}


def render_plan(console: Console, today: TodayPlan, catalogue: Catalogue, reminder: str) -> None:
    """Print the plan as a table with what was swapped or left out, and why."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    outcome, plan = today.outcome, today.plan
    title = (
        f"Your routine · {clock_minutes(plan.total_seconds)}"
        f" of {clock_minutes(plan.budget_seconds)}"
    )
    if not plan.items:
        console.print("No stretch fits: try more minutes or another setting.")
    elif console.width < NARROW_COLUMNS:
        # A phone-width terminal: one stretch a few lines, instead of a table squeezed to dots.
        console.print(Text(title, style="bold"))
        for number, planned in enumerate(plan.items, 1):
            item = planned.item
            dose = " ".join(filter(None, (dose_words(item), sides_words(item))))
            heading = Text(f"{number}. {item.stretch.name}", style="bold")
            heading.append(f" · {clock_minutes(planned.seconds)}", style="none")
            console.print(heading)
            details = Text(f"{dose}, {item.way.words}\n")
            details.append(planned.why, style="dim")
            console.print(Padding(details, (0, 0, 0, 3)))
    else:
        table = Table(title=title, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("stretch")
        table.add_column("dose")
        table.add_column("where")
        table.add_column("time", justify="right")
        table.add_column("why", style="dim")
        for number, planned in enumerate(plan.items, 1):
            item = planned.item
            table.add_row(
                str(number),
                item.stretch.name,
                " ".join(filter(None, (dose_words(item), sides_words(item)))),
                item.way.words,
                clock_minutes(planned.seconds),
                planned.why,
            )
        console.print(table)
    for swap in plan.swaps:
        reasons = reason_text([r.to_json() for r in swap.reasons])
        console.print(
            f"Swapped {catalogue.get(swap.from_id).name} for {catalogue.get(swap.to_id).name}: "
            f"{reasons}."
        )
    for exclusion in plan.excluded:
        if all(r.kind.value == "time" for r in exclusion.reasons):
            continue
        reasons = reason_text([r.to_json() for r in exclusion.reasons])
        console.print(f"Left out {catalogue.get(exclusion.stretch).name}: {reasons}.")
    for note in plan.uncovered:
        console.print(Text(note.hint, style="yellow"))
    if outcome.screening in SCREENING_WORDS:
        console.print(Text(SCREENING_WORDS[outcome.screening], style="bold yellow"))
    console.print(Text(reminder, style="italic"))


def render_blocked(console: Console, advice: dict[str, Any]) -> None:
    """Print why there is no routine today."""
    from rich.text import Text

    console.print(Text(advice["title"], style="bold red"))
    console.print(advice["text"])
    for action in advice.get("actions", []):
        console.print(f"• {action}")
