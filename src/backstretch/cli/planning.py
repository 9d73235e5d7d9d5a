"""`backstretch plan`: read the options and files into a plan choice; render the plan."""

from __future__ import annotations

import os
import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.core.plan_words import clock_minutes, full_dose_words, plan_notes, summary_line
from backstretch.data import read_yaml
from backstretch.services.errors import Blocked, Invalid
from backstretch.services.planning import DEFAULT_NAME, PlanChoice, TodayPlan

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
    """Print the plan: its summary line, a table (stacked lines when narrow), and what was
    swapped or left out for safety or the setting, and why."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    outcome, plan = today.outcome, today.plan
    setting = outcome.profile.setting.value
    # A preset's or a saved routine's name, as the plan page shows it; else "Your routine".
    name = today.name if today.name != DEFAULT_NAME else "Your routine"
    title = f"{name} · {summary_line(plan.total_seconds, len(plan.items), setting)}"
    if not plan.items:
        console.print("No stretch fits: try more minutes or another setting.")
    elif console.width < NARROW_COLUMNS:
        # A phone-width terminal: one stretch in two lines, instead of a table squeezed to dots.
        # The summary on a line of its own, so that it never breaks in the middle.
        console.print(Text(name, style="bold"))
        console.print(summary_line(plan.total_seconds, len(plan.items), setting))
        for number, planned in enumerate(plan.items, 1):
            item = planned.item
            console.print(Text(f"{number}. {item.stretch.name}", style="bold"))
            console.print(
                Padding(
                    Text(f"{full_dose_words(item)} · {item.way.words}"), (0, 0, 0, 3), expand=False
                )
            )
    else:
        table = Table(title=title, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("stretch")
        table.add_column("dose")
        table.add_column("where")
        table.add_column("time", justify="right")
        for number, planned in enumerate(plan.items, 1):
            item = planned.item
            table.add_row(
                str(number),
                item.stretch.name,
                full_dose_words(item),
                item.way.words,
                clock_minutes(planned.seconds),
            )
        console.print(table)
    notes = plan_notes(plan, lambda stretch_id: catalogue.get(stretch_id).name)
    for line, details in (
        (notes.swaps, notes.swap_details),
        (notes.left_out, notes.left_out_details),
    ):
        if line:
            console.print(Text(line, style="bold"))
            bullets = Table.grid(padding=(0, 1, 0, 0))  # a wrapped line stays under its words
            bullets.add_column(style="dim")
            bullets.add_column(style="dim")
            for detail in details:
                bullets.add_row("•", f"{detail}.")
            console.print(Padding(bullets, (0, 0, 0, 2), expand=False))
    for note in plan.uncovered:
        console.print(Text(note.hint, style="yellow"))
    if outcome.screening in SCREENING_WORDS:
        console.print(Text(SCREENING_WORDS[outcome.screening], style="bold yellow"))
    if reminder:
        console.print(Text(reminder, style="italic"))


def render_blocked(console: Console, advice: dict[str, Any]) -> None:
    """Print why there is no routine today."""
    from rich.text import Text

    console.print(Text(advice["title"], style="bold red"))
    console.print(advice["text"])
    for action in advice.get("actions", []):
        console.print(f"• {action}")
