"""The daily loop behind `backstretch start` and `backstretch log`.

Check in (the weekly screening when due, the remembered profile, pain now), see the plan and
what changed, stretch with the player, say how it felt, and save, step by step, so that nothing
done is ever lost.
"""

from __future__ import annotations

import contextlib
import signal
import uuid as uuids
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.prompt import Prompt
from rich.text import Text

from backstretch.cli import context as shared
from backstretch.cli.render import output_console
from backstretch.config import Settings
from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Region
from backstretch.core.profile import Profile, ProfileError, Setting, parse_profile
from backstretch.core.records import SessionStatus
from backstretch.core.safety import GateStatus, StopSignal, stop_signals_for
from backstretch.core.timeline import TimelineSettings
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.store import Store
from backstretch.services.screening import Context

Fail = Callable[[str], NoReturn]
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
            if reply.strip().lower() != "c":
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
    data["setting"] = Prompt.ask(
        "Where are you", console=console, choices=settings, default=data.get("setting", "floor")
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


def _signal_labels(context: Context) -> dict[str, str]:
    labels = {text.id: text.label for text in context.guide.stop_signals}
    for text in context.guide.stop_signals:
        if text.id == StopSignal.PAIN_RISING.value:
            labels["pain_rising_done"] = text.advice
    return labels


def play_and_save(
    *,
    store: Store,
    context: Context,
    session_uuid: str,
    segments: Any,
    positions: Sequence[int] | None,
    earlier: Sequence[Any],
    pregnant: bool,
    voice: bool,
    quiet: bool,
) -> Any:
    """Run the player over `segments`, saving what was done as it goes; return the outcome."""
    from backstretch.cli.player import Espeak, PlayerHooks, Run, Silent, VoiceUnavailable
    from backstretch.services import sessions

    clock, keys, interactive = shared.player_devices()
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
        moved = sessions.shifted(items, positions)
        return [sessions.merged(by_position[i.position], i) for i in moved]

    def save(items: Sequence[Any]) -> None:
        with transaction(store.sessions) as session:
            sessions.save_items(session, uuid=session_uuid, items=to_store(items), now=shared.now())

    def pain_rising(stretch: str) -> None:
        with transaction(store.sessions) as session:
            sessions.record_stop_signal(
                session,
                uuid=session_uuid,
                signal=StopSignal.PAIN_RISING,
                stretch=stretch,
                now=shared.now(),
            )

    run = Run(
        segments,
        catalogue=context.catalogue,
        clock=clock,
        keys=keys,
        console=output_console(),
        voice=speaker,
        signals=stop_signals_for(pregnant=pregnant),
        signal_labels=_signal_labels(context),
        hooks=PlayerHooks(save=save, pain_rising=pain_rising),
        bell=not quiet,
        live=interactive,
    )
    activate = getattr(keys, "active", None)
    with _hangup_as_interrupt(), activate() if activate else contextlib.nullcontext():
        outcome = run.play()
    if isinstance(speaker, Espeak):
        speaker.close()
    outcome.items = tuple(to_store(outcome.items))
    return outcome


def finish_and_report(
    *,
    store: Store,
    context: Context,
    session_uuid: str,
    outcome: Any,
    pain_after: int | None,
    interactive: bool,
) -> int:
    """Ask how it felt, store the ending, show advice; return the exit code."""
    from backstretch.services import sessions

    console = output_console()
    status = outcome.status
    if status is SessionStatus.STOPPED:
        console.print(Text("Session stopped. Thank you for listening to your body.", style="bold"))
    if outcome.stop_signal is not None:  # what to do now comes before any question
        advice = sessions.stop_advice(context.guide, outcome.stop_signal, context.emergency_number)
        console.print(Text(advice, style="bold"))
    if interactive and pain_after is None and status is not SessionStatus.ABANDONED:
        pain_after = ask_pain(console, "Pain now, after the session?", optional=True)
    with transaction(store.sessions) as session:
        ending = sessions.finish_session(
            session,
            uuid=session_uuid,
            status=status,
            now=shared.now(),
            timezone=context.timezone,
            guide=context.guide,
            emergency_number=context.emergency_number,
            pain_after=pain_after,
            stop_signal=outcome.stop_signal,
            stopped_stretch=outcome.stopped_stretch,
        )
        record = repository.get_session(session=session, uuid=session_uuid)
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
        advice = context.guide.block_advice["pain_pause"].strip()
        console.print(Text(advice, style="bold yellow"))
    assert record is not None  # stored above
    minutes, seconds = divmod(record.done_seconds, 60)
    word = {
        SessionStatus.COMPLETED: "Session complete",
        SessionStatus.STOPPED: "Session stopped",
        SessionStatus.ABANDONED: "Saved part-way (`backstretch start --resume` carries on)",
    }[status]
    console.print(f"{word}: {minutes}:{seconds:02d} of stretching saved.")
    if interactive and status is SessionStatus.COMPLETED:
        offer_weekly_checkin(store, context, console)
    return 0


CHECKIN_EVERY = timedelta(days=7)


def offer_weekly_checkin(store: Store, context: Context, console: Console) -> None:
    """Offer the optional activity check-in when the last one is a week old (or there is none)."""
    from backstretch.cli.progress_commands import ask_ratings, save_checkin

    with transaction(store.sessions) as session:
        earlier = repository.list_checkins(session=session)
    if earlier and shared.now() - earlier[-1].at < CHECKIN_EVERY:
        return
    reply = Prompt.ask(
        "Weekly check-in: rate up to three everyday activities? (y = yes, Enter = not now)",
        console=console,
        default="",
        show_default=False,
    )
    if reply.strip().lower() not in ("y", "yes"):
        return
    ratings = ask_ratings(console, earlier[-1] if earlier else None)
    if ratings:
        save_checkin(store, context.timezone, ratings, console)


def _plan_today(
    session: Any,
    context: Context,
    person: Profile,
    *,
    now: datetime,
    on: Any,
    requests: Any,
    preset: Any,
    settings: TimelineSettings,
) -> Any:
    """Plan with the progression the stored sessions call for."""
    from backstretch.cli import planning as ui
    from backstretch.services import sessions

    return sessions.plan_next(
        session,
        profile=person,
        catalogue=context.catalogue,
        guide=context.guide,
        emergency_number=context.emergency_number,
        now=now,
        on=on,
        requests=requests,
        strategy=ui.strategy_of(preset),
        settings=settings,
    )


def _context_and_store(fail: Fail) -> tuple[Settings, Context, Store]:
    settings, context = shared.screening_context(fail)
    store = shared.store(settings, fail)
    settings, context = shared.personal(settings, context, store)
    return settings, context, store


def _choose_routine(
    *,
    catalogue: Catalogue,
    preset: str | None,
    routine: Path | None,
    fail: Fail,
) -> tuple[str, Any, Any]:
    from backstretch.cli import planning as ui
    from backstretch.data import presets

    if preset and routine:
        fail("use --preset or --routine, not both")
    if preset is not None:
        known = presets(catalogue)
        if preset not in known:
            fail(f"unknown preset '{preset}'. Presets: {', '.join(known)}")
        chosen = known[preset]
        return chosen.name, chosen.requests, chosen
    if routine is not None:
        name, requests = ui.load_routine(routine, catalogue, fail)
        return name, requests, None
    return "My routine", None, None


def _profile_data(
    *,
    console: Console,
    interactive: bool,
    remembered: dict[str, Any] | None,
    flags: dict[str, Any],
    preset: Any,
    requests: Any,
    catalogue: Catalogue,
    fail: Fail,
) -> Profile:
    from backstretch.cli import planning as ui

    answered = any(v not in (None, []) for v in flags.values()) or preset or requests
    knows_areas = flags.get("areas") or preset or requests or (remembered or {}).get("areas")
    data = remembered
    if interactive and (not answered or not knows_areas):
        data = ask_profile(console, remembered)
    return ui.build_profile(
        file_data=data,
        preset=preset,
        flags=flags,
        routine_items=requests,
        catalogue=catalogue,
        fail=fail,
        origin="profile",
    )


def run_start(
    *,
    area: list[str] | None,
    minutes: int | None,
    setting: str | None,
    preset: str | None,
    routine: Path | None,
    pain_before: int | None,
    pain_after: int | None,
    resume: bool,
    voice: bool,
    quiet: bool,
    yes: bool,
) -> None:
    """Check in, plan, play and save one session (see `backstretch start --help`)."""
    from backstretch.cli import planning as ui
    from backstretch.cli.screening import ask_all, render_result
    from backstretch.services import sessions
    from backstretch.services.screening import current_gate, record_screening

    fail = _fail
    settings, context, store = _context_and_store(fail)
    console = output_console()
    _, _, interactive = shared.player_devices()
    try:
        if resume:
            raise typer.Exit(
                _resume(store, context, voice=voice, quiet=quiet, pain_after=pain_after)
            )
        if not interactive and pain_before is None:
            fail("without a terminal, say how it feels now with --pain-before 0-10")
        name, requests, chosen = _choose_routine(
            catalogue=context.catalogue, preset=preset, routine=routine, fail=fail
        )
        now = shared.now()
        with transaction(store.sessions) as session:
            gate = current_gate(session, now=now)
            latest = repository.latest_screening(session=session)
            remembered = repository.load_profile(session=session)
        if gate.status in (GateStatus.MISSING, GateStatus.STALE, GateStatus.INCOMPLETE):
            if not interactive:
                fail(
                    "the weekly safety check is due: run `backstretch screen` first",
                    BLOCKED_EXIT,
                )
            console.print(Text("First, the weekly safety check.", style="bold"))
            raw = ask_all(
                console,
                context.guide,
                latest.answers if latest else None,
                emergency_number=context.emergency_number,
            )
            with transaction(store.sessions) as session:
                _, result = record_screening(session, raw, context, now=shared.now())
            if not result.allows_routine:
                render_result(console, result)
                raise typer.Exit(BLOCKED_EXIT)
        flags = {"areas": area or [], "minutes": minutes, "setting": setting}
        person = _profile_data(
            console=console,
            interactive=interactive,
            remembered=remembered,
            flags=flags,
            preset=chosen,
            requests=requests,
            catalogue=context.catalogue,
            fail=fail,
        )
        if pain_before is None:
            pain_before = ask_pain(console, "Pain right now?")
        now = shared.now()
        timeline_settings = TimelineSettings(lead_in_seconds=settings.lead_in_seconds)
        with transaction(store.sessions) as session:
            upcoming = _plan_today(
                session,
                context,
                person,
                now=now,
                on=ui.local_date(now, context.timezone),
                requests=requests,
                preset=chosen,
                settings=timeline_settings,
            )
            outcome = upcoming.outcome
            if outcome.plan is not None:
                repository.save_profile(
                    session=session, data=person.model_dump(mode="json"), at=now
                )
        if outcome.plan is None:
            ui.render_blocked(console, outcome.advice or {})
            raise typer.Exit(BLOCKED_EXIT)
        if not outcome.gate.may_play:
            fail("the weekly safety check is due: run `backstretch screen` first", BLOCKED_EXIT)
        plan = outcome.plan
        if not plan.items:
            fail("no stretch fits: try more minutes or another setting")
        ui.render_plan(console, outcome, plan, context.catalogue, "")
        _render_changes(console, upcoming.changes)
        console.print(Text(context.guide.session_reminder.strip(), style="italic"))
        if interactive and not yes:
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
        with transaction(store.sessions) as session:
            sessions.begin_session(
                session,
                uuid=session_uuid,
                routine_name=name,
                items=plan.routine,
                settings=timeline_settings,
                pain_before=pain_before,
                now=shared.now(),
                timezone=context.timezone,
                changes=upcoming.changes,
            )
        pregnant = "pregnant" in [r.value for r in outcome.restrictions]
        played = play_and_save(
            store=store,
            context=context,
            session_uuid=session_uuid,
            segments=plan.segments,
            positions=None,
            earlier=(),
            pregnant=pregnant,
            voice=voice,
            quiet=quiet,
        )
        code = finish_and_report(
            store=store,
            context=context,
            session_uuid=session_uuid,
            outcome=played,
            pain_after=pain_after,
            interactive=interactive,
        )
        raise typer.Exit(code)
    finally:
        store.close()


def _resume(
    store: Store, context: Context, *, voice: bool, quiet: bool, pain_after: int | None
) -> int:
    from backstretch.services import sessions
    from backstretch.services.screening import current_gate

    console = output_console()
    with transaction(store.sessions) as session:
        gate = current_gate(session, now=shared.now())
        try:
            left = sessions.find_resumable(session, context.catalogue)
        except sessions.SessionError as error:
            _fail(str(error))
        if left is not None and gate.may_play:
            sessions.reopen(session, uuid=left.record.uuid, now=shared.now())
        pregnant = sessions.pregnant_now(session)
    if not gate.may_play:
        _fail(
            "a session cannot be resumed now: the safety check is due or a block is open "
            "(`backstretch plan` says why)",
            BLOCKED_EXIT,
        )
    if left is None:
        _fail("there is no unfinished session to resume: `backstretch start` begins a new one")
    if not left.remaining:
        console.print("Everything in that session was done already; saving it as complete.")
    else:
        console.print(
            f"Resuming {left.record.routine_name} from {left.record.local_day.isoformat()}: "
            f"{len(left.remaining)} of {len(left.record.items)} stretches to go."
        )
    played = play_and_save(
        store=store,
        context=context,
        session_uuid=left.record.uuid,
        segments=left.segments(),
        positions=left.positions,
        earlier=left.record.items,
        pregnant=pregnant,
        voice=voice,
        quiet=quiet,
    )
    _, _, interactive = shared.player_devices()
    return finish_and_report(
        store=store,
        context=context,
        session_uuid=left.record.uuid,
        outcome=played,
        pain_after=pain_after,
        interactive=interactive,
    )


def run_log(
    *,
    pain_before: int,
    pain_after: int,
    preset: str | None,
    routine: Path | None,
    area: list[str] | None,
    minutes: int | None,
    at: str | None,
) -> None:
    """Plan the routine that was done and record it as done in full."""
    from zoneinfo import ZoneInfo

    from backstretch.cli import planning as ui
    from backstretch.services import sessions

    fail = _fail
    settings, context, store = _context_and_store(fail)
    console = output_console()
    try:
        name, requests, chosen = _choose_routine(
            catalogue=context.catalogue, preset=preset, routine=routine, fail=fail
        )
        now = shared.now()
        started: datetime | None = None
        if at is not None:
            try:
                local = datetime.strptime(at, "%Y-%m-%d %H:%M")
            except ValueError:
                fail(f"--at: expected local time as 'YYYY-MM-DD HH:MM', got '{at}'")
            started = local.replace(tzinfo=ZoneInfo(context.timezone)).astimezone(now.tzinfo)
            if started > now:
                fail("--at: that time has not happened yet")
        with transaction(store.sessions) as session:
            remembered = repository.load_profile(session=session)
        person = _profile_data(
            console=console,
            interactive=False,
            remembered=remembered,
            flags={"areas": area or [], "minutes": minutes, "setting": None},
            preset=chosen,
            requests=requests,
            catalogue=context.catalogue,
            fail=fail,
        )
        timeline_settings = TimelineSettings(lead_in_seconds=settings.lead_in_seconds)
        with transaction(store.sessions) as session:
            upcoming = _plan_today(
                session,
                context,
                person,
                now=now,
                on=ui.local_date(started or now, context.timezone),
                requests=requests,
                preset=chosen,
                settings=timeline_settings,
            )
            plan = upcoming.outcome.plan
            if plan is None:
                ui.render_blocked(console, upcoming.outcome.advice or {})
                raise typer.Exit(BLOCKED_EXIT)
            if not plan.items:
                fail("no stretch fits that routine: say more --minutes or another --area")
            started = started or now - timedelta(seconds=plan.total_seconds)
            session_uuid = str(uuids.uuid4())
            ending = sessions.log_session(
                session,
                uuid=session_uuid,
                routine_name=name,
                items=plan.routine,
                settings=timeline_settings,
                started_at=started,
                now=now,
                timezone=context.timezone,
                pain_before=pain_before,
                pain_after=pain_after,
                guide=context.guide,
                emergency_number=context.emergency_number,
            )
        console.print(
            f"Logged {name}: {len(plan.items)} stretches, "
            f"{plan.total_seconds // 60} min, pain {pain_before} → {pain_after}."
        )
        if ending.paused:
            console.print(Text(context.guide.block_advice["pain_pause"].strip(), style="yellow"))
    finally:
        store.close()
