"""The safety screening against SCREENING.md: verdicts, strict answers, restrictions, advice."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstretch.core.models import Movement, Position
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
    parse_answers,
    parse_guide,
    restrictions_in_force,
    restrictions_rule_out,
    screen,
)
from backstretch.data import builtin_catalogue, screening_guide
from tests.factories import (
    CONTRACT_ASKED_RESTRICTIONS,
    CONTRACT_CLEARABLE_IDS,
    CONTRACT_EMERGENCY_IDS,
    CONTRACT_IMPLIED,
    CONTRACT_RED_FLAG_IDS,
    CONTRACT_RULES_OUT,
    CONTRACT_SEE_SOON_IDS,
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

CONTRACT_ALL_RESTRICTIONS = tuple(CONTRACT_RULES_OUT)


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
    assert {r.value for r in Restriction} == set(CONTRACT_RULES_OUT)
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


# ---- restriction × movement tag table over the catalogue ------------------------------------

CATALOGUE = tuple(builtin_catalogue())
STRETCH_IDS = tuple(s.id for s in CATALOGUE)


def test_code_rules_out_table_matches_the_contract() -> None:
    assert {r.value: {m.value for m in tags} for r, tags in RULES_OUT.items()} == {
        r: set(tags) for r, tags in CONTRACT_RULES_OUT.items()
    }


@pytest.mark.parametrize("stretch", CATALOGUE, ids=STRETCH_IDS)
@pytest.mark.parametrize("restriction", CONTRACT_ALL_RESTRICTIONS)
def test_restriction_rules_out_stretch_iff_tags_intersect(restriction: str, stretch: Any) -> None:
    tags = {m.value for m in stretch.movements}
    expected = bool(CONTRACT_RULES_OUT[restriction] & tags)
    ruled = restrictions_rule_out([restriction], stretch.movements)
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
        stretch = catalogue.get(stretch_id)
        assert restrictions_rule_out([restriction], stretch.movements), stretch_id


def test_padded_kneeling_is_still_kneeling() -> None:
    supported = builtin_catalogue().get("childs-pose-supported")
    assert restrictions_rule_out(["knee_pain_kneeling"], supported.movements)


@pytest.mark.parametrize(
    "stretch_id",
    ["standing-bird-dog", "standing-hip-hinge", "seated-side-stretch", "shoulder-rolls"],
)
def test_standing_and_chair_alternatives_survive_every_asked_restriction(stretch_id: str) -> None:
    stretch = builtin_catalogue().get(stretch_id)
    assert restrictions_rule_out(list(CONTRACT_ASKED_RESTRICTIONS), stretch.movements) == ()


FLOOR_POSITIONS = {
    Position.FLOOR_SEATED,
    Position.KNEELING,
    Position.ALL_FOURS,
    Position.SIDE_LYING,
    Position.PRONE,
    Position.SUPINE,
}


@pytest.mark.parametrize("stretch", CATALOGUE, ids=STRETCH_IDS)
def test_no_floor_rules_out_every_floor_stretch_and_only_those(stretch: Any) -> None:
    on_floor = stretch.position in FLOOR_POSITIONS
    assert bool(restrictions_rule_out(["no_floor"], stretch.movements)) == on_floor


def test_catalogue_has_floor_and_non_floor_stretches() -> None:
    """Guards the table above against a catalogue that would make it vacuous."""
    positions = {s.position for s in CATALOGUE}
    assert positions & FLOOR_POSITIONS
    assert positions - FLOOR_POSITIONS


@pytest.mark.parametrize("weeks", [0, 10, 12], ids=lambda w: f"week_{w}")
@pytest.mark.parametrize("stretch", CATALOGUE, ids=STRETCH_IDS)
def test_pregnant_before_week_13_rules_out_nothing(stretch: Any, weeks: int) -> None:
    assert restrictions_rule_out(["pregnant"], stretch.movements, pregnancy_weeks=weeks) == ()


@pytest.mark.parametrize("weeks", [None, 13, 20, 42], ids=lambda w: f"week_{w}")
@pytest.mark.parametrize("stretch", CATALOGUE, ids=STRETCH_IDS)
def test_pregnant_from_week_13_or_unknown_rules_out_supine_prone_deep_bend(
    stretch: Any, weeks: int | None
) -> None:
    expected = bool({"supine", "prone", "deep_bend"} & {m.value for m in stretch.movements})
    ruled = restrictions_rule_out(["pregnant"], stretch.movements, pregnancy_weeks=weeks)
    assert bool(ruled) == expected


def test_pregnancy_weeks_only_soften_the_pregnancy_restriction() -> None:
    ruled = restrictions_rule_out(
        ["pregnant", "knee_pain_kneeling"],
        builtin_catalogue().get("cat-cow").movements,
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
    assert not [s.id for s in CATALOGUE if Movement.NECK_CIRCLE in s.movements]


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


def shipped_document() -> dict[str, Any]:
    text = resources.files("backstretch.data").joinpath("screening.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


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


@pytest.mark.parametrize("removed", CONTRACT_RED_FLAG_IDS + CONTRACT_ASKED_RESTRICTIONS)
def test_guide_missing_a_question_is_refused(removed: str) -> None:
    document = copy.deepcopy(shipped_document())
    document["questions"] = [q for q in document["questions"] if q["id"] != removed]
    with pytest.raises(GuideError, match=removed):
        parse_guide(document)


@pytest.mark.parametrize("moved", CONTRACT_EMERGENCY_IDS)
def test_guide_with_an_emergency_question_after_a_see_soon_one_is_refused(moved: str) -> None:
    document = copy.deepcopy(shipped_document())
    questions = document["questions"]
    question = next(q for q in questions if q["id"] == moved)
    questions.remove(question)
    first_see_soon = next(i for i, q in enumerate(questions) if q["tier"] == "see_soon")
    questions.insert(first_see_soon + 1, question)
    with pytest.raises(GuideError):
        parse_guide(document)


def test_guide_with_a_question_in_the_wrong_tier_is_refused() -> None:
    document = copy.deepcopy(shipped_document())
    question = next(q for q in document["questions"] if q["id"] == "chest_pain")
    question["tier"] = "see_soon"
    with pytest.raises(GuideError, match="chest_pain"):
        parse_guide(document)


@pytest.mark.parametrize("verdict", [v.value for v in Verdict])
def test_guide_without_advice_for_a_verdict_is_refused(verdict: str) -> None:
    document = copy.deepcopy(shipped_document())
    del document["advice"][verdict]
    with pytest.raises(GuideError):
        parse_guide(document)
