"""Presets and routine files: fixed lists of stretches with doses, validated strictly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from backstretch.core.catalogue import (
    Catalogue,
    CatalogueError,
    Source,
    UnknownStretchError,
)
from backstretch.core.models import MAX_HOLD_SECONDS, MAX_SETS, MIN_HOLD_SECONDS, Kind, Place
from backstretch.core.planner import Plan, Request, Strategy
from backstretch.core.timeline import default_dose

ITEM_KEYS = {"stretch", "way", "hold_seconds", "reps", "sets"}


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


def parse_items(items: Any, catalogue: Catalogue, *, origin: str) -> tuple[Request, ...]:
    """Validate a list of `{stretch, hold_seconds?, reps?, sets?}` against the catalogue."""
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
            dose = replace(dose, reps=_whole(item["reps"], f"{where}.reps", 1, 40, origin))
        if "sets" in item:
            dose = replace(dose, sets=_whole(item["sets"], f"{where}.sets", 1, MAX_SETS, origin))
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
    if unknown := sorted(set(document) - {"name", "items", "notes"}):
        raise CatalogueError(origin, unknown[0], "unknown field")
    name = document.get("name", "My routine")
    if not isinstance(name, str) or not name.strip():
        raise CatalogueError(origin, "name", "expected a short name")
    return name, parse_items(document.get("items"), catalogue, origin=origin)


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
