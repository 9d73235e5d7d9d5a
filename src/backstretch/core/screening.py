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
    Restriction.OSTEOPOROSIS: frozenset(
        {
            Movement.SPINAL_FLEXION,
            Movement.END_RANGE_ROTATION,
            Movement.SIDE_BEND,
            Movement.NECK_OVERPRESSURE,
        }
    ),
    # Pregnancy at its widest (from week 13 on, or weeks unknown); before week 13 only
    # `PREGNANCY_RULES_OUT_BEFORE_WEEK_13` applies.
    Restriction.PREGNANT: frozenset(
        {Movement.CLOSED_TWIST, Movement.SUPINE, Movement.PRONE, Movement.DEEP_BEND}
    ),
    Restriction.STENOSIS_OR_SPONDYLOLISTHESIS: frozenset({Movement.SUSTAINED_EXTENSION}),
    Restriction.DISC_WITH_LEG_PAIN: frozenset({Movement.SPINAL_FLEXION, Movement.LONG_SIT}),
    Restriction.KNEE_PAIN_KNEELING: frozenset({Movement.KNEELING}),
    Restriction.WRIST_PAIN: frozenset({Movement.HANDS_WEIGHT}),
    Restriction.NO_FLOOR: frozenset({Movement.FLOOR}),
    # Trunk twists stay: the neck tags say what the neck does (v3 replaced the old whole-tag
    # reading of "end-range rotation of the neck" with `neck_end_range`).
    Restriction.NECK_GENTLE: frozenset(
        {Movement.NECK_EXTENSION, Movement.NECK_END_RANGE, Movement.NECK_OVERPRESSURE}
    ),
    Restriction.POST_SURGERY: frozenset(
        {
            Movement.SPINAL_FLEXION,
            Movement.END_RANGE_ROTATION,
            Movement.SUSTAINED_EXTENSION,
            Movement.SIDE_BEND,
            Movement.NECK_END_RANGE,
            Movement.NECK_OVERPRESSURE,
        }
    ),
    Restriction.NECK_CIRCLES: frozenset({Movement.NECK_CIRCLE}),
}

# A twist pressing into the belly is out at any week of pregnancy; lying on the back or front
# and deep bends are out from week 13 on, and unknown weeks count as week 13 or later.
PREGNANCY_RULES_OUT_BEFORE_WEEK_13: frozenset[Movement] = frozenset({Movement.CLOSED_TWIST})
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
    short: str | None = None  # the question in a few plain words, for one-group-a-screen views

    @property
    def plain(self) -> str:
        """Return the short wording when there is one, else the full question."""
        return self.short or self.question


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


def ruled_out_tags(
    restriction: Restriction | str, *, pregnancy_weeks: int | None = None
) -> frozenset[Movement]:
    """Return the movement tags one restriction rules out (pregnancy depends on the week)."""
    restriction = Restriction(restriction)
    if (
        restriction is Restriction.PREGNANT
        and pregnancy_weeks is not None
        and pregnancy_weeks < PREGNANCY_RULES_FROM_WEEK
    ):
        return PREGNANCY_RULES_OUT_BEFORE_WEEK_13
    return RULES_OUT[restriction]


def restrictions_rule_out(
    restrictions: Iterable[Restriction | str],
    movements: Iterable[Movement | str],
    *,
    pregnancy_weeks: int | None = None,
) -> tuple[Restriction, ...]:
    """Return the restrictions that rule out a stretch with these movement tags (empty: allowed)."""
    tags = {Movement(m) for m in movements}
    ruling = [
        restriction
        for restriction in (Restriction(r) for r in restrictions)
        if ruled_out_tags(restriction, pregnancy_weeks=pregnancy_weeks) & tags
    ]
    return tuple(dict.fromkeys(ruling))


def pregnancy_weeks_in_force(reports: Iterable[int | None]) -> int | None:
    """Combine weeks reported by several sources, cautiously: unknown wins, else the latest week.

    None means unknown, which SCREENING.md counts as week 13 or later.
    """
    weeks = list(reports)
    if not weeks or any(w is None for w in weeks):
        return None
    return max(w for w in weeks if w is not None)


