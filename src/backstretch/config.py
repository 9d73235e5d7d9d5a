"""Settings, read from the environment (prefix `BACKSTRETCH_`) when asked for, never at import."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMERGENCY_NUMBER = "your local emergency number (112 / 911 / 999)"


class Settings(BaseSettings):
    """Everything that can be configured; the defaults need no configuration at all."""

    model_config = SettingsConfigDict(env_prefix="BACKSTRETCH_", extra="ignore")

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


@cache
def get_settings() -> Settings:
    """Return the settings for this process, read from the environment on first use."""
    return Settings()
