"""Safety screening, exactly as SCREENING.md defines it: answers in, a verdict and advice out.

The ids are the contract. Precedence is emergency > see_clinician > incomplete > self_care, every
red-flag id is asked of everyone, and a restriction never blocks: it removes or swaps stretches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from backstretch.core.models import Movement, Region


class Verdict(StrEnum):
    """The outcome of a screening, most urgent first."""

    EMERGENCY = "emergency"
    SEE_CLINICIAN = "see_clinician"
    INCOMPLETE = "incomplete"
    SELF_CARE = "self_care"


class Tier(StrEnum):
    """How a question's yes answer is handled."""

    EMERGENCY = "emergency"
    SEE_SOON = "see_soon"
    RESTRICTION = "restriction"


class Restriction(StrEnum):
    """Restrictions of SCREENING.md; each rules out stretches by movement tag."""

    OSTEOPOROSIS = "osteoporosis"
    PREGNANT = "pregnant"
    STENOSIS_OR_SPONDYLOLISTHESIS = "stenosis_or_spondylolisthesis"
    DISC_WITH_LEG_PAIN = "disc_with_leg_pain"
    KNEE_PAIN_KNEELING = "knee_pain_kneeling"
    WRIST_PAIN = "wrist_pain"
    NO_FLOOR = "no_floor"
    NECK_GENTLE = "neck_gentle"
    POST_SURGERY = "post_surgery"
    NECK_CIRCLES = "neck_circles"


EMERGENCY_IDS: tuple[str, ...] = (
    "saddle_numbness",
    "wiping_sensation",
    "bladder_change",
    "bowel_change",
    "sexual_change",
    "both_legs",
    "leg_weakness_worsening",
    "major_trauma",
    "minor_fall_fragile",
    "chest_pain",
    "hands_clumsy_unsteady",
    "electric_shock_neck",
    "sudden_severe_headache",
    "dizziness_vision_speech",
    "stiff_neck_fever",
    "limb_weakness_new",
    "fever_and_immune",
)

SEE_SOON_IDS: tuple[str, ...] = (
    "fever",
    "weight_loss",
    "cancer_history",
    "night_pain",
    "lump_or_shape_change",
    "upper_back_pain_constant",
    "cough_sneeze_worse",
    "onset_age",
    "steroids_or_osteoporosis_new_pain",
    "immune_or_drugs_or_infection",
    "one_limb_nerve_symptoms",
    "no_improvement_6_weeks",
    "pregnant_with_pain",
    "inflammatory_neck",
    "recent_spine_surgery",
    "severe_not_improving",
)

RED_FLAG_IDS: tuple[str, ...] = EMERGENCY_IDS + SEE_SOON_IDS

# Restrictions a person answers for themselves (the others are implied or always on).
ASKED_RESTRICTIONS: tuple[Restriction, ...] = (
    Restriction.OSTEOPOROSIS,
    Restriction.PREGNANT,
    Restriction.STENOSIS_OR_SPONDYLOLISTHESIS,
    Restriction.DISC_WITH_LEG_PAIN,
    Restriction.KNEE_PAIN_KNEELING,
    Restriction.WRIST_PAIN,
    Restriction.NO_FLOOR,
)

# A see-soon flag that is never cleared: wait until it has passed.
NEVER_CLEARED: frozenset[str] = frozenset({"fever", *EMERGENCY_IDS})

# Fever with a weakened immune system, injected drugs or recent infection is an emergency.
EMERGENCY_PAIR: tuple[str, str] = ("fever", "immune_or_drugs_or_infection")

IMPLIED_RESTRICTIONS: Mapping[str, tuple[Restriction, ...]] = {
    "steroids_or_osteoporosis_new_pain": (Restriction.OSTEOPOROSIS,),
    "one_limb_nerve_symptoms": (Restriction.DISC_WITH_LEG_PAIN, Restriction.NECK_GENTLE),
    "pregnant_with_pain": (Restriction.PREGNANT,),
    "inflammatory_neck": (Restriction.NECK_GENTLE,),
    "recent_spine_surgery": (Restriction.POST_SURGERY,),
}

