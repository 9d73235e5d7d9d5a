"""The safety screening against SCREENING.md: verdicts, strict answers, restrictions, advice."""

from __future__ import annotations

import copy
import functools
from importlib import resources
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstretch.core.models import Movement, Place
from backstretch.core.screening import (
    ASKED_RESTRICTIONS,
    EMERGENCY_IDS,
    IMPLIED_RESTRICTIONS,
    NEVER_CLEARED,
    RULES_OUT,
    SEE_SOON_IDS,
    AnswersError,
    GuideError,
    Restriction,
    ScreeningResult,
    Verdict,
    decide,
    emergency_reasons,
    parse_answers,
    parse_guide,
    restrictions_in_force,
    restrictions_rule_out,
    ruled_out_tags,
    screen,
)
from backstretch.data import builtin_catalogue, screening_guide
from tests.factories import (
    CONTRACT_ASKED_RESTRICTIONS,
    CONTRACT_CLEARABLE_IDS,
    CONTRACT_EMERGENCY_IDS,
    CONTRACT_IMPLIED,
    CONTRACT_PREGNANT_ANY_WEEK,
    CONTRACT_RED_FLAG_IDS,
    CONTRACT_RULES_OUT,
    CONTRACT_SEE_SOON_IDS,
    CONTRACT_TAGS,
    EMERGENCY_NUMBER,
    all_no_answers,
    red_flags_only,
    without,
)

# The autouse settings fixture only isolates environment variables; sharing it across the
# examples of one property is harmless.
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# SCREENING.md v3, "Restrictions" and "Movement tags", typed from the contract in
# tests/factories.py (never read from the code). Pregnancy is given at its widest: from week 13
# on, or with the weeks unknown; before that only the twist into the belly.
V3_RULES_OUT = CONTRACT_RULES_OUT
V3_PREGNANT_ANY_WEEK = CONTRACT_PREGNANT_ANY_WEEK
V3_PREGNANCY_FROM_WEEK = 13
V3_TAGS = CONTRACT_TAGS
CONTRACT_ALL_RESTRICTIONS = tuple(V3_RULES_OUT)
# SCREENING.md: `fever` with `immune_or_drugs_or_infection` is an emergency.
EMERGENCY_PAIR_IDS = ("fever", "immune_or_drugs_or_infection")


def v3_rules_out(restriction: str, weeks: int | None) -> frozenset[str]:
    """The tags one restriction rules out, with the contract's pregnancy week rule."""
    if restriction == "pregnant" and weeks is not None and weeks < V3_PREGNANCY_FROM_WEEK:
        return V3_PREGNANT_ANY_WEEK
    return V3_RULES_OUT[restriction]


def run(answers: dict[str, Any], **kwargs: Any) -> ScreeningResult:
    """Screen answers with the shipped wording and a recognisable emergency number."""
    return screen(answers, screening_guide(), emergency_number=EMERGENCY_NUMBER, **kwargs)


def values(restrictions: tuple[Restriction, ...]) -> set[str]:
    return {r.value for r in restrictions}


# ---- the code's ids are the contract's ids ----------------------------------------------


def test_emergency_ids_are_exactly_the_contract_ones() -> None:
    assert set(EMERGENCY_IDS) == set(CONTRACT_EMERGENCY_IDS)
    assert len(EMERGENCY_IDS) == len(CONTRACT_EMERGENCY_IDS)


def test_see_soon_ids_are_exactly_the_contract_ones() -> None:
    assert set(SEE_SOON_IDS) == set(CONTRACT_SEE_SOON_IDS)
    assert len(SEE_SOON_IDS) == len(CONTRACT_SEE_SOON_IDS)


def test_restriction_ids_are_exactly_the_contract_ones() -> None:
    assert {r.value for r in Restriction} == set(V3_RULES_OUT)
    assert {r.value for r in ASKED_RESTRICTIONS} == set(CONTRACT_ASKED_RESTRICTIONS)


def test_implied_restrictions_are_the_contract_ones() -> None:
    assert {k: {r.value for r in v} for k, v in IMPLIED_RESTRICTIONS.items()} == {
        k: set(v) for k, v in CONTRACT_IMPLIED.items()
    }


def test_fever_and_every_emergency_id_are_never_cleared() -> None:
    assert set(NEVER_CLEARED) == {"fever", *CONTRACT_EMERGENCY_IDS}


# ---- verdict truth table -----------------------------------------------------------------


def test_all_no_is_self_care_with_only_neck_circles() -> None:
    result = run(all_no_answers())
    assert result.verdict is Verdict.SELF_CARE
    assert result.allows_routine
    assert result.reasons == ()
    assert result.missing == ()
    assert result.cleared == ()
    assert values(result.restrictions) == {"neck_circles"}


def test_restrictions_left_out_mean_no() -> None:
    """Only red flags are required; a missing restriction answer means no."""
    result = run(red_flags_only())
    assert result.verdict is Verdict.SELF_CARE
    assert values(result.restrictions) == {"neck_circles"}


@pytest.mark.parametrize("flag", CONTRACT_EMERGENCY_IDS)
def test_each_emergency_id_alone_is_emergency(flag: str) -> None:
    result = run(all_no_answers(**{flag: True}))
    assert result.verdict is Verdict.EMERGENCY
    assert not result.allows_routine
    assert result.reasons == (flag,)
    assert result.missing == ()


@pytest.mark.parametrize("flag", CONTRACT_SEE_SOON_IDS)
def test_each_see_soon_id_alone_is_see_clinician(flag: str) -> None:
    result = run(all_no_answers(**{flag: True}))
    assert result.verdict is Verdict.SEE_CLINICIAN
    assert not result.allows_routine
    assert result.reasons == (flag,)
    assert result.cleared == ()


@pytest.mark.parametrize("flag", CONTRACT_CLEARABLE_IDS)
def test_each_cleared_see_soon_id_is_self_care_with_its_implied_restrictions(flag: str) -> None:
    result = run(all_no_answers(**{flag: True}, cleared=[flag]))
    assert result.verdict is Verdict.SELF_CARE
    assert result.allows_routine
    assert result.reasons == ()
    assert result.cleared == (flag,)
    expected = {"neck_circles"} | CONTRACT_IMPLIED.get(flag, frozenset())
    assert values(result.restrictions) == expected


def test_fever_cannot_be_cleared() -> None:
    result = run(all_no_answers(fever=True, cleared=["fever"]))
    assert result.verdict is Verdict.SEE_CLINICIAN
    assert result.reasons == ("fever",)
    assert result.cleared == ()


@pytest.mark.parametrize("flag", CONTRACT_EMERGENCY_IDS)
def test_clearing_an_emergency_id_changes_nothing(flag: str) -> None:
    result = run(all_no_answers(**{flag: True}, cleared=[flag]))
    assert result.verdict is Verdict.EMERGENCY
    assert result.reasons == (flag,)
    assert result.cleared == ()


@pytest.mark.parametrize("restriction", CONTRACT_ASKED_RESTRICTIONS)
def test_each_restriction_is_self_care_with_that_restriction(restriction: str) -> None:
    result = run(all_no_answers(**{restriction: True}))
    assert result.verdict is Verdict.SELF_CARE
    assert result.allows_routine
    assert values(result.restrictions) == {restriction, "neck_circles"}


