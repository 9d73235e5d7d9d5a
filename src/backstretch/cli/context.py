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
    """Return the local person's catalogue (built-in and their own stretches), or fail."""
    opened = store(settings, fail)
    try:
        return person_catalogue(opened, fail)
    finally:
        opened.close()


def person_catalogue(opened: Store, fail: Callable[[str], NoReturn]) -> Catalogue:
    """Return the catalogue of the person `opened` works for, or fail with the reason."""
    from backstretch.data.own import catalogue_for
    from backstretch.db.engine import transaction

    try:
        with transaction(opened.sessions) as session:
            return catalogue_for(session)
    except CatalogueError as error:
        fail(f"your own stretches could not be loaded: {error}")


def store(
    settings: Settings, fail: Callable[[str], NoReturn], *, copy_old_stretches: bool = True
) -> Store:
    """Open the database, migrated, or fail with a message naming it.

    On first use, the own stretches that earlier versions kept as files are copied into the
    database (the files are left in place); `import` skips that, as it needs an empty account.
    """
    try:
        opened = open_store(settings.resolved_database_url)
    except DatabaseError as error:
        fail(str(error))
    if copy_old_stretches:
        _copy_old_stretches(opened, settings)
    return opened


def _copy_old_stretches(opened: Store, settings: Settings) -> None:
    from backstretch.cli.render import error_console
    from backstretch.data.own import import_legacy_folder

    copied = import_legacy_folder(opened.sessions, settings.own_stretches_dir, at=now())
    console = error_console()
    if copied.added:
        console.print(
            f"backstretch: copied your own stretches into the database: "
            f"{', '.join(copied.added)} (the files in {settings.own_stretches_dir} are no "
            "longer read).",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for path, problem in copied.refused:
        console.print(
            f"backstretch: your own stretch {path} was not copied into the database: {problem}. "
            f"Fix it, then add it with `backstretch stretches add {path}`.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def screening_context(fail: Callable[[str], NoReturn]) -> tuple[Settings, Context]:
    """Return the settings and everything the screening use cases need.

    The catalogue is the built-in one; `personal` adds the person's own stretches.
    """
    from backstretch.data import builtin_catalogue, screening_guide

    settings = get_settings()
    context = Context(
        guide=screening_guide(),
        catalogue=builtin_catalogue(),
        emergency_number=settings.emergency_number,
        timezone=timezone(settings, fail),
    )
    return settings, context


def personal(settings: Settings, context: Context, store: Store) -> tuple[Settings, Context]:
    """Apply what the person saved over the environment's: their settings (from the web
    settings page) and their own stretches."""
    from dataclasses import replace

    from backstretch.cli.app import fail
    from backstretch.db.engine import transaction
    from backstretch.services.preferences import load_preferences, with_preferences

    with transaction(store.sessions) as session:
        chosen = load_preferences(session, settings, context.timezone)
    mine = person_catalogue(store, fail)
    return (
        settings.model_copy(update={"lead_in_seconds": chosen.lead_in_seconds}),
        replace(with_preferences(context, chosen), catalogue=mine),
    )


def player_devices() -> tuple[Any, Any, bool]:
    """Return the player's clock, its keys and whether a person is at a terminal.

    Tests replace this to drive a whole session with a fake clock and scripted keys.
    """
    from backstretch.cli.player import MonotonicClock, NoKeys, TerminalKeys, is_terminal

    interactive = is_terminal()
    return MonotonicClock(), (TerminalKeys() if interactive else NoKeys()), interactive
