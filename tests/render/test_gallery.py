"""The gallery page shows every figure with its name, position and poses."""

from __future__ import annotations

from html.parser import HTMLParser

from backstretch.core.catalogue import Catalogue
from backstretch.render.gallery import gallery_html
from backstretch.render.layout import figure_of, is_one_sided


class _Sections(HTMLParser):
    """Collect each stretch section's heading and the number of drawings in it."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict[str, object]] = {}
        self._current: str | None = None
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("data-stretch"):
            self._current = found["data-stretch"]
            self.sections[self._current] = {"name": "", "svgs": 0}
        elif tag == "h2" and self._current:
            self._in_heading = True
        elif tag == "svg" and self._current:
            count = self.sections[self._current]["svgs"]
            assert isinstance(count, int)
            self.sections[self._current]["svgs"] = count + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading and self._current:
            self.sections[self._current]["name"] = data


def test_the_gallery_shows_every_stretch_with_its_poses(catalogue: Catalogue) -> None:
    html = gallery_html(list(catalogue))
    assert html.startswith("<!doctype html>")
    parser = _Sections()
    parser.feed(html)
    assert list(parser.sections) == [stretch.id for stretch in catalogue]
    for stretch in catalogue:
        section = parser.sections[stretch.id]
        assert section["name"] == stretch.name
        poses = len(figure_of(stretch).keyframes) + (1 if is_one_sided(stretch) else 0)
        assert section["svgs"] == poses, stretch.id
    assert "kneeling · side view · childs-pose" in html
