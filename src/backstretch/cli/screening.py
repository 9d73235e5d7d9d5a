"""The interactive screening in a terminal: grouped checklists, each with "none of these"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.prompt import Prompt
from rich.text import Text

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

YES, NO, UNSURE = "y", "n", "?"
_ANSWER_WORDS = {
    "y": YES,
    "yes": YES,
    "n": NO,
    "no": NO,
    "?": UNSURE,
    "not sure": UNSURE,
    "unsure": UNSURE,
    "s": UNSURE,
}

STOP_HERE = "We stop the questions here: that answer needs help now, not a stretch."

VERDICT_STYLE = {
    Verdict.EMERGENCY: "bold white on red",
    Verdict.SEE_CLINICIAN: "bold black on yellow",
    Verdict.INCOMPLETE: "bold black on yellow",
    Verdict.SELF_CARE: "bold black on green",
}


def _ask(console: Console, prompt: str, default: str | None) -> str:
    while True:
        reply = Prompt.ask(
            prompt, console=console, default=default or "", show_default=bool(default)
        )
        word = _ANSWER_WORDS.get(reply.strip().lower())
        if word:
            return word
        console.print("Please answer y (yes), n (no) or ? (not sure).")


def _previous(value: Any) -> str | None:
    return {True: YES, False: NO}.get(value) if isinstance(value, bool) else None


def _question_text(question: Question) -> Text:
    text = Text(question.question, style="bold")
    for part in question.parts:
        text.append(f"\n   – {part}", style="")
    return text


def ask_all(
    console: Console,
    guide: ScreeningGuide,
    previous: Mapping[str, Any] | None = None,
    *,
    emergency_number: str,
) -> dict[str, Any]:
    """Ask every question and return answers in SCREENING.md's format.

    Red-flag groups are asked as a checklist: "none of these" answers the whole group with no;
    otherwise each question is asked with yes / no / not sure. "Not sure" leaves a red flag
    unanswered (a question for a clinician) and applies a restriction.

    Emergency first (SCREENING.md): as soon as the answers so far make an emergency, no further
    question is asked; the answers given so far are returned, to be stored with the verdict.
    """
    previous = previous or {}
    answers: dict[str, Any] = {}
    console.print(
        Panel(
            guide.disclaimer.replace("{emergency_number}", emergency_number),
            title="Before you start",
            title_align="left",
        )
    )
    for group in guide.groups:
        questions = [q for q in guide.questions if q.group == group.id]
        if not questions:
            continue
        console.print()
        console.print(Text(group.title, style="bold underline"))
        console.print(group.intro)
        restriction_group = all(q.tier is Tier.RESTRICTION for q in questions)
        if not restriction_group:
            for number, question in enumerate(questions, 1):
                console.print(Text(f"{number}. ").append(_question_text(question)))
            none_before = all(previous.get(q.id) is False for q in questions)
            reply = Prompt.ask(
                "Does any of these apply? (n = none of these, y = yes or not sure)",
                console=console,
                choices=["n", "y"],
                default="n" if none_before else None,
            )
            if reply == "n":
                answers.update(dict.fromkeys((q.id for q in questions), False))
                continue
        for question in questions:
            console.print(_question_text(question))
            console.print(Text(question.help, style="dim"))
            default = _previous(previous.get(question.id))
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
    return _with_cleared(answers, previous)


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
