"""The gallery page shows every way of every stretch, each with its words and its poses."""

from __future__ import annotations

from html.parser import HTMLParser

from backstretch.core.catalogue import Catalogue
from backstretch.render.gallery import gallery_html
from backstretch.render.layout import figure_of, is_one_sided


class _Sections(HTMLParser):
    """Collect each stretch section's heading, and each way's heading and number of drawings."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}
        self.ways: dict[str, dict[str, dict[str, object]]] = {}
        self._stretch: str | None = None
        self._way: dict[str, object] | None = None
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        stretch, way = found.get("data-stretch"), found.get("data-way")
        if tag == "section" and stretch:
            self._stretch = stretch
            self.names[stretch] = ""
            self.ways[stretch] = {}
        elif tag == "div" and way and self._stretch:
            self._way = {"words": "", "svgs": 0}
            self.ways[self._stretch][way] = self._way
        elif tag in ("h2", "h3"):
            self._heading = tag
        elif tag == "svg" and self._way is not None:
            count = self._way["svgs"]
            assert isinstance(count, int)
            self._way["svgs"] = count + 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3"):
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading == "h2" and self._stretch:
            self.names[self._stretch] = data
        elif self._heading == "h3" and self._way is not None:
            self._way["words"] = data


def test_the_gallery_shows_every_way_of_every_stretch_with_its_poses(catalogue: Catalogue) -> None:
    html = gallery_html(list(catalogue))
    assert html.startswith("<!doctype html>")
    parser = _Sections()
    parser.feed(html)
    assert list(parser.names) == [stretch.id for stretch in catalogue]
    for stretch in catalogue:
        assert parser.names[stretch.id] == stretch.name
        ways = parser.ways[stretch.id]
        assert list(ways) == [way.place.value for way in stretch.ways], stretch.id
        for way in stretch.ways:
            panel = ways[way.place.value]
            assert panel["words"] == way.words.capitalize(), (stretch.id, way.place)
            poses = len(figure_of(stretch, way).keyframes) + (1 if is_one_sided(stretch) else 0)
            assert panel["svgs"] == poses, (stretch.id, way.place)
    assert "kneeling · side view" in html
    assert "On the edge of a bed" in html and "drawn from the figure on a chair" in html