@pytest.mark.parametrize("fever_and_immune", [False, True, None], ids=lambda v: f"pair_flag={v}")
def test_fever_with_immune_or_drugs_or_infection_is_emergency(fever_and_immune: Any) -> None:
    answers = all_no_answers(
        fever=True, immune_or_drugs_or_infection=True, fever_and_immune=fever_and_immune
    )
    result = run(answers)
    assert result.verdict is Verdict.EMERGENCY
    assert {"fever", "immune_or_drugs_or_infection"} <= set(result.reasons)


def test_fever_pair_is_emergency_even_when_immune_is_cleared() -> None:
    answers = all_no_answers(
        fever=True, immune_or_drugs_or_infection=True, cleared=["immune_or_drugs_or_infection"]
    )
    assert run(answers).verdict is Verdict.EMERGENCY


@pytest.mark.parametrize(
    ("fever", "immune"), [(True, False), (False, True)], ids=["fever_only", "immune_only"]
)
def test_half_of_the_fever_pair_is_see_clinician(fever: bool, immune: bool) -> None:
    result = run(all_no_answers(fever=fever, immune_or_drugs_or_infection=immune))
    assert result.verdict is Verdict.SEE_CLINICIAN


def test_see_clinician_reasons_leave_out_cleared_ids() -> None:
    answers = all_no_answers(weight_loss=True, night_pain=True, cleared=["weight_loss"])
    result = run(answers)
    assert result.verdict is Verdict.SEE_CLINICIAN
    assert result.reasons == ("night_pain",)
    assert result.cleared == ("weight_loss",)


def test_cleared_lists_only_ids_that_are_true() -> None:
    answers = all_no_answers(weight_loss=True, cleared=["weight_loss", "night_pain", "fever"])
    result = run(answers)
    assert result.verdict is Verdict.SELF_CARE
    assert result.cleared == ("weight_loss",)


def test_emergency_beats_see_clinician_and_missing_answers() -> None:
    answers = without(all_no_answers(chest_pain=True, weight_loss=True), "bladder_change")
    result = run(answers)
    assert result.verdict is Verdict.EMERGENCY
    assert result.reasons == ("chest_pain",)
    assert result.missing == ("bladder_change",)


def test_see_clinician_beats_missing_answers() -> None:
    answers = all_no_answers(night_pain=True, saddle_numbness=None)
    result = run(answers)
    assert result.verdict is Verdict.SEE_CLINICIAN
    assert result.reasons == ("night_pain",)
    assert result.missing == ("saddle_numbness",)


@pytest.mark.parametrize("flag", CONTRACT_RED_FLAG_IDS)
@pytest.mark.parametrize("how", ["null", "missing"])
def test_an_unanswered_red_flag_is_incomplete(flag: str, how: str) -> None:
    answers = all_no_answers(**{flag: None}) if how == "null" else without(all_no_answers(), flag)
    result = run(answers)
    assert result.verdict is Verdict.INCOMPLETE
    assert not result.allows_routine
    assert result.missing == (flag,)
    assert result.reasons == (flag,)


def test_incomplete_lists_every_unanswered_id() -> None:
    answers = without(all_no_answers(night_pain=None, fever=None), "both_legs", "onset_age")
    result = run(answers)
    assert result.verdict is Verdict.INCOMPLETE
    assert set(result.missing) == {"night_pain", "fever", "both_legs", "onset_age"}


def test_no_answers_at_all_is_incomplete_with_every_red_flag_missing() -> None:
    result = run({})
    assert result.verdict is Verdict.INCOMPLETE
    assert set(result.missing) == set(CONTRACT_RED_FLAG_IDS)
    assert len(result.missing) == len(CONTRACT_RED_FLAG_IDS)


def test_pain_areas_never_exempt_a_question() -> None:
    """Only the lower back hurts, yet the neck questions must still be answered."""
    answers = without(all_no_answers(areas=["lower_back"]), "electric_shock_neck")
    result = run(answers)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.missing == ("electric_shock_neck",)


def test_result_json_has_every_contract_field() -> None:
    data = run(all_no_answers()).to_json()
    assert {"verdict", "reasons", "missing", "cleared", "restrictions", "advice"} <= set(data)
    assert data["verdict"] == "self_care"


def test_decide_agrees_with_screen() -> None:
    answers = parse_answers(all_no_answers(night_pain=True))
    assert decide(answers) == (Verdict.SEE_CLINICIAN, ("night_pain",))


# ---- the reworded edge cases that are logic -------------------------------------------------


def test_the_fever_pair_names_both_halves_and_the_pair_flag_when_it_is_also_yes() -> None:
    answers = all_no_answers(fever=True, immune_or_drugs_or_infection=True, fever_and_immune=True)
    assert run(answers).reasons == ("fever_and_immune", "fever", "immune_or_drugs_or_infection")


@pytest.mark.parametrize(
    ("fever", "immune", "pair"),
    [
        (True, True, False),
        (True, True, None),
        (None, None, True),
        (False, False, True),
    ],
    ids=["both_halves", "both_halves_pair_unanswered", "pair_flag_only", "pair_flag_halves_no"],
)
def test_fever_pair_is_an_emergency_either_way_it_is_reported(
    fever: bool | None, immune: bool | None, pair: bool | None
) -> None:
    answers = all_no_answers(
        fever=fever, immune_or_drugs_or_infection=immune, fever_and_immune=pair
    )
    assert run(answers).verdict is Verdict.EMERGENCY


def test_clearing_both_halves_of_the_fever_pair_is_still_an_emergency() -> None:
    answers = all_no_answers(
        fever=True,
        immune_or_drugs_or_infection=True,
        cleared=["fever", "immune_or_drugs_or_infection"],
    )
    result = run(answers)
    assert result.verdict is Verdict.EMERGENCY
    assert result.reasons == ("fever", "immune_or_drugs_or_infection")


@pytest.mark.parametrize(
    ("answers", "reasons"),
    [
        ({}, ()),
        ({"chest_pain": True}, ("chest_pain",)),
        ({"chest_pain": None, "fever": True}, ()),
        ({"fever": True}, ()),
        ({"immune_or_drugs_or_infection": True}, ()),
        ({"fever": True, "immune_or_drugs_or_infection": True}, EMERGENCY_PAIR_IDS),
        ({"fever": True, "immune_or_drugs_or_infection": None}, ()),
        ({"weight_loss": True, "no_floor": True}, ()),
        (
            {"saddle_numbness": True, "stiff_neck_fever": True},
            ("saddle_numbness", "stiff_neck_fever"),
        ),
    ],
    ids=[
        "nothing_yet",
        "one_emergency",
        "unanswered_is_not_yes",
        "fever_alone",
        "immune_alone",
        "fever_pair",
        "pair_half_unanswered",
        "see_soon_and_restriction",
        "two_emergencies_in_contract_order",
    ],
)
def test_emergency_reasons_work_on_the_answers_given_so_far(
    answers: dict[str, Any], reasons: tuple[str, ...]
) -> None:
    """What lets an interface stop at the first emergency, before every question is asked."""
    assert emergency_reasons(answers) == reasons


def test_a_partial_screening_that_stops_at_an_emergency_is_stored_as_an_emergency() -> None:
    """Emergency first: only the first group answered, yet the verdict is already decided."""
    result = run({"saddle_numbness": False, "wiping_sensation": True})
    assert result.verdict is Verdict.EMERGENCY
    assert result.reasons == ("wiping_sensation",)
    assert "bladder_change" in result.missing
    assert len(result.missing) == len(CONTRACT_RED_FLAG_IDS) - 2


