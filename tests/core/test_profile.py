"""The planning profile: validated strictly, every error names its field."""

from __future__ import annotations

from typing import Any

import pytest

from backstretch.core.models import Level, Region
from backstretch.core.profile import Profile, ProfileError, Setting, TimeOfDay, parse_profile
from backstretch.core.screening import Restriction
from tests.factories import CONTRACT_RULES_OUT


def profile_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"areas": ["lower_back"]}
    data.update(changes)
    return data


def test_defaults_for_a_minimal_profile() -> None:
    profile = parse_profile({"areas": ["hips"]})
    assert profile.areas == (Region.HIPS,)
    assert profile.minutes == 10
    assert profile.setting is Setting.FLOOR
    assert profile.restrictions == ()
    assert profile.pregnancy_weeks is None
    assert profile.level is Level.STANDARD
    assert profile.time_of_day is TimeOfDay.ANY
    assert profile.avoid == ()
    assert profile.favourites == ()


@pytest.mark.parametrize("spelling", ["lower-back", "lower_back", "Lower-Back", " lower_back "])
def test_area_spellings_are_accepted(spelling: str) -> None:
    assert parse_profile(profile_data(areas=[spelling])).areas == (Region.LOWER_BACK,)


def test_every_area_together_and_duplicates_collapse() -> None:
    words = ["neck-shoulders", "upper_back", "mid-back", "lower_back", "hips", "lower-back"]
    profile = parse_profile(profile_data(areas=words))
    assert profile.areas == (
        Region.NECK_SHOULDERS,
        Region.UPPER_BACK,
        Region.MID_BACK,
        Region.LOWER_BACK,
        Region.HIPS,
    )


@pytest.mark.parametrize("minutes", [1, 5, 30, 60])
def test_minutes_in_range(minutes: int) -> None:
    assert parse_profile(profile_data(minutes=minutes)).minutes == minutes


@pytest.mark.parametrize("setting", ["floor", "chair", "standing", "bed"])
def test_every_setting(setting: str) -> None:
    assert parse_profile(profile_data(setting=setting)).setting.value == setting


@pytest.mark.parametrize("level", ["gentle", "standard", "advanced"])
def test_every_level(level: str) -> None:
    assert parse_profile(profile_data(level=level)).level.value == level


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("morning", TimeOfDay.MORNING),
        ("work_break", TimeOfDay.WORK_BREAK),
        ("work-break", TimeOfDay.WORK_BREAK),
        ("evening", TimeOfDay.EVENING),
        ("after_exercise", TimeOfDay.AFTER_EXERCISE),
        ("after-exercise", TimeOfDay.AFTER_EXERCISE),
        ("any", TimeOfDay.ANY),
    ],
)
def test_every_time_of_day(word: str, expected: TimeOfDay) -> None:
    assert parse_profile(profile_data(time_of_day=word)).time_of_day is expected


@pytest.mark.parametrize("restriction", sorted(CONTRACT_RULES_OUT))
def test_every_screening_restriction_id_is_accepted(restriction: str) -> None:
    profile = parse_profile(profile_data(restrictions=[restriction]))
    assert profile.restrictions == (Restriction(restriction),)


def test_restriction_with_hyphens_is_accepted() -> None:
    profile = parse_profile(profile_data(restrictions=["no-floor", "knee-pain-kneeling"]))
    assert profile.restrictions == (Restriction.NO_FLOOR, Restriction.KNEE_PAIN_KNEELING)


@pytest.mark.parametrize("weeks", [0, 12, 13, 42])
def test_pregnancy_weeks_with_pregnant(weeks: int) -> None:
    profile = parse_profile(profile_data(restrictions=["pregnant"], pregnancy_weeks=weeks))
    assert profile.pregnancy_weeks == weeks


def test_avoid_and_favourites_are_kept_in_order() -> None:
    profile = parse_profile(
        profile_data(avoid=["cobra", "cat-cow"], favourites=["pelvic-tilt", "knee-to-chest"])
    )
    assert profile.avoid == ("cobra", "cat-cow")
    assert profile.favourites == ("pelvic-tilt", "knee-to-chest")


def test_profile_is_immutable() -> None:
    profile = parse_profile(profile_data())
    with pytest.raises(ValueError):
        profile.minutes = 20  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"minutes": 10}, "areas", id="areas-missing"),
        pytest.param(profile_data(areas=[]), "areas", id="areas-empty"),
        pytest.param(profile_data(areas="lower_back"), "areas", id="areas-not-a-list"),
        pytest.param(profile_data(areas=["knees"]), "areas.0", id="area-unknown"),
        pytest.param(profile_data(areas=["hips", 3]), "areas.1", id="area-not-a-word"),
        pytest.param(profile_data(minutes=0), "minutes", id="minutes-0"),
        pytest.param(profile_data(minutes=61), "minutes", id="minutes-61"),
        pytest.param(profile_data(minutes=-5), "minutes", id="minutes-negative"),
        pytest.param(profile_data(minutes="10"), "minutes", id="minutes-string"),
        pytest.param(profile_data(minutes=10.5), "minutes", id="minutes-fraction"),
        pytest.param(profile_data(minutes=True), "minutes", id="minutes-bool"),
        pytest.param(profile_data(minutes=None), "minutes", id="minutes-null"),
        pytest.param(profile_data(setting="sofa"), "setting", id="setting-unknown"),
        pytest.param(profile_data(setting=1), "setting", id="setting-number"),
        pytest.param(profile_data(restrictions=["bad_knee"]), "restrictions.0", id="restr-unknown"),
        pytest.param(profile_data(restrictions="no_floor"), "restrictions", id="restr-not-list"),
        pytest.param(
            profile_data(restrictions=["pregnant"], pregnancy_weeks=43),
            "pregnancy_weeks",
            id="weeks-43",
        ),
        pytest.param(
            profile_data(restrictions=["pregnant"], pregnancy_weeks=-1),
            "pregnancy_weeks",
            id="weeks-negative",
        ),
        pytest.param(
            profile_data(restrictions=["pregnant"], pregnancy_weeks="20"),
            "pregnancy_weeks",
            id="weeks-string",
        ),
        pytest.param(
            profile_data(pregnancy_weeks=20), "pregnancy_weeks", id="weeks-without-pregnant"
        ),
        pytest.param(
            profile_data(restrictions=["no_floor"], pregnancy_weeks=20),
            "pregnancy_weeks",
            id="weeks-with-other-restriction",
        ),
        pytest.param(profile_data(level="expert"), "level", id="level-unknown"),
        pytest.param(profile_data(time_of_day="night"), "time_of_day", id="time-unknown"),
        pytest.param(profile_data(avoid="cobra"), "avoid", id="avoid-not-list"),
        pytest.param(profile_data(avoid=[1]), "avoid.0", id="avoid-number"),
        pytest.param(profile_data(favourites=[None]), "favourites.0", id="favourite-null"),
        pytest.param(profile_data(colour="blue"), "colour", id="unknown-field"),
    ],
)
def test_invalid_profile_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize("data", [None, [], "lower_back", 3], ids=repr)
def test_profile_must_be_a_mapping(data: Any) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(data)
    assert caught.value.field == "(profile)"


def test_weeks_without_pregnant_says_why() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(profile_data(pregnancy_weeks=20))
    assert "pregnant" in caught.value.problem


def test_profile_constructor_is_strict_too() -> None:
    with pytest.raises(ValueError):
        Profile(areas=(Region.HIPS,), minutes=0)
    with pytest.raises(ValueError):
        Profile(areas=())
