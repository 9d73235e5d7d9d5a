"""What the commands share: settings, the catalogue, the database, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn

from backstretch.config import Settings, get_settings
from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.db.engine import DatabaseError
from backstretch.db.store import Store, open_store
from backstretch.services.clock import system_timezone, utc_now, valid_timezone
from backstretch.services.screening import Context

# Tests replace this to control the time; everything else asks it.
now: Callable[[], datetime] = utc_now


def timezone(settings: Settings, fail: Callable[[str], NoReturn]) -> str:
    """Return the configured time zone, or the system's; fail on an unknown name."""
    if settings.timezone is None:
        return system_timezone()
    if not valid_timezone(settings.timezone):
        fail(f"BACKSTRETCH_TIMEZONE: unknown time zone '{settings.timezone}'")
    return settings.timezone


def catalogue(settings: Settings, fail: Callable[[str], NoReturn]) -> Catalogue:
    """Return the catalogue including the person's own stretches, or fail with the reason."""
    from backstretch.data import load_catalogue

    try:
        return load_catalogue(settings.own_stretches_dir)
    except CatalogueError as error:
        fail(f"the catalogue could not be loaded: {error}")


def store(settings: Settings, fail: Callable[[str], NoReturn]) -> Store:
    """Open the database, migrated, or fail with a message naming it."""
    try:
        return open_store(settings.resolved_database_url)
    except DatabaseError as error:
        fail(str(error))


def screening_context(fail: Callable[[str], NoReturn]) -> tuple[Settings, Context]:
    """Return the settings and everything the screening use cases need."""
    from backstretch.data import screening_guide

    settings = get_settings()
    context = Context(
        guide=screening_guide(),
        catalogue=catalogue(settings, fail),
        emergency_number=settings.emergency_number,
        timezone=timezone(settings, fail),
    )
    return settings, context


def personal(settings: Settings, context: Context, store: Store) -> tuple[Settings, Context]:
    """Apply the settings a person saved (on the web settings page) over the environment's."""
    from backstretch.db.engine import transaction
    from backstretch.services.preferences import load_preferences, with_preferences

    with transaction(store.sessions) as session:
        chosen = load_preferences(session, settings, context.timezone)
    return (
        settings.model_copy(update={"lead_in_seconds": chosen.lead_in_seconds}),
        with_preferences(context, chosen),
    )


def player_devices() -> tuple[Any, Any, bool]:
    """Return the player's clock, its keys and whether a person is at a terminal.

    Tests replace this to drive a whole session with a fake clock and scripted keys.
    """
    from backstretch.cli.player import MonotonicClock, NoKeys, TerminalKeys, is_terminal

    interactive = is_terminal()
    return MonotonicClock(), (TerminalKeys() if interactive else NoKeys()), interactive
