"""Every figure renders as small, valid, accessible SVG: one keyframe, a still, and the player's."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET

import pytest

from backstretch.core.catalogue import Catalogue, Stretch, Way
from backstretch.core.models import Place
from backstretch.core.poses import Phase
from backstretch.data import builtin_catalogue
from backstretch.render.figures import (
    PLAYER_CLASS,
    describe,
    figure_svg,
    player_svg,
    still_svg,
)
from backstretch.render.layout import Side, figure_of, is_one_sided
from tests.factories import own_stretch

SVG = "{http://www.w3.org/2000/svg}"
IDS = [stretch.id for stretch in builtin_catalogue()]
# Every way of every built-in stretch, as (stretch id, place).
WAYS = [(stretch.id, way.place) for stretch in builtin_catalogue() for way in stretch.ways]
MAX_GZIPPED = 4096
TWO_DECIMALS = re.compile(r"\d\.\d\d")


def _sides(stretch: Stretch) -> list[str | None]:
    return ["left", "right"] if is_one_sided(stretch) else [None]


def _drawings(stretch: Stretch, way: Way | None = None) -> list[tuple[str, str]]:
    figure = figure_of(stretch, way)
    found = []
    for side in _sides(stretch):
        chosen: Side | None = "left" if side == "left" else "right" if side == "right" else None
        found.append((f"still {side}", still_svg(stretch, side=chosen, way=way)))
        found.append((f"key {side}", still_svg(stretch, side=chosen, key_only=True, way=way)))
        found.append((f"player {side}", player_svg(stretch, side=chosen, way=way)))
        for keyframe in figure.keyframes:
            svg = figure_svg(stretch, side=chosen, pose=keyframe.name, way=way)
            found.append((f"{keyframe.name} {side}", svg))
    return found


def _check(name: str, svg: str, stretch: Stretch) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg", name
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and desc.tag == f"{SVG}desc", name
    assert title.text and title.text.startswith(stretch.name), name
    assert desc.text and desc.text.startswith(f"{title.text}: ") and desc.text.endswith("."), name
    assert root.get("role") == "img"
    assert not TWO_DECIMALS.search(svg), f"{name}: numbers with more than one decimal"
    assert len(gzip.compress(svg.encode(), 9)) < MAX_GZIPPED, f"{name}: too large"
    return root


@pytest.mark.parametrize(("stretch_id", "place"), WAYS)
def test_every_drawing_of_every_way_is_small_valid_svg_with_a_title_and_a_description(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    way = stretch.way_at(place)
    drawings = _drawings(stretch, way)
    for name, svg in drawings:
        root = _check(name, svg, stretch)
        strokes = root.find(f"{SVG}g")
        assert strokes is not None and strokes.get("stroke-linecap") == "round", name
    if is_one_sided(stretch):
        titles = {ET.fromstring(svg)[0].text for _, svg in drawings}
        assert titles == {f"{stretch.name}, left side", f"{stretch.name}, right side"}


def test_the_description_says_what_the_pose_shows(catalogue: Catalogue) -> None:
    desc = ET.fromstring(figure_svg(catalogue.get("cat-cow"), pose="cat"))[1].text
    assert desc == (
        "Cat-cow: on hands and knees, back rounded up toward the ceiling, chin toward the chest."
    )
    ktc = catalogue.get("knee-to-chest")
    assert describe(ktc, "left", "stretch").startswith(
        "Knee-to-chest, left side: lying on the back"
    )
    assert describe(ktc).startswith(
        "Knee-to-chest, right side: getting ready, lying on the back, knees bent and feet flat; "
        "holding, breathing slowly, lying on the back, one knee hugged"
    )


@pytest.mark.parametrize("stretch_id", IDS)
def test_the_player_asks_for_a_breath_phase_and_gets_its_keyframe(
    catalogue: Catalogue, stretch_id: str
) -> None:
    stretch = catalogue.get(stretch_id)
    figure = figure_of(stretch)
    for phase in Phase:
        expected = figure_svg(stretch, pose=figure.for_phase(phase).name)
        assert figure_svg(stretch, phase=phase) == figure_svg(stretch, phase=phase.value)
        assert figure_svg(stretch, phase=phase) == expected
    assert figure_svg(stretch) == figure_svg(stretch, pose=figure.key_frame.name)


@pytest.mark.parametrize("stretch_id", IDS)
def test_the_player_svg_has_one_group_per_keyframe_covering_every_phase(
    catalogue: Catalogue, stretch_id: str
) -> None:
    stretch = catalogue.get(stretch_id)
    svg = player_svg(stretch)
    root = ET.fromstring(svg)
    assert PLAYER_CLASS in (root.get("class") or "").split()
    groups = root.findall(f".//{SVG}g[@data-phase]")
    figure = figure_of(stretch)
    assert [g.get("data-pose") for g in groups] == [k.name for k in figure.keyframes]
    phases = [p for g in groups for p in (g.get("data-phase") or "").split()]
    assert sorted(phases) == sorted(p.value for p in Phase)  # each phase shows exactly one pose
    keys = [g.get("data-pose") for g in groups if g.get("class") == "key"]
    assert keys == [figure.key_frame.name]
    style = root.find(f"{SVG}style")
    assert style is not None and style.text is not None
    assert "@media (prefers-reduced-motion:reduce)" in style.text
    for phase in Phase:
        assert f".phase-{phase} g[data-phase~={phase}]" in style.text


def test_an_unknown_pose_or_phase_is_refused(catalogue: Catalogue) -> None:
    stretch = catalogue.get("cat-cow")
    with pytest.raises(KeyError):
        figure_svg(stretch, pose="dog")
    with pytest.raises(ValueError, match="'hold' is not a valid Phase"):
        figure_svg(stretch, phase="hold")


def test_a_stretch_without_a_figure_is_drawn_plain_with_its_name() -> None:
    stretch = own_stretch(name='Tom & "Jerry" <door> stretch')
    for svg in (still_svg(stretch), player_svg(stretch), figure_svg(stretch, side="left")):
        root = _check("plain", svg, stretch)
        text = root.find(f"{SVG}text")
        assert text is not None and text.text == stretch.name
    assert "&amp;" in still_svg(stretch) and "&lt;door&gt;" in still_svg(stretch)


def test_a_still_puts_the_poses_side_by_side(catalogue: Catalogue) -> None:
    stretch = catalogue.get("cat-cow")
    one = ET.fromstring(still_svg(stretch, key_only=True))
    three = ET.fromstring(still_svg(stretch))
    one_width = int((one.get("viewBox") or "").split()[2])
    assert int((three.get("viewBox") or "").split()[2]) > 3 * one_width
    assert len(three.findall(f"{SVG}g/{SVG}g")) == 2  # the second and third poses, moved along
    assert int(one.get("width") or 0) == 2 * one_width


def test_a_way_is_described_in_its_own_words(catalogue: Catalogue) -> None:
    stretch = catalogue.get("neck-flexion")
    standing = stretch.way_at(Place.STANDING)
    desc = ET.fromstring(figure_svg(stretch, pose="stretch", way=standing))[1].text
    assert desc == (
        "Neck flexion stretch: standing tall, chin dropped toward the chest, "
        "a hand resting on the head."
    )
    on_bed = catalogue.get("knee-to-chest").way_at(Place.BED)
    assert describe(catalogue.get("knee-to-chest"), "left", "stretch", on_bed).endswith(
        "the other foot flat on the bed."
    )
    assert player_svg(stretch, way=standing) != player_svg(stretch)
    assert still_svg(stretch, way=stretch.usual_way) == still_svg(stretch)
