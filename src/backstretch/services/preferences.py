"""The person's settings: stored ones win over the environment's defaults.

Settings from the environment (`BACKSTRETCH_LEAD_IN_SECONDS`...) are the machine's defaults; what a
person saves on the settings page is theirs and wins.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from backstretch.config import DEFAULT_EMERGENCY_NUMBER
from backstretch.db import repository
from backstretch.services.clock import valid_timezone
from backstretch.services.errors import Invalid

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.config import Settings
    from backstretch.services.context import PersonContext

# Where the person is, and what to call there: emergency services answer on these numbers.
# "default" keeps the environment's number (or the generic wording).
EMERGENCY_NUMBERS: dict[str, tuple[str, str]] = {
    "default": ("Not set: name the usual numbers", DEFAULT_EMERGENCY_NUMBER),
    "eu": ("European Union", "112"),
    "uk": ("United Kingdom", "999 (or 112)"),
    "ie": ("Ireland", "112 (or 999)"),
    "us": ("United States and Canada", "911"),
    "au": ("Australia", "000"),
    "nz": ("New Zealand", "111"),
    "in": ("India", "112"),
    "za": ("South Africa", "10177 (or 112 from a mobile)"),
}
MIN_LEAD_IN, MAX_LEAD_IN = 0, 30


class PreferencesError(Invalid):
    """A setting is not valid; `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}", field=field)
        self.problem = problem


@dataclass(frozen=True)
class Preferences:
    """What a person can set: the get-ready seconds, the voice, where they are, their time zone."""

    lead_in_seconds: int
    voice: bool
    emergency_region: str
    timezone: str
    default_emergency_number: str = DEFAULT_EMERGENCY_NUMBER

    @property
    def emergency_number(self) -> str:
        """Return what the advice tells the person to call."""
        if self.emergency_region == "default":
            return self.default_emergency_number
        return EMERGENCY_NUMBERS[self.emergency_region][1]

    def to_json(self) -> dict[str, Any]:
        """Return what is stored: everything but the environment's default number."""
        stored = asdict(self)
        del stored["default_emergency_number"]
        return stored


def defaults(settings: Settings, timezone: str) -> Preferences:
    """Return the settings a person starts with, from the environment."""
    return Preferences(
        lead_in_seconds=settings.lead_in_seconds,
        voice=True,
        emergency_region="default",
        timezone=timezone,
        default_emergency_number=settings.emergency_number,
    )


def parse_preferences(data: dict[str, Any], base: Preferences) -> Preferences:
    """Return `base` with the fields of `data` applied, or raise `PreferencesError`."""
    unknown = sorted(set(data) - {"lead_in_seconds", "voice", "emergency_region", "timezone"})
    if unknown:
        raise PreferencesError(unknown[0], "unknown setting")
    chosen = base
    if "lead_in_seconds" in data:
        seconds = data["lead_in_seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise PreferencesError("lead_in_seconds", "expected a whole number of seconds")
        if not MIN_LEAD_IN <= seconds <= MAX_LEAD_IN:
            raise PreferencesError(
                "lead_in_seconds", f"expected {MIN_LEAD_IN} to {MAX_LEAD_IN} seconds"
            )
        chosen = replace(chosen, lead_in_seconds=seconds)
    if "voice" in data:
        if not isinstance(data["voice"], bool):
            raise PreferencesError("voice", "expected true or false")
        chosen = replace(chosen, voice=data["voice"])
    if "emergency_region" in data:
        if data["emergency_region"] not in EMERGENCY_NUMBERS:
            known = ", ".join(EMERGENCY_NUMBERS)
            raise PreferencesError("emergency_region", f"expected one of {known}")
        chosen = replace(chosen, emergency_region=data["emergency_region"])
    if "timezone" in data:
        if not isinstance(data["timezone"], str) or not valid_timezone(data["timezone"]):
            raise PreferencesError("timezone", f"unknown time zone {data['timezone']!r}")
        chosen = replace(chosen, timezone=data["timezone"])
    return chosen


def load_preferences(db: Session, settings: Settings, timezone: str) -> Preferences:
    """Return the person's settings: stored ones over the environment's defaults.

    A stored value that is no longer valid (a time zone the system dropped) falls back to the
    default rather than locking the person out.
    """
    chosen = defaults(settings, timezone)
    for key, value in repository.load_preferences(db=db).items():
        try:
            chosen = parse_preferences({key: value}, chosen)
        except PreferencesError:
            continue
    return chosen


def save_settings(person: PersonContext, changes: dict[str, Any]) -> Preferences:
    """Apply and store changes to the person's settings; return them (a bad one raises
    `PreferencesError`, and nothing is stored)."""
    chosen = parse_preferences(changes, person.preferences)
    with person.transaction() as db:
        repository.save_preferences(db=db, data=chosen.to_json(), at=person.now())
    return chosen
