"""Plain helpers for building screening answers, with the ids copied straight from SCREENING.md.

The id lists here are written out by hand from the contract (not imported from the code), so a
test that uses them checks the code against the contract rather than against itself.
"""

from __future__ import annotations

import copy
from typing import Any

from backstretch.core.catalogue import Stretch, parse_stretch

# SCREENING.md, "Seek care now (emergency)", in table order.
CONTRACT_EMERGENCY_IDS: tuple[str, ...] = (
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

# SCREENING.md, "See a clinician soon", in table order.
CONTRACT_SEE_SOON_IDS: tuple[str, ...] = (
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

CONTRACT_RED_FLAG_IDS: tuple[str, ...] = CONTRACT_EMERGENCY_IDS + CONTRACT_SEE_SOON_IDS

# See-soon ids a clinician may clear (everything but `fever`).
CONTRACT_CLEARABLE_IDS: tuple[str, ...] = tuple(i for i in CONTRACT_SEE_SOON_IDS if i != "fever")

# SCREENING.md, "implied restrictions once cleared".
CONTRACT_IMPLIED: dict[str, frozenset[str]] = {
    "steroids_or_osteoporosis_new_pain": frozenset({"osteoporosis"}),
    "one_limb_nerve_symptoms": frozenset({"disc_with_leg_pain", "neck_gentle"}),
    "pregnant_with_pain": frozenset({"pregnant"}),
    "inflammatory_neck": frozenset({"neck_gentle"}),
    "recent_spine_surgery": frozenset({"post_surgery"}),
}

# SCREENING.md, "Restrictions": the ones a person answers (the rest are implied or always on).
CONTRACT_ASKED_RESTRICTIONS: tuple[str, ...] = (
    "osteoporosis",
    "pregnant",
    "stenosis_or_spondylolisthesis",
    "disc_with_leg_pain",
    "knee_pain_kneeling",
    "wrist_pain",
    "no_floor",
)

# SCREENING.md v3, "Restrictions" table, column "what it rules out (by movement tag)". For
# `pregnant` this is the widest reading (from week 13 on, or weeks unknown); before week 13 only
# CONTRACT_PREGNANT_ANY_WEEK applies.
CONTRACT_RULES_OUT: dict[str, frozenset[str]] = {
    "osteoporosis": frozenset(
        {"spinal_flexion", "end_range_rotation", "side_bend", "neck_overpressure"}
    ),
    "pregnant": frozenset({"closed_twist", "supine", "prone", "deep_bend"}),
    "stenosis_or_spondylolisthesis": frozenset({"sustained_extension"}),
    "disc_with_leg_pain": frozenset({"spinal_flexion", "long_sit"}),
    "knee_pain_kneeling": frozenset({"kneeling"}),
    "wrist_pain": frozenset({"hands_weight"}),
    "no_floor": frozenset({"floor"}),
    "neck_gentle": frozenset({"neck_extension", "neck_end_range", "neck_overpressure"}),
    "post_surgery": frozenset(
        {
            "spinal_flexion",
            "end_range_rotation",
            "sustained_extension",
            "side_bend",
            "neck_end_range",
            "neck_overpressure",
        }
    ),
    "neck_circles": frozenset({"neck_circle"}),
}
# SCREENING.md v3: "any week: `closed_twist`".
CONTRACT_PREGNANT_ANY_WEEK: frozenset[str] = frozenset({"closed_twist"})

# SCREENING.md v3, "Movement tags": every tag, in table order.
CONTRACT_TAGS: tuple[str, ...] = (
    "spinal_flexion",
    "sustained_extension",
    "end_range_rotation",
    "deep_bend",
    "long_sit",
    "kneeling",
    "hands_weight",
    "supine",
    "prone",
    "floor",
    "side_bend",
    "closed_twist",
    "neck_end_range",
    "neck_overpressure",
    "neck_extension",
    "neck_circle",
)

EMERGENCY_NUMBER = "the test line 0-999-112"


def all_no_answers(**overrides: Any) -> dict[str, Any]:
    """Every red-flag id and asked restriction answered `false`, then `overrides` applied.

    An override of `None` keeps the key with a JSON `null`; use `without()` to drop a key.
    """
    answers: dict[str, Any] = dict.fromkeys(CONTRACT_RED_FLAG_IDS, False)
    answers.update(dict.fromkeys(CONTRACT_ASKED_RESTRICTIONS, False))
    answers.update(overrides)
    return answers


def red_flags_only(**overrides: Any) -> dict[str, Any]:
    """Every red-flag id answered `false` (restrictions left out, meaning no), then overrides."""
    answers: dict[str, Any] = dict.fromkeys(CONTRACT_RED_FLAG_IDS, False)
    answers.update(overrides)
    return answers


def without(answers: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Return a copy of `answers` with these keys removed."""
    return {k: v for k, v in answers.items() if k not in keys}


# SCREENING.md, "Restrictions": pregnancy rules apply from week 13 on, or when weeks are unknown.
CONTRACT_PREGNANCY_FROM_WEEK = 13

# Issue 15 and DESIGN.md ("Stretches and the ways to do them"): the places (ways) each setting
# allows. On the floor a person can also stand or sit on a chair; a chair plan is mostly chair
# ways, with standing beside the chair; standing is standing only; in bed means lying on the bed
# or sitting on its edge (never standing, never the floor, never a chair).
CONTRACT_SETTING_PLACES: dict[str, frozenset[str]] = {
    "floor": frozenset({"floor", "standing", "chair"}),
    "chair": frozenset({"chair", "standing"}),
    "standing": frozenset({"standing"}),
    "bed": frozenset({"bed", "bed_edge"}),
}
# The places a setting is named after: when a stretch has a permitted way there, that way is
# the one planned ("chair plans are mostly chair ways").
CONTRACT_SETTING_HOME: dict[str, frozenset[str]] = {
    "floor": frozenset({"floor"}),
    "chair": frozenset({"chair"}),
    "standing": frozenset({"standing"}),
    "bed": frozenset({"bed", "bed_edge"}),
}


def contract_pregnancy_tags(weeks: int | None) -> frozenset[str]:
    """Return the tags pregnancy rules out at this week (None: weeks unknown)."""
    if weeks is not None and weeks < CONTRACT_PREGNANCY_FROM_WEEK:
        return CONTRACT_PREGNANT_ANY_WEEK
    return CONTRACT_RULES_OUT["pregnant"]


def contract_ruled_out_tags(restriction: Any, pregnancy_weeks: int | None = None) -> frozenset[str]:
    """Return the tags one restriction rules out, with the pregnancy week rule."""
    if str(restriction) == "pregnant":
        return contract_pregnancy_tags(pregnancy_weeks)
    return CONTRACT_RULES_OUT[str(restriction)]


def contract_ruling_out(
    restrictions: Any, movements: Any, pregnancy_weeks: int | None = None
) -> set[str]:
    """Return the restriction ids (of `restrictions`) that rule out these movement tags.

    Pass a way's movements (`item.way.movements`): the rules act on the way that is planned.
    """
    tags = {str(m) for m in movements}
    return {str(r) for r in restrictions if contract_ruled_out_tags(r, pregnancy_weeks) & tags}


def contract_setting_allows(setting: str, place: str) -> bool:
    """Tell whether a way done at `place` can be planned in `setting`."""
    return str(place) in CONTRACT_SETTING_PLACES[str(setting)]


# Catalogue rule: the tags a way's position always implies, and those its place implies (getting
# down to the floor; a lying stretch done on a bed is not `floor`).
CONTRACT_POSITION_TAGS: dict[str, frozenset[str]] = {
    "standing": frozenset(),
    "chair": frozenset(),
    "floor_seated": frozenset(),
    "kneeling": frozenset({"kneeling"}),
    "all_fours": frozenset({"kneeling", "hands_weight"}),
    "side_lying": frozenset(),
    "prone": frozenset({"prone"}),
    "supine": frozenset({"supine"}),
}
CONTRACT_PLACE_TAGS: dict[str, frozenset[str]] = {
    "standing": frozenset(),
    "chair": frozenset(),
    "bed_edge": frozenset(),
    "floor": frozenset({"floor"}),
    "bed": frozenset(),
}
# DESIGN.md: standing is standing, both seats are sitting, the floor and a bed hold the rest.
_LOW = frozenset({"floor_seated", "kneeling", "all_fours", "side_lying", "prone", "supine"})
CONTRACT_PLACE_POSITIONS: dict[str, frozenset[str]] = {
    "standing": frozenset({"standing"}),
    "chair": frozenset({"chair"}),
    "bed_edge": frozenset({"chair"}),
    "floor": _LOW,
    "bed": _LOW,
}


def own_stretch_document(stretch_id: str = "my-x", **changes: Any) -> dict[str, Any]:
    """Return a valid own-stretch YAML document (a standing hold), then `changes` applied."""
    document: dict[str, Any] = {
        "id": stretch_id,
        "name": "My own stretch",
        "summary": "A stretch my physiotherapist showed me.",
        "regions": ["lower_back"],
        "position": "standing",
        "equipment": [],
        "kind": "hold",
        "level": "gentle",
        "dose": {"hold_seconds": 30, "reps": 2, "choice": "What my physiotherapist gave me."},
        "movements": [],
        "steps": {
            "setup": ["Stand tall with your feet hip-width apart."],
            "movement": ["Ease into the stretch until you feel a mild pull."],
            "finish": ["Come back slowly."],
        },
        "breath": ["Breathe slowly throughout."],
        "form_cues": ["Keep your shoulders relaxed."],
        "mistakes": ["Pushing into pain."],
        "stop_if": ["Sharp or spreading pain."],
        "sources": [{"given_by": "My physiotherapist", "fact": "Hold 30 s, twice."}],
    }
    document.update(changes)
    return document


def own_stretch(**changes: Any) -> Stretch:
    """Return a valid own stretch (no figure unless given), with some fields changed."""
    document: dict[str, Any] = {
        "id": "my-wall-stretch",
        "name": "Wall chest stretch",
        "summary": "A forearm on a door frame, turning the chest gently away.",
        "regions": ["upper_back"],
        "position": "standing",
        "kind": "hold",
        "level": "gentle",
        "dose": {"hold_seconds": 30, "sides": "each", "choice": "What my physiotherapist gave me."},
        "movements": [],
        "steps": {"setup": ["Stand."], "movement": ["Turn."], "finish": ["Stop."]},
        "breath": ["Breathe slowly."],
        "form_cues": ["Shoulder down."],
        "mistakes": ["Pushing into pain."],
        "stop_if": ["Tingling."],
        "sources": [{"given_by": "My physiotherapist", "fact": "Hold 30 s."}],
    }
    document.update(copy.deepcopy(changes))
    return parse_stretch(document, origin="my-wall-stretch.yaml")
