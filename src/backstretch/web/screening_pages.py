"""The safety screening in the browser: grouped checklists that work without JavaScript.

Each question is answered no / yes / not sure. A red-flag group has a "none of these" button,
which fills the group with "no", and a "next" button; both come back to the form at the next
group (a GET with the draft answers in the query string, so nothing is stored yet). Emergency
first (SCREENING.md): when the answers so far already make an emergency, no further group is
asked: the answers given so far are stored and the emergency advice is shown at once. Not sure
leaves a red flag unanswered (a question for a clinician) and applies a restriction, exactly as
in the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from backstretch.core.screening import (
    MAX_PREGNANCY_WEEKS,
    Question,
    Restriction,
    ScreeningGuide,
    Tier,
    Verdict,
    emergency_reasons,
)
from backstretch.services.errors import Invalid
from backstretch.services.screening import (
    current_gate,
    latest_answers,
    record_clearance,
    record_screening,
    same_as_last_time,
    screening_status,
)
from backstretch.web.deps import PersonDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

YES, NO, UNSURE = "yes", "no", "unsure"
CHOICES = (NO, YES, UNSURE)
CLI_ACTION = "backstretch screen --clear"  # the web page offers a button instead


def _previous_choice(question: Question, value: Any, *, weekly: bool) -> str | None:
    if value is True:
        return YES
    if value is False:
        return NO
    if weekly and question.tier is Tier.RESTRICTION:
        return NO  # SCREENING.md: a restriction not answered means no
    return None


def _groups(guide: ScreeningGuide) -> list[dict[str, Any]]:
    groups = []
    for group in guide.groups:
        questions = [q for q in guide.questions if q.group == group.id]
        if questions:
            red_flags = any(q.tier is not Tier.RESTRICTION for q in questions)
            groups.append({"group": group, "questions": questions, "red_flags": red_flags})
    return groups


def answers_from_form(
    form: Mapping[str, str], guide: ScreeningGuide
) -> tuple[dict[str, Any], list[str]]:
    """Turn the form's choices into SCREENING.md answers; return them and any problems."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for question in guide.questions:
        choice = form.get(question.id, "")
        if choice == "":
            continue
        if choice not in CHOICES:
            problems.append(f"{question.id}: expected one of {', '.join(CHOICES)}")
            continue
        if question.tier is Tier.RESTRICTION:
            answers[question.id] = choice in (YES, UNSURE)  # not sure: the cautious choice
        else:
            answers[question.id] = {YES: True, NO: False, UNSURE: None}[choice]
    weeks = form.get("pregnancy_weeks", "").strip()
    if weeks and answers.get(Restriction.PREGNANT.value):
        if weeks.isdigit() and int(weeks) <= MAX_PREGNANCY_WEEKS:
            answers["pregnancy_weeks"] = int(weeks)
        else:
            problems.append(f"pregnancy_weeks: a whole number from 0 to {MAX_PREGNANCY_WEEKS}")
    return answers, problems


def _step_url(step: int, draft: Mapping[str, str], *, new: bool) -> str:
    """Return the address of one step of the stepper, carrying the answers given so far."""
    query = {"step": str(step), **draft}
    if new:
        query["new"] = "1"
    return f"/screen?{urlencode(query)}"


