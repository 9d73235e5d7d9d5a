"""Presets and routine files: fixed lists of stretches with doses, validated strictly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from backstretch.core.catalogue import (
    Catalogue,
    CatalogueError,
    Source,
    Stretch,
    UnknownStretchError,
)
from backstretch.core.models import MAX_HOLD_SECONDS, MAX_SETS, MIN_HOLD_SECONDS, Kind, Place
from backstretch.core.planner import Plan, Request, Strategy
from backstretch.core.timeline import default_dose

# The most repetitions any item may have (the catalogue's own limit).
MAX_REPS = 40
ITEM_KEYS = {"stretch", "way", "hold_seconds", "reps", "sets", "note"}
# What a routine file may hold at the top: `stretches` are the own stretches a shared routine
# brings along (checked, and added to a catalogue, by whoever reads it: see services/sharing.py).
ROUTINE_KEYS = {"name", "items", "notes", "stretches"}
# A note on one stretch ("keep the knee soft"): one short line of plain text.
MAX_NOTE_LENGTH = 200


@dataclass(frozen=True)
class Preset:
    """A named routine: profile defaults plus either fixed items or a selection strategy."""

    id: str
    name: str
    summary: str
    source: Source
    profile: Mapping[str, Any]
    requests: tuple[Request, ...] | None = None
    strategy: Strategy | None = None


def _whole(value: Any, field: str, low: int, high: int, origin: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogueError(origin, field, f"expected a whole number, not {value!r}")
    if not low <= value <= high:
        raise CatalogueError(origin, field, f"must be {low}-{high}, not {value}")
    return value


@dataclass(frozen=True)
class DoseRange:
    """The doses a stretch may be given (inclusive): its own ranges, else the general limits.

    `hold` is None for a stretch done in reps.
    """

    hold: tuple[int, int] | None
    reps: tuple[int, int]
    sets: tuple[int, int]


def dose_range(stretch: Stretch) -> DoseRange:
    """Return the doses the sources allow for `stretch` (what a routine builder may choose)."""
    dose = stretch.dose
    hold = None
    if stretch.kind is Kind.HOLD:
        hold = (
            (dose.hold_range.min, dose.hold_range.max)
            if dose.hold_range
            else (MIN_HOLD_SECONDS, MAX_HOLD_SECONDS)
        )
    reps = (dose.reps_range.min, dose.reps_range.max) if dose.reps_range else (1, MAX_REPS)
    sets = (dose.sets_range.min, min(dose.sets_range.max, MAX_SETS))
    return DoseRange(hold=hold, reps=reps, sets=sets)


def clean_note(value: Any, *, field: str, origin: str) -> str:
    """Return a note as one plain line (spaces collapsed), or raise `CatalogueError` saying why."""
    if not isinstance(value, str):
        raise CatalogueError(origin, field, "expected a short line of text")
    cleaned = " ".join(value.split())
    if len(cleaned) > MAX_NOTE_LENGTH:
        raise CatalogueError(origin, field, f"a note has at most {MAX_NOTE_LENGTH} characters")
    if any(not character.isprintable() for character in cleaned):
        raise CatalogueError(origin, field, "a note cannot hold control characters")
    return cleaned


def _in_range(value: int, bounds: tuple[int, int], unit: str, field: str, origin: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise CatalogueError(origin, field, f"choose {low}-{high} {unit}, not {value}")


def parse_items(
    items: Any, catalogue: Catalogue, *, origin: str, within_ranges: bool = False
) -> tuple[Request, ...]:
    """Validate a list of `{stretch, way?, hold_seconds?, reps?, sets?, note?}` against the
    catalogue.

    Doses must lie within the general limits; with `within_ranges`, within each stretch's own
    ranges too (`dose_range`: what a routine builder offers). Notes are checked here and read
    with `item_notes`.
    """
    if not isinstance(items, list) or not items:
        raise CatalogueError(origin, "items", "expected a non-empty list of stretches")
    requests = []
    for index, item in enumerate(items):
        where = f"items.{index}"
        if not isinstance(item, dict):
            raise CatalogueError(origin, where, "expected a mapping with at least 'stretch'")
        if unknown := sorted(set(item) - ITEM_KEYS):
            raise CatalogueError(origin, f"{where}.{unknown[0]}", "unknown field")
        stretch_id = item.get("stretch")
        if not isinstance(stretch_id, str):
            raise CatalogueError(origin, f"{where}.stretch", "expected a stretch id")
        try:
            stretch = catalogue.get(stretch_id)
        except UnknownStretchError as error:
            raise CatalogueError(origin, f"{where}.stretch", str(error)) from None
        dose = default_dose(stretch)
        if "hold_seconds" in item:
            if stretch.kind is not Kind.HOLD:
                raise CatalogueError(
                    origin, f"{where}.hold_seconds", f"{stretch_id} is done in reps, not held"
                )
            hold = _whole(
                item["hold_seconds"],
                f"{where}.hold_seconds",
                MIN_HOLD_SECONDS,
                MAX_HOLD_SECONDS,
                origin,
            )
            dose = replace(dose, hold_seconds=hold)
        if "reps" in item:
            dose = replace(dose, reps=_whole(item["reps"], f"{where}.reps", 1, MAX_REPS, origin))
        if "sets" in item:
            dose = replace(dose, sets=_whole(item["sets"], f"{where}.sets", 1, MAX_SETS, origin))
        if within_ranges:
            bounds = dose_range(stretch)
            if bounds.hold is not None and dose.hold_seconds is not None:
                _in_range(dose.hold_seconds, bounds.hold, "s", f"{where}.hold_seconds", origin)
            reps = "holds" if stretch.kind is Kind.HOLD else "reps"
            _in_range(dose.reps, bounds.reps, reps, f"{where}.reps", origin)
            _in_range(dose.sets, bounds.sets, "sets", f"{where}.sets", origin)
        if "note" in item:
            clean_note(item["note"], field=f"{where}.note", origin=origin)
        way = None
        if "way" in item:
            places = [w.place.value for w in stretch.ways]
            if item["way"] not in places:
                raise CatalogueError(
                    origin, f"{where}.way", f"{stretch_id} is done {' or '.join(places)}"
                )
            way = Place(item["way"])
        requests.append(Request(stretch_id, dose, way))
    return tuple(requests)


def parse_routine(
    document: Any, catalogue: Catalogue, *, origin: str
) -> tuple[str, tuple[Request, ...]]:
    """Validate a routine file: `{name, items: [...]}`; return its name and items."""
    if not isinstance(document, dict):
        raise CatalogueError(origin, "(file)", "expected a mapping with 'name' and 'items'")
    if unknown := sorted(set(document) - ROUTINE_KEYS):
        raise CatalogueError(origin, unknown[0], "unknown field")
    name = document.get("name", "My routine")
    if not isinstance(name, str) or not name.strip():
        raise CatalogueError(origin, "name", "expected a short name")
    return name, parse_items(document.get("items"), catalogue, origin=origin)


def item_notes(document: Any) -> tuple[str, ...]:
    """Return the note of each item of a routine document already validated ("" for none)."""
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return ()
    return tuple(
        " ".join(item["note"].split())
        if isinstance(item, dict) and isinstance(item.get("note"), str)
        else ""
        for item in items
    )


def parse_presets(document: Any, catalogue: Catalogue) -> dict[str, Preset]:
    """Validate the presets file."""
    origin = "presets.yaml"
    if not isinstance(document, list):
        raise CatalogueError(origin, "(file)", "expected a list of presets")
    presets = {}
    for index, entry in enumerate(document):
        try:
            requests = (
                parse_items(entry["items"], catalogue, origin=origin) if "items" in entry else None
            )
            strategy = Strategy(**entry["strategy"]) if "strategy" in entry else None
            preset = Preset(
                id=entry["id"],
                name=entry["name"],
                summary=entry["summary"],
                source=Source(**entry["source"]),
                profile=dict(entry["profile"]),
                requests=requests,
                strategy=strategy,
            )
        except (KeyError, TypeError) as error:
            raise CatalogueError(origin, f"{index}", f"malformed preset: {error!r}") from None
        presets[preset.id] = preset
    return presets


def routine_document(name: str, plan: Plan) -> dict[str, Any]:
    """Return a routine file's content for a plan, so it can be saved and loaded again."""
    items = []
    for planned in plan.items:
        dose = planned.item.dose
        entry: dict[str, Any] = {
            "stretch": planned.item.stretch.id,
            "way": planned.item.way.place.value,
        }
        if dose.hold_seconds is not None:
            entry["hold_seconds"] = dose.hold_seconds
        entry["reps"] = dose.reps
        entry["sets"] = dose.sets
        items.append(entry)
    return {"name": name, "items": items}


def request_items(requests: Sequence[Request], notes: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Return routine-file items for validated requests, each with its note when it has one.

    The inverse of `parse_items` (with `item_notes`): only the known fields, so a document
    written from them carries nothing but the routine.
    """
    items = []
    for index, request in enumerate(requests):
        entry: dict[str, Any] = {"stretch": request.stretch_id}
        if request.way is not None:
            entry["way"] = request.way.value
        if request.dose is not None:
            if request.dose.hold_seconds is not None:
                entry["hold_seconds"] = request.dose.hold_seconds
            entry["reps"] = request.dose.reps
            entry["sets"] = request.dose.sets
        note = notes[index] if index < len(notes) else ""
        if note:
            entry["note"] = note
        items.append(entry)
    return items
