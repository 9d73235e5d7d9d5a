"""Settings, read from the environment (prefix `BACKSTRETCH_`) when asked for, never at import.

A plain Pydantic model fills itself from the environment: `BACKSTRETCH_<FIELD>` in any case,
what a caller passes winning over it. (pydantic-settings did the same, and its import took
0.19 s over Pydantic's own on this project's machine: asyncio and its many sources.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from platformdirs import user_data_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from backstretch.services.errors import Invalid

DEFAULT_EMERGENCY_NUMBER = "your local emergency number (112 / 911 / 999)"


ENVIRONMENT_PREFIX = "BACKSTRETCH_"


class InvalidSettings(Invalid):
    """A setting in the environment has a value that cannot be used; the message names it.
    (An `Invalid` input: the terminal says it in one line and exits 2.)"""


class Settings(BaseModel):
    """Everything that can be configured; the defaults need no configuration at all."""

    model_config = ConfigDict(extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: user_data_path("backstretch", appauthor=False),
        description="Where the SQLite database and a person's own stretches live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to a SQLite file in data_dir.",
    )
    emergency_number: str = Field(
        default=DEFAULT_EMERGENCY_NUMBER,
        description="What the advice tells a person to call in an emergency, e.g. '999'.",
    )
    lead_in_seconds: int = Field(
        default=5, ge=0, le=30, description="Get-ready seconds before each stretch and side."
    )
    timezone: str | None = Field(
        default=None, description="IANA time zone, e.g. 'Europe/London'; defaults to the system's."
    )
    accounts: bool = Field(
        default=False,
        description="Serve many people, each with an account and a login (see `serve --accounts`).",
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs CSRF tokens; by default one is made and kept in the database.",
    )
    registrations_per_hour: int = Field(
        default=5,
        ge=1,
        description="New accounts one address may make in an hour (each costs a password hash); "
        "raise it where many people register from one address, e.g. a clinic's network.",
    )
    documents_per_ten_minutes: int = Field(
        default=30,
        ge=1,
        description="PDF handouts and clinician summaries one person (or, on a shared link "
        "without a login, one address) may have made in ten minutes; each costs about a "
        "second of CPU. More get 429.",
    )
    document_wait_seconds: float = Field(
        default=5,
        ge=0,
        le=60,
        description="How long a document waits for its turn while another is being drawn "
        "(one at a time per server process) before the answer is 503, busy.",
    )
    reminder_tick_seconds: int = Field(
        default=30,
        ge=0,
        le=3600,
        description="How often the web server looks for reminders to push; 0: never (another "
        "server sends them).",
    )
    push_contact: str = Field(
        default="mailto:backstretch@localhost",
        pattern=r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$",
        description="Who runs this server, for push services (VAPID 'sub'): a mailto: or https: "
        "address; set it for a public server.",
    )
    push_loopback_endpoints: bool = Field(
        default=False,
        description="Accept push endpoints on this machine over plain http (tests only).",
    )
    max_request_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest request body the web server reads (bytes); larger ones get 413.",
    )
    max_import_request_bytes: int | None = Field(
        default=None,
        ge=64 * 1024,
        description="Largest request body of the data import page (bytes); by default the "
        "largest export file an import takes and 1 MB for the form around it.",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        if not isinstance(given, Mapping):
            return given
        return {**from_environment(os.environ), **given}

    @property
    def own_stretches_dir(self) -> Path:
        """Return the folder holding stretches a person (or their therapist) added."""
        return self.data_dir / "stretches"

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'backstretch.sqlite3'}"


def from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Return the settings `environ` gives, by field name: `BACKSTRETCH_DATA_DIR` (in any case)
    sets `data_dir`; variables that name no setting are left alone."""
    fields = Settings.model_fields
    found: dict[str, str] = {}
    for variable, value in environ.items():
        upper = variable.upper()
        if upper.startswith(ENVIRONMENT_PREFIX):
            name = upper.removeprefix(ENVIRONMENT_PREFIX).lower()
            if name in fields:
                found[name] = value
    return found


@cache
def get_settings() -> Settings:
    """Return the settings for this process, read from the environment on first use.

    A value that cannot be used raises `InvalidSettings` naming the variable and what is wrong.
    """
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{ENVIRONMENT_PREFIX}{'_'.join(map(str, problem['loc'])).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        raise InvalidSettings(f"a setting in the environment cannot be used: {problems}") from None
