"""The JSON Schemas in schemas/ are current, and every `--json` output validates against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.core.screening import RED_FLAG_IDS
from backstretch.schemas import generate, write

SCHEMA_DIR = Path(__file__).parents[1] / "schemas"
REGENERATE = "run `python -m backstretch.schemas` to regenerate the schemas/ folder"


def load_schema(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / name
    assert path.is_file(), f"{path} is missing; {REGENERATE}"
    return json.loads(path.read_text(encoding="utf-8"))


def validator(name: str) -> jsonschema.protocols.Validator:
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def run_json(runner: CliRunner, args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_schema_files_match_the_models() -> None:
    expected = generate()
    on_disk = sorted(p.name for p in SCHEMA_DIR.glob("*.json"))
    assert on_disk == sorted(expected), f"schemas/ holds other files than expected; {REGENERATE}"
    for name, schema in expected.items():
        assert load_schema(name) == schema, f"schemas/{name} is out of date; {REGENERATE}"


def test_every_schema_is_a_valid_draft_2020_12_schema() -> None:
    for name in generate():
        schema = load_schema(name)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_write_creates_one_file_per_schema(tmp_path: Path) -> None:
    written = write(tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(generate())
    for path in written:
        assert json.loads(path.read_text(encoding="utf-8")) == generate()[path.name]


def test_stretches_json_validates(runner: CliRunner) -> None:
    data = run_json(runner, ["stretches", "--json"])
    assert len(data) > 20
    validator("stretches.schema.json").validate(data)


def test_show_json_validates(runner: CliRunner) -> None:
    data = run_json(runner, ["show", "cat-cow", "--json"])
    assert data["id"] == "cat-cow"
    validator("stretch.schema.json").validate(data)


def test_learn_topics_json_validates(runner: CliRunner) -> None:
    data = run_json(runner, ["learn", "--json"])
    assert "safety" in {entry["topic"] for entry in data}
    validator("education-topics.schema.json").validate(data)


def test_learn_page_json_validates(runner: CliRunner) -> None:
    data = run_json(runner, ["learn", "safety", "--json"])
    assert data["topic"] == "safety"
    validator("education-page.schema.json").validate(data)


@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        ({"saddle_numbness": True}, "emergency"),
        (dict.fromkeys(RED_FLAG_IDS, False), "self_care"),
    ],
    ids=["emergency", "all-no"],
)
def test_screen_json_validates(
    runner: CliRunner, tmp_path: Path, answers: dict[str, bool], verdict: str
) -> None:
    assert len(RED_FLAG_IDS) == 33
    file = tmp_path / "answers.json"
    file.write_text(json.dumps(answers), encoding="utf-8")
    data = run_json(runner, ["screen", "--answers", str(file), "--json"])
    assert data["verdict"] == verdict
    validator("screening-result.schema.json").validate(data)


def test_schemas_reject_malformed_output(runner: CliRunner) -> None:
    """The schemas are strict enough to catch a renamed key or an unknown value."""
    stretch = run_json(runner, ["show", "cat-cow", "--json"])
    check = validator("stretch.schema.json")
    with pytest.raises(jsonschema.ValidationError):
        check.validate({**stretch, "surprise": 1})
    without_sources = {k: v for k, v in stretch.items() if k != "sources"}
    with pytest.raises(jsonschema.ValidationError):
        check.validate(without_sources)
    with pytest.raises(jsonschema.ValidationError):
        check.validate({**stretch, "dose": {**stretch["dose"], "hold_seconds": 61}})
    result = {
        "verdict": "fine",
        "reasons": [],
        "missing": [],
        "cleared": [],
        "restrictions": [],
        "pregnancy_weeks": None,
        "advice": {"title": "t", "text": "x", "actions": []},
    }
    screening = validator("screening-result.schema.json")
    with pytest.raises(jsonschema.ValidationError):
        screening.validate(result)
    screening.validate({**result, "verdict": "self_care"})
    with pytest.raises(jsonschema.ValidationError):
        screening.validate({**result, "verdict": "self_care", "restrictions": ["no_neck"]})


def write_answers(folder: Path, answers: dict[str, Any]) -> Path:
    file = folder / "answers.json"
    file.write_text(json.dumps(answers), encoding="utf-8")
    return file


def plan_json(runner: CliRunner, args: list[str], code: int = 0) -> Any:
    result = runner.invoke(app, ["plan", *args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize(
    ("answers", "args", "screening"),
    [
        (
            {
                **dict.fromkeys(RED_FLAG_IDS, False),
                "pregnant_with_pain": True,
                "pregnant": True,
                "pregnancy_weeks": 20,
                "cleared": ["pregnant_with_pain"],
            },
            ["--area", "lower_back", "--setting", "chair", "--pregnancy-weeks", "20"],
            "ok",
        ),
        (None, ["--area", "lower_back", "--area", "hips", "--minutes", "30"], "missing"),
        ({"saddle_numbness": False}, ["--preset", "basic-daily"], "incomplete"),
    ],
    ids=["ok", "missing", "incomplete"],
)
def test_plan_json_validates(
    runner: CliRunner,
    tmp_path: Path,
    answers: dict[str, Any] | None,
    args: list[str],
    screening: str,
) -> None:
    if answers is not None:
        file = write_answers(tmp_path, answers)
        assert runner.invoke(app, ["screen", "--answers", str(file)]).exit_code == 0
    data = plan_json(runner, args)
    assert data["screening"] == screening
    assert data["items"]
    validator("plan.schema.json").validate(data)


@pytest.mark.usefixtures("clock")
def test_blocked_plan_json_validates(runner: CliRunner, tmp_path: Path) -> None:
    file = write_answers(tmp_path, {"saddle_numbness": True})
    assert runner.invoke(app, ["screen", "--answers", str(file)]).exit_code == 0
    data = plan_json(runner, ["--area", "lower_back"], code=3)
    assert data["blocked"] is True
    assert data["verdict"] == "emergency"
    check = validator("plan.schema.json")
    check.validate(data)
    # A safety block with no screening on file has no verdict.
    check.validate({**data, "verdict": None})


@pytest.mark.usefixtures("clock")
def test_plan_schema_rejects_malformed_output(runner: CliRunner) -> None:
    data = plan_json(runner, ["--area", "lower_back"])
    check = validator("plan.schema.json")
    check.validate(data)
    item, segment = data["items"][0], data["timeline"][0]
    bad = [
        {**data, "screening": "fine"},
        {**data, "surprise": 1},
        {k: v for k, v in data.items() if k != "timeline"},
        {**data, "timeline": []},
        {**data, "restrictions": ["no_neck"]},
        {**data, "items": [{**item, "sides": "both"}]},
        {**data, "items": [{k: v for k, v in item.items() if k != "hold_seconds"}]},
        {**data, "items": [{**item, "sets": 4}]},
        {**data, "swaps": [{"from": "cat-cow", "to": "seated-cat-cow", "reasons": []}]},
        {**data, "excluded": [{"stretch": "cobra", "reasons": [{"kind": "mood", "id": "x"}]}]},
        {**data, "timeline": [{**segment, "kind": "pause"}]},
        {**data, "timeline": [{**segment, "breath": "hold"}]},
        {**data, "timeline": [{**segment, "side": "middle"}]},
        {**data, "profile": {**data["profile"], "minutes": 61}},
        {**data, "blocked": True},
        {
            "blocked": False,
            "verdict": "emergency",
            "advice": {"title": "t", "text": "x", "actions": []},
        },
        {"blocked": True, "verdict": "fine", "advice": {"title": "t", "text": "x", "actions": []}},
        {"blocked": True, "verdict": "emergency"},
    ]
    for index, document in enumerate(bad):
        with pytest.raises(jsonschema.ValidationError):
            check.validate(document)
            pytest.fail(f"bad document {index} validated")
    swap = {
        "from": "cat-cow",
        "to": "seated-cat-cow",
        "reasons": [{"kind": "setting", "id": "chair"}],
    }
    check.validate({**data, "swaps": [swap]})