ALWAYS_ON: tuple[Restriction, ...] = (Restriction.NECK_CIRCLES,)

RULES_OUT: Mapping[Restriction, frozenset[Movement]] = {
    Restriction.OSTEOPOROSIS: frozenset({Movement.SPINAL_FLEXION, Movement.END_RANGE_ROTATION}),
    Restriction.PREGNANT: frozenset({Movement.SUPINE, Movement.PRONE, Movement.DEEP_BEND}),
    Restriction.STENOSIS_OR_SPONDYLOLISTHESIS: frozenset({Movement.SUSTAINED_EXTENSION}),
    Restriction.DISC_WITH_LEG_PAIN: frozenset({Movement.SPINAL_FLEXION, Movement.LONG_SIT}),
    Restriction.KNEE_PAIN_KNEELING: frozenset({Movement.KNEELING}),
    Restriction.WRIST_PAIN: frozenset({Movement.HANDS_WEIGHT}),
    Restriction.NO_FLOOR: frozenset({Movement.FLOOR}),
    # The tags do not tell neck rotation from trunk rotation, so all end-range rotation goes:
    # the conservative reading of "end_range_rotation of the neck".
    Restriction.NECK_GENTLE: frozenset({Movement.NECK_EXTENSION, Movement.END_RANGE_ROTATION}),
    Restriction.POST_SURGERY: frozenset(
        {Movement.SPINAL_FLEXION, Movement.END_RANGE_ROTATION, Movement.SUSTAINED_EXTENSION}
    ),
    Restriction.NECK_CIRCLES: frozenset({Movement.NECK_CIRCLE}),
}

# Pregnancy rules apply from week 13 on; unknown weeks count as week 13 or later.
PREGNANCY_RULES_FROM_WEEK = 13
MAX_PREGNANCY_WEEKS = 42


class AnswersError(ValueError):
    """The answers are malformed; `key` names the offending key."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


@dataclass(frozen=True)
class Answers:
    """Validated screening answers: each id is True, False or None (not answered)."""

    flags: Mapping[str, bool | None]
    restrictions: Mapping[Restriction, bool | None]
    pregnancy_weeks: int | None = None
    cleared: tuple[str, ...] = ()
    areas: tuple[Region, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return the answers in SCREENING.md's JSON format (answered keys only)."""
        data: dict[str, Any] = {k: v for k, v in self.flags.items() if v is not None}
        data.update({r.value: v for r, v in self.restrictions.items() if v is not None})
        if self.pregnancy_weeks is not None:
            data["pregnancy_weeks"] = self.pregnancy_weeks
        if self.cleared:
            data["cleared"] = list(self.cleared)
        if self.areas:
            data["areas"] = [a.value for a in self.areas]
        return data


def parse_answers(raw: Any) -> Answers:
    """Validate answers in SCREENING.md's format, or raise `AnswersError` naming the key."""
    if not isinstance(raw, Mapping):
        raise AnswersError("(answers)", "expected a JSON object of id: true / false / null")
    flags: dict[str, bool | None] = dict.fromkeys(RED_FLAG_IDS)
    restrictions: dict[Restriction, bool | None] = dict.fromkeys(ASKED_RESTRICTIONS)
    asked = {r.value: r for r in ASKED_RESTRICTIONS}
    for key, value in raw.items():
        if key in ("pregnancy_weeks", "cleared", "areas"):
            continue
        if key not in flags and key not in asked:
            raise AnswersError(str(key), "unknown key")
        if value is not None and not isinstance(value, bool):
            raise AnswersError(key, f"expected true, false or null, not {value!r}")
        if key in flags:
            flags[key] = value
        else:
            restrictions[asked[key]] = value
    weeks = raw.get("pregnancy_weeks")
    if weeks is not None:
        if isinstance(weeks, bool) or not isinstance(weeks, int):
            raise AnswersError("pregnancy_weeks", f"expected a whole number, not {weeks!r}")
        if not 0 <= weeks <= MAX_PREGNANCY_WEEKS:
            raise AnswersError("pregnancy_weeks", f"must be 0-{MAX_PREGNANCY_WEEKS}, not {weeks}")
        if restrictions[Restriction.PREGNANT] is not True:
            raise AnswersError("pregnancy_weeks", "only allowed together with pregnant: true")
    cleared = _id_list(raw.get("cleared"), "cleared", set(RED_FLAG_IDS))
    area_words = _id_list(raw.get("areas"), "areas", None)
    areas = []
    for word in area_words:
        try:
            areas.append(Region(word.replace("-", "_")))
        except ValueError:
            raise AnswersError("areas", f"unknown area {word!r}") from None
    return Answers(
        flags=flags,
        restrictions=restrictions,
        pregnancy_weeks=weeks,
        cleared=cleared,
        areas=tuple(dict.fromkeys(areas)),
    )