def same_site(path: str) -> str | None:
    """Return `path` when it is an address on this site ("/play"), else None: a weekly check
    goes on to where the person was heading, never to another site."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    if any(ord(character) < 32 for character in path):
        return None
    parts = urlsplit(path)
    return path if not parts.scheme and not parts.netloc else None


def _draft(values: Mapping[str, str], guide: ScreeningGuide) -> dict[str, str]:
    """Keep only the well-formed answers of a query or form (what the next step carries on)."""
    draft = {q.id: values[q.id] for q in guide.questions if values.get(q.id) in CHOICES}
    if values.get("pregnancy_weeks", "").strip():
        draft["pregnancy_weeks"] = values["pregnancy_weeks"].strip()
    return draft


@router.get("/screen", response_class=HTMLResponse)
def screening_form(
    request: Request,
    person: PersonDep,
    new: str = "",
    step: str = "",
    next_path: Annotated[str, Query(alias="next", max_length=200)] = "",
) -> Response:
    """The safety check, one group per screen.

    Without a step: a first check starts with the short disclaimer, a weekly check shows every
    urgent question on one screen with one answer, "new symptoms" starts at the first group.
    Each step carries the answers given so far in its address, so a reload or "back" keeps them.
    `next` (a path on this site) is where "same as last time" goes on to, when safety allows.
    """
    guide = person.guide
    latest = latest_answers(person)
    previous = latest or {}
    new_symptoms = bool(new)
    groups = _groups(guide)
    context: dict[str, Any] = {"new_symptoms": new_symptoms, "total": len(groups)}
    if not step.isdigit() or not 0 <= int(step) <= len(groups):
        if new_symptoms:
            step = "1"
        elif latest is not None:
            return _weekly(request, person, previous, groups, same_site(next_path))
        else:
            step = "0"
    number = int(step)
    if number == 0:
        context["disclaimer"] = guide.disclaimer.replace(
            "{emergency_number}", person.emergency_number
        )
        context["start"] = _step_url(1, {}, new=new_symptoms)
        return TEMPLATES.TemplateResponse(request, "screen.html", {**context, "step": 0})
    entry = groups[number - 1]
    draft = _draft(request.query_params, guide)
    chosen: dict[str, str | None] = {}
    for question in entry["questions"]:
        if question.id in draft:
            chosen[question.id] = draft[question.id]
        elif new_symptoms and question.tier is not Tier.RESTRICTION:
            chosen[question.id] = None  # what is new is asked afresh, never pre-filled
        else:
            chosen[question.id] = _previous_choice(
                question, previous.get(question.id), weekly=bool(previous)
            )
    here = {q.id for q in entry["questions"]} | (
        {"pregnancy_weeks"} if any(q.id == "pregnant" for q in entry["questions"]) else set()
    )
    weeks = draft.get("pregnancy_weeks") or previous.get("pregnancy_weeks") or ""
    return TEMPLATES.TemplateResponse(
        request,
        "screen.html",
        {
            **context,
            "step": number,
            "entry": entry,
            "last": number == len(groups),
            "chosen": chosen,
            # Answers other than "no" in this group (after "back"): show them, open.
            "open_answers": any(chosen[q.id] in (YES, UNSURE) for q in entry["questions"]),
            "carried": [(k, v) for k, v in draft.items() if k not in here],
            "back": _step_url(number - 1, draft, new=new_symptoms)
            if number > 1 or not new_symptoms
            else None,
            "weeks": weeks,
            "max_weeks": MAX_PREGNANCY_WEEKS,
        },
    )


def _weekly(
    request: Request,
    person: Any,
    previous: Mapping[str, Any],
    groups: list[dict[str, Any]],
    then: str | None,
) -> Response:
    """Every urgent question on one compact screen, with "none of these, same as last time"."""
    urgent = [
        {
            "group": e["group"],
            "questions": [q for q in e["questions"] if q.tier is not Tier.RESTRICTION],
        }
        for e in groups
        if e["red_flags"]
    ]
    kept = [
        q.question
        for q in person.guide.questions
        if q.tier is not Tier.RESTRICTION and previous.get(q.id) is True
    ]
    return TEMPLATES.TemplateResponse(
        request, "screen_weekly.html", {"urgent": urgent, "kept": kept, "then": then}
    )


@router.post("/screen", response_class=HTMLResponse)
async def submit_screening(
    request: Request,
    person: PersonDep,
    none: Annotated[str, Form(max_length=40)] = "",
    next_group: Annotated[str, Form(alias="next", max_length=40)] = "",
    new: Annotated[str, Form(max_length=5)] = "",
    weekly: Annotated[str, Form(max_length=10)] = "",
    then: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Finish one group and go on to the next, or store the answers and show the result.

    A group finished ("none of these" or "next") with an emergency among the answers so far
    ends the questions: those answers are stored and the result shows the emergency advice.
    Finishing the last group stores everything. "Same as last time" answers the weekly check
    and, when a session may start, goes straight on to `then` (a path on this site: /play).
    """
    guide = person.guide
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    step = none or next_group
    if weekly:
        previous = latest_answers(person)
        if weekly != "same" or previous is None:
            return _problems(request, ["weekly: there is no earlier check to keep"])
        answers: dict[str, Any] = same_as_last_time(previous, guide)
    elif step:
        group_ids = [g["group"].id for g in _groups(guide)]
        if step not in group_ids:
            button = "none" if none else "next"
            return _problems(request, [f"{button}: unknown group '{step}'"])
        draft = {q.id: form[q.id] for q in guide.questions if form.get(q.id)}
        if none:
            draft.update({q.id: NO for q in guide.questions if q.group == none})
        if form.get("pregnancy_weeks"):
            draft["pregnancy_weeks"] = form["pregnancy_weeks"]
        answers, problems = answers_from_form(draft, guide)
        if problems:
            return _problems(request, problems)
        position = group_ids.index(step) + 1
        if not emergency_reasons(answers) and position < len(group_ids):
            return RedirectResponse(_step_url(position + 1, draft, new=bool(new)), status_code=303)
    else:
        answers, problems = answers_from_form(form, guide)
        if problems:
            return _problems(request, problems)
    try:
        await run_in_threadpool(record_screening, person, answers)
    except Invalid as error:
        return _problems(request, [error.message])
    onward = same_site(then) if weekly else None
    if onward and (await run_in_threadpool(current_gate, person)).may_play:
        return RedirectResponse(onward, status_code=303)
    return RedirectResponse("/screen/result", status_code=303)


