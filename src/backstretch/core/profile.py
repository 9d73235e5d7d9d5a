"""A person's situation for planning: where it hurts, the time there is, the setting, limits."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from backstretch.core.models import Level, Region
from backstretch.core.screening import MAX_PREGNANCY_WEEKS, Restriction
from backstretch.core.validation import InvalidData, validate_strict


class Setting(StrEnum):
    """Where the person is: it decides which positions are possible."""

    FLOOR = "floor"
    CHAIR = "chair"
    STANDING = "standing"
    BED = "bed"


class TimeOfDay(StrEnum):
    """When the routine is done: gentler in the morning, calmer at night."""

    MORNING = "morning"
    WORK_BREAK = "work_break"
    EVENING = "evening"
    AFTER_EXERCISE = "after_exercise"
    ANY = "any"


def _normalise(value: Any) -> Any:
    """Accept 'lower-back' as well as 'lower_back' for every enum-like word."""
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_")
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


class Profile(BaseModel):
    """Everything the planner needs to know about the person, validated strictly."""

    # Validators are built on first use (defer_build): a command that reads the compiled
    # catalogue never validates most of these models, and building them all cost ~30 ms.
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", defer_build=True)

    areas: Annotated[tuple[Region, ...], Field(min_length=1)]
    minutes: Annotated[int, Field(ge=1, le=60)] = 10
    setting: Setting = Setting.FLOOR
    restrictions: tuple[Restriction, ...] = ()
    pregnancy_weeks: Annotated[int, Field(ge=0, le=MAX_PREGNANCY_WEEKS)] | None = None
    level: Level = Level.STANDARD
    time_of_day: TimeOfDay = TimeOfDay.ANY
    avoid: tuple[str, ...] = ()
    favourites: tuple[str, ...] = ()

    @field_validator("pregnancy_weeks")
    @classmethod
    def _weeks_need_pregnancy(cls, weeks: int | None, info: ValidationInfo) -> int | None:
        # `restrictions` is declared first, so it has been validated by now.
        if weeks is not None and Restriction.PREGNANT not in info.data.get("restrictions", ()):
            raise ValueError("needs the restriction 'pregnant'")
        return weeks


class ProfileError(ValueError):
    """A profile is malformed; `field` names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def parse_profile(data: Any) -> Profile:
    """Validate profile data (as read from JSON or YAML), or raise `ProfileError` naming the field.

    JSON mode keeps types strict (1 is not a word, "10" is not a number) while accepting
    lists for tuples and words for enums, as they arrive from a file or a form.
    """
    if not isinstance(data, dict):
        raise ProfileError("(profile)", "expected a mapping of fields")
    data = dict(data)
    for key in ("areas", "restrictions", "setting", "level", "time_of_day"):
        if key in data:
            value = _normalise(data[key])
            data[key] = list(dict.fromkeys(value)) if isinstance(value, list) else value
    try:
        return validate_strict(Profile, data)
    except InvalidData as error:
        field = "(profile)" if error.field in ("(file)", "(entry)") else error.field
        raise ProfileError(field, error.problem) from None
