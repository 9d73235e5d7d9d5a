"""Plain helpers for building screening answers, with the ids copied straight from SCREENING.md.

The id lists here are written out by hand from the contract (not imported from the code), so a
test that uses them checks the code against the contract rather than against itself.
"""

from __future__ import annotations

from typing import Any

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
