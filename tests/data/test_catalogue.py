"""Meta-tests over the built-in catalogue, and the messages a broken stretch file gives."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backstretch.cli.app import app
from backstretch.core.catalogue import (
    Catalogue,
    CatalogueError,
    Stretch,
    UnknownStretchError,
    build_catalogue,
)
from backstretch.core.models import (
    MAX_HOLD_SECONDS,
    Movement,
    Place,
    Position,
    Region,
)
from backstretch.data import builtin_catalogue, builtin_documents, load_catalogue

SHARED = Path(__file__).parents[3] / "shared"

REQUIRED_IDS = (
    "cat-cow",
    "seated-spinal-twist",
    "chair-spinal-twist",
    "childs-pose",
    "thread-the-needle",
    "neck-flexion",
    "lateral-neck-flexion",
    "shoulder-rolls",
    "knee-to-chest",
    "double-knee-to-chest",
    "piriformis-stretch",
    "pelvic-tilt",
    "glute-bridge",
    "cobra",
    "sphinx",
    "standing-back-extension",
    "standing-side-stretch",
    "neck-half-circles",
    "kneeling-hip-hinge",
    "bird-dog",
    "childs-pose-supported",
    "seated-cat-cow",
)

# A complete, valid own stretch; the broken cases below change one thing about it.
VALID = {
    "id": "my-wall-stretch",
    "name": "Wall chest stretch",
    "summary": "A forearm on a door frame, turning the chest gently away.",
    "regions": ["upper_back", "neck_shoulders"],
    "position": "standing",
    "equipment": ["wall"],
    "kind": "hold",
    "level": "gentle",
    "dose": {"hold_seconds": 30, "reps": 2, "choice": "What my physiotherapist gave me."},
    "movements": [],
    "steps": {
        "setup": ["Stand in a doorway with one forearm on the frame."],
        "movement": ["Turn your chest slowly away until you feel a mild stretch."],
        "finish": ["Turn back and lower the arm."],
    },
    "breath": ["Breathe slowly throughout."],
    "form_cues": ["Keep the shoulder down, away from the ear."],
    "mistakes": ["Pushing into pain."],
    "stop_if": ["Tingling or numbness in the arm."],
    "sources": [{"given_by": "My physiotherapist", "fact": "Hold 30 s, twice."}],
}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return builtin_catalogue()


# --- The built-in catalogue ---------------------------------------------------------------


def test_whole_catalogue_loads(catalogue: Catalogue) -> None:
    assert len(catalogue) == len(builtin_documents())
    assert len(catalogue) >= len(REQUIRED_IDS)
    assert all(isinstance(s, Stretch) for s in catalogue)


@pytest.mark.parametrize("stretch_id", REQUIRED_IDS)
def test_required_stretch_exists(catalogue: Catalogue, stretch_id: str) -> None:
    assert stretch_id in catalogue


def test_builtin_ids_are_not_own_ids(catalogue: Catalogue) -> None:
    own = [s.id for s in catalogue if s.is_own]
    assert own == [], f"built-in stretches may not use the my- prefix: {own}"


def test_every_entry_cites_a_source(catalogue: Catalogue) -> None:
    # A built-in stretch cites a seed article, the research brief or a public page or paper
    # (the stretches the seed articles do not cover); never just a person.
    for stretch in catalogue:
        assert stretch.sources, f"{stretch.id} has no sources"
        for source in stretch.sources:
            assert source.file or source.url, f"{stretch.id}: a built-in source needs a file or url"


def test_every_cited_file_exists() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"the shared research folder {SHARED} is absent, so files cannot be checked")
    missing = []
    for stretch in builtin_catalogue():
        for source in stretch.sources:
            if source.file is None:
                continue  # a public page or paper, cited by its address
            if source.file == "research/clinical.md":
                path = SHARED / "research" / "clinical.md"
            else:
                path = SHARED / "seeds" / source.file
            if not path.is_file():
                missing.append(f"{stretch.id}: {source.file}")
    assert missing == []


def test_no_single_hold_over_a_minute(catalogue: Catalogue) -> None:
    for stretch in catalogue:
        dose = stretch.dose
        holds = [dose.hold_seconds, dose.hold_range.max if dose.hold_range else None]
        holds.append(dose.tempo.hold if dose.tempo else None)
        longest = max(h for h in holds if h is not None)
        assert longest <= MAX_HOLD_SECONDS == 60, f"{stretch.id} holds {longest} s"


def test_position_tags(catalogue: Catalogue) -> None:
    for stretch in catalogue:
        for way in stretch.ways:
            tags, where = set(way.movements), f"{stretch.id} {way.place}"
            if way.position in (Position.KNEELING, Position.ALL_FOURS):
                assert Movement.KNEELING in tags, where
            if way.position is Position.ALL_FOURS:
                assert Movement.HANDS_WEIGHT in tags, where
            if way.place is Place.FLOOR:
                assert Movement.FLOOR in tags, where
            if way.position is Position.SUPINE:
                assert Movement.SUPINE in tags, where
            if way.position is Position.PRONE:
                assert Movement.PRONE in tags, where


def test_floor_tag_only_on_floor_ways(catalogue: Catalogue) -> None:
    # A chair, standing or bed way tagged `floor` would be hidden from people who cannot get down
    # (SCREENING.md: knee-to-chest on a bed is not `floor`).
    for stretch in catalogue:
        for way in stretch.ways:
            assert (Movement.FLOOR in way.movements) == (way.place is Place.FLOOR), stretch.id
    assert catalogue.get("knee-to-chest").way_at(Place.BED).position is Position.SUPINE


def test_neck_and_lying_stretches_have_their_ways(catalogue: Catalogue) -> None:
    # Issue 15: neck and shoulder stretches standing, on a chair and on the edge of a bed; lying
    # stretches on the floor and on a bed.
    for stretch_id in (
        "neck-flexion",
        "lateral-neck-flexion",
        "neck-half-circles",
        "shoulder-rolls",
    ):
        places = {way.place for way in catalogue.get(stretch_id).ways}
        assert places == {Place.STANDING, Place.CHAIR, Place.BED_EDGE}, stretch_id
    for stretch_id in ("knee-to-chest", "pelvic-tilt", "piriformis-stretch", "sphinx"):
        places = {way.place for way in catalogue.get(stretch_id).ways}
        assert places == {Place.FLOOR, Place.BED}, stretch_id


def test_each_way_sets_up_in_its_own_place(catalogue: Catalogue) -> None:
    # The player reads a way's first set-up line aloud: it must name that place, not another.
    words = {
        Place.STANDING: ("stand",),
        Place.CHAIR: ("chair",),
        Place.BED_EDGE: ("bed",),
        Place.BED: ("bed",),
    }
    for stretch in catalogue:
        for way in stretch.ways:
            first = way.setup[0].lower()
            for word in words.get(way.place, ()):
                assert word in first, f"{stretch.id} {way.place}: {way.setup[0]}"
            if way.place in (Place.BED, Place.BED_EDGE):
                assert "mat" not in first.split() and "floor" not in first.replace(
                    "feet flat on the floor", ""
                ).replace("feet on the floor", ""), f"{stretch.id} {way.place}"


def test_every_variant_link_resolves(catalogue: Catalogue) -> None:
    for stretch in catalogue:
        for target in (*stretch.variants.all_ids(), stretch.variant_of):
            if target is not None:
                assert target in catalogue, f"{stretch.id} links to missing {target}"


def test_variant_links_go_both_ways(catalogue: Catalogue) -> None:
    for stretch in catalogue:
        for target in stretch.variants.all_ids():
            other = catalogue.get(target)
            back = (*other.variants.all_ids(), other.variant_of)
            assert stretch.id in back or stretch.variant_of == target, (
                f"{stretch.id} links to {target}, which does not link back"
            )


def test_required_variants_belong_to_their_stretch(catalogue: Catalogue) -> None:
    assert catalogue.get("childs-pose-supported").variant_of == "childs-pose"
    assert catalogue.get("seated-cat-cow").variant_of == "cat-cow"
    assert "seated-cat-cow" in {s.id for s in catalogue.variants_of("cat-cow")}
    assert "childs-pose-supported" in {s.id for s in catalogue.variants_of("childs-pose")}
    assert catalogue.get("seated-cat-cow").usual_way.position is Position.CHAIR


def test_no_full_neck_circles(catalogue: Catalogue) -> None:
    tagged = [s.id for s in catalogue for w in s.ways if Movement.NECK_CIRCLE in w.movements]
    assert tagged == []
    assert "neck-circles" not in catalogue


def test_every_entry_says_when_to_stop(catalogue: Catalogue) -> None:
    for stretch in catalogue:
        assert stretch.stop_if, stretch.id
        assert all(line.strip() for line in stretch.stop_if), stretch.id


def test_every_builtin_stretch_has_a_figure(catalogue: Catalogue) -> None:
    missing = [s.id for s in catalogue if s.figure is None]
    assert missing == [], f"built-in stretches must bring a figure: {missing}"


def test_every_entry_has_instructions(catalogue: Catalogue) -> None:
    for stretch in catalogue:
        assert all(way.setup for way in stretch.ways), stretch.id
        assert stretch.steps.movement and stretch.steps.finish, stretch.id
        assert stretch.breath and stretch.form_cues and stretch.mistakes, stretch.id


# --- Look-ups -----------------------------------------------------------------------------


def test_filter_by_region_position_and_text(catalogue: Catalogue) -> None:
    lower = catalogue.filter(region=Region.LOWER_BACK)
    assert lower and all(Region.LOWER_BACK in s.regions for s in lower)
    assert len(lower) < len(catalogue)
    chair = catalogue.filter(position=Position.CHAIR)
    assert chair and all(any(w.position is Position.CHAIR for w in s.ways) for s in chair)
    assert "seated-cat-cow" in {s.id for s in chair}
    found = {s.id for s in catalogue.filter(text="cat")}
    assert {"cat-cow", "seated-cat-cow"} <= found
    both = catalogue.filter(region=Region.NECK_SHOULDERS, position=Position.CHAIR)
    assert both and all(Region.NECK_SHOULDERS in s.regions for s in both)
    assert [s.id for s in catalogue.filter()] == sorted(s.id for s in catalogue)


def test_filter_text_matches_aliases(catalogue: Catalogue) -> None:
    assert "cat-cow" in {s.id for s in catalogue.filter(text="cat-camel")}


def test_get_unknown_id_suggests_the_closest(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownStretchError) as caught:
        catalogue.get("cat-cw")
    assert caught.value.suggestions[0] == "cat-cow"
    assert "Did you mean: cat-cow" in str(caught.value)
    assert catalogue.closest_ids("childs pose")[0] == "childs-pose"


# --- Broken stretch files -----------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = document
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        del document[key]

    return change


BROKEN: list[Any] = [
    pytest.param(_set("regions", ["legs"]), "regions.0", "Input should be", id="unknown-region"),
    pytest.param(_set("movements", ["bouncing"]), "movements.0", "Input should be", id="bad-tag"),
    pytest.param(
        _set("variants", {"easier": ["my-nothing"]}),
        "variants.easier",
        "variant 'my-nothing' does not exist",
        id="missing-variant",
    ),
    pytest.param(
        _set("variant_of", "no-such-stretch"),
        "variant_of",
        "does not exist",
        id="missing-parent",
    ),
    pytest.param(
        _set("dose.hold_seconds", 61), "dose.hold_seconds", "less than or equal to 60", id="61s"
    ),
    pytest.param(_drop("sources"), "sources", "Field required", id="no-sources"),
    pytest.param(_set("sources", []), "sources", "at least 1", id="empty-sources"),
    pytest.param(
        _set("sources", [{"fact": "Someone said so."}]),
        "sources.0",
        "a file, a url or a given_by",
        id="source-without-origin",
    ),
    pytest.param(_drop("movements"), "movements", "Field required", id="no-movements"),
    pytest.param(_drop("stop_if"), "stop_if", "Field required", id="no-stop-if"),
    pytest.param(_set("dose.reps", "10"), "dose.reps", "valid integer", id="reps-string"),
    pytest.param(_set("kind", "bounce"), "kind", "Input should be", id="unknown-kind"),
    pytest.param(_set("colour", "red"), "colour", "Extra inputs", id="unknown-field"),
    pytest.param(
        _set("position", "kneeling"),
        "(entry)",
        "movements must include floor, kneeling",
        id="kneeling-untagged",
    ),
]


# A valid figure for VALID (a hold); the broken cases below change one thing about it.
FIGURE = {
    "view": "front",
    "keyframes": [
        {"name": "start", "phase": "none", "shows": "standing in a doorway, forearm on the frame"},
        {
            "name": "stretch",
            "phase": "steady",
            "shows": "chest turned away",
            "angles": {"back_twist": -25},
        },
    ],
}


def _figure(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        figure = copy.deepcopy(FIGURE)
        edit(figure)
        document["figure"] = figure

    return change


def _angles(**angles: Any) -> Callable[[dict[str, Any]], None]:
    return _figure(lambda figure: figure["keyframes"][0].update(angles=angles))


BROKEN += [
    pytest.param(
        _angles(knee=200),
        "figure.keyframes.0.angles.knee",
        "less than or equal to 165",
        id="figure-knee-range",
    ),
    pytest.param(
        _angles(knee="90"), "figure.keyframes.0.angles.knee", "valid integer", id="figure-knee-text"
    ),
    pytest.param(
        _angles(elbows=10), "figure.keyframes.0.angles.elbows", "Extra inputs", id="figure-angle"
    ),
    pytest.param(
        _figure(lambda f: f["keyframes"][0].update(phase="hold")),
        "figure.keyframes.0.phase",
        "Input should be",
        id="figure-phase",
    ),
    pytest.param(
        _figure(lambda f: f["keyframes"][1].update(phase="inhale")),
        "figure",
        "keyframes.1.phase: a hold is drawn getting ready (none) and holding (steady), "
        "never inhale",
        id="figure-inhale-in-a-hold",
    ),
    pytest.param(
        _figure(lambda f: f["keyframes"][1].update(phase="none")),
        "figure",
        "two keyframes share a breath phase",
        id="figure-same-phase",
    ),
    pytest.param(
        _figure(lambda f: f.update(key="peak")),
        "figure",
        "key 'peak' is not one of the keyframes: start, stretch",
        id="figure-key",
    ),
    pytest.param(
        _figure(lambda f: f.update(keyframes=[])),
        "figure.keyframes",
        "at least 1",
        id="figure-no-keyframes",
    ),
    pytest.param(
        _figure(lambda f: f.update(props=[{"kind": "pillow", "at": "ear"}])),
        "figure.props.0.at",
        "unknown body point 'ear'",
        id="figure-prop-point",
    ),
    pytest.param(
        _figure(lambda f: f.update(view="top")), "figure.view", "Input should be", id="figure-view"
    ),
]


def test_an_own_stretch_may_bring_a_figure(tmp_path: Path) -> None:
    document = copy.deepcopy(VALID)
    document["figure"] = FIGURE
    _write(tmp_path / "own", "my-wall-stretch.yaml", yaml.safe_dump(document))
    figure = load_catalogue(tmp_path / "own").get("my-wall-stretch").figure
    assert figure is not None and figure.key_frame.name == "stretch"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_document_loads(tmp_path: Path) -> None:
    folder = tmp_path / "own"
    _write(folder, "my-wall-stretch.yaml", yaml.safe_dump(VALID))
    catalogue = load_catalogue(folder)
    assert catalogue.get("my-wall-stretch").is_own
    assert len(catalogue) == len(builtin_catalogue()) + 1


@pytest.mark.parametrize(("change", "field", "problem"), BROKEN)
def test_broken_entry_names_file_and_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], field: str, problem: str
) -> None:
    document = copy.deepcopy(VALID)
    change(document)
    path = _write(tmp_path / "own", "my-wall-stretch.yaml", yaml.safe_dump(document))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path.parent)
    error = caught.value
    assert error.origin == str(path)
    assert error.field == field
    assert problem in error.problem
    assert str(error).startswith(f"{path}: {field}: ")


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "own", "my-other-name.yaml", yaml.safe_dump(VALID))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path.parent)
    assert caught.value.field == "id"
    assert str(caught.value) == (f"{path}: id: 'my-wall-stretch' does not match the file name")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = "id: my-wall-stretch\nname: Wall\nregions: [upper_back\nposition: standing\n"
    path = _write(tmp_path / "own", "my-wall-stretch.yaml", text)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path.parent)
    assert caught.value.origin == str(path)
    assert caught.value.field == "line 4"
    assert "not valid YAML" in str(caught.value)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path / "own", "my-wall-stretch.yaml", "- just\n- a list\n")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path.parent)
    assert caught.value.field == "(file)"
    assert str(path) in str(caught.value)


def test_duplicate_ids_are_rejected() -> None:
    document = copy.deepcopy(VALID)
    with pytest.raises(CatalogueError) as caught:
        build_catalogue([("first", document), ("second", document)])
    assert str(caught.value) == "second: id: 'my-wall-stretch' is already used by first"


def test_a_stretch_cannot_be_its_own_variant() -> None:
    document = copy.deepcopy(VALID)
    document["variants"] = {"harder": ["my-wall-stretch"]}
    with pytest.raises(CatalogueError, match="cannot be its own variant"):
        build_catalogue([("my-wall-stretch.yaml", document)])


@pytest.mark.parametrize("command", [["stretches"], ["stretches", "--json"], ["show", "cat-cow"]])
def test_cli_reports_a_broken_old_own_file_in_one_line(
    runner: CliRunner, isolated_settings: Path, command: list[str]
) -> None:
    # Own stretch files of earlier versions are copied into the database on first use; one that
    # does not pass the checks is named once, in one line, and the command still works.
    document = copy.deepcopy(VALID)
    document["regions"] = ["legs"]
    path = _write(isolated_settings / "stretches", "my-wall-stretch.yaml", yaml.safe_dump(document))
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert "was not copied" in lines[0]
    assert "regions.0" in lines[0]
    assert "Traceback" not in result.output
    assert runner.invoke(app, command).stderr == ""


def test_a_key_written_twice_is_refused() -> None:
    from backstretch.core.catalogue import CatalogueError
    from backstretch.data import read_yaml

    with pytest.raises(CatalogueError) as raised:
        read_yaml("id: my-x\nname: One\nname: Two\n", origin="my-x.yaml")
    assert str(raised.value) == "my-x.yaml: line 3: not valid YAML: the key 'name' appears twice"


def test_a_way_may_tell_its_own_movement(catalogue: Catalogue) -> None:
    # The hamstring stretch is done lying with a towel or sitting on a chair's edge: each way
    # says how in its own words, so no step has to name both ("lying down ...; on a chair ...").
    stretch = catalogue.get("hamstring-stretch")
    lying, seated = stretch.way_at(Place.FLOOR), stretch.way_at(Place.CHAIR)
    assert "towel" in " ".join(stretch.movement_of(lying))
    assert "tip forward from the hips" in " ".join(stretch.movement_of(seated))
    assert "towel" not in " ".join(stretch.movement_of(seated))
    # A way without its own words uses the stretch's.
    knee = catalogue.get("knee-to-chest")
    assert knee.movement_of(knee.way_at(Place.BED)) == knee.steps.movement
