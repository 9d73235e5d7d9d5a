"""Every figure reads on a phone: thick enough lines, a body that fills its box, and the limbs
that move drawn in their own colour, in front where the pose allows."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from backstretch.core.body import NOSE_WIDTH
from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Place
from backstretch.data import builtin_catalogue
from backstretch.render.figures import player_svg
from backstretch.render.layout import Scene, Shape, ShapeKind, Tone, layout

# The player's figure box on a 390×844 phone (player.css: the page's 1 rem margins either side,
# at most 26vh tall); the SVG is scaled to fit it, keeping its aspect.
PHONE_BOX = (390 - 2 * 16, 0.26 * 844)
# Thinner than this, a limb is a hairline to someone glancing from a mat at arm's length.
MIN_LIMB_PX = 8.0
# The body spans at least this share of the box along the side that limits its size.
MIN_FILL = 0.55
WAYS = [(stretch.id, way.place) for stretch in builtin_catalogue() for way in stretch.ways]
MOVING = (Tone.MOVES, Tone.MOVES_FAR)


def _scale(scene: Scene) -> float:
    width, height = PHONE_BOX
    return min(width / scene.width, height / scene.height)


def _body(scene: Scene) -> list[Shape]:
    return [s for f in scene.frames for s in f.shapes if s.tone is not Tone.HALO]


@pytest.mark.parametrize(("stretch_id", "place"), WAYS)
def test_every_figure_has_thick_lines_and_fills_its_box_on_a_phone(
    catalogue: Catalogue, stretch_id: str, place: Place
) -> None:
    stretch = catalogue.get(stretch_id)
    scene = layout(stretch, way=stretch.way_at(place))
    scale = _scale(scene)
    body = _body(scene)
    strokes = [s for s in body if s.kind in (ShapeKind.LINE, ShapeKind.CURVE)]
    limbs = [s for s in strokes if s.size > NOSE_WIDTH]
    assert limbs
    thinnest = min(s.size for s in limbs) * scale
    assert thinnest >= MIN_LIMB_PX, f"{stretch_id} {place}: limbs {thinnest:.1f} px wide"
    xs = [x for s in body for x, _ in s.points]
    ys = [y for s in body for _, y in s.points]
    spans = ((max(xs) - min(xs)) * scale / PHONE_BOX[0], (max(ys) - min(ys)) * scale / PHONE_BOX[1])
    assert max(spans) >= MIN_FILL, f"{stretch_id} {place}: the body fills {max(spans):.0%}"


def _tones(scene: Scene, frame: str, point: str) -> set[Tone]:
    """Return the tones of the strokes that pass through a point of a keyframe's body."""
    at = scene.frame(frame).points[point]
    return {s.tone for s in scene.frame(frame).shapes if at in s.points and s.tone is not Tone.HALO}


def test_the_bird_dog_draws_the_reaching_arm_and_leg_in_the_moving_colour(
    catalogue: Catalogue,
) -> None:
    scene = layout(catalogue.get("bird-dog"))
    assert scene.moving == {"right_leg", "left_arm"}
    assert _tones(scene, "reach", "right_ankle") == {Tone.MOVES}  # the near leg, in front
    assert _tones(scene, "reach", "left_wrist") == {Tone.MOVES_FAR}  # the far arm, behind
    for still in ("left_ankle", "right_wrist"):
        assert not _tones(scene, "reach", still) & set(MOVING), still
    # The reaching hand is clear of the head: it passes above it, not through it.
    head, hand = scene.frame("reach").points["head"], scene.frame("reach").points["left_hand"]
    assert hand[0] > head[0] and hand[1] < head[1] - 6


def test_thread_the_needle_shows_the_threading_arm_in_front_of_the_body(
    catalogue: Catalogue,
) -> None:
    scene = layout(catalogue.get("thread-the-needle"))
    assert scene.moving == {"right_arm"}
    stretch = scene.frame("stretch")
    # Seen from the left the figure faces left, and the arm threaded under it comes toward us.
    assert stretch.points["head"][0] < stretch.points["pelvis"][0]
    assert _tones(scene, "stretch", "right_wrist") == {Tone.MOVES}
    # The head rests low, not hidden high inside the trunk: it is the lowest part but the knees.
    assert stretch.points["head"][1] > stretch.points["neck"][1]


def test_a_figure_that_keeps_still_or_has_one_pose_has_no_moving_colour(
    catalogue: Catalogue,
) -> None:
    for stretch_id in ("chin-tuck", "cat-cow", "glute-bridge"):
        scene = layout(catalogue.get(stretch_id))
        assert not scene.moving, stretch_id
        assert not {s.tone for s in _body(scene)} & set(MOVING), stretch_id


def test_the_player_svg_carries_the_moving_colour(catalogue: Catalogue) -> None:
    root = ET.fromstring(player_svg(catalogue.get("bird-dog"), side="left"))
    strokes = {path.get("stroke") for path in root.iter("{http://www.w3.org/2000/svg}path")}
    assert Tone.MOVES.value in strokes and Tone.MOVES_FAR.value in strokes


def test_a_named_limb_overrides_the_limbs_found_moving(catalogue: Catalogue) -> None:
    # Hugging a knee moves the arms as well; the figure names the leg as the one that moves.
    scene = layout(catalogue.get("knee-to-chest"))
    assert scene.moving == {"right_leg"}
    assert _tones(scene, "stretch", "right_ankle") <= set(MOVING)
    assert not _tones(scene, "stretch", "right_wrist") & set(MOVING)