def test_leg_pain_for_under_a_week_still_takes_out_rounding_stretches() -> None:
    """v3: pain down one leg for any length of time is `disc_with_leg_pain`, a restriction."""
    result = run(all_no_answers(one_limb_nerve_symptoms=False, disc_with_leg_pain=True))
    assert result.verdict is Verdict.SELF_CARE
    assert Restriction.DISC_WITH_LEG_PAIN in result.restrictions
    assert restrictions_rule_out(result.restrictions, ["spinal_flexion"]) == (
        Restriction.DISC_WITH_LEG_PAIN,
    )


def test_one_limb_symptoms_for_over_a_week_wait_for_a_clinician_then_imply_the_leg_rule() -> None:
    waiting = run(all_no_answers(one_limb_nerve_symptoms=True))
    assert waiting.verdict is Verdict.SEE_CLINICIAN
    assert {"disc_with_leg_pain", "neck_gentle"} <= values(waiting.restrictions)
    cleared = run(
        all_no_answers(
            one_limb_nerve_symptoms=True,
            disc_with_leg_pain=False,
            cleared=["one_limb_nerve_symptoms"],
        )
    )
    assert cleared.verdict is Verdict.SELF_CARE
    assert {"disc_with_leg_pain", "neck_gentle"} <= values(cleared.restrictions)


@pytest.mark.parametrize(
    ("weeks", "out"),
    [
        (8, {"closed_twist"}),
        (13, {"closed_twist", "supine", "prone", "deep_bend"}),
        (None, {"closed_twist", "supine", "prone", "deep_bend"}),
    ],
    ids=["week_8", "week_13", "weeks_unknown"],
)
def test_pregnancy_weeks_from_the_answers_decide_what_pregnancy_rules_out(
    weeks: int | None, out: set[str]
) -> None:
    answers = all_no_answers(pregnant=True)
    if weeks is not None:
        answers["pregnancy_weeks"] = weeks
    result = run(answers)
    ruled = {
        tag
        for tag in V3_TAGS
        if restrictions_rule_out(
            [Restriction.PREGNANT], [tag], pregnancy_weeks=result.pregnancy_weeks
        )
    }
    assert ruled == out


# ---- strict answers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [1, 0, "yes", "true", "no", 1.0, [], {}],
    ids=["int_1", "int_0", "str_yes", "str_true", "str_no", "float_1", "list", "dict"],
)
@pytest.mark.parametrize("key", ["saddle_numbness", "night_pain", "no_floor"])
def test_answers_must_be_true_false_or_null(key: str, value: Any) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(all_no_answers(**{key: value}))
    assert caught.value.key == key
    assert key in str(caught.value)


def test_one_is_not_true_even_for_an_emergency_question() -> None:
    """A `1` must be refused, not read as yes (nor as no)."""
    with pytest.raises(AnswersError):
        run(all_no_answers(chest_pain=1))


@pytest.mark.parametrize("key", ["saddle_numbnes", "Fever", "pregnant_weeks", "extra", ""])
def test_unknown_keys_raise_naming_the_key(key: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(all_no_answers(**{key: False}))
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}:")


@pytest.mark.parametrize("weeks", [0, 1, 12, 13, 20, 42])
def test_pregnancy_weeks_accepts_whole_weeks_0_to_42_with_pregnant(weeks: int) -> None:
    answers = parse_answers(all_no_answers(pregnant=True, pregnancy_weeks=weeks))
    assert answers.pregnancy_weeks == weeks


@pytest.mark.parametrize("weeks", [-1, 43, 100, 10.0, "10", True, [10]], ids=repr)
def test_pregnancy_weeks_must_be_an_int_0_to_42(weeks: Any) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(all_no_answers(pregnant=True, pregnancy_weeks=weeks))
    assert caught.value.key == "pregnancy_weeks"


@pytest.mark.parametrize(
    "pregnant", [False, None, "missing"], ids=["pregnant_false", "pregnant_null", "no_pregnant"]
)
def test_pregnancy_weeks_only_with_pregnant_true(pregnant: Any) -> None:
    answers = all_no_answers(pregnant=pregnant, pregnancy_weeks=10)
    if pregnant == "missing":
        answers = without(answers, "pregnant")
    with pytest.raises(AnswersError) as caught:
        parse_answers(answers)
    assert caught.value.key == "pregnancy_weeks"


