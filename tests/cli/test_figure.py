"""The `figure` command: one SVG to stdout or a file, or every figure with a gallery page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner, Result

from backstretch.cli.app import app
from backstretch.data import builtin_catalogue

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def figure_app() -> typer.Typer:
    return app


def run(runner: CliRunner, target: typer.Typer, *args: str) -> Result:
    return runner.invoke(target, ["figure", *args])


def desc_of(svg: str) -> str:
    return ET.fromstring(svg).findtext(f"{SVG}desc") or ""


def test_one_stretch_goes_to_stdout_as_svg(runner: CliRunner, figure_app: typer.Typer) -> None:
    result = run(runner, figure_app, "cat-cow")
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout)
    assert root.findtext(f"{SVG}title") == "Cat-cow"
    assert "breathing in, on hands and knees" in desc_of(result.stdout)


def test_a_side_and_a_pose(runner: CliRunner, figure_app: typer.Typer) -> None:
    result = run(runner, figure_app, "knee-to-chest", "--side", "left", "--pose", "stretch")
    assert result.exit_code == 0, result.output
    assert desc_of(result.stdout).startswith("Knee-to-chest, left side: lying on the back, one")


def test_the_player_svg(runner: CliRunner, figure_app: typer.Typer) -> None:
    result = run(runner, figure_app, "cobra", "--player")
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout)
    assert len(root.findall(f".//{SVG}g[@data-phase]")) == 2


def test_out_writes_the_file(runner: CliRunner, figure_app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "sphinx.svg"
    result = run(runner, figure_app, "sphinx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out}.\n"
    ET.fromstring(out.read_text(encoding="utf-8"))


def test_an_own_stretch_without_poses_gets_a_plain_figure(
    runner: CliRunner, figure_app: typer.Typer, isolated_settings: Path
) -> None:
    folder = isolated_settings / "stretches"
    folder.mkdir(parents=True)
    document = builtin_catalogue().get("neck-flexion").model_dump(mode="json")
    for way in document["ways"]:
        way.pop("figure", None)
    document.update(id="my-chin-tuck", name="My chin tuck", variant_of=None)
    document["sources"] = [{"given_by": "My physiotherapist", "fact": "Ten times."}]
    document["variants"] = {}
    (folder / "my-chin-tuck.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    result = run(runner, figure_app, "my-chin-tuck")
    assert result.exit_code == 0, result.output
    assert ET.fromstring(result.stdout).findtext(f"{SVG}text") == "My chin tuck"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cat-cw"], "no stretch with id 'cat-cw'. Did you mean: cat-cow"),
        (["knee-to-chest", "--side", "middle"], "--side must be left or right, not 'middle'"),
        (["cat-cow", "--side", "left"], "cat-cow is done on both sides at once"),
        (["cat-cow", "--pose", "dog"], "cat-cow has no pose 'dog'. Poses: start, cow, cat"),
        (["cat-cow", "--pose", "cat", "--player"], "--player shows every pose"),
        ([], "give a stretch ID"),
        (["--all"], "--all needs --out DIR"),
        (["cat-cow", "--all", "--out", "x"], "--all draws every pose of every stretch"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    runner: CliRunner, figure_app: typer.Typer, args: list[str], message: str
) -> None:
    result = run(runner, figure_app, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("backstretch: ")
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_file_that_cannot_be_written_is_reported(
    runner: CliRunner, figure_app: typer.Typer, tmp_path: Path
) -> None:
    result = run(runner, figure_app, "cobra", "--out", str(tmp_path / "missing" / "cobra.svg"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_all_writes_every_figure_and_a_gallery(
    runner: CliRunner, figure_app: typer.Typer, tmp_path: Path
) -> None:
    out = tmp_path / "figures"
    result = run(runner, figure_app, "--all", "--out", str(out))
    assert result.exit_code == 0, result.output
    catalogue = builtin_catalogue()
    assert result.stdout == f"Wrote {len(catalogue)} figures and {out / 'index.html'}.\n"
    assert sorted(p.name for p in out.glob("*.svg")) == sorted(f"{s.id}.svg" for s in catalogue)
    for path in out.glob("*.svg"):
        ET.fromstring(path.read_text(encoding="utf-8"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'data-stretch="{s.id}"' in page for s in catalogue)


def test_help_describes_the_command(runner: CliRunner, figure_app: typer.Typer) -> None:
    result = run(runner, figure_app, "--help")
    assert result.exit_code == 0
    for option in ("--side", "--pose", "--player", "--all", "--out"):
        assert option in result.stdout
