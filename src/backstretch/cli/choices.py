"""Ask for one of a few choices in the terminal: in any case, in full or by a prefix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.prompt import Prompt

from backstretch.cli.parsing import matching


def ask_choice(
    console: Console,
    prompt: str,
    options: Sequence[str],
    *,
    default: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> str:
    """Ask until the reply names one option; Enter gives the default when there is one.

    `Chair`, `chair` and `c` all pick "chair"; a prefix shared by several options asks again,
    naming them.
    """
    while True:
        reply = Prompt.ask(prompt, console=console, default="", show_default=False)
        if not reply.strip() and default is not None:
            return default
        found = matching(reply, options, aliases)
        if len(found) == 1:
            return found[0]
        if found:
            console.print(f"“{reply.strip()}” could be {' or '.join(found)}: type a little more.")
        else:
            console.print(f"Please choose one of: {', '.join(options)}.")
