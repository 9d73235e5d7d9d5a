"""The `figure` command: one stretch drawn as SVG, or every figure with a gallery page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from backstretch.core.catalogue import Catalogue
    from backstretch.render.layout import Side

GALLERY_FILE = "index.html"


def register(app: typer.Typer) -> None:
    """Add the `figure` command to the app."""
    app.command("figure")(figure)


def figure(
    ctx: typer.Context,
    stretch_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="A stretch id, e.g. cat-cow.")
    ] = None,
    side: Annotated[
        str | None,
        typer.Option(metavar="SIDE", help="left or right, for a stretch done one side at a time."),
    ] = None,
    pose: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="One pose by name (e.g. cat); all of them by default."),
    ] = None,
    player: Annotated[
        bool,
        typer.Option(
            "--player", help="Every pose in one SVG, shown one at a time by the browser player."
        ),
    ] = False,
    every: Annotated[
        bool,
        typer.Option("--all", help="Draw every stretch into --out DIR, with an index.html page."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(metavar="PATH", help="Write to this file (with --all: this folder)."),
    ] = None,
) -> None:
    """Draw a stretch as an SVG stick figure, to stdout or a file; or every stretch with --all.

    Without --pose the drawing shows the key poses side by side.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import fail

    with wiring.person(ctx) as me:
        catalogue = me.catalogue
    if every:
        if stretch_id or side or pose or player:
            fail("--all draws every pose of every stretch: give it only --out DIR")
        if out is None:
            fail("--all needs --out DIR, the folder to write the figures and index.html into")
        _write_all(catalogue, out)
        return
    if stretch_id is None:
        fail("give a stretch ID (see `backstretch stretches`), or --all --out DIR")
    svg = _one(catalogue, stretch_id, side, pose, player)
    if out is None:
        sys.stdout.write(svg + "\n")
        return
    _write(out, svg)
    _say(f"Wrote {out}.")


def _one(
    catalogue: Catalogue, stretch_id: str, side: str | None, pose: str | None, player: bool
) -> str:
    from backstretch.cli.app import fail
    from backstretch.core.catalogue import UnknownStretchError
    from backstretch.render.figures import figure_svg, player_svg, still_svg
    from backstretch.render.layout import figure_of, is_one_sided

    try:
        stretch = catalogue.get(stretch_id)
    except UnknownStretchError as error:
        fail(str(error))
    chosen = _side(side)
    if chosen is not None and not is_one_sided(stretch):
        fail(f"{stretch.id} is done on both sides at once: leave out --side")
    names = [keyframe.name for keyframe in figure_of(stretch).keyframes]
    if pose is not None and pose not in names:
        fail(f"{stretch.id} has no pose '{pose}'. Poses: {', '.join(names)}")
    if pose is not None and player:
        fail("--player shows every pose: leave out --pose")
    if player:
        return player_svg(stretch, side=chosen)
    if pose is not None:
        return figure_svg(stretch, side=chosen, pose=pose)
    return still_svg(stretch, side=chosen)


def _side(value: str | None) -> Side | None:
    from backstretch.cli.app import fail

    if value is None:
        return None
    if value == "left":
        return "left"
    if value == "right":
        return "right"
    fail(f"--side must be left or right, not '{value}'")


def _write_all(catalogue: Catalogue, folder: Path) -> None:
    from backstretch.cli.app import fail
    from backstretch.render.figures import still_svg
    from backstretch.render.gallery import gallery_html

    stretches = list(catalogue)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot create {folder}: {error.strerror or error}")
    for stretch in stretches:
        _write(folder / f"{stretch.id}.svg", still_svg(stretch))
    _write(folder / GALLERY_FILE, gallery_html(stretches))
    _say(f"Wrote {len(stretches)} figures and {folder / GALLERY_FILE}.")


def _write(path: Path, text: str) -> None:
    from backstretch.cli.app import fail

    try:
        path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror or error}")


def _say(message: str) -> None:
    from backstretch.cli.render import output_console

    output_console().print(message, highlight=False, soft_wrap=True)