def _id_list(value: Any, key: str, allowed: set[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AnswersError(key, "expected a list of ids")
    if allowed is not None:
        for item in value:
            if item not in allowed:
                raise AnswersError(key, f"unknown id {item!r}")
    return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class Advice:
    """What to tell the person: a title, a paragraph and concrete actions."""

    title: str
    text: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One screening question in the project's own words."""

    id: str
    tier: Tier
    group: str
    question: str
    help: str
    parts: tuple[str, ...] = ()
    follow_up: str | None = None


@dataclass(frozen=True)
class QuestionGroup:
    """A checklist of questions shown together."""

    id: str
    title: str
    intro: str


@dataclass(frozen=True)
class StopSignalText:
    """A button label and what to do for one in-session stop signal."""

    id: str
    label: str
    advice: str


@dataclass(frozen=True)
class ScreeningGuide:
    """All screening wording: questions, advice per verdict, restriction notes, stop advice."""

    disclaimer: str
    session_reminder: str
    groups: tuple[QuestionGroup, ...]
    questions: tuple[Question, ...]
    restriction_notes: Mapping[str, str]
    advice: Mapping[str, Mapping[str, Any]]
    stop_signals: tuple[StopSignalText, ...]
    block_advice: Mapping[str, str]

    def question(self, question_id: str) -> Question:
        """Return the question with this id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of `screen`, as SCREENING.md defines it."""

    verdict: Verdict
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    cleared: tuple[str, ...]
    restrictions: tuple[Restriction, ...]
    advice: Advice
    pregnancy_weeks: int | None = None
    answers: Answers | None = field(default=None, compare=False)

    @property
    def allows_routine(self) -> bool:
        """Tell whether a routine may be produced from this screening."""
        return self.verdict is Verdict.SELF_CARE

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        return {
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "missing": list(self.missing),
            "cleared": list(self.cleared),
            "restrictions": [r.value for r in self.restrictions],
            "pregnancy_weeks": self.pregnancy_weeks,
            "advice": {
                "title": self.advice.title,
                "text": self.advice.text,
                "actions": list(self.advice.actions),
            },
        }


def restrictions_in_force(answers: Answers) -> tuple[Restriction, ...]:
    """Return the restrictions that apply: answered, implied by flags, and always on."""
    found: set[Restriction] = {r for r, v in answers.restrictions.items() if v is True}
    for flag, implied in IMPLIED_RESTRICTIONS.items():
        if answers.flags.get(flag) is True:
            found.update(implied)
    found.update(ALWAYS_ON)
    return tuple(r for r in Restriction if r in found)


def restrictions_rule_out(
    restrictions: Iterable[Restriction | str],
    movements: Iterable[Movement | str],
    *,
    pregnancy_weeks: int | None = None,
) -> tuple[Restriction, ...]:
    """Return the restrictions that rule out a stretch with these movement tags (empty: allowed)."""
    tags = {Movement(m) for m in movements}
    ruling = []
    for restriction in (Restriction(r) for r in restrictions):
        if (
            restriction is Restriction.PREGNANT
            and pregnancy_weeks is not None
            and pregnancy_weeks < PREGNANCY_RULES_FROM_WEEK
        ):
            continue
        if RULES_OUT[restriction] & tags:
            ruling.append(restriction)
    return tuple(dict.fromkeys(ruling))


def pregnancy_weeks_in_force(reports: Iterable[int | None]) -> int | None:
    """Combine weeks reported by several sources, cautiously: unknown wins, else the latest week.

    None means unknown, which SCREENING.md counts as week 13 or later.
    """
    weeks = list(reports)
    if not weeks or any(w is None for w in weeks):
        return None
    return max(w for w in weeks if w is not None)


def decide(answers: Answers) -> tuple[Verdict, tuple[str, ...]]:
    """Return the verdict and the ids that decided it."""
    flags = answers.flags
    emergency = [i for i in EMERGENCY_IDS if flags[i] is True]
    if all(flags[i] is True for i in EMERGENCY_PAIR):
        emergency += EMERGENCY_PAIR
    if emergency:
        return Verdict.EMERGENCY, tuple(emergency)
    cleared = set(answers.cleared) - NEVER_CLEARED
    see_soon = [i for i in SEE_SOON_IDS if flags[i] is True and i not in cleared]
    if see_soon:
        return Verdict.SEE_CLINICIAN, tuple(see_soon)
    missing = tuple(i for i in RED_FLAG_IDS if flags[i] is None)
    if missing:
        return Verdict.INCOMPLETE, missing
    return Verdict.SELF_CARE, ()


def screen(
    answers: Answers | Mapping[str, Any],
    guide: ScreeningGuide,
    *,
    emergency_number: str,
    left_out: Mapping[Restriction, tuple[str, ...]] | None = None,
) -> ScreeningResult:
    """Screen the answers: verdict, reasons, missing and cleared ids, restrictions and advice.

    `left_out` optionally maps each restriction to the stretch names it leaves out or swaps, so
    the self-care advice can say what changes and why.
    """
    if not isinstance(answers, Answers):
        answers = parse_answers(answers)
    verdict, reasons = decide(answers)
    restrictions = restrictions_in_force(answers)
    missing = tuple(i for i in RED_FLAG_IDS if answers.flags[i] is None)
    cleared = tuple(
        i for i in answers.cleared if i not in NEVER_CLEARED and answers.flags.get(i) is True
    )
    advice = write_advice(
        verdict,
        reasons,
        restrictions,
        guide,
        emergency_number=emergency_number,
        left_out=left_out or {},
    )
    weeks = answers.pregnancy_weeks if Restriction.PREGNANT in restrictions else None
    return ScreeningResult(
        verdict=verdict,
        reasons=reasons,
        missing=missing,
        cleared=cleared,
        restrictions=restrictions,
        advice=advice,
        pregnancy_weeks=weeks,
        answers=answers,
    )


def write_advice(
    verdict: Verdict,
    reasons: tuple[str, ...],
    restrictions: tuple[Restriction, ...],
    guide: ScreeningGuide,
    *,
    emergency_number: str,
    left_out: Mapping[Restriction, tuple[str, ...]],
) -> Advice:
    """Return the advice for a verdict, filled in with what decided it."""
    texts = guide.advice[verdict.value]

    def fill(text: str) -> str:
        return text.replace("{emergency_number}", emergency_number).strip()

    title = fill(texts["title"])
    text = fill(texts["text"])
    actions = [fill(a) for a in texts.get("actions", ())]
    asked = [guide.question(i).question for i in reasons if i in {q.id for q in guide.questions}]
    if verdict is Verdict.EMERGENCY:
        text += "\n\nYou answered yes to:\n" + "\n".join(f"- {q}" for q in asked)
    elif verdict is Verdict.SEE_CLINICIAN:
        yes_list = "\n".join(f"- {q}" for q in asked)
        text += "\n\n" + fill(texts.get("tell_them", "")) + "\n" + yes_list
        clearable = [i for i in reasons if i not in NEVER_CLEARED]
        if clearable:
            actions.append(
                "Once a clinician has checked and said gentle stretching is fine, record it: "
                f"backstretch screen --clear {' '.join(clearable)}"
            )
    elif verdict is Verdict.INCOMPLETE:
        text += "\n\nStill unanswered:\n" + "\n".join(f"- {q}" for q in asked)
    else:
        notes = []
        for restriction in restrictions:
            note = guide.restriction_notes.get(restriction.value)
            names = left_out.get(restriction, ())
            if note:
                line = f"- {note}"
                if names:
                    line += f" Affects: {', '.join(names)}."
                notes.append(line)
        if notes:
            text += "\n\nBecause of what you told us:\n" + "\n".join(notes)
    return Advice(title=title, text=text.strip(), actions=tuple(actions))


class GuideError(ValueError):
    """The screening wording file is incomplete or inconsistent."""


ADVICE_KEYS = ("title", "text", "actions")


def parse_guide(document: Any) -> ScreeningGuide:
    """Validate the screening wording against the contract and build the guide.

    Every red-flag and asked restriction id must have exactly one question of the right tier,
    emergency questions must come first, and every verdict must have advice.
    """
    if not isinstance(document, Mapping):
        raise GuideError("expected a mapping at the top level")
    try:
        groups = tuple(QuestionGroup(**g) for g in document["groups"])
        questions = tuple(
            Question(
                id=q["id"],
                tier=Tier(q["tier"]),
                group=q["group"],
                question=q["question"].strip(),
                help=q["help"].strip(),
                parts=tuple(q.get("parts", ())),
                follow_up=q.get("follow_up"),
            )
            for q in document["questions"]
        )
        stops = tuple(StopSignalText(**s) for s in document["stop_signals"])
        guide = ScreeningGuide(
            disclaimer=document["disclaimer"].strip(),
            session_reminder=document["session_reminder"].strip(),
            groups=groups,
            questions=questions,
            restriction_notes=dict(document["restriction_notes"]),
            advice={k: dict(v) for k, v in document["advice"].items()},
            stop_signals=stops,
            block_advice=dict(document["block_advice"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise GuideError(f"malformed screening wording: {error!r}") from None
    expected = dict.fromkeys(EMERGENCY_IDS, Tier.EMERGENCY)
    expected.update(dict.fromkeys(SEE_SOON_IDS, Tier.SEE_SOON))
    expected.update({r.value: Tier.RESTRICTION for r in ASKED_RESTRICTIONS})
    seen = [q.id for q in questions]
    if len(seen) != len(set(seen)):
        raise GuideError("a question id appears twice")
    if missing := sorted(set(expected) - set(seen)):
        raise GuideError(f"no question for: {', '.join(missing)}")
    if extra := sorted(set(seen) - set(expected)):
        raise GuideError(f"questions for unknown ids: {', '.join(extra)}")
    for question in questions:
        if question.tier is not expected[question.id]:
            raise GuideError(f"{question.id}: tier must be {expected[question.id]}")
        if question.group not in {g.id for g in groups}:
            raise GuideError(f"{question.id}: unknown group {question.group}")
    tiers = [q.tier for q in questions]
    if tiers != sorted(tiers, key=[Tier.EMERGENCY, Tier.SEE_SOON, Tier.RESTRICTION].index):
        raise GuideError("emergency questions must come first, then see-soon, then restrictions")
    for verdict in Verdict:
        advice = guide.advice.get(verdict.value)
        if not advice or any(k not in advice for k in ADVICE_KEYS):
            raise GuideError(f"advice.{verdict.value} needs {', '.join(ADVICE_KEYS)}")
    if missing_notes := sorted({r.value for r in Restriction} - set(guide.restriction_notes)):
        raise GuideError(f"restriction_notes lacks: {', '.join(missing_notes)}")
    return guide
