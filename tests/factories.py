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

# SCREENING.md, "Restrictions" table, column "what it rules out (by movement tag)".
CONTRACT_RULES_OUT: dict[str, frozenset[str]] = {
    "osteoporosis": frozenset({"spinal_flexion", "end_range_rotation"}),
    "pregnant": frozenset({"supine", "prone", "deep_bend"}),
    "stenosis_or_spondylolisthesis": frozenset({"sustained_extension"}),
    "disc_with_leg_pain": frozenset({"spinal_flexion", "long_sit"}),
    "knee_pain_kneeling": frozenset({"kneeling"}),
    "wrist_pain": frozenset({"hands_weight"}),
    "no_floor": frozenset({"floor"}),
    # "end_range_rotation of the neck": the tags cannot tell neck from trunk rotation, so the
    # only tag-based reading is the whole tag (the conservative one).
    "neck_gentle": frozenset({"neck_extension", "end_range_rotation"}),
    "post_surgery": frozenset({"spinal_flexion", "end_range_rotation", "sustained_extension"}),
    "neck_circles": frozenset({"neck_circle"}),
}

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

# The setting table: where a person is decides which positions are possible. In bed a
# chair-position stretch is possible only when it needs no chair (sitting on the bed's edge).
CONTRACT_SETTING_POSITIONS: dict[str, frozenset[str]] = {
    "floor": frozenset(
        {
            "standing",
            "chair",
            "floor_seated",
            "kneeling",
            "all_fours",
            "side_lying",
            "prone",
            "supine",
        }
    ),
    "chair": frozenset({"chair", "standing"}),
    "standing": frozenset({"standing"}),
    "bed": frozenset({"supine", "side_lying", "floor_seated", "chair"}),
}


def contract_ruling_out(
    restrictions: Any, movements: Any, pregnancy_weeks: int | None = None
) -> set[str]:
    """Return the restriction ids (of `restrictions`) that rule out these movement tags."""
    tags = {str(m) for m in movements}
    ruling = set()
    for restriction in (str(r) for r in restrictions):
        if (
            restriction == "pregnant"
            and pregnancy_weeks is not None
            and pregnancy_weeks < CONTRACT_PREGNANCY_FROM_WEEK
        ):
            continue
        if CONTRACT_RULES_OUT[restriction] & tags:
            ruling.add(restriction)
    return ruling


def contract_setting_allows(setting: str, position: str, equipment: Any) -> bool:
    """Tell whether a stretch in `position` needing `equipment` can be done in `setting`."""
    if position not in CONTRACT_SETTING_POSITIONS[setting]:
        return False
    return not (setting == "bed" and position == "chair" and "chair" in {str(e) for e in equipment})


# Catalogue rule: the tags a position always implies (floor positions need getting down).
CONTRACT_POSITION_TAGS: dict[str, frozenset[str]] = {
    "standing": frozenset(),
    "chair": frozenset(),
    "floor_seated": frozenset({"floor"}),
    "kneeling": frozenset({"floor", "kneeling"}),
    "all_fours": frozenset({"floor", "kneeling", "hands_weight"}),
    "side_lying": frozenset({"floor"}),
    "prone": frozenset({"floor", "prone"}),
    "supine": frozenset({"floor", "supine"}),
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