@pytest.mark.parametrize("bad", ["not_an_id", "no_floor", "Weight_Loss"])
def test_cleared_with_an_unknown_id_raises(bad: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(all_no_answers(weight_loss=True, cleared=["weight_loss", bad]))
    assert caught.value.key == "cleared"
    assert bad in str(caught.value)


@pytest.mark.parametrize("cleared", ["weight_loss", [1], {"weight_loss": True}], ids=repr)
def test_cleared_must_be_a_list_of_ids(cleared: Any) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(all_no_answers(weight_loss=True, cleared=cleared))
    assert caught.value.key == "cleared"


@pytest.mark.parametrize("word", ["lower back", "knees", "LOWER_BACK", ""], ids=repr)
def test_an_unknown_area_word_is_named(word: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(all_no_answers(areas=["hips", word]))
    assert caught.value.key == "areas"
    assert str(caught.value) == f"areas: unknown area {word!r}"


@pytest.mark.parametrize("areas", ["hips", [3], {"hips": True}], ids=repr)
def test_areas_must_be_a_list_of_words(areas: Any) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(all_no_answers(areas=areas))
    assert str(caught.value) == "areas: expected a list of ids"


def test_areas_are_read_and_never_exempt_a_question() -> None:
    answers = parse_answers(all_no_answers(areas=["lower_back", "neck-shoulders", "lower_back"]))
    assert [a.value for a in answers.areas] == ["lower_back", "neck_shoulders"]


def test_answers_must_be_an_object() -> None:
    with pytest.raises(AnswersError):
        parse_answers(["saddle_numbness"])


def test_screen_refuses_malformed_answers() -> None:
    with pytest.raises(AnswersError) as caught:
        run(all_no_answers(night_pain="yes"))
    assert caught.value.key == "night_pain"


# ---- properties -----------------------------------------------------------------------------

ANSWER_VALUE = st.sampled_from(["omit", True, False, None])
ALL_ANSWER_IDS = CONTRACT_RED_FLAG_IDS + CONTRACT_ASKED_RESTRICTIONS


@st.composite
def arbitrary_answers(draw: st.DrawFn, fixed: dict[str, Any] | None = None) -> dict[str, Any]:
    """Any valid answers: each id true / false / null / left out, any cleared list."""
    fixed = fixed or {}
    answers: dict[str, Any] = {}
    for key in ALL_ANSWER_IDS:
        if key in fixed:
            answers[key] = fixed[key]
            continue
        value = draw(ANSWER_VALUE)
        if value != "omit":
            answers[key] = value
    cleared: list[str] = draw(
        st.lists(st.sampled_from(CONTRACT_RED_FLAG_IDS), unique=True, max_size=10)
    )
    send_empty_list: bool = draw(st.booleans())
    if cleared or send_empty_list:
        answers["cleared"] = cleared
    if answers.get("pregnant") is True:
        weeks = draw(st.none() | st.integers(0, 42))
        if weeks is not None:
            answers["pregnancy_weeks"] = weeks
    return answers


def contract_verdict(answers: dict[str, Any]) -> str:
    """SCREENING.md's precedence, written out independently of the code."""
    flag = answers.get
    cleared = set(answers.get("cleared", ())) - {"fever"}
    if any(flag(i) is True for i in CONTRACT_EMERGENCY_IDS) or (
        flag("fever") is True and flag("immune_or_drugs_or_infection") is True
    ):
        return "emergency"
    if any(flag(i) is True and i not in cleared for i in CONTRACT_SEE_SOON_IDS):
        return "see_clinician"
    if any(flag(i) is None for i in CONTRACT_RED_FLAG_IDS):
        return "incomplete"
    return "self_care"


@PROPERTY
@given(data=st.data(), flag=st.sampled_from(CONTRACT_EMERGENCY_IDS))
def test_any_emergency_id_true_is_emergency_whatever_else(data: st.DataObject, flag: str) -> None:
    answers = data.draw(arbitrary_answers(fixed={flag: True}))
    result = run(answers)
    assert result.verdict is Verdict.EMERGENCY
    assert flag in result.reasons
    assert not result.allows_routine


@PROPERTY
@given(answers=arbitrary_answers())
def test_verdict_follows_the_contract_precedence(answers: dict[str, Any]) -> None:
    result = run(answers)
    assert result.verdict.value == contract_verdict(answers)
    assert set(result.missing) == {i for i in CONTRACT_RED_FLAG_IDS if answers.get(i) is None}
    assert "neck_circles" in values(result.restrictions)
    cleared_true = {
        i
        for i in answers.get("cleared", ())
        if i in CONTRACT_CLEARABLE_IDS and answers.get(i) is True
    }
    assert set(result.cleared) == cleared_true


@st.composite
def self_care_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Answers that must be self_care: no emergency, no fever, every true see-soon id cleared."""
    answers: dict[str, Any] = dict.fromkeys(CONTRACT_EMERGENCY_IDS, False)
    answers["fever"] = False
    cleared = []
    for key in CONTRACT_CLEARABLE_IDS:
        answers[key] = draw(st.booleans())
        if answers[key]:
            cleared.append(key)
    for key in CONTRACT_ASKED_RESTRICTIONS:
        value = draw(ANSWER_VALUE)
        if value != "omit":
            answers[key] = value
    answers["cleared"] = cleared
    return answers


@PROPERTY
@given(answers=self_care_answers(), data=st.data())
def test_removing_any_red_flag_answer_from_self_care_is_incomplete(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    assert run(answers).verdict is Verdict.SELF_CARE
    flag = data.draw(st.sampled_from(CONTRACT_RED_FLAG_IDS))
    how = data.draw(st.sampled_from(["missing", "null"]))
    changed = without(answers, flag) if how == "missing" else {**answers, flag: None}
    result = run(changed)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.missing == (flag,)


@PROPERTY
@given(answers=self_care_answers())
def test_self_care_restrictions_are_answered_plus_implied_plus_neck_circles(
    answers: dict[str, Any],
) -> None:
    result = run(answers)
    expected = {"neck_circles"}
    expected |= {r for r in CONTRACT_ASKED_RESTRICTIONS if answers.get(r) is True}
    for flag, implied in CONTRACT_IMPLIED.items():
        if answers[flag] is True:
            expected |= implied
    assert values(result.restrictions) == expected


# ---- restrictions in force --------------------------------------------------------------------


def test_one_limb_nerve_symptoms_cleared_implies_disc_and_gentle_neck() -> None:
    answers = all_no_answers(one_limb_nerve_symptoms=True, cleared=["one_limb_nerve_symptoms"])
    result = run(answers)
    assert result.verdict is Verdict.SELF_CARE
    assert values(result.restrictions) == {"disc_with_leg_pain", "neck_gentle", "neck_circles"}


@PROPERTY
@given(answers=arbitrary_answers())
def test_neck_circles_is_always_in_force(answers: dict[str, Any]) -> None:
    assert Restriction.NECK_CIRCLES in restrictions_in_force(parse_answers(answers))


def test_restrictions_never_block_on_their_own() -> None:
    every = dict.fromkeys(CONTRACT_ASKED_RESTRICTIONS, True)
    result = run(all_no_answers(**every, pregnancy_weeks=30))
    assert result.verdict is Verdict.SELF_CARE
    assert values(result.restrictions) == set(CONTRACT_ASKED_RESTRICTIONS) | {"neck_circles"}


# ---- restriction × movement tag table, and over every way of the catalogue -----------------

CATALOGUE = tuple(builtin_catalogue())
# SCREENING.md: tags belong to a way of doing a stretch, and the rules act on the planned way.
WAYS = tuple(way for stretch in CATALOGUE for way in stretch.ways)
WAY_IDS = tuple(f"{stretch.id}@{way.place}" for stretch in CATALOGUE for way in stretch.ways)


def test_movement_tags_are_exactly_the_contract_ones() -> None:
    assert {m.value for m in Movement} == set(V3_TAGS)
    assert len(Movement) == len(V3_TAGS)


def test_code_rules_out_table_matches_the_contract() -> None:
    assert {r.value: {m.value for m in tags} for r, tags in RULES_OUT.items()} == {
        r: set(tags) for r, tags in V3_RULES_OUT.items()
    }


WEEKS = (None, 0, 1, 12, 13, 14, 42)


@pytest.mark.parametrize("weeks", WEEKS, ids=lambda w: f"week_{w}")
@pytest.mark.parametrize("tag", V3_TAGS)
@pytest.mark.parametrize("restriction", CONTRACT_ALL_RESTRICTIONS)
def test_each_restriction_rules_out_each_tag_as_the_contract_says(
    restriction: str, tag: str, weeks: int | None
) -> None:
    """The whole truth table: restriction x tag x pregnancy week, one tag at a time."""
    expected = (Restriction(restriction),) if tag in v3_rules_out(restriction, weeks) else ()
    assert restrictions_rule_out([restriction], [tag], pregnancy_weeks=weeks) == expected


@pytest.mark.parametrize("weeks", WEEKS, ids=lambda w: f"week_{w}")
@pytest.mark.parametrize("restriction", CONTRACT_ALL_RESTRICTIONS)
def test_ruled_out_tags_match_the_contract(restriction: str, weeks: int | None) -> None:
    found = ruled_out_tags(restriction, pregnancy_weeks=weeks)
    assert {m.value for m in found} == v3_rules_out(restriction, weeks)


@pytest.mark.parametrize("weeks", WEEKS, ids=lambda w: f"week_{w}")
def test_every_restriction_together_names_each_one_that_rules_out(weeks: int | None) -> None:
    every = list(CONTRACT_ALL_RESTRICTIONS)
    for tag in V3_TAGS:
        expected = {r for r in every if tag in v3_rules_out(r, weeks)}
        ruled = restrictions_rule_out(every, [tag], pregnancy_weeks=weeks)
        assert values(ruled) == expected, tag
        assert len(ruled) == len(expected)


@pytest.mark.parametrize("weeks", [0, 12], ids=lambda w: f"week_{w}")
def test_early_pregnancy_rules_out_only_a_twist_into_the_belly(weeks: int) -> None:
    for tag in ("supine", "prone", "deep_bend"):
        assert restrictions_rule_out(["pregnant"], [tag], pregnancy_weeks=weeks) == ()
    assert restrictions_rule_out(["pregnant"], ["closed_twist"], pregnancy_weeks=weeks) == (
        Restriction.PREGNANT,
    )


def test_gentle_neck_keeps_trunk_twists_but_not_the_neck_at_its_limit() -> None:
    """v3: `neck_gentle` acts on the neck tags; a seated trunk twist is no longer ruled out."""
    assert restrictions_rule_out(["neck_gentle"], ["end_range_rotation"]) == ()
    for tag in ("neck_end_range", "neck_overpressure", "neck_extension"):
        assert restrictions_rule_out(["neck_gentle"], [tag]) == (Restriction.NECK_GENTLE,)


def test_a_stretch_with_no_tags_is_never_ruled_out() -> None:
    assert restrictions_rule_out(list(CONTRACT_ALL_RESTRICTIONS), []) == ()


@pytest.mark.parametrize("way", WAYS, ids=WAY_IDS)
@pytest.mark.parametrize("restriction", CONTRACT_ALL_RESTRICTIONS)
def test_restriction_rules_out_a_way_iff_tags_intersect(restriction: str, way: Any) -> None:
    tags = {m.value for m in way.movements}
    expected = bool(V3_RULES_OUT[restriction] & tags)
    ruled = restrictions_rule_out([restriction], way.movements)
    assert bool(ruled) == expected
    if expected:
        assert values(ruled) == {restriction}


@pytest.mark.parametrize(
    ("restriction", "stretch_ids"),
    [
        ("knee_pain_kneeling", {"cat-cow", "childs-pose", "childs-pose-supported", "bird-dog"}),
        ("wrist_pain", {"cat-cow", "bird-dog", "cobra", "thread-the-needle"}),
        ("stenosis_or_spondylolisthesis", {"cobra", "sphinx", "standing-back-extension"}),
        ("disc_with_leg_pain", {"knee-to-chest", "childs-pose", "seated-spinal-twist"}),
        ("osteoporosis", {"seated-spinal-twist", "chair-spinal-twist", "double-knee-to-chest"}),
        ("post_surgery", {"cobra", "chair-spinal-twist", "knee-to-chest"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_concrete_stretches_ruled_out(restriction: str, stretch_ids: set[str]) -> None:
    catalogue = builtin_catalogue()
    for stretch_id in stretch_ids:
        way = catalogue.get(stretch_id).usual_way
        assert restrictions_rule_out([restriction], way.movements), stretch_id


def test_padded_kneeling_is_still_kneeling() -> None:
    supported = builtin_catalogue().get("childs-pose-supported").usual_way
    assert restrictions_rule_out(["knee_pain_kneeling"], supported.movements)


@pytest.mark.parametrize(
    "stretch_id",
    # Not the side stretches: v3 tags them `side_bend`, which `osteoporosis` rules out.
    ["standing-bird-dog", "standing-hip-hinge", "shoulder-rolls"],
)
def test_standing_and_chair_alternatives_survive_every_asked_restriction(stretch_id: str) -> None:
    for way in builtin_catalogue().get(stretch_id).ways:
        assert restrictions_rule_out(list(CONTRACT_ASKED_RESTRICTIONS), way.movements) == ()


@pytest.mark.parametrize("way", WAYS, ids=WAY_IDS)
def test_no_floor_rules_out_every_way_on_the_floor_and_only_those(way: Any) -> None:
    """A lying stretch done on a bed is not `floor`: `no_floor` keeps it for the bed setting."""
    on_floor = way.place is Place.FLOOR
    assert bool(restrictions_rule_out(["no_floor"], way.movements)) == on_floor


def test_catalogue_has_ways_on_and_off_the_floor_and_lying_on_a_bed() -> None:
    """Guards the table above against a catalogue that would make it vacuous."""
    places = {way.place for way in WAYS}
    assert Place.FLOOR in places
    assert places - {Place.FLOOR}
    assert any(w.place is Place.BED and Movement.SUPINE in w.movements for w in WAYS)


@pytest.mark.parametrize("weeks", [0, 10, 12], ids=lambda w: f"week_{w}")
@pytest.mark.parametrize("way", WAYS, ids=WAY_IDS)
def test_pregnant_before_week_13_rules_out_only_closed_twists(way: Any, weeks: int) -> None:
    expected = "closed_twist" in {m.value for m in way.movements}
    ruled = restrictions_rule_out(["pregnant"], way.movements, pregnancy_weeks=weeks)
    assert bool(ruled) == expected


@pytest.mark.parametrize("weeks", [None, 13, 20, 42], ids=lambda w: f"week_{w}")
@pytest.mark.parametrize("way", WAYS, ids=WAY_IDS)
def test_pregnant_from_week_13_or_unknown_also_rules_out_supine_prone_deep_bend(
    way: Any, weeks: int | None
) -> None:
    tags = {m.value for m in way.movements}
    expected = bool({"closed_twist", "supine", "prone", "deep_bend"} & tags)
    ruled = restrictions_rule_out(["pregnant"], way.movements, pregnancy_weeks=weeks)
    assert bool(ruled) == expected


def test_pregnancy_weeks_only_soften_the_pregnancy_restriction() -> None:
    ruled = restrictions_rule_out(
        ["pregnant", "knee_pain_kneeling"],
        builtin_catalogue().get("cat-cow").usual_way.movements,
        pregnancy_weeks=10,
    )
    assert values(ruled) == {"knee_pain_kneeling"}


def test_pregnancy_weeks_reach_the_result() -> None:
    result = run(all_no_answers(pregnant=True, pregnancy_weeks=10))
    assert result.pregnancy_weeks == 10
    assert "pregnant" in values(result.restrictions)


def test_neck_circles_rules_out_full_neck_circles() -> None:
    assert values(restrictions_rule_out(["neck_circles"], [Movement.NECK_CIRCLE])) == {
        "neck_circles"
    }
    in_force = restrictions_in_force(parse_answers(all_no_answers()))
    assert restrictions_rule_out(in_force, [Movement.NECK_CIRCLE]) == (Restriction.NECK_CIRCLES,)


def test_catalogue_prescribes_no_full_neck_circle() -> None:
    assert not [way for way in WAYS if Movement.NECK_CIRCLE in way.movements]


def test_neck_gentle_rules_out_tipping_the_head_back() -> None:
    assert restrictions_rule_out(["neck_gentle"], [Movement.NECK_EXTENSION])


# ---- advice --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        all_no_answers(chest_pain=True),
        all_no_answers(night_pain=True),
        without(all_no_answers(), "bladder_change"),
        all_no_answers(),
    ],
    ids=["emergency", "see_clinician", "incomplete", "self_care"],
)
def test_advice_has_a_title_and_text_with_no_placeholders(answers: dict[str, Any]) -> None:
    advice = run(answers).advice
    assert advice.title.strip()
    assert advice.text.strip()
    for part in (advice.title, advice.text, *advice.actions):
        assert "{" not in part and "}" not in part


@pytest.mark.parametrize("flag", ["saddle_numbness", "dizziness_vision_speech", "fever_and_immune"])
def test_emergency_advice_gives_the_emergency_number(flag: str) -> None:
    advice = run(all_no_answers(**{flag: True})).advice
    assert EMERGENCY_NUMBER in advice.text
    assert any(EMERGENCY_NUMBER in action for action in advice.actions)
    assert "emergency department" in (advice.text + " ".join(advice.actions)).lower()


def test_emergency_advice_repeats_the_yes_answers() -> None:
    advice = run(all_no_answers(chest_pain=True)).advice
    assert screening_guide().question("chest_pain").question in advice.text


def test_emergency_advice_uses_the_number_passed_in() -> None:
    advice = screen(
        all_no_answers(chest_pain=True), screening_guide(), emergency_number="911"
    ).advice
    assert "911" in advice.text
    assert EMERGENCY_NUMBER not in advice.text


@pytest.mark.parametrize("flag", CONTRACT_CLEARABLE_IDS)
def test_see_clinician_advice_says_how_to_record_clearance(flag: str) -> None:
    advice = run(all_no_answers(**{flag: True})).advice
    clear_actions = [a for a in advice.actions if "backstretch screen --clear" in a]
    assert any(f"--clear {flag}" in a or flag in a.split("--clear", 1)[1] for a in clear_actions)
    assert screening_guide().question(flag).question in advice.text


def test_see_clinician_clear_command_names_every_uncleared_id() -> None:
    advice = run(all_no_answers(night_pain=True, weight_loss=True)).advice
    command = [a for a in advice.actions if "backstretch screen --clear" in a and "ID" not in a]
    assert command
    assert "night_pain" in command[0] and "weight_loss" in command[0]


def test_see_clinician_for_fever_does_not_offer_to_clear_fever() -> None:
    advice = run(all_no_answers(fever=True)).advice
    assert not any("--clear fever" in a for a in advice.actions)


def test_see_clinician_advice_asks_to_book_an_appointment() -> None:
    advice = run(all_no_answers(night_pain=True)).advice
    assert "appointment" in (advice.text + " ".join(advice.actions)).lower()


def test_incomplete_advice_lists_the_unanswered_questions() -> None:
    answers = without(all_no_answers(night_pain=None), "bladder_change", "no_improvement_6_weeks")
    advice = run(answers).advice
    guide = screening_guide()
    for flag in ("night_pain", "bladder_change", "no_improvement_6_weeks"):
        assert guide.question(flag).question in advice.text
    assert guide.question("chest_pain").question not in advice.text


def test_self_care_advice_names_the_stretches_left_out() -> None:
    left_out = {Restriction.KNEE_PAIN_KNEELING: ("Cat-cow", "Child's pose")}
    advice = run(all_no_answers(knee_pain_kneeling=True), left_out=left_out).advice
    assert "Cat-cow" in advice.text
    assert "Child's pose" in advice.text
    assert screening_guide().restriction_notes["knee_pain_kneeling"] in advice.text


def test_self_care_advice_explains_each_restriction_in_force() -> None:
    advice = run(all_no_answers(wrist_pain=True, no_floor=True)).advice
    notes = screening_guide().restriction_notes
    for restriction in ("wrist_pain", "no_floor", "neck_circles"):
        assert notes[restriction] in advice.text
    assert notes["osteoporosis"] not in advice.text


# ---- the shipped wording ------------------------------------------------------------------


@functools.cache
def _shipped_yaml() -> dict[str, Any]:
    text = resources.files("backstretch.data").joinpath("screening.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def shipped_document() -> dict[str, Any]:
    """Return a fresh copy of the shipped wording file, parsed, for a test to change."""
    return copy.deepcopy(_shipped_yaml())


def test_shipped_guide_passes() -> None:
    guide = parse_guide(shipped_document())
    ids = [q.id for q in guide.questions]
    assert set(ids) == set(CONTRACT_RED_FLAG_IDS) | set(CONTRACT_ASKED_RESTRICTIONS)
    assert len(ids) == len(set(ids))
    assert all(q.question for q in guide.questions)


def test_shipped_guide_asks_emergency_questions_first() -> None:
    ids = [q.id for q in screening_guide().questions]
    last_emergency = max(ids.index(i) for i in CONTRACT_EMERGENCY_IDS)
    first_see_soon = min(ids.index(i) for i in CONTRACT_SEE_SOON_IDS)
    assert last_emergency < first_see_soon


# ---- the wording file's own checks: each broken file is refused, naming what is broken ----------
# Each test breaks the shipped file in one way and asserts the whole message, so a check that is
# removed, weakened or made to name the wrong thing fails its test.

VERDICTS = tuple(v.value for v in Verdict)
STOP_SIGNAL_IDS = (
    "sharp_pain",
    "numbness_tingling",
    "weakness",
    "dizziness_vision",
    "spreading",
    "pregnancy_warning",
    "pain_rising",
)
BLOCK_KINDS = ("emergency", "see_clinician", "pain_pause")


def refusal(document: Any) -> str:
    """Return the message the guide parser refuses this document with."""
    with pytest.raises(GuideError) as caught:
        parse_guide(document)
    return str(caught.value)


def question_in(document: dict[str, Any], question_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(q for q in document["questions"] if q["id"] == question_id)
    return found


def index_of(document: dict[str, Any], question_id: str) -> int:
    return next(n for n, q in enumerate(document["questions"]) if q["id"] == question_id)


def test_each_broken_document_starts_from_a_valid_one() -> None:
    """Guards every test below: the shipped file itself passes every check."""
    parse_guide(shipped_document())


@pytest.mark.parametrize("document", [[], "text", None], ids=repr)
def test_guide_that_is_not_a_mapping_is_refused(document: Any) -> None:
    assert refusal(document) == "the file: expected a mapping"


@pytest.mark.parametrize(
    "key",
    [
        "disclaimer",
        "session_reminder",
        "groups",
        "questions",
        "restriction_notes",
        "advice",
        "stop_signals",
        "block_advice",
    ],
)
def test_guide_without_a_top_level_part_is_refused(key: str) -> None:
    document = shipped_document()
    del document[key]
    assert refusal(document) == f"the file: missing {key}"


def test_guide_with_an_unknown_top_level_part_is_refused() -> None:
    document = {**shipped_document(), "adivce": {}}
    assert refusal(document) == "the file: unknown key adivce"


# advice -------------------------------------------------------------------------------------


@pytest.mark.parametrize("verdict", VERDICTS)
def test_guide_without_advice_for_a_verdict_is_refused(verdict: str) -> None:
    document = shipped_document()
    del document["advice"][verdict]
    assert refusal(document) == f"advice: missing {verdict}"


@pytest.mark.parametrize("key", ["title", "text", "actions"])
@pytest.mark.parametrize("verdict", VERDICTS)
def test_advice_without_its_title_text_or_actions_is_refused(verdict: str, key: str) -> None:
    document = shipped_document()
    del document["advice"][verdict][key]
    assert refusal(document) == f"advice.{verdict}: missing {key}"


def test_see_clinician_advice_without_what_to_mention_is_refused() -> None:
    document = shipped_document()
    del document["advice"]["see_clinician"]["tell_them"]
    assert refusal(document) == "advice.see_clinician: missing tell_them"


@pytest.mark.parametrize("key", ["title", "text"])
@pytest.mark.parametrize("empty", ["", "   ", None, ["a list"]], ids=repr)
def test_advice_with_an_empty_title_or_text_is_refused(key: str, empty: Any) -> None:
    document = shipped_document()
    document["advice"]["self_care"][key] = empty
    assert refusal(document) == f"advice.self_care.{key}: expected non-empty text"


@pytest.mark.parametrize("actions", [[], "Call now.", None], ids=repr)
def test_advice_actions_must_be_a_non_empty_list(actions: Any) -> None:
    document = shipped_document()
    document["advice"]["incomplete"]["actions"] = actions
    assert refusal(document) == "advice.incomplete.actions: expected a non-empty list"


def test_an_empty_advice_action_is_refused() -> None:
    document = shipped_document()
    document["advice"]["incomplete"]["actions"].append(" ")
    last = len(document["advice"]["incomplete"]["actions"]) - 1
    assert refusal(document) == f"advice.incomplete.actions[{last}]: expected non-empty text"


@pytest.mark.parametrize("verdict", VERDICTS)
def test_advice_with_an_unknown_key_is_refused(verdict: str) -> None:
    document = shipped_document()
    document["advice"][verdict]["titel"] = "A typo"
    assert refusal(document) == f"advice.{verdict}: unknown key titel"


def test_advice_for_an_unknown_verdict_is_refused() -> None:
    document = shipped_document()
    document["advice"]["maybe"] = document["advice"]["self_care"]
    assert refusal(document) == "advice: unknown key maybe"


def test_tell_them_belongs_only_to_the_see_clinician_advice() -> None:
    document = shipped_document()
    document["advice"]["self_care"]["tell_them"] = "Mention this."
    assert refusal(document) == "advice.self_care: unknown key tell_them"


def test_emergency_advice_text_must_give_the_emergency_number() -> None:
    document = shipped_document()
    text = document["advice"]["emergency"]["text"]
    document["advice"]["emergency"]["text"] = text.replace("{emergency_number}", "a doctor")
    assert refusal(document) == "advice.emergency.text: must give {emergency_number}"


def test_emergency_advice_actions_must_give_the_emergency_number() -> None:
    document = shipped_document()
    actions = document["advice"]["emergency"]["actions"]
    document["advice"]["emergency"]["actions"] = [
        a.replace("{emergency_number}", "a doctor") for a in actions
    ]
    assert refusal(document) == "advice.emergency.actions: one must give {emergency_number}"


def test_an_unknown_placeholder_in_advice_is_refused() -> None:
    document = shipped_document()
    document["advice"]["see_clinician"]["text"] += " Call {clinic_number}."
    assert refusal(document) == (
        "advice.see_clinician.text: a curly-brace placeholder, but only {emergency_number} "
        "is filled in there"
    )


# restriction notes ----------------------------------------------------------------------------


@pytest.mark.parametrize("restriction", CONTRACT_ALL_RESTRICTIONS)
def test_a_restriction_without_its_note_is_refused(restriction: str) -> None:
    document = shipped_document()
    del document["restriction_notes"][restriction]
    assert refusal(document) == f"restriction_notes: missing {restriction}"


@pytest.mark.parametrize("empty", ["", None], ids=repr)
def test_a_restriction_with_an_empty_note_is_refused(empty: Any) -> None:
    document = shipped_document()
    document["restriction_notes"]["wrist_pain"] = empty
    assert refusal(document) == "restriction_notes.wrist_pain: expected non-empty text"


def test_a_note_for_an_unknown_restriction_is_refused() -> None:
    document = shipped_document()
    document["restriction_notes"]["bad_knees"] = "We leave out kneeling."
    assert refusal(document) == "restriction_notes: unknown key bad_knees"


def test_a_restriction_note_cannot_hold_a_placeholder() -> None:
    """Notes are shown as they are: nothing would fill the placeholder in."""
    document = shipped_document()
    document["restriction_notes"]["no_floor"] += " Call {emergency_number}."
    assert refusal(document) == (
        "restriction_notes.no_floor: a curly-brace placeholder, but none is filled in"
    )


# groups -------------------------------------------------------------------------------------


def test_a_question_in_an_unknown_group_is_refused() -> None:
    document = shipped_document()
    question_in(document, "night_pain")["group"] = "about_the_pain"
    assert refusal(document) == "night_pain: unknown group about_the_pain"


def test_a_group_written_twice_is_refused() -> None:
    document = shipped_document()
    document["groups"].append(dict(document["groups"][1]))
    assert refusal(document) == "groups: emergency_neck appears twice"


@pytest.mark.parametrize("key", ["id", "title", "intro"])
def test_a_group_without_its_id_title_or_intro_is_refused(key: str) -> None:
    document = shipped_document()
    del document["groups"][2][key]
    where = "groups[2]" if key == "id" else "groups[2] (emergency_general)"
    assert refusal(document) == f"{where}: missing {key}"


def test_a_group_with_an_unknown_key_is_refused() -> None:
    document = shipped_document()
    document["groups"][0]["intor"] = "A typo."
    assert refusal(document) == "groups[0]: unknown key intor"


def test_a_group_without_questions_is_refused() -> None:
    document = shipped_document()
    document["groups"].insert(0, {"id": "spare", "title": "Spare", "intro": "Nothing here."})
    assert refusal(document) == "group spare has no questions"


def test_a_group_mixing_emergency_and_see_soon_questions_is_refused() -> None:
    document = shipped_document()
    question = question_in(document, "fever")
    document["questions"].remove(question)
    question["group"] = "emergency_general"
    document["questions"].insert(index_of(document, "weight_loss"), question)
    assert refusal(document) == "group emergency_general mixes tiers: emergency, see_soon"


def test_groups_that_would_ask_a_see_soon_group_first_are_refused() -> None:
    """The interfaces ask group by group: the groups' order is the order of asking."""
    document = shipped_document()
    history = next(g for g in document["groups"] if g["id"] == "see_soon_history")
    document["groups"].remove(history)
    document["groups"].insert(0, history)
    assert refusal(document) == (
        "groups must ask emergency questions first, then see-soon, then restrictions"
    )


# questions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("removed", CONTRACT_RED_FLAG_IDS + CONTRACT_ASKED_RESTRICTIONS)
def test_guide_missing_a_question_is_refused(removed: str) -> None:
    document = copy.deepcopy(shipped_document())
    document["questions"] = [q for q in document["questions"] if q["id"] != removed]
    assert refusal(document) == f"no question for: {removed}"


@pytest.mark.parametrize("twice", ["chest_pain", "night_pain", "no_floor"])
def test_a_question_id_written_twice_is_refused(twice: str) -> None:
    document = shipped_document()
    position = index_of(document, twice)
    document["questions"].insert(position, dict(document["questions"][position]))
    assert refusal(document) == f"questions: {twice} appears twice"


@pytest.mark.parametrize(
    ("tier", "group"),
    [("emergency", "emergency_general"), ("see_soon", "see_soon_general")],
    ids=["emergency", "see_soon"],
)
def test_a_question_for_an_id_not_in_the_contract_is_refused(tier: str, group: str) -> None:
    document = shipped_document()
    extra = {**question_in(document, "chest_pain"), "id": "jaw_pain", "tier": tier}
    extra["group"] = group
    position = index_of(document, "chest_pain" if tier == "emergency" else "night_pain")
    document["questions"].insert(position, extra)
    assert refusal(document) == "questions for ids not in SCREENING.md: jaw_pain"


def test_a_question_for_a_restriction_that_is_only_implied_is_refused() -> None:
    """`neck_gentle` is implied, never asked: a question for it is an extra id."""
    document = shipped_document()
    extra = {**question_in(document, "no_floor"), "id": "neck_gentle"}
    document["questions"].append(extra)
    assert refusal(document) == "questions for ids not in SCREENING.md: neck_gentle"


@pytest.mark.parametrize(
    ("question_id", "tier"),
    [("chest_pain", "see_soon"), ("fever", "emergency"), ("no_floor", "see_soon")],
)
def test_guide_with_a_question_in_the_wrong_tier_is_refused(question_id: str, tier: str) -> None:
    document = shipped_document()
    question_in(document, question_id)["tier"] = tier
    expected = {"chest_pain": "emergency", "fever": "see_soon", "no_floor": "restriction"}
    assert refusal(document) == f"{question_id}: tier must be {expected[question_id]}"


def test_a_question_with_an_unknown_tier_is_refused() -> None:
    document = shipped_document()
    question_in(document, "chest_pain")["tier"] = "urgent"
    position = index_of(document, "chest_pain")
    assert refusal(document) == f"questions[{position}] (chest_pain).tier: unknown tier urgent"


@pytest.mark.parametrize("moved", CONTRACT_EMERGENCY_IDS)
def test_guide_with_an_emergency_question_after_a_see_soon_one_is_refused(moved: str) -> None:
    document = copy.deepcopy(shipped_document())
    questions = document["questions"]
    question = next(q for q in questions if q["id"] == moved)
    questions.remove(question)
    first_see_soon = next(i for i, q in enumerate(questions) if q["tier"] == "see_soon")
    questions.insert(first_see_soon + 1, question)
    assert refusal(document) == (
        "emergency questions must come first, then see-soon, then restrictions"
    )


@pytest.mark.parametrize("key", ["tier", "group", "question", "help"])
def test_a_question_without_a_required_field_is_refused(key: str) -> None:
    document = shipped_document()
    del question_in(document, "bowel_change")[key]
    position = index_of(document, "bowel_change")
    assert refusal(document) == f"questions[{position}] (bowel_change): missing {key}"


def test_a_question_without_an_id_is_refused() -> None:
    document = shipped_document()
    del document["questions"][0]["id"]
    assert refusal(document) == "questions[0]: missing id"


def test_a_question_with_an_unknown_key_is_refused() -> None:
    document = shipped_document()
    question_in(document, "weight_loss")["hint"] = "A typo for help."
    assert refusal(document) == f"questions[{index_of(document, 'weight_loss')}]: unknown key hint"


@pytest.mark.parametrize("empty", ["", "  ", None], ids=repr)
def test_a_question_with_empty_wording_is_refused(empty: Any) -> None:
    document = shipped_document()
    question_in(document, "weight_loss")["question"] = empty
    position = index_of(document, "weight_loss")
    assert refusal(document) == (
        f"questions[{position}] (weight_loss).question: expected non-empty text"
    )


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "parts: expected a non-empty list"),
        ("One part", "parts: expected a non-empty list"),
        (["Fine?", ""], "parts[1]: expected non-empty text"),
    ],
    ids=["empty", "not_a_list", "empty_part"],
)
def test_question_parts_must_be_a_list_of_texts(parts: Any, message: str) -> None:
    document = shipped_document()
    question_in(document, "bladder_change")["parts"] = parts
    position = index_of(document, "bladder_change")
    assert refusal(document) == f"questions[{position}] (bladder_change).{message}"


