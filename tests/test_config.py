"""Settings come from `BACKSTRETCH_*` environment variables, in any case; what a caller passes
wins; a value that cannot be used is refused naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from backstretch.config import InvalidSettings, Settings, from_environment, get_settings
from backstretch.services.errors import Invalid


def test_variables_are_read_in_any_case_and_others_are_left_alone() -> None:
    found = from_environment(
        {
            "BACKSTRETCH_TIMEZONE": "Europe/London",
            "backstretch_lead_in_seconds": "8",
            "BACKSTRETCH_NOT_A_SETTING": "x",
            "TIMEZONE": "Asia/Tokyo",
        }
    )
    assert found == {"timezone": "Europe/London", "lead_in_seconds": "8"}


def test_the_environment_fills_what_the_caller_leaves_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKSTRETCH_LEAD_IN_SECONDS", "8")
    monkeypatch.setenv("BACKSTRETCH_ACCOUNTS", "true")
    settings = Settings(data_dir=tmp_path, lead_in_seconds=3)
    assert settings.lead_in_seconds == 3  # passed: wins over the environment
    assert settings.accounts is True  # left out: from the environment
    assert settings.data_dir == tmp_path


def test_nothing_set_gives_the_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"BACKSTRETCH_{name.upper()}", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.lead_in_seconds == 5
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'backstretch.sqlite3'}"


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("BACKSTRETCH_LEAD_IN_SECONDS", "31", "less than or equal to 30"),
        ("BACKSTRETCH_ACCOUNTS", "perhaps", "valid boolean"),
        ("BACKSTRETCH_PUSH_CONTACT", "someone", "should match pattern"),
    ],
)
def test_a_value_that_cannot_be_used_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(InvalidSettings) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert isinstance(refused.value, Invalid)  # mapped like any invalid input: exit 2, 422
    assert f"{variable}: " in str(refused.value)
    assert said in str(refused.value)
