"""The interactive screening in a terminal: one group at a time, each with "none of these"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.prompt import Prompt
from rich.text import Text

from backstretch.cli.choices import ask_choice
from backstretch.core.screening import (
    MAX_PREGNANCY_WEEKS,
    Question,
    Restriction,
    ScreeningGuide,
    ScreeningResult,
    Tier,
    Verdict,
    emergency_reasons,
)
from backstretch.services.screening import same_as_last_time

YES, NO, UNSURE = "y", "n", "?"
_ANSWERS = {"yes": YES, "no": NO, "not sure": UNSURE}
_ANSWER_ALIASES = {"y": "yes", "n": "no", "?": "not sure", "s": "not sure", "unsure": "not sure"}
_GROUP_ALIASES = {"n": "none", "no": "none", "y": "yes", "?": "yes", "b": "back"}

STOP_HERE = "We stop the questions here: that answer needs help now, not a stretch."

VERDICT_STYLE = {
    Verdict.EMERGENCY: "bold white on red",
    Verdict.SEE_CLINICIAN: "bold black on yellow",
    Verdict.INCOMPLETE: "bold black on yellow",
    Verdict.SELF_CARE: "bold black on green",
}


def _ask(console: Console, prompt: str, default: str | None) -> str:
    word = ask_choice(
        console,
        prompt,
        list(_ANSWERS),
        default={v: k for k, v in _ANSWERS.items()}.get(default or ""),
        aliases=_ANSWER_ALIASES,
    )
    return _ANSWERS[word]


def _previous(value: Any) -> str | None:
    return {True: YES, False: NO}.get(value) if isinstance(value, bool) else None


def _question_text(question: Question) -> Text:
    return Text(question.plain, style="bold")


def show_disclaimer(console: Console, guide: ScreeningGuide, *, emergency_number: str) -> None:
    """Show the short disclaimer once, before a first safety check; one key confirms it."""
    console.print(
        Panel(
            guide.disclaimer.replace("{emergency_number}", emergency_number),
            title="Please read",
            title_align="left",
        )
    )
    Prompt.ask("Enter = I understand, start", console=console, default="", show_default=False)


def ask_all(
    console: Console,
    guide: ScreeningGuide,
    previous: Mapping[str, Any] | None = None,
    *,
    emergency_number: str,
    disclaimer: bool = True,
    afresh: bool = False,
) -> dict[str, Any]:
    """Ask every question, one group at a time, and return answers in SCREENING.md's format.

    Each group is a checklist: Enter or "n" answers it "none of these"; "y" goes through its
    questions with yes / no / not sure; "b" goes back a group, keeping the answers. "Not sure"
    leaves a red flag unanswered (a question for a clinician) and applies a restriction.
    `previous` pre-fills the answers (red flags too, unless `afresh`).

    Emergency first (SCREENING.md): as soon as the answers so far make an emergency, no further
    question is asked; the answers given so far are returned, to be stored with the verdict.
    """
    previous = previous or {}
    if disclaimer:
        show_disclaimer(console, guide, emergency_number=emergency_number)
    groups = [
        (group, [q for q in guide.questions if q.group == group.id]) for group in guide.groups
    ]
    groups = [(g, qs) for g, qs in groups if qs]
    answers: dict[str, Any] = {}
    index = 0
    while index < len(groups):
        group, questions = groups[index]

        def known(question: Question) -> Any:
            if question.id in answers:
                return answers[question.id]
            if afresh and question.tier is not Tier.RESTRICTION:
                return None
            return previous.get(question.id)

        console.print()
        console.print(Text(f"{index + 1} of {len(groups)} · {group.title}", style="bold"))
        if console.width >= 60:
            console.print(Text(group.intro, style="dim"))
        for number, question in enumerate(questions, 1):
            console.print(Text(f"{number}. ").append(_question_text(question)))
        any_yes = any(known(q) is True for q in questions)
        options = ["none", "yes"] + (["back"] if index else [])
        hint = "Enter/y go through them · n none" if any_yes else "Enter/n none of these · y yes"
        reply = ask_choice(
            console,
            hint + (" · b back" if index else ""),
            options,
            default="yes" if any_yes else "none",
            aliases=_GROUP_ALIASES,
        )
        if reply == "back":
            index -= 1
            continue
        if reply == "none":
            answers.update(dict.fromkeys((q.id for q in questions), False))
            if any(q.id == Restriction.PREGNANT.value for q in questions):
                answers.pop("pregnancy_weeks", None)
            index += 1
            continue
        for question in questions:
            console.print(_question_text(question))
            console.print(Text(question.help, style="dim"))
            default = _previous(known(question))
            if default is None and previous and question.tier is Tier.RESTRICTION:
                default = NO  # SCREENING.md: a restriction not answered means no
            reply = _ask(console, "y / n / ? (not sure)", default)
            if question.tier is Tier.RESTRICTION:
                # Not sure means the restriction applies: the cautious choice.
                answers[question.id] = reply in (YES, UNSURE)
            else:
                answers[question.id] = {YES: True, NO: False, UNSURE: None}[reply]
                if emergency_reasons(answers):
                    console.print()
                    console.print(Text(STOP_HERE, style="bold red"))
                    return _with_cleared(answers, previous)
            if question.id == Restriction.PREGNANT.value and answers[question.id]:
                weeks = _ask_weeks(console, question.follow_up, previous.get("pregnancy_weeks"))
                if weeks is not None:
                    answers["pregnancy_weeks"] = weeks
        index += 1
    return _with_cleared(answers, previous)


def ask_weekly(
    console: Console,
    guide: ScreeningGuide,
    previous: Mapping[str, Any],
    *,
    emergency_number: str,
) -> dict[str, Any]:
    """The weekly check: every urgent question on one screen, answered with one key.

    Enter (or "n") means none of these has started and the rest is as last time; "c" goes
    through the groups, with the urgent questions asked afresh.
    """
    console.print(Text("Weekly safety check: has any of these started?", style="bold"))
    for question in guide.questions:
        if question.tier is not Tier.RESTRICTION:
            console.print(Text(f"• {question.plain}"))
    reply = ask_choice(
        console,
        "Enter/n none of these, same as last time · c something changed",
        ["none", "changed"],
        default="none",
        aliases={"n": "none", "no": "none", "c": "changed"},
    )
    if reply == "none":
        return same_as_last_time(previous, guide)
    return ask_all(
        console, guide, previous, emergency_number=emergency_number, disclaimer=False, afresh=True
    )


def _with_cleared(answers: dict[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """Carry the clinician's clearances of the earlier screening over to these answers."""
    if "cleared" in previous:
        answers["cleared"] = list(previous["cleared"])
    return answers


