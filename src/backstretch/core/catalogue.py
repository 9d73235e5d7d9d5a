"""The stretch catalogue: its schema, its validation, and look-ups over it.

Every entry is validated once, when the catalogue is built, with strict types: a malformed or
inconsistent entry fails with one message that names the file and the field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from backstretch.core.models import (
    MAX_HOLD_SECONDS,
    MAX_SETS,
    MIN_HOLD_SECONDS,
    PLACE_POSITIONS,
    Equipment,
    Kind,
    Level,
    Movement,
    Place,
    Position,
    Region,
    Sides,
    place_of,
)
from backstretch.core.poses import Figure, Phase
from backstretch.core.validation import InvalidData, validate_strict

STRETCH_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
OWN_PREFIX = "my-"
# A fact is taken from one of the five seed articles, or from the project's clinical research brief.
SOURCE_FILE = r"^(\d{3}_[0-9a-f]{16}\.txt|research/clinical\.md)$"

ShortText = Annotated[str, Field(min_length=1, max_length=400)]
Seconds = Annotated[int, Field(ge=0, le=20)]


class _Strict(BaseModel):
    # Validators are built on first use (defer_build): a command that reads the compiled
    # catalogue never validates most of these models, and building them all cost ~30 ms.
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", defer_build=True)


class Tempo(_Strict):
    """Seconds for one repetition: breathe in, breathe out, then rest at the end of the movement."""

    inhale: Annotated[int, Field(ge=1, le=10)]
    exhale: Annotated[int, Field(ge=1, le=10)]
    hold: Seconds = 0

    @property
    def seconds(self) -> int:
        """Return the length of one repetition."""
        return self.inhale + self.exhale + self.hold


class IntRange(_Strict):
    """An inclusive range the sources allow, used when a dose is raised or eased."""

    min: Annotated[int, Field(ge=1)]
    max: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def clamp(self, value: int) -> int:
        """Return `value` moved inside the range."""
        return max(self.min, min(self.max, value))


class Dose(_Strict):
    """How much of a stretch to do by default, and the range the sources allow.

    A hold is `hold_seconds` long and repeated `reps` times on each side in each set; a reps stretch
    repeats its `tempo` `reps` times. "Hold 5 s, repeat 20 times" is reps with a 5 s end hold.
    """

    hold_seconds: Annotated[int, Field(ge=MIN_HOLD_SECONDS, le=MAX_HOLD_SECONDS)] | None = None
    reps: Annotated[int, Field(ge=1, le=40)] = 1
    sets: Annotated[int, Field(ge=1, le=MAX_SETS)] = 1
    sides: Sides = Sides.BILATERAL
    tempo: Tempo | None = None
    hold_range: IntRange | None = None
    reps_range: IntRange | None = None
    sets_range: IntRange = IntRange(min=1, max=MAX_SETS)
    choice: ShortText = Field(description="Which default was chosen among the sources, and why.")

    @model_validator(mode="after")
    def _ranges_hold_defaults(self) -> Self:
        if self.hold_range is not None:
            if self.hold_range.min < MIN_HOLD_SECONDS or self.hold_range.max > MAX_HOLD_SECONDS:
                raise ValueError(
                    f"hold_range must stay within {MIN_HOLD_SECONDS}-{MAX_HOLD_SECONDS} s"
                )
            if self.hold_seconds is not None and self.hold_range.clamp(self.hold_seconds) != (
                self.hold_seconds
            ):
                raise ValueError("hold_seconds lies outside hold_range")
        if self.reps_range is not None and self.reps_range.clamp(self.reps) != self.reps:
            raise ValueError("reps lies outside reps_range")
        if self.sets_range.max > MAX_SETS:
            raise ValueError(f"sets_range may not go past {MAX_SETS}")
        if self.sets_range.clamp(self.sets) != self.sets:
            raise ValueError("sets lies outside sets_range")
        return self


class Steps(_Strict):
    """Short instructions for the movement itself; getting set up belongs to each way."""

    movement: Annotated[tuple[ShortText, ...], Field(min_length=1)]
    finish: Annotated[tuple[ShortText, ...], Field(min_length=1)]


class SideWords(_Strict):
    """A few words that say which side is working, e.g. "right leg back", for each side.

    The steps are written for one side (`first`); the other side is their mirror image.
    """

    left: Annotated[str, Field(min_length=1, max_length=40)]
    right: Annotated[str, Field(min_length=1, max_length=40)]
    # The side the set-up and movement steps are written for: the session starts there.
    first: Literal["left", "right"] = "right"


class Way(_Strict):
    """One way of doing a stretch: where, in which position, with what, and how to set up.

    The safety rules act on a way's movement tags (SCREENING.md: tags belong to a way), so the
    same stretch can be ruled out on the floor and allowed on a bed.
    """

    place: Place
    position: Position
    equipment: tuple[Equipment, ...] = ()
    movements: tuple[Movement, ...] = Field(
        description="Every movement tag of SCREENING.md that applies to this way."
    )
    setup: Annotated[tuple[ShortText, ...], Field(min_length=1)]
    # The movement in this way's own words, when it differs from the stretch's (lying with a
    # towel or sitting on a chair's edge); None: the stretch's `steps.movement`.
    movement: Annotated[tuple[ShortText, ...], Field(min_length=1)] | None = None
    # A way without a figure of its own is drawn from the first way's figure, re-seated for
    # its place (render/ways.py).
    figure: Figure | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.position not in PLACE_POSITIONS[self.place]:
            raise ValueError(f"position {self.position} does not fit place {self.place}")
        tags = set(self.movements)
        if len(tags) != len(self.movements):
            raise ValueError("movements lists a tag twice")
        if missing := sorted(_tags_implied_by(self.place, self.position) - tags):
            raise ValueError(
                f"movements must include {', '.join(missing)} for {self.position} "
                f"on the {self.place.value.replace('_', ' ')}"
            )
        if Movement.FLOOR in tags and self.place is not Place.FLOOR:
            raise ValueError("movements: only a way on the floor is `floor`")
        if Equipment.CHAIR in self.equipment and self.place is Place.BED_EDGE:
            raise ValueError("equipment: sitting on the edge of a bed needs no chair")
        return self

    @property
    def words(self) -> str:
        """Return the way in a few plain words, e.g. "on the edge of a bed"."""
        return PLACE_WORDS[self.place]


PLACE_WORDS: Mapping[Place, str] = {
    Place.STANDING: "standing",
    Place.CHAIR: "on a chair",
    Place.BED_EDGE: "on the edge of a bed",
    Place.FLOOR: "on the floor",
    Place.BED: "on a bed",
}


class Variants(_Strict):
    """Links to related stretches by id."""

    easier: tuple[str, ...] = ()
    harder: tuple[str, ...] = ()
    # The same aim in another position (a chair, standing or side-lying version).
    alternatives: tuple[str, ...] = ()

    def all_ids(self) -> tuple[str, ...]:
        """Return every linked id."""
        return self.easier + self.harder + self.alternatives


class Source(_Strict):
    """One fact and where it comes from: a seed article or the research brief (`file`), a public
    page or paper (`url`, with its `publisher`), or the person who gave the stretch."""

    fact: ShortText
    file: Annotated[str, Field(pattern=SOURCE_FILE)] | None = None
    url: Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=300)] | None = None
    publisher: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    given_by: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _has_origin(self) -> Self:
        if self.file is None and self.given_by is None and self.url is None:
            raise ValueError("a source needs a file, a url or a given_by")
        if (self.url is None) != (self.publisher is None):
            raise ValueError("a url and its publisher go together")
        return self

    @property
    def origin(self) -> str:
        """Return where the fact comes from, in a few words."""
        if self.file is not None:
            return self.file
        if self.url is not None:
            return f"{self.publisher}: {self.url}"
        return f"given by {self.given_by}"


class Stretch(_Strict):
    """One stretch of the catalogue, with its dose and its cautions as data."""

    id: Annotated[str, Field(pattern=STRETCH_ID, max_length=60)]
    name: Annotated[str, Field(min_length=1, max_length=80)]
    aliases: tuple[Annotated[str, Field(min_length=1, max_length=80)], ...] = ()
    summary: ShortText
    regions: Annotated[tuple[Region, ...], Field(min_length=1)]
    kind: Kind
    level: Level
    dose: Dose
    ways: Annotated[tuple[Way, ...], Field(min_length=1)] = Field(
        description="Every way of doing the stretch, the usual one first; one way per place."
    )
    steps: Steps
    breath: Annotated[tuple[ShortText, ...], Field(min_length=1)]
    # For a stretch done one side at a time: how the player names each side (else "left side").
    side_words: SideWords | None = None
    form_cues: Annotated[tuple[ShortText, ...], Field(min_length=1)]
    mistakes: Annotated[tuple[ShortText, ...], Field(min_length=1)]
    modifications: tuple[ShortText, ...] = ()
    stop_if: Annotated[tuple[ShortText, ...], Field(min_length=1)]
    variants: Variants = Variants()
    variant_of: Annotated[str, Field(pattern=STRETCH_ID)] | None = None
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]

    @field_validator("ways")
    @classmethod
    def _ways_fit_kind(cls, ways: tuple[Way, ...], info: ValidationInfo) -> tuple[Way, ...]:
        places = [way.place for way in ways]
        if len(set(places)) != len(places):
            raise ValueError("two ways share a place")
        # A hold's timeline only has getting ready and steady breathing: a keyframe for the in- or
        # out-breath would never be shown.
        for number, way in enumerate(ways):
            if way.figure is None or info.data.get("kind") is not Kind.HOLD:
                continue
            for index, frame in enumerate(way.figure.keyframes):
                if frame.phase in (Phase.INHALE, Phase.EXHALE):
                    raise ValueError(
                        f"{number}.figure.keyframes.{index}.phase: a hold is drawn getting ready "
                        f"(none) and holding (steady), never {frame.phase}"
                    )
        return ways

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        dose = self.dose
        if self.kind is Kind.HOLD:
            if dose.hold_seconds is None:
                raise ValueError("dose.hold_seconds is required for a hold")
            if dose.tempo is not None:
                raise ValueError("dose.tempo is for reps, not for a hold")
        else:
            if dose.tempo is None:
                raise ValueError("dose.tempo is required for reps")
            if dose.hold_seconds is not None:
                raise ValueError("dose.hold_seconds is for a hold; use tempo.hold for reps")
        if dose.sides is Sides.ALTERNATING and self.kind is Kind.HOLD:
            raise ValueError("dose.sides alternating needs kind reps")
        if self.side_words is not None and dose.sides is Sides.BILATERAL:
            raise ValueError("side_words: a stretch done on both sides at once has no side")
        if len(set(self.regions)) != len(self.regions):
            raise ValueError("regions lists a region twice")
        if self.id in self.variants.all_ids() or self.variant_of == self.id:
            raise ValueError("a stretch cannot be its own variant")
        return self

    @property
    def usual_way(self) -> Way:
        """Return the way listed first: the one shown when no setting has picked another."""
        return self.ways[0]

    @property
    def figure(self) -> Figure | None:
        """Return the drawing of the usual way (the first way that has one)."""
        return next((way.figure for way in self.ways if way.figure is not None), None)

    def movement_of(self, way: Way) -> tuple[str, ...]:
        """Return the movement steps for `way`: its own, or the stretch's."""
        return way.movement or self.steps.movement

    def way_at(self, place: Place | str | None) -> Way:
        """Return the way done at `place`, or the usual way when it has none there."""
        return next((way for way in self.ways if way.place == place), self.usual_way)

    @property
    def is_own(self) -> bool:
        """Tell whether a person added this stretch (own ids start with `my-`)."""
        return self.id.startswith(OWN_PREFIX)

    def searchable_text(self) -> str:
        """Return the words a search matches against."""
        return " ".join((self.id, self.name, *self.aliases, self.summary)).lower()