def _problems(request: Request, problems: list[str]) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": "/screen"}, status_code=422
    )


@router.get("/screen/result", response_class=HTMLResponse)
def screening_result(request: Request, person: PersonDep) -> Response:
    """The latest verdict with its advice, what to do next and, if any, the clearance form."""
    status = screening_status(person)
    result = status.result
    if result is None:
        return RedirectResponse("/screen", status_code=303)
    names = {q.id: q.plain for q in person.guide.questions}
    return TEMPLATES.TemplateResponse(
        request,
        "screen_result.html",
        {
            "result": result,
            "emergency": result.verdict is Verdict.EMERGENCY,
            "actions": [a for a in result.advice.actions if CLI_ACTION not in a],
            # The advice of the open safety blocks (the verdict's own advice is shown above).
            "block_advice": status.advice if status.blocks else None,
            "may_play": status.gate.may_play,
            "has_profile": status.has_profile,
            "clearable": [(i, names.get(i, i.replace("_", " "))) for i in status.clearable],
            "tel": _dialable(person.emergency_number),
        },
    )


def _dialable(number: str) -> str | None:
    """Return the digits to dial when the emergency number is one number (else None).

    The generic wording lists several numbers ("112 / 911 / 999"): no single one is offered then.
    """
    if "/" in number:
        return None
    digits = ""
    for character in number:
        if character.isdigit():
            digits += character
        elif digits:
            break
    return digits or None


@router.post("/screen/clear", response_class=HTMLResponse)
def record_clearance_page(
    request: Request,
    person: PersonDep,
    ids: Annotated[list[str], Form(max_length=40)],
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Record that a clinician has checked these and said gentle stretching is fine."""
    if confirm != "yes":
        return _problems(request, ["confirm: tick the box to say a clinician has checked you"])
    try:
        record_clearance(person, ids)
    except Invalid as error:
        return _problems(request, [error.message])
    return RedirectResponse("/screen/result", status_code=303)