def _ask_weeks(console: Console, prompt: str | None, default: Any) -> int | None:
    while True:
        reply = Prompt.ask(
            prompt or "How many weeks? (blank if not sure)",
            console=console,
            default=str(default) if isinstance(default, int) else "",
            show_default=isinstance(default, int),
        ).strip()
        if not reply:
            return None
        if reply.isdigit() and 0 <= int(reply) <= MAX_PREGNANCY_WEEKS:
            return int(reply)
        console.print(
            f"Please give a whole number from 0 to {MAX_PREGNANCY_WEEKS}, or leave blank."
        )


def render_result(console: Console, result: ScreeningResult) -> None:
    """Print the verdict and its advice."""
    advice = result.advice
    body = Text(advice.text)
    if advice.actions:
        body.append("\n\nWhat to do:\n", style="bold")
        body.append("\n".join(f"• {a}" for a in advice.actions))
    if result.restrictions:
        body.append("\n\nAdjustments in force: ", style="bold")
        body.append(", ".join(r.value.replace("_", " ") for r in result.restrictions))
    console.print(
        Panel(
            body,
            title=Text(f" {advice.title} ", style=VERDICT_STYLE[result.verdict]),
            title_align="left",
            border_style="red" if result.verdict is Verdict.EMERGENCY else "white",
        )
    )
