"""`backstretch plan`: assemble the profile from a file, a preset and flags; render the plan."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.core.plan_words import clock_minutes, dose_words, reason_text
from backstretch.core.planner import Plan, Request, Strategy
from backstretch.core.profile import Profile, ProfileError, parse_profile
from backstretch.core.routine import Preset, parse_routine
from backstretch.data import read_yaml
from backstretch.services.clock import local_day
from backstretch.services.planning import PlanOutcome

Fail = Callable[[str], NoReturn]


def read_document(path: Path, fail: Fail) -> Any:
    """Read a YAML (or JSON) file, failing with a message that names it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {path}: {getattr(error, 'strerror', None) or error}")
    try:
        return read_yaml(text, origin=str(path))
    except CatalogueError as error:
        fail(str(error))


def build_profile(
    *,
    file_data: dict[str, Any] | None,
    preset: Preset | None,
    flags: dict[str, Any],
    routine_items: Sequence[Request] | None,
    catalogue: Catalogue,
    fail: Fail,
    origin: str,
) -> Profile:
    """Merge the profile file, then the preset, then the flags (each overrides the one before)."""
    data: dict[str, Any] = dict(file_data or {})
    if unknown := sorted(set(data) - set(Profile.model_fields)):
        fail(f"{origin}: {unknown[0]}: unknown field")
    restrictions: Any = data.get("restrictions", [])
    if not isinstance(restrictions, list):
        fail(f"{origin}: restrictions: expected a list of restriction ids")
    restrictions = list(restrictions)
    if preset is not None:
        data.update(preset.profile)
    for key, value in flags.items():
        if value is None or value == []:
            continue
        if key == "restrictions":
            restrictions += value  # restrictions only ever add
        else:
            data[key] = value
    if restrictions:
        data["restrictions"] = restrictions
    if "pregnancy_weeks" in flags and flags["pregnancy_weeks"] is not None:
        data["restrictions"] = [*data.get("restrictions", []), "pregnant"]
    if "areas" not in data:
        if not routine_items:
            fail("say where it feels tight: --area lower_back (or a --preset, or --profile FILE)")
        regions = [r.value for req in routine_items for r in catalogue.get(req.stretch_id).regions]
        data["areas"] = list(dict.fromkeys(regions))
    try:
        return parse_profile(data)
    except ProfileError as error:
        fail(f"{origin}: {error}")


def load_routine(path: Path, catalogue: Catalogue, fail: Fail) -> tuple[str, tuple[Request, ...]]:
    """Read and validate a routine file."""
    try:
        return parse_routine(read_document(path, fail), catalogue, origin=str(path))
    except CatalogueError as error:
        fail(str(error))


def save_routine(path: Path, document: dict[str, Any]) -> None:
    """Write a routine file atomically, so a failure never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        yaml.safe_dump(document, out, sort_keys=False, allow_unicode=True)
    os.replace(temporary, path)


def local_date(now: datetime, timezone: str) -> date:
    """Return the person's local calendar day."""
    return local_day(now, timezone)


SCREENING_WORDS = {
    "missing": "No safety screening on file yet: run `backstretch screen` first.",
    "incomplete": "Your last screening has unanswered questions: run `backstretch screen` first.",
    "stale": "Your last screening is over a week old: run `backstretch screen --recheck` first.",
}


def render_plan(
    console: Console, outcome: PlanOutcome, plan: Plan, catalogue: Catalogue, reminder: str
) -> None:
    """Print the plan as a table with what was swapped or left out, and why."""
    table = Table(
        title=(
            f"Your routine · {clock_minutes(plan.total_seconds)}"
            f" of {clock_minutes(plan.budget_seconds)}"
        ),
        title_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("stretch")
    table.add_column("dose")
    table.add_column("sides")
    table.add_column("time", justify="right")
    table.add_column("why", style="dim")
    for number, planned in enumerate(plan.items, 1):
        item = planned.item
        table.add_row(
            str(number),
            item.stretch.name,
            dose_words(item),
            item.dose.sides.value,
            clock_minutes(planned.seconds),
            planned.why,
        )
    if plan.items:
        console.print(table)
    else:
        console.print("No stretch fits: try more minutes or another setting.")
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
    if outcome.screening in SCREENING_WORDS:
        console.print(Text(SCREENING_WORDS[outcome.screening], style="bold yellow"))
    console.print(Text(reminder, style="italic"))


def render_blocked(console: Console, advice: dict[str, Any]) -> None:
    """Print why there is no routine today."""
    console.print(Text(advice["title"], style="bold red"))
    console.print(advice["text"])
    for action in advice.get("actions", []):
        console.print(f"• {action}")


def strategy_of(preset: Preset | None) -> Strategy | None:
    """Return the preset's selection strategy, if any."""
    return preset.strategy if preset else None
