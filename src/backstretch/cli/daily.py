"""The daily loop behind `backstretch start` and `backstretch log`.

Check in (the weekly screening when due, the remembered profile, pain now), see the plan and
what changed, stretch with the player, say how it felt, and save, step by step, so that nothing
done is ever lost.
"""

from __future__ import annotations

import contextlib
import signal
import uuid as uuids
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.prompt import Prompt
from rich.text import Text

from backstretch.cli import planning as ui
from backstretch.cli import wiring
from backstretch.cli.choices import ask_choice
from backstretch.cli.parsing import parse_choice
from backstretch.cli.render import output_console
from backstretch.core.models import Region
from backstretch.core.profile import Profile, ProfileError, Setting, parse_profile
from backstretch.core.records import SessionStatus
from backstretch.core.safety import GateStatus, StopSignal, stop_signals_for
from backstretch.services.context import PersonContext
from backstretch.services.errors import Blocked
from backstretch.services.planning import PlanChoice, TodayPlan, plan_today, remembered_profile
from backstretch.services.sessions import (
    begin_session,
    checkin_due,
    checkins,
    finish_session,
    log_session,
    merged,
    note_pain_rising,
    resume_last,
    save_progress,
    shifted,
    stop_advice_for,
)

BLOCKED_EXIT = 3

AREA_CHOICES = tuple(Region)


def _fail(message: str, code: int = 2) -> NoReturn:
    from backstretch.cli.app import fail

    fail(message, code)


def ask_pain(console: Console, question: str, *, optional: bool = False) -> int | None:
    """Ask for a 0-10 rating until one is given (or skipped, when optional)."""
    hint = " (0 = none, 10 = worst imaginable" + (", Enter to skip)" if optional else ")")
    while True:
        reply = Prompt.ask(question + hint, console=console, default="", show_default=False)
        reply = reply.strip()
        if not reply and optional:
            return None
        if reply.isdigit() and 0 <= int(reply) <= 10:
            return int(reply)
        console.print("Please type a whole number from 0 to 10.")


def _profile_line(profile: Profile) -> str:
    areas = ", ".join(a.value.replace("_", " ") for a in profile.areas)
    return f"{areas} · {profile.minutes} min · {profile.setting.value}"


def ask_profile(console: Console, remembered: dict[str, Any] | None) -> dict[str, Any]:
    """Offer the remembered profile; change areas, minutes or setting in a few keystrokes."""
    data = dict(remembered or {})
    if remembered:
        with contextlib.suppress(ProfileError):
            console.print(f"Last time: {_profile_line(parse_profile(remembered))}")
            reply = Prompt.ask(
                "Same again? (Enter = yes, c = change)",
                console=console,
                default="",
                show_default=False,
            )
            if not reply.strip() or not "change".startswith(reply.strip().lower()):
                return data
    numbered = "  ".join(f"{n}={a.value}" for n, a in enumerate(AREA_CHOICES, 1))
    console.print(f"Where does it feel tight? {numbered}")
    while True:
        reply = Prompt.ask("Areas (e.g. 4 or 1,4)", console=console, default="", show_default=False)
        picks = [p.strip() for p in reply.replace(" ", ",").split(",") if p.strip()]
        if picks and all(p.isdigit() and 1 <= int(p) <= len(AREA_CHOICES) for p in picks):
            data["areas"] = [AREA_CHOICES[int(p) - 1].value for p in dict.fromkeys(picks)]
            break
        console.print(f"Please type one or more numbers from 1 to {len(AREA_CHOICES)}.")
    while True:
        minutes = Prompt.ask("Minutes", console=console, default=str(data.get("minutes", 10)))
        if minutes.isdigit() and 1 <= int(minutes) <= 60:
            data["minutes"] = int(minutes)
            break
        console.print("Please type a number of minutes from 1 to 60.")
    settings = [s.value for s in Setting]
    default = data.get("setting", "floor")
    data["setting"] = ask_choice(
        console,
        f"Where are you? {', '.join(settings)} (Enter = {default})",
        settings,
        default=default,
    )
    return data


def _render_changes(console: Console, changes: Sequence[str]) -> None:
    if changes:
        console.print(Text("What changed since last time:", style="bold"))
        for line in changes:
            console.print(f"• {line}")