def emergency_reasons(flags: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the ids that make these answers an emergency (empty: not an emergency).

    Works on answers given so far, so an interface can stop at the first emergency: any emergency
    id answered yes, or the fever pair both yes whatever `fever_and_immune` says.
    """
    reasons = [i for i in EMERGENCY_IDS if flags.get(i) is True]
    if all(flags.get(i) is True for i in EMERGENCY_PAIR):
        reasons += EMERGENCY_PAIR
    return tuple(reasons)


def decide(answers: Answers) -> tuple[Verdict, tuple[str, ...]]:
    """Return the verdict and the ids that decided it."""
    flags = answers.flags
    if emergency := emergency_reasons(flags):
        return Verdict.EMERGENCY, emergency
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
    """The screening wording file is incomplete or inconsistent; the message names the place."""


ADVICE_KEYS = ("title", "text", "actions")
# The see-clinician advice also says what to mention at the appointment.
SEE_CLINICIAN_KEYS = (*ADVICE_KEYS, "tell_them")
TOP_LEVEL_KEYS = (
    "disclaimer",
    "session_reminder",
    "groups",
    "questions",
    "restriction_notes",
    "advice",
    "stop_signals",
    "block_advice",
)
GROUP_KEYS = ("id", "title", "intro")
QUESTION_KEYS = ("id", "tier", "group", "question", "help", "parts", "follow_up", "short")
STOP_SIGNAL_KEYS = ("id", "label", "advice")
PLACEHOLDER = "{emergency_number}"
# Only the question that asks for a number has a follow-up: the interfaces ask it right after.
FOLLOW_UP_IDS = frozenset({Restriction.PREGNANT.value})
TIER_ORDER = (Tier.EMERGENCY, Tier.SEE_SOON, Tier.RESTRICTION)


def _mapping(
    value: Any, where: str, keys: Iterable[str], *, required: Iterable[str] = ()
) -> Mapping[str, Any]:
    """Return `value` as a mapping with no key outside `keys` and every key of `required`."""
    if not isinstance(value, Mapping):
        raise GuideError(f"{where}: expected a mapping")
    keys = set(keys)
    if unknown := sorted(str(k) for k in value if k not in keys):
        raise GuideError(f"{where}: unknown key {', '.join(unknown)}")
    if missing := [k for k in required if k not in value]:
        raise GuideError(f"{where}: missing {', '.join(missing)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise GuideError(f"{where}: expected a non-empty list")
    return value


def _text(mapping: Mapping[str, Any], key: str, where: str, *, placeholder: bool = False) -> str:
    """Return a required, non-empty text; `{emergency_number}` only where the code fills it."""
    if key not in mapping:
        raise GuideError(f"{where}: missing {key}")
    return _check_text(mapping[key], f"{where}.{key}", placeholder=placeholder)


def _check_text(value: Any, where: str, *, placeholder: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise GuideError(f"{where}: expected non-empty text")
    rest = value.replace(PLACEHOLDER, "") if placeholder else value
    if "{" in rest or "}" in rest:
        allowed = f"only {PLACEHOLDER} is filled in there" if placeholder else "none is filled in"
        raise GuideError(f"{where}: a curly-brace placeholder, but {allowed}")
    return value.strip()


def _texts(value: Any, where: str, *, placeholder: bool = False) -> tuple[str, ...]:
    items = _list(value, where)
    return tuple(
        _check_text(item, f"{where}[{n}]", placeholder=placeholder) for n, item in enumerate(items)
    )


def _unique(ids: list[str], where: str) -> None:
    if twice := sorted({i for i in ids if ids.count(i) > 1}):
        raise GuideError(f"{where}: {', '.join(twice)} appears twice")


def _parse_groups(value: Any) -> tuple[QuestionGroup, ...]:
    groups = []
    for n, raw in enumerate(_list(value, "groups")):
        where = f"groups[{n}]"
        item = _mapping(raw, where, GROUP_KEYS)
        group_id = _text(item, "id", where)
        where = f"groups[{n}] ({group_id})"
        groups.append(
            QuestionGroup(
                id=group_id, title=_text(item, "title", where), intro=_text(item, "intro", where)
            )
        )
    _unique([g.id for g in groups], "groups")
    return tuple(groups)


def _parse_question(raw: Any, n: int) -> Question:
    where = f"questions[{n}]"
    item = _mapping(raw, where, QUESTION_KEYS)
    question_id = _text(item, "id", where)
    where = f"questions[{n}] ({question_id})"
    tier_word = _text(item, "tier", where)
    try:
        tier = Tier(tier_word)
    except ValueError:
        raise GuideError(f"{where}.tier: unknown tier {tier_word}") from None
    follow_up = item.get("follow_up")
    if follow_up is not None:
        follow_up = _check_text(follow_up, f"{where}.follow_up")
    short = item.get("short")
    if short is not None:
        short = _check_text(short, f"{where}.short")
    return Question(
        id=question_id,
        tier=tier,
        group=_text(item, "group", where),
        question=_text(item, "question", where),
        help=_text(item, "help", where),
        parts=_texts(item["parts"], f"{where}.parts") if "parts" in item else (),
        follow_up=follow_up,
        short=short,
    )


def _check_questions(questions: tuple[Question, ...], groups: tuple[QuestionGroup, ...]) -> None:
    """Hold the questions to the contract: one per id, right tier, known group, emergency first."""
    expected = dict.fromkeys(EMERGENCY_IDS, Tier.EMERGENCY)
    expected.update(dict.fromkeys(SEE_SOON_IDS, Tier.SEE_SOON))
    expected.update({r.value: Tier.RESTRICTION for r in ASKED_RESTRICTIONS})
    seen = [q.id for q in questions]
    _unique(seen, "questions")
    if missing := sorted(set(expected) - set(seen)):
        raise GuideError(f"no question for: {', '.join(missing)}")
    if extra := sorted(set(seen) - set(expected)):
        raise GuideError(f"questions for ids not in SCREENING.md: {', '.join(extra)}")
    group_ids = [g.id for g in groups]
    for question in questions:
        if question.tier is not expected[question.id]:
            raise GuideError(f"{question.id}: tier must be {expected[question.id]}")
        if question.group not in group_ids:
            raise GuideError(f"{question.id}: unknown group {question.group}")
        if (question.follow_up is not None) != (question.id in FOLLOW_UP_IDS):
            need = "needs" if question.id in FOLLOW_UP_IDS else "cannot have"
            raise GuideError(f"{question.id}: {need} a follow_up")
    if [q.tier for q in questions] != sorted((q.tier for q in questions), key=TIER_ORDER.index):
        raise GuideError("emergency questions must come first, then see-soon, then restrictions")
    for group in groups:
        tiers = {q.tier for q in questions if q.group == group.id}
        if not tiers:
            raise GuideError(f"group {group.id} has no questions")
        if len(tiers) > 1:
            raise GuideError(f"group {group.id} mixes tiers: {', '.join(sorted(tiers))}")
    # The interfaces ask group by group, so the groups' order is the order of asking.
    asked = [q.tier for g in groups for q in questions if q.group == g.id]
    if asked != sorted(asked, key=TIER_ORDER.index):
        raise GuideError(
            "groups must ask emergency questions first, then see-soon, then restrictions"
        )


def _parse_advice(value: Any) -> dict[str, dict[str, Any]]:
    verdicts = [v.value for v in Verdict]
    advice = _mapping(value, "advice", verdicts, required=verdicts)
    parsed: dict[str, dict[str, Any]] = {}
    for verdict in Verdict:
        where = f"advice.{verdict.value}"
        keys = SEE_CLINICIAN_KEYS if verdict is Verdict.SEE_CLINICIAN else ADVICE_KEYS
        item = _mapping(advice[verdict.value], where, keys, required=keys)
        parsed[verdict.value] = {
            key: (
                _texts(item[key], f"{where}.{key}", placeholder=True)
                if key == "actions"
                else _text(item, key, where, placeholder=True)
            )
            for key in keys
        }
    emergency = parsed[Verdict.EMERGENCY.value]
    if PLACEHOLDER not in emergency["text"]:
        raise GuideError(f"advice.emergency.text: must give {PLACEHOLDER}")
    if not any(PLACEHOLDER in action for action in emergency["actions"]):
        raise GuideError(f"advice.emergency.actions: one must give {PLACEHOLDER}")
    return parsed


def _parse_stop_signals(value: Any) -> tuple[StopSignalText, ...]:
    # Imported here: core.safety builds on this module, so a top-level import would be circular.
    from backstretch.core.safety import StopSignal

    stops = []
    for n, raw in enumerate(_list(value, "stop_signals")):
        where = f"stop_signals[{n}]"
        item = _mapping(raw, where, STOP_SIGNAL_KEYS)
        signal = _text(item, "id", where)
        if signal not in {s.value for s in StopSignal}:
            raise GuideError(f"{where}: unknown stop signal {signal}")
        where = f"stop_signals[{n}] ({signal})"
        stops.append(
            StopSignalText(
                id=signal,
                label=_text(item, "label", where),
                advice=_text(item, "advice", where, placeholder=True),
            )
        )
    ids = [s.id for s in stops]
    _unique(ids, "stop_signals")
    if missing := [s.value for s in StopSignal if s.value not in ids]:
        raise GuideError(f"stop_signals: missing {', '.join(missing)}")
    return tuple(stops)


def _parse_block_advice(value: Any) -> dict[str, str]:
    from backstretch.core.safety import BlockKind  # see _parse_stop_signals

    kinds = [k.value for k in BlockKind]
    advice = _mapping(value, "block_advice", kinds)
    return {k: _text(advice, k, "block_advice", placeholder=True) for k in kinds}


def parse_guide(document: Any) -> ScreeningGuide:
    """Validate the screening wording against the contract and build the guide.

    Every red-flag and asked restriction id must have exactly one question of the right tier in
    a known group, emergency questions come first, every verdict has its advice, every
    restriction its note. Each error names the place at fault.
    """
    top = _mapping(document, "the file", TOP_LEVEL_KEYS, required=TOP_LEVEL_KEYS)
    disclaimer = _text(top, "disclaimer", "the file", placeholder=True)
    if PLACEHOLDER not in disclaimer:
        raise GuideError(f"the file.disclaimer: must give {PLACEHOLDER}")
    groups = _parse_groups(top["groups"])
    questions = tuple(
        _parse_question(q, n) for n, q in enumerate(_list(top["questions"], "questions"))
    )
    _check_questions(questions, groups)
    restriction_ids = [r.value for r in Restriction]
    notes = _mapping(top["restriction_notes"], "restriction_notes", restriction_ids)
    return ScreeningGuide(
        disclaimer=disclaimer,
        # Shown as it is (never filled in), so no placeholder.
        session_reminder=_text(top, "session_reminder", "the file"),
        groups=groups,
        questions=questions,
        restriction_notes={r: _text(notes, r, "restriction_notes") for r in restriction_ids},
        advice=_parse_advice(top["advice"]),
        stop_signals=_parse_stop_signals(top["stop_signals"]),
        block_advice=_parse_block_advice(top["block_advice"]),
    )
