"""The terminal's composition root: the settings, the clock, the database and the player's
devices are wired here, once per command, and nowhere else in `cli/`.

Each command takes Typer's context and asks it for its wiring; tests run commands with their
own `Wiring` (a fake clock, scripted keys) as the context object:
`CliRunner().invoke(app, args, obj=Wiring(clock=...))`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from backstretch.services.clock import Now, utc_now

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext


def terminal_devices() -> tuple[Any, Any, bool]:
    """Return the player's monotonic clock, its keys and whether a person is at a terminal."""
    from backstretch.cli.player import MonotonicClock, NoKeys, TerminalKeys, is_terminal

    interactive = is_terminal()
    return MonotonicClock(), (TerminalKeys() if interactive else NoKeys()), interactive


@dataclass
class Wiring:
    """What a command is wired to: the wall clock and the player's devices."""

    clock: Now = utc_now
    devices: Callable[[], tuple[Any, Any, bool]] = terminal_devices


def of(ctx: typer.Context) -> Wiring:
    """Return the running command's wiring (the default one outside tests)."""
    found = ctx.find_object(Wiring)
    return found if found is not None else Wiring()


@contextmanager
def person(ctx: typer.Context, *, copy_old_stretches: bool = True) -> Iterator[PersonContext]:
    """Open the database for the person at this terminal and yield their context.

    On first use, the own stretches that earlier versions kept as files are copied into the
    database (the files stay where they are), and what happened is said on stderr; `import`
    skips that, as it needs an empty account.
    """
    from backstretch.config import get_settings
    from backstretch.services import own_stretches
    from backstretch.services.context import open_services

    settings = get_settings()
    services = open_services(settings, clock=of(ctx).clock, accounts=False)
    try:
        me = services.local_person()
        copied = own_stretches.LegacyCopy()
        if copy_old_stretches:
            copied = own_stretches.copy_old_stretches(me, settings.own_stretches_dir)
        if copied.added or copied.refused:
            _say_copied(copied, settings.own_stretches_dir)
            me = services.local_person()
        yield me
    finally:
        services.close()


def _say_copied(copied: Any, folder: Any) -> None:
    from backstretch.cli.render import say_error

    if copied.added:
        say_error(
            f"copied your own stretches into the database: {', '.join(copied.added)} "
            f"(the files in {folder} are no longer read)."
        )
    for path, problem in copied.refused:
        say_error(
            f"your own stretch {path} was not copied into the database: {problem}. "
            f"Fix it, then add it with `backstretch stretches add {path}`."
        )