@pytest.mark.parametrize("follow_up", ["", "  ", 12, ["How many weeks?"]], ids=repr)
def test_the_pregnancy_follow_up_must_be_text(follow_up: Any) -> None:
    document = shipped_document()
    question_in(document, "pregnant")["follow_up"] = follow_up
    position = index_of(document, "pregnant")
    assert refusal(document) == (
        f"questions[{position}] (pregnant).follow_up: expected non-empty text"
    )


def test_the_pregnancy_question_needs_its_follow_up_about_weeks() -> None:
    document = shipped_document()
    del question_in(document, "pregnant")["follow_up"]
    assert refusal(document) == "pregnant: needs a follow_up"


def test_only_the_pregnancy_question_has_a_follow_up() -> None:
    """No interface would ask any other follow-up."""
    document = shipped_document()
    question_in(document, "no_floor")["follow_up"] = "Since when?"
    assert refusal(document) == "no_floor: cannot have a follow_up"


@pytest.mark.parametrize("stray", ["{", "}"])
def test_a_stray_curly_brace_is_refused(stray: str) -> None:
    """A half-written placeholder would be shown to people as it is."""
    document = shipped_document()
    document["advice"]["emergency"]["text"] += f" Call {stray}emergency_number."
    assert refusal(document) == (
        "advice.emergency.text: a curly-brace placeholder, but only {emergency_number} is "
        "filled in there"
    )