@contextlib.contextmanager
def _hangup_as_interrupt() -> Iterator[None]:
    """Handle a closed terminal or a polite kill like Ctrl-C, so what was done is saved."""

    def interrupt(_number: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _signal_labels(me: PersonContext) -> dict[str, str]:
    labels = {text.id: text.label for text in me.guide.stop_signals}
    for text in me.guide.stop_signals:
        if text.id == StopSignal.PAIN_RISING.value:
            labels["pain_rising_done"] = text.advice
    return labels


def play_and_save(
    me: PersonContext,
    wired: wiring.Wiring,
    *,
    session_uuid: str,
    segments: Any,
    positions: Sequence[int] | None,
    earlier: Sequence[Any],
    pregnant: bool,
    voice: bool,
    quiet: bool,
    ways: Sequence[Any] | None = None,
) -> Any:
    """Run the player over `segments`, saving what was done as it goes; return the outcome.

    `ways` are the planned ways of the items, in order: the set-up shown is the one planned."""
    from backstretch.cli.player import Espeak, PlayerHooks, Run, Silent, VoiceUnavailable

    clock, keys, interactive = wired.devices()
    speaker: Any = Silent()
    if voice and not quiet:
        try:
            speaker = Espeak()
        except VoiceUnavailable as error:
            output_console().print(Text(f"{error}; carrying on without a voice.", style="yellow"))
    by_position = {item.position: item for item in earlier}

    def to_store(items: Sequence[Any]) -> list[Any]:
        if positions is None:
            return list(items)
        moved = shifted(items, positions)
        return [merged(by_position[i.position], i) for i in moved]

    run = Run(
        segments,
        catalogue=me.catalogue,
        clock=clock,
        keys=keys,
        console=output_console(),
        voice=speaker,
        signals=stop_signals_for(pregnant=pregnant),
        signal_labels=_signal_labels(me),
        hooks=PlayerHooks(
            save=lambda items: save_progress(me, session_uuid, to_store(items)),
            pain_rising=lambda stretch: note_pain_rising(me, session_uuid, stretch),
        ),
        bell=not quiet,
        live=interactive,
        ways=ways,
    )
    activate = getattr(keys, "active", None)
    with _hangup_as_interrupt(), activate() if activate else contextlib.nullcontext():
        outcome = run.play()
    if isinstance(speaker, Espeak):
        speaker.close()
    outcome.items = tuple(to_store(outcome.items))
    return outcome


def finish_and_report(
    me: PersonContext, *, session_uuid: str, outcome: Any, pain_after: int | None, interactive: bool
) -> int:
    """Ask how it felt, store the ending, show advice; return the exit code."""
    console = output_console()
    status = outcome.status
    if outcome.stop_signal is not None:  # what to do now comes before any question
        console.print(Text(stop_advice_for(me, outcome.stop_signal), style="bold"))
    nothing_done = not any(item.done_seconds for item in outcome.items)
    if (
        interactive
        and pain_after is None
        and status is not SessionStatus.ABANDONED
        and not (nothing_done and status is SessionStatus.COMPLETED)
    ):
        pain_after = ask_pain(console, "Pain now, after the session?", optional=True)
    finished = finish_session(
        me,
        session_uuid,
        status=status,
        pain_after=pain_after,
        stop_signal=outcome.stop_signal,
        stopped_stretch=outcome.stopped_stretch,
    )
    ending, record = finished.ending, finished.record
    if ending.block is not None:
        console.print(
            "The programme is paused for your safety until "
            + (
                "a clinician has seen you (`backstretch screen --clear`)."
                if ending.block.value == "see_clinician"
                else "you answer the safety questions again (`backstretch screen --recheck`)."
            )
        )
    if ending.paused:
        advice = me.guide.block_advice["pain_pause"].strip()
        console.print(Text(advice, style="bold yellow"))
    from backstretch.services.progress import session_reward

    render_reward(console, session_reward(me, record.uuid))
    if interactive and status is SessionStatus.COMPLETED and not record.skipped:
        offer_weekly_checkin(me, console)
    return 0


def reward_lines(reward: Any) -> list[tuple[str, str]]:
    """Return the end screen as (text, style) lines: what the web's reward page says."""
    from backstretch.core.durations import minutes, minutes_of
    from backstretch.services.progress import Result

    amount = minutes_of(reward.done_seconds, reward.planned_seconds)
    headline = {
        Result.COMPLETED: ("Session complete", f"{minutes(reward.done_seconds)} of stretching."),
        Result.ENDED_EARLY: ("Ended early", f"{amount} done; it is saved and counts."),
        Result.STOPPED: ("Session stopped", f"{amount} done."),
        Result.SKIPPED: (
            "Nothing done this time",
            "Every stretch was skipped: this one does not count toward your week.",
        ),
        Result.UNFINISHED: ("Still open", f"{amount} done so far."),
    }[reward.result]
    lines = [(headline[0], "bold"), (headline[1], "")]
    left = reward.week_target - reward.week_days
    week = f"{reward.week_days} of {reward.week_target} days"
    week += " · target reached" if left <= 0 else f" · {left} to go"
    if reward.streak > 1:
        week += f" · {reward.streak} in a row"
    lines.append((f"This week: {week}", ""))
    lines.append((f"Stretching this week: {minutes(reward.week_seconds)}", ""))
    if reward.pain_change is not None:
        change = reward.pain_change
        said = f"{abs(change)} lower" if change < 0 else f"{change} higher" if change else "same"
        lines.append((f"Pain: {reward.pain_before} → {reward.pain_after} ({said})", ""))
    elif reward.pain_before is not None:
        lines.append((f"Pain: {reward.pain_before} before, not rated after", ""))
    if reward.eased and reward.result is not Result.STOPPED:
        lines.append(("One stretch ended early as pain was building; next time eases off.", "dim"))
    if reward.result is Result.STOPPED or reward.blocked:
        step = "Next: follow the advice above; `backstretch plan` says when to go on."
    elif reward.result is Result.ENDED_EARLY:
        step = "Next: `backstretch start --resume` carries on."
    elif reward.result is Result.SKIPPED:
        step = "Next: a shorter one? `backstretch start --minutes 5`"
    else:
        step = "Next: `backstretch stats` shows your progress."
    lines.append((step, "bold"))
    return lines


def render_reward(console: Console, reward: Any) -> None:
    """Print the end screen: how it went, the week, pain before and after, one next step."""
    console.print()
    for text, style in reward_lines(reward):
        console.print(Text(text, style=style))


def offer_weekly_checkin(me: PersonContext, console: Console) -> None:
    """Offer the optional activity check-in when the last one is a week old (or there is none)."""
    from backstretch.cli.progress_commands import ask_ratings, save_checkin

    if not checkin_due(me):
        return
    reply = Prompt.ask(
        "Weekly check-in: rate up to three everyday activities? (y = yes, Enter = not now)",
        console=console,
        default="",
        show_default=False,
    )
    if reply.strip().lower() not in ("y", "yes"):
        return
    earlier = checkins(me)
    ratings = ask_ratings(console, earlier[-1] if earlier else None)
    if ratings:
        save_checkin(me, ratings, console)


def _plan_or_say_why(me: PersonContext, choice: PlanChoice, console: Console) -> TodayPlan:
    """Plan today's routine; when safety blocks it, show the advice and exit 3."""
    try:
        return plan_today(me, choice)
    except Blocked as blocked:
        ui.render_blocked(console, blocked.advice)
        raise typer.Exit(BLOCKED_EXIT) from None


def _weekly_check(me: PersonContext, console: Console, interactive: bool) -> None:
    """Ask the safety questions when they are due (pre-filled); exit 3 if they rule out today."""
    from backstretch.cli.screening import ask_all, ask_weekly, render_result
    from backstretch.services.screening import current_gate, latest_answers, record_screening

    gate = current_gate(me)
    if gate.status not in (GateStatus.MISSING, GateStatus.STALE, GateStatus.INCOMPLETE):
        return
    if not interactive:
        _fail("the weekly safety check is due: run `backstretch screen` first", BLOCKED_EXIT)
    previous = latest_answers(me)
    if previous is None:
        console.print(Text("First, the safety check.", style="bold"))
        raw = ask_all(console, me.guide, None, emergency_number=me.emergency_number)
    elif gate.status is GateStatus.INCOMPLETE:
        raw = ask_all(
            console, me.guide, previous, emergency_number=me.emergency_number, disclaimer=False
        )
    else:
        raw = ask_weekly(console, me.guide, previous, emergency_number=me.emergency_number)
    result = record_screening(me, raw)
    render_result(console, result)  # the result, whatever it is
    if not result.allows_routine:
        raise typer.Exit(BLOCKED_EXIT)


def run_start(
    ctx: typer.Context,
    *,
    area: list[str] | None,
    minutes: int | None,
    setting: str | None,
    preset: str | None,
    routine: str | None,
    pain_before: int | None,
    pain_after: int | None,
    resume: bool,
    voice: bool,
    quiet: bool,
    yes: bool,
) -> None:
    """Check in, plan, play and save one session (see `backstretch start --help`)."""
    console = output_console()
    wired = wiring.of(ctx)
    _, _, interactive = wired.devices()
    if preset and routine:
        _fail("use --preset or --routine, not both")
    with wiring.person(ctx) as me:
        if resume:
            raise typer.Exit(_resume(me, wired, voice=voice, quiet=quiet, pain_after=pain_after))
        if not interactive and pain_before is None:
            _fail("without a terminal, say how it feels now with --pain-before 0-10")
        if setting is not None:  # in any case, or by a prefix: `c`, `Chair` → chair
            setting = parse_choice(Setting, setting, "setting", _fail).value
        flags = {"areas": area or [], "minutes": minutes, "setting": setting}
        choice = ui.plan_choice(
            preset=preset, routine=routine, profile=None, flags=flags, remember=True
        )
        _weekly_check(me, console, interactive)
        remembered = remembered_profile(me)
        answered = any(v not in (None, []) for v in flags.values()) or preset or routine
        same_again = False  # "Same again?" answered yes: that was the go-ahead to start
        if interactive and (not answered or not (area or preset or routine or remembered)):
            data = remembered.model_dump(mode="json") if remembered else None
            asked = ask_profile(console, data)
            same_again = data is not None and asked == data
            choice = replace(choice, profile=asked, origin="profile")
        if pain_before is None:
            pain_before = ask_pain(console, "Pain right now?")
        today = _plan_or_say_why(me, choice, console)
        if not today.outcome.gate.may_play:
            _fail("the weekly safety check is due: run `backstretch screen` first", BLOCKED_EXIT)
        if not today.plan.items:
            _fail("no stretch fits: try more minutes or another setting")
        ui.render_plan(console, today, me.catalogue, "")
        _render_changes(console, today.changes)
        console.print(Text(me.guide.session_reminder.strip(), style="italic"))
        if same_again:
            console.print("Starting now.")
        if interactive and not yes and not same_again:
            reply = Prompt.ask(
                "Start now? (Enter = yes, n = not now)",
                console=console,
                default="",
                show_default=False,
            )
            if reply.strip().lower() in ("n", "no"):
                console.print("Nothing started. See you next time.")
                return
        session_uuid = str(uuids.uuid4())
        begin_session(me, today, pain_before=pain_before, uuid=session_uuid)
        pregnant = "pregnant" in [r.value for r in today.outcome.restrictions]
        played = play_and_save(
            me,
            wired,
            session_uuid=session_uuid,
            segments=today.plan.segments,
            positions=None,
            earlier=(),
            pregnant=pregnant,
            voice=voice,
            quiet=quiet,
            ways=[item.way for item in today.plan.routine],
        )
        code = finish_and_report(
            me,
            session_uuid=session_uuid,
            outcome=played,
            pain_after=pain_after,
            interactive=interactive,
        )
    raise typer.Exit(code)


def _resume(
    me: PersonContext, wired: wiring.Wiring, *, voice: bool, quiet: bool, pain_after: int | None
) -> int:
    console = output_console()
    resuming = resume_last(me)
    left = resuming.left
    if not left.remaining:
        console.print("Everything in that session was done already; saving it as complete.")
    else:
        console.print(
            f"Resuming {left.record.routine_name} from {left.record.local_day.isoformat()}: "
            f"{len(left.remaining)} of {len(left.record.items)} stretches to go."
        )
    played = play_and_save(
        me,
        wired,
        session_uuid=left.record.uuid,
        segments=left.segments(),
        positions=left.positions,
        earlier=left.record.items,
        pregnant=resuming.pregnant,
        voice=voice,
        quiet=quiet,
        ways=[item.way for item in left.remaining],
    )
    _, _, interactive = wired.devices()
    return finish_and_report(
        me,
        session_uuid=left.record.uuid,
        outcome=played,
        pain_after=pain_after,
        interactive=interactive,
    )


def run_log(
    ctx: typer.Context,
    *,
    pain_before: int,
    pain_after: int,
    preset: str | None,
    routine: str | None,
    area: list[str] | None,
    minutes: int | None,
    at: str | None,
) -> None:
    """Plan the routine that was done and record it as done in full."""
    from zoneinfo import ZoneInfo

    from backstretch.core.durations import minutes as amount

    if preset and routine:
        _fail("use --preset or --routine, not both")
    console = output_console()
    local: datetime | None = None
    if at is not None:
        try:
            local = datetime.strptime(at, "%Y-%m-%d %H:%M")
        except ValueError:
            _fail(f"--at: expected local time as 'YYYY-MM-DD HH:MM', got '{at}'")
    flags = {"areas": area or [], "minutes": minutes}
    choice = ui.plan_choice(preset=preset, routine=routine, profile=None, flags=flags)
    with wiring.person(ctx) as me:
        started = local.replace(tzinfo=ZoneInfo(me.timezone)) if local else None
        try:
            logged = log_session(
                me,
                choice,
                uuid=str(uuids.uuid4()),
                pain_before=pain_before,
                pain_after=pain_after,
                started_at=started,
            )
        except Blocked as blocked:
            ui.render_blocked(console, blocked.advice)
            raise typer.Exit(BLOCKED_EXIT) from None
        console.print(
            f"Logged {logged.today.name}: {len(logged.today.plan.items)} stretches, "
            f"{amount(logged.record.done_seconds)} of stretching, "
            f"pain {pain_before} → {pain_after}."
        )
        if logged.ending.paused:
            console.print(Text(me.guide.block_advice["pain_pause"].strip(), style="yellow"))
