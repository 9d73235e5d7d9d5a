"""Read the packaged data (catalogue, screening questions, education) and hand it to the core."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from backstretch.core.catalogue import Catalogue, CatalogueError, build_catalogue

if TYPE_CHECKING:
    from backstretch.core.education import EducationPage
    from backstretch.core.routine import Preset
    from backstretch.core.screening import ScreeningGuide


def _yaml_files(folder: Traversable) -> Iterator[Traversable]:
    yield from sorted(
        (f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))),
        key=lambda f: f.name,
    )


# libyaml's C parser when available: it parses the catalogue several times faster.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc]
    """A safe loader that refuses a key written twice (PyYAML would silently keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' appears twice", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def read_yaml(text: str, *, origin: str) -> Any:
    """Parse YAML text, turning a syntax error into a `CatalogueError` that names the file."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: builds plain data only
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(error, "problem", None) or "is not valid YAML"
        raise CatalogueError(origin, where, f"not valid YAML: {problem}") from None


def builtin_documents() -> list[tuple[str, Any]]:
    """Return `(file name, parsed YAML)` for every built-in stretch."""
    folder = resources.files("backstretch.data").joinpath("stretches")
    return [
        (f"stretches/{f.name}", read_yaml(f.read_text(encoding="utf-8"), origin=f.name))
        for f in _yaml_files(folder)
    ]


def own_documents(folder: Path | None) -> list[tuple[str, Any]]:
    """Return `(path, parsed YAML)` for every stretch file in `folder`.

    Earlier versions kept a person's own stretches as files there; they now live in the
    database (`data.own.catalogue_for`), and the CLI copies the files in once.
    """
    if folder is None or not folder.is_dir():
        return []
    return [
        (str(path), read_yaml(path.read_text(encoding="utf-8"), origin=str(path)))
        for path in sorted(folder.glob("*.yaml"))
    ]


@cache
def builtin_catalogue() -> Catalogue:
    """Return the validated built-in catalogue (validated once per process)."""
    return build_catalogue(builtin_documents())


def load_catalogue(own_folder: Path | None = None) -> Catalogue:
    """Return the built-in catalogue plus the stretch files in `own_folder`, if given.

    A person's own stretches are in the database now: their catalogue is
    `data.own.catalogue_for(session)`. This reads a folder of files, as earlier versions did.
    """
    if own_folder is None or not own_folder.is_dir():
        return builtin_catalogue()
    return build_catalogue(builtin_documents() + own_documents(own_folder))


def education_pages() -> list[EducationPage]:
    """Return every education page, validated, in file-name order."""
    from backstretch.core.education import parse_page

    folder = resources.files("backstretch.data").joinpath("education")
    pages = []
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".md"):
            continue
        origin = f"education/{file.name}"
        text = file.read_text(encoding="utf-8")
        _, front, body = text.split("---", 2) if text.startswith("---") else ("", "", text)
        pages.append(
            parse_page(
                file.name.removesuffix(".md"), read_yaml(front, origin=origin), body, origin=origin
            )
        )
    return pages


@cache
def screening_guide() -> ScreeningGuide:
    """Return the validated screening wording (questions, advice, stop signals)."""
    from backstretch.core.screening import parse_guide

    text = resources.files("backstretch.data").joinpath("screening.yaml").read_text("utf-8")
    return parse_guide(read_yaml(text, origin="screening.yaml"))


def presets(catalogue: Catalogue) -> dict[str, Preset]:
    """Return the ready-made routines, validated against `catalogue`."""
    from backstretch.core.routine import parse_presets

    text = resources.files("backstretch.data").joinpath("presets.yaml").read_text("utf-8")
    return parse_presets(read_yaml(text, origin="presets.yaml"), catalogue)