def test_texts_are_read_without_surrounding_space() -> None:
    document = shipped_document()
    question_in(document, "chest_pain")["question"] = "  Chest pain too?\n"
    document["advice"]["self_care"]["actions"] = ["  Begin gently.\n"]
    guide = parse_guide(document)
    assert guide.question("chest_pain").question == "Chest pain too?"
    assert guide.advice["self_care"]["actions"] == ("Begin gently.",)


def test_a_question_cannot_hold_a_placeholder() -> None:
    document = shipped_document()
    question_in(document, "chest_pain")["help"] += " Call {emergency_number}."
    position = index_of(document, "chest_pain")
    assert refusal(document) == (
        f"questions[{position}] (chest_pain).help: a curly-brace placeholder, but none is filled in"
    )


# disclaimer, reminder, stop signals and block advice -------------------------------------------


def test_the_disclaimer_must_give_the_emergency_number() -> None:
    document = shipped_document()
    document["disclaimer"] = document["disclaimer"].replace("{emergency_number}", "for help")
    assert refusal(document) == "the file.disclaimer: must give {emergency_number}"


def test_the_session_reminder_cannot_hold_a_placeholder() -> None:
    """The player shows the reminder as it is."""
    document = shipped_document()
    document["session_reminder"] += " Call {emergency_number}."
    assert refusal(document) == (
        "the file.session_reminder: a curly-brace placeholder, but none is filled in"
    )