def _tags_implied_by(place: Place, position: Position) -> set[Movement]:
    tags: set[Movement] = set()
    if place is Place.FLOOR:
        tags.add(Movement.FLOOR)
    if position in (Position.KNEELING, Position.ALL_FOURS):
        tags.add(Movement.KNEELING)
    if position is Position.ALL_FOURS:
        tags.add(Movement.HANDS_WEIGHT)
    if position is Position.SUPINE:
        tags.add(Movement.SUPINE)
    if position is Position.PRONE:
        tags.add(Movement.PRONE)
    return tags


class CatalogueError(ValueError):
    """A catalogue entry is malformed or inconsistent; the message names the file and the field."""

    def __init__(self, origin: str, field: str, problem: str) -> None:
        self.origin = origin
        self.field = field
        self.problem = problem
        super().__init__(f"{origin}: {field}: {problem}")


class UnknownStretchError(KeyError):
    """No stretch has this id; `suggestions` holds the closest ids."""

    def __init__(self, stretch_id: str, suggestions: tuple[str, ...]) -> None:
        self.stretch_id = stretch_id
        self.suggestions = suggestions
        super().__init__(stretch_id)

    def __str__(self) -> str:
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"no stretch with id '{self.stretch_id}'.{hint}"


def with_ways(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a stretch written with one position at the top level (a person's own stretch, or
    a file exported before stretches had ways) as a stretch with that one way."""
    if "ways" in document or "position" not in document:
        return document
    flat = dict(document)
    way: dict[str, Any] = {"position": flat.pop("position")}
    for field in ("equipment", "movements", "figure"):
        if field in flat:
            way[field] = flat.pop(field)
    steps = flat.get("steps")
    if isinstance(steps, Mapping) and "setup" in steps:
        steps = dict(steps)
        way["setup"] = steps.pop("setup")
        flat["steps"] = steps
    if way["position"] in set(Position):
        way["place"] = place_of(Position(way["position"])).value
    flat["ways"] = [way]
    return flat


def parse_stretch(document: Any, *, origin: str) -> Stretch:
    """Validate one parsed YAML document as a stretch, or raise `CatalogueError`."""
    if not isinstance(document, Mapping):
        raise CatalogueError(origin, "(file)", "expected a mapping of fields at the top level")
    given = with_ways(document)
    try:
        return validate_strict(Stretch, given)
    except InvalidData as error:
        field = error.field
        if given is not document:  # name the field as the person wrote it, without `ways`
            field = _FLAT_FIELDS.get(field) or field.removeprefix("ways.0.")
            if field.startswith("setup"):
                field = f"steps.{field}"
        raise CatalogueError(origin, field, error.problem) from None


_FLAT_FIELDS = {"ways.0": "(entry)", "ways": "figure"}


@dataclass(frozen=True)
class Catalogue:
    """All known stretches by id, checked for links that point nowhere."""

    stretches: Mapping[str, Stretch]

    def __iter__(self) -> Iterator[Stretch]:
        return iter(self.stretches.values())

    def __len__(self) -> int:
        return len(self.stretches)

    def __contains__(self, stretch_id: object) -> bool:
        return stretch_id in self.stretches

    def get(self, stretch_id: str) -> Stretch:
        """Return the stretch with this id, or raise `UnknownStretchError` with suggestions."""
        try:
            return self.stretches[stretch_id]
        except KeyError:
            raise UnknownStretchError(stretch_id, self.closest_ids(stretch_id)) from None

    def closest_ids(self, text: str, limit: int = 3) -> tuple[str, ...]:
        """Return the ids that look most like `text`."""
        candidates = {s.id: s.id for s in self}
        for stretch in self:
            for alias in (stretch.name, *stretch.aliases):
                candidates.setdefault(_slug(alias), stretch.id)
        matches = difflib.get_close_matches(_slug(text), list(candidates), n=limit * 2, cutoff=0.5)
        unique = dict.fromkeys(candidates[m] for m in matches)
        return tuple(unique)[:limit]

    def filter(
        self,
        *,
        region: Region | None = None,
        position: Position | None = None,
        text: str | None = None,
    ) -> tuple[Stretch, ...]:
        """Return the stretches matching every criterion given, in id order."""
        found = []
        for stretch in sorted(self, key=lambda s: s.id):
            if region is not None and region not in stretch.regions:
                continue
            if position is not None and all(w.position is not position for w in stretch.ways):
                continue
            if text and not all(word in stretch.searchable_text() for word in text.lower().split()):
                continue
            found.append(stretch)
        return tuple(found)

    def variants_of(self, stretch_id: str) -> tuple[Stretch, ...]:
        """Return the stretches linked to this one in either direction, nearest first."""
        stretch = self.get(stretch_id)
        linked = list(stretch.variants.alternatives + stretch.variants.easier)
        linked += [s.id for s in self if s.variant_of == stretch_id]
        if stretch.variant_of is not None:
            linked.append(stretch.variant_of)
            linked += [s.id for s in self if s.variant_of == stretch.variant_of]
        linked += stretch.variants.harder
        ordered = dict.fromkeys(i for i in linked if i != stretch_id and i in self.stretches)
        return tuple(self.stretches[i] for i in ordered)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_catalogue(entries: Iterable[tuple[str, Any]]) -> Catalogue:
    """Validate `(origin, document)` pairs into a catalogue, or raise `CatalogueError`.

    The origin is usually a file name; the id of each entry must match it.
    """
    stretches: dict[str, Stretch] = {}
    origins: dict[str, str] = {}
    for origin, document in entries:
        stretch = parse_stretch(document, origin=origin)
        expected = origin.rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
        if origin.endswith((".yaml", ".yml")) and stretch.id != expected:
            raise CatalogueError(origin, "id", f"'{stretch.id}' does not match the file name")
        if stretch.id in stretches:
            used_by = origins[stretch.id]
            raise CatalogueError(origin, "id", f"'{stretch.id}' is already used by {used_by}")
        stretches[stretch.id] = stretch
        origins[stretch.id] = origin
    for stretch_id, stretch in stretches.items():
        linked = [("variant_of", stretch.variant_of)] if stretch.variant_of else []
        for group in ("easier", "harder", "alternatives"):
            linked += [(f"variants.{group}", i) for i in getattr(stretch.variants, group)]
        for field, target in linked:
            if target not in stretches:
                raise CatalogueError(
                    origins[stretch_id], field, f"variant '{target}' does not exist"
                )
    return Catalogue(stretches=dict(sorted(stretches.items())))
