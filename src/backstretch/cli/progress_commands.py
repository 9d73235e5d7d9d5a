"""`backstretch history`, `stats` and `checkin`: what was done, how it is going, how life is.

Heavy modules are imported inside the commands so that `--help` stays fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

MAX_ACTIVITIES = 3  # the Patient-Specific Functional Scale asks for up to three (research §2.6)


def _fail(message: str, code: int = 2) -> Any:
    from backstretch.cli.app import fail

    fail(message, code)


def history(
    ctx: typer.Context,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Show only the newest N sessions.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """List your sessions, newest first: when, what, how long, and pain before and after.

    A session left unfinished reads as abandoned; `backstretch start --resume` carries it on.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import print_json
    from backstretch.cli.render import output_console
    from backstretch.cli.stats_view import render_history
    from backstretch.core.stats import history_to_json
    from backstretch.services.sessions import session_history

    with wiring.person(ctx) as me:
        records = sorted(session_history(me), key=lambda r: r.started_at)
    if limit is not None:
        records = records[-limit:]
    if as_json:
        print_json(history_to_json(records))
    else:
        render_history(output_console(), records)


def stats(
    ctx: typer.Context,
    weeks: Annotated[int, typer.Option(min=1, max=53, help="Weeks in the weekly table.")] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Show your streak, sessions and minutes per week, a year of consistency, and trends.

    Days and weeks are counted in your own time zone. The pain trend shows weekly averages
    before and after sessions; check-ins (`backstretch checkin`) add the activity trend.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import print_json
    from backstretch.cli.render import output_console
    from backstretch.cli.stats_view import render_stats
    from backstretch.services.sessions import session_stats

    with wiring.person(ctx) as me:
        summary = session_stats(me, weeks=weeks)
    if as_json:
        print_json(summary.to_json())
    else:
        render_stats(output_console(), summary)


def _parse_activity(text: str) -> tuple[str, int]:
    name, separator, score = text.rpartition("=")
    name = name.strip()
    if not separator or not name or not score.strip().isdigit() or int(score) > 10:
        _fail(f"--activity: expected NAME=SCORE with a score from 0 to 10, got '{text}'")
    if len(name) > 80:
        _fail("--activity: keep the activity name under 80 characters")
    return name, int(score)


def ask_ratings(console: Any, last: Any) -> list[tuple[str, int]]:
    """Ask for this week's ratings: the same activities as last time, or up to three new ones."""
    from rich.prompt import Prompt

    names = [a.name for a in last.activities] if last else []
    console.print("0 = I cannot do it, 10 = as well as before this trouble began.")
    if not names:
        console.print("Name up to three everyday activities you find hard (Enter to end).")
        while len(names) < MAX_ACTIVITIES:
            name = Prompt.ask(
                f"Activity {len(names) + 1}", console=console, default="", show_default=False
            )
            if not name.strip():
                break
            names.append(name.strip()[:80])
    ratings = []
    for name in names:
        while True:
            score = Prompt.ask(f"{name}: 0-10", console=console, default="", show_default=False)
            if score.strip().isdigit() and int(score) <= 10:
                ratings.append((name, int(score)))
                break
            console.print("Please type a whole number from 0 to 10.")
    return ratings


def save_checkin(me: Any, ratings: list[tuple[str, int]], console: Any) -> None:
    """Store this week's ratings and say the average."""
    from backstretch.core.records import Activity, CheckinRecord
    from backstretch.services.sessions import record_checkin

    record = CheckinRecord(
        at=me.now(),
        timezone=me.timezone,
        activities=tuple(Activity(name, score) for name, score in ratings),
    )
    record_checkin(me, record)
    console.print(f"Check-in saved: average {record.mean:.1f} of 10.")


def checkin(
    ctx: typer.Context,
    activity: Annotated[
        list[str] | None,
        typer.Option(
            help="An activity you find hard and how well you can do it now, 0-10: "
            "'carrying shopping=6' (up to three; repeatable).",
        ),
    ] = None,
) -> None:
    """Rate up to three everyday activities you find hard, 0-10, to follow over the weeks.

    0 means you cannot do the activity; 10 means you can do it as well as before this
    trouble began. Re-rate the same activities each week; `backstretch stats` shows the trend.
    """
    from backstretch.cli import wiring
    from backstretch.cli.render import output_console
    from backstretch.services.sessions import checkins

    console = output_console()
    ratings = [_parse_activity(a) for a in activity or []]
    if len(ratings) > MAX_ACTIVITIES:
        _fail(f"--activity: at most {MAX_ACTIVITIES} activities")
    if len({name.lower() for name, _ in ratings}) != len(ratings):
        _fail("--activity: each activity once")
    _, _, interactive = wiring.of(ctx).devices()
    with wiring.person(ctx) as me:
        if not ratings:
            if not interactive:
                _fail("without a terminal, give the ratings with --activity 'NAME=SCORE'")
            earlier = checkins(me)
            ratings = ask_ratings(console, earlier[-1] if earlier else None)
            if not ratings:
                _fail("no activity given: nothing saved")
        save_checkin(me, ratings, console)


def register(app: typer.Typer) -> None:
    """Add `history`, `stats` and `checkin` to the command line."""
    app.command()(history)
    app.command()(stats)
    app.command()(checkin)
