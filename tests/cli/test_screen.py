"""`backstretch screen`: from a file, interactively, the weekly re-check and clearances."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.cli.screening import STOP_HERE
from backstretch.core.screening import RED_FLAG_IDS
from backstretch.data import screening_guide
from backstretch.services.context import PersonContext

RED_FLAG_GROUPS = 5  # checklists before the restriction questions
RESTRICTION_QUESTIONS = 7
# Enter to confirm the disclaimer, then "none of these" on each of the six screens.
ALL_NONE = "\n".join(["", *["n"] * (RED_FLAG_GROUPS + 1)]) + "\n"


def write_answers(folder: Path, answers: object) -> Path:
    path = folder / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return path


def all_no(**answers: object) -> dict[str, object]:
    return {**dict.fromkeys(RED_FLAG_IDS, False), **answers}


@pytest.mark.usefixtures("database_url")
@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        (all_no(saddle_numbness=True), "emergency"),
        (all_no(weight_loss=True), "see_clinician"),
        ({"saddle_numbness": False}, "incomplete"),
        (all_no(wrist_pain=True), "self_care"),
    ],
    ids=["emergency", "see_clinician", "incomplete", "self_care"],
)
def test_answers_file_gives_the_verdict_and_exits_0(
    runner: CliRunner, tmp_path: Path, answers: object, verdict: str
) -> None:
    path = write_answers(tmp_path, answers)
    result = runner.invoke(app, ["screen", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == verdict
    assert data["advice"]["title"]
    assert "neck_circles" in data["restrictions"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ('{"saddle_numbnes": true}', "saddle_numbnes"),
        ('{"saddle_numbness": 1}', "saddle_numbness"),
        ('{"pregnancy_weeks": 20}', "pregnancy_weeks"),
        ('{"cleared": ["nonsense"]}', "cleared"),
        ("[true]", "answers"),
        ('{"saddle_numbness": tru', "not valid JSON"),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "weeks-without-pregnant",
        "unknown-cleared",
        "not-object",
        "bad-json",
    ],
)
def test_malformed_answers_exit_2_naming_the_key(
    runner: CliRunner, tmp_path: Path, content: str, named: str
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["screen", "--answers", str(path), "--json"])
    assert result.exit_code == 2
    assert named in result.stderr
    assert result.stdout == ""


def test_an_unreadable_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", "--answers", str(tmp_path / "nope.json"), "--json"])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_a_malformed_file_stores_nothing(runner: CliRunner, tmp_path: Path) -> None:
    bad = write_answers(tmp_path, {"saddle_numbness": "yes"})
    assert runner.invoke(app, ["screen", "--answers", str(bad)]).exit_code == 2
    # Nothing was stored, so the weekly re-check finds no earlier screening.
    result = runner.invoke(app, ["screen", "--recheck"], input=ALL_NONE)
    assert "No earlier screening on file" in result.stdout


def test_interactive_screening_shows_the_disclaimer_first(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen"], input=ALL_NONE)
    assert result.exit_code == 0, result.output
    first_question = screening_guide().questions[0].plain
    assert result.stdout.index("not a medical device") < result.stdout.index(first_question[:40])
    assert "none of these" in result.stdout
    assert "Go ahead" in result.stdout or "go ahead" in result.stdout.lower()


def test_interactive_not_sure_leaves_a_red_flag_unanswered(runner: CliRunner) -> None:
    emergency_back = [q for q in screening_guide().questions if q.group == "emergency_back"]
    # Open the first checklist, answer the first question "not sure" and the rest "no".
    reply = ["", "y", "?"] + ["n"] * (len(emergency_back) - 1)
    reply += ["n"] * RED_FLAG_GROUPS  # the other four checklists and the adjustments
    result = runner.invoke(app, ["screen"], input="\n".join(reply) + "\n")
    assert result.exit_code == 0, result.output
    assert emergency_back[0].plain[:40] in result.stdout
    assert "unanswered" in result.stdout.lower()


def test_not_sure_applies_a_restriction_and_weeks_are_asked(runner: CliRunner) -> None:
    restrictions = [q.id for q in screening_guide().questions if q.tier == "restriction"]
    replies = {"pregnant": "y", "knee_pain_kneeling": "?"}
    reply = ["", *["n"] * RED_FLAG_GROUPS, "y"]
    for question_id in restrictions:
        reply.append(replies.get(question_id, "n"))
        if question_id == "pregnant":
            reply.append("20")
    result = runner.invoke(app, ["screen"], input="\n".join(reply) + "\n")
    assert result.exit_code == 0, result.output
    assert "pregnant" in result.stdout
    assert "knee pain kneeling" in result.stdout


def test_recheck_is_prefilled_with_last_answers(runner: CliRunner, tmp_path: Path) -> None:
    path = write_answers(tmp_path, all_no(wrist_pain=True))
    assert runner.invoke(app, ["screen", "--answers", str(path)]).exit_code == 0
    # Pressing Enter everywhere keeps last week's answers (no disclaimer the second time).
    reply = "\n" * (RED_FLAG_GROUPS + 1 + RESTRICTION_QUESTIONS)
    result = runner.invoke(app, ["screen", "--recheck"], input=reply)
    assert result.exit_code == 0, result.output
    assert "wrist pain" in result.stdout


@pytest.mark.usefixtures("database_url")
def test_clear_records_a_clearance(runner: CliRunner, tmp_path: Path) -> None:
    path = write_answers(tmp_path, all_no(cancer_history=True))
    first = runner.invoke(app, ["screen", "--answers", str(path), "--json"])
    assert json.loads(first.stdout)["verdict"] == "see_clinician"
    assert "backstretch screen --clear cancer_history" in first.stdout
    cleared = runner.invoke(app, ["screen", "--clear", "cancer_history", "--json"])
    assert cleared.exit_code == 0, cleared.output
    data = json.loads(cleared.stdout)
    assert data["verdict"] == "self_care"
    assert data["cleared"] == ["cancer_history"]


def test_clear_refuses_fever_and_absent_flags(runner: CliRunner, tmp_path: Path) -> None:
    path = write_answers(tmp_path, all_no(fever=True))
    runner.invoke(app, ["screen", "--answers", str(path)])
    fever = runner.invoke(app, ["screen", "--clear", "fever"])
    assert fever.exit_code == 2
    assert "cannot be cleared" in fever.stderr
    absent = runner.invoke(app, ["screen", "--clear", "weight_loss"])
    assert absent.exit_code == 2
    assert "not present" in absent.stderr


def test_a_corrupt_database_is_named(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backstretch.config import get_settings

    database = tmp_path / "corrupt.sqlite3"
    database.write_bytes(b"garbage" * 500)
    monkeypatch.setenv("BACKSTRETCH_DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    path = write_answers(tmp_path, all_no())
    result = runner.invoke(app, ["screen", "--answers", str(path)])
    assert result.exit_code == 1
    assert "corrupt.sqlite3" in result.stderr
    assert database.read_bytes() == b"garbage" * 500


def test_a_database_with_damaged_pages_is_one_line_naming_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose header is fine but whose table pages are garbage: one line, exit 1."""
    import sqlite3

    from backstretch.config import get_settings

    database = tmp_path / "damaged.sqlite3"
    monkeypatch.setenv("BACKSTRETCH_DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    assert (
        runner.invoke(
            app, ["screen", "--answers", str(write_answers(tmp_path, all_no()))]
        ).exit_code
        == 0
    )
    for _ in range(3):
        runner.invoke(app, ["log", "--pain-before", "3", "--pain-after", "2", "--area", "hips"])
    with sqlite3.connect(database) as connection:  # everything into the main file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = 4096
    data = bytearray(database.read_bytes())
    assert len(data) > 6 * page_size
    data[2 * page_size :] = b"\xa5" * (len(data) - 2 * page_size)
    database.write_bytes(bytes(data))
    damaged = bytes(data)

    result = runner.invoke(app, ["history"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(database) in lines[0]
    assert "damaged" in lines[0] and "import" in lines[0]
    assert "Traceback" not in result.output
    assert database.read_bytes() == damaged


def test_the_disclaimer_names_the_configured_emergency_number(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backstretch.config import get_settings

    monkeypatch.setenv("BACKSTRETCH_EMERGENCY_NUMBER", "112")
    get_settings.cache_clear()
    result = runner.invoke(app, ["screen"], input=ALL_NONE)
    assert result.exit_code == 0, result.output
    disclaimer = result.stdout[: result.stdout.index("Nerves")]
    assert "call 112" in " ".join(disclaimer.split())


# ---- emergency first ----------------------------------------------------------------------------


def replies_until(question_id: str, *, yes: set[str]) -> list[str]:
    """Replies that open every red-flag checklist up to `question_id`'s group and answer each
    question no, except the ids in `yes`, stopping after `question_id`."""
    guide = screening_guide()
    replies: list[str] = [""]  # the disclaimer
    for group in guide.groups:
        questions = [q for q in guide.questions if q.group == group.id]
        replies.append("y")  # "does any of these apply?"
        for question in questions:
            replies.append("y" if question.id in yes else "n")
            if question.id == question_id:
                return replies
    raise AssertionError(question_id)


@pytest.mark.usefixtures("database_url")
def test_interactive_screening_stops_at_the_first_emergency_yes_and_stores_it(
    runner: CliRunner, me: PersonContext
) -> None:
    from backstretch.services.screening import latest_answers

    questions = [q for q in screening_guide().questions if q.group == "emergency_back"]
    reply = replies_until(questions[1].id, yes={questions[1].id})
    result = runner.invoke(app, ["screen"], input="\n".join(reply) + "\n")
    assert result.exit_code == 0, result.output
    assert STOP_HERE in result.stdout
    assert "Please get help now" in result.stdout
    assert questions[1].plain[:40] in result.stdout
    # No further question is asked: not the rest of the group (a question asked on its own
    # shows its help), not the next group.
    assert questions[1].help[:40] in result.stdout
    assert questions[2].help[:40] not in result.stdout
    assert screening_guide().groups[1].title not in result.stdout
    assert latest_answers(me) == {questions[0].id: False, questions[1].id: True}


@pytest.mark.usefixtures("database_url")
def test_interactive_screening_stops_once_the_fever_pair_is_complete(
    runner: CliRunner, me: PersonContext
) -> None:
    from backstretch.services.screening import latest_answers

    pair = {"fever", "immune_or_drugs_or_infection"}
    reply = replies_until("immune_or_drugs_or_infection", yes=pair)
    result = runner.invoke(app, ["screen"], input="\n".join(reply) + "\n")
    assert result.exit_code == 0, result.output
    assert STOP_HERE in result.stdout
    assert "Please get help now" in result.stdout
    assert screening_guide().question("immune_or_drugs_or_infection").help[:40] in result.stdout
    assert screening_guide().question("pregnant_with_pain").help[:40] not in result.stdout
    assert screening_guide().groups[-1].title not in result.stdout
    stored = latest_answers(me)
    assert stored is not None
    assert {k for k, v in stored.items() if v is True} == pair
    assert "pregnant_with_pain" not in stored


def test_a_see_soon_yes_does_not_stop_the_questions(runner: CliRunner) -> None:
    guide = screening_guide()
    reply = [""]  # the disclaimer
    for group in guide.groups:
        questions = [q for q in guide.questions if q.group == group.id]
        if group.id == "see_soon_general":
            reply += ["y"] + ["y" if q.id == "fever" else "n" for q in questions]
        else:
            reply.append("n")  # none of these
    result = runner.invoke(app, ["screen"], input="\n".join(reply) + "\n")
    assert result.exit_code == 0, result.output
    assert STOP_HERE not in result.stdout
    assert "See a clinician" in result.stdout
    assert screening_guide().question("no_floor").plain[:40] in result.stdout


# ---- the stepper: one group a screen, back, the disclaimer once, 40 columns --------------------


def test_each_group_has_its_own_screen_with_progress_and_back_keeps_answers(
    runner: CliRunner, me: PersonContext
) -> None:
    from backstretch.services.screening import latest_answers

    emergency_back = [q for q in screening_guide().questions if q.group == "emergency_back"]
    # Group 1: answer each (the first "not sure"), group 2: back, group 1 again: none of these.
    reply = ["", "y", "?"] + ["n"] * (len(emergency_back) - 1) + ["b", "n"] + ["n"] * 5
    result = runner.invoke(app, ["screen"], input="\n".join(reply) + "\n")
    assert result.exit_code == 0, result.output
    for number in range(1, 7):
        assert f"{number} of 6" in result.stdout
    assert result.stdout.count("1 of 6") == 2  # back to the first group
    stored = latest_answers(me)
    assert stored is not None and stored[emergency_back[0].id] is False  # answered again: none


def test_the_disclaimer_is_shown_before_the_first_check_only(runner: CliRunner) -> None:
    first = runner.invoke(app, ["screen"], input=ALL_NONE)
    assert "not a medical device" in first.stdout
    again = runner.invoke(app, ["screen"], input="\n".join(["n"] * 6) + "\n")
    assert again.exit_code == 0, again.output
    assert "not a medical device" not in again.stdout
    assert "You can start, gently" in again.stdout


def test_at_40_columns_the_questions_are_on_screen_when_the_prompt_appears(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    result = runner.invoke(app, ["screen"], input=ALL_NONE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    printed = [line for line in lines if "Enter" not in line]  # a prompt line holds the reply
    assert max(len(line) for line in printed) <= 40, max(printed, key=len)
    for number in range(1, 7):
        top = next(i for i, line in enumerate(lines) if line.startswith(f"{number} of 6"))
        prompt = next(i for i, line in enumerate(lines) if i > top and "none of these" in line)
        assert prompt - top < 24, (number, prompt - top)  # a 24-row terminal shows it all