@pytest.mark.parametrize("signal", STOP_SIGNAL_IDS)
def test_a_stop_signal_without_its_wording_is_refused(signal: str) -> None:
    document = shipped_document()
    document["stop_signals"] = [s for s in document["stop_signals"] if s["id"] != signal]
    assert refusal(document) == f"stop_signals: missing {signal}"


def test_an_unknown_stop_signal_is_refused() -> None:
    document = shipped_document()
    document["stop_signals"].append({"id": "cramp", "label": "Cramp", "advice": "Rest."})
    last = len(document["stop_signals"]) - 1
    assert refusal(document) == f"stop_signals[{last}]: unknown stop signal cramp"


def test_a_stop_signal_written_twice_is_refused() -> None:
    document = shipped_document()
    document["stop_signals"].append(dict(document["stop_signals"][0]))
    assert refusal(document) == "stop_signals: sharp_pain appears twice"


@pytest.mark.parametrize("key", ["label", "advice"])
def test_a_stop_signal_without_its_label_or_advice_is_refused(key: str) -> None:
    document = shipped_document()
    del document["stop_signals"][1][key]
    assert refusal(document) == f"stop_signals[1] (numbness_tingling): missing {key}"


@pytest.mark.parametrize("kind", BLOCK_KINDS)
def test_block_advice_for_each_kind_is_required(kind: str) -> None:
    document = shipped_document()
    del document["block_advice"][kind]
    assert refusal(document) == f"block_advice: missing {kind}"


def test_block_advice_for_an_unknown_kind_is_refused() -> None:
    document = shipped_document()
    document["block_advice"]["sore"] = "Rest."
    assert refusal(document) == "block_advice: unknown key sore"
