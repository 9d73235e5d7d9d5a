"""Read the packaged data (catalogue, screening questions, education) and hand it to the core.

Parsing the YAML and validating it is a noticeable part of every start, so what is built from the
packaged files is also kept in a compiled cache: one pickle per part (the catalogue, the screening
wording, ...) in the user's cache folder, named by a hash of the packaged data files and of the
code that builds objects from them (`cache_key`). A start whose files hash the same loads the
validated objects instead of building them again. (Measured in a fresh process: unpickling the
catalogue is about twice as cheap as validating it again from JSON, whose validators must be built
first, and several times cheaper than parsing the YAML even with libyaml.) The cache is only ever a
shortcut: a file that is missing, unreadable, corrupt or from other files is ignored and rebuilt,
and a folder that cannot be written is left alone, never an error for the person.
`loaded_from` tells, per part, whether this process took it from the cache or built it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from backstretch.core.catalogue import Catalogue, CatalogueError, build_catalogue

if TYPE_CHECKING:
    from backstretch.core.education import EducationPage
    from backstretch.core.routine import Preset
    from backstretch.core.screening import ScreeningGuide

T = TypeVar("T")

# Part of the key: raise it when the layout of what is cached changes.
CACHE_FORMAT = 1
# The first line of every cache file, then the key and a newline, then the pickle.
_MAGIC = b"backstretch compiled data\n"
# Where each part came from in this process: "cache" or "built" (a way for tests to know).
loaded_from: dict[str, str] = {}


def _yaml_files(folder: Traversable) -> Iterator[Traversable]:
    yield from sorted(
        (f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))),
        key=lambda f: f.name,
    )


# Every YAML text is read within these limits, whoever wrote it: a person's own stretch, a routine
# file, an imported file, or the packaged data (the largest packaged file, screening.yaml, is
# 26 kB and 700 values). Aliases and anchors are refused outright: a few hundred bytes of nested
# aliases ("billion laughs") stand for billions of values once anything walks them.
MAX_YAML_BYTES = 1_000_000
MAX_YAML_NODES = 20_000
MAX_YAML_DEPTH = 40


class YamlRefused(Exception):
    """YAML refused before anything is built from it: what is wrong, and where (a line)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@cache
def _bounded_loader() -> Any:
    """Return a safe YAML loader that refuses aliases and anchors, more than `MAX_YAML_NODES`
    values or `MAX_YAML_DEPTH` levels, and a key written twice (PyYAML would silently keep the
    last).

    libyaml's C parser reads the events (several times faster than PyYAML's own); PyYAML's
    composer, in Python, turns them into nodes, so that each node passes `compose_node` here and
    the limits hold before a single value is built. Made on first use, so that a start served
    from the compiled cache never imports PyYAML.
    """
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.events import AliasEvent
    from yaml.resolver import Resolver

    parser: Any
    try:
        from yaml._yaml import CParser as parser
    except ImportError:  # PyYAML built without libyaml: its own, slower, parser
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class PurePythonParser(Reader, Scanner, Parser):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)

        parser = PurePythonParser

    def line_of(event: Any) -> str:
        mark = getattr(event, "start_mark", None)
        return f"line {mark.line + 1}" if mark is not None else "(file)"

    class BoundedLoader(parser, Composer, SafeConstructor, Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            parser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self.nodes = 0
            self.depth = 0

        # The C parser composes in C when asked for a whole node: use PyYAML's composer instead.
        get_single_node = Composer.get_single_node
        compose_document = Composer.compose_document
        check_node = Composer.check_node
        get_node = Composer.get_node

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, AliasEvent):
                raise YamlRefused(
                    line_of(event), f"aliases (*{event.anchor}) are not accepted: write it out"
                )
            if getattr(event, "anchor", None) is not None:
                raise YamlRefused(
                    line_of(event), f"anchors (&{event.anchor}) are not accepted: write it out"
                )
            self.nodes += 1
            if self.nodes > MAX_YAML_NODES:
                raise YamlRefused("(file)", f"more than {MAX_YAML_NODES} values: too large")
            self.depth += 1
            try:
                if self.depth > MAX_YAML_DEPTH:
                    raise YamlRefused(
                        line_of(event), f"nested more than {MAX_YAML_DEPTH} levels deep"
                    )
                return Composer.compose_node(self, parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, Hashable):
                    continue  # PyYAML's own check below says what is wrong with it
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{key}' appears twice", key_node.start_mark
                    )
                seen.add(key)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

    return BoundedLoader


def read_yaml(text: str, *, origin: str, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """Parse YAML text within the limits above (`max_bytes` of UTF-8 at most), turning any
    problem into a `CatalogueError` that names the file and the line."""
    import yaml

    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise CatalogueError(origin, "(file)", f"larger than {_size(max_bytes)}")
    loader = _bounded_loader()(text)
    try:
        return loader.get_single_data()
    except YamlRefused as refused:
        raise CatalogueError(origin, refused.where, refused.problem) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(error, "problem", None) or "is not valid YAML"
        raise CatalogueError(origin, where, f"not valid YAML: {problem}") from None
    except (ValueError, TypeError, OverflowError) as error:
        # A value YAML's syntax allows but Python cannot hold: a date like 2026-13-45, or an
        # integer of more digits than Python converts.
        raise CatalogueError(origin, "(file)", f"a value cannot be read: {error}") from None
    finally:
        loader.dispose()


def _size(limit: int) -> str:
    return f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit // 1000} kB"


# The compiled cache ------------------------------------------------------------------------


# Where the cached objects come from: the packaged data files, and the code that builds objects
# from them (the core's models and this module's parsing).
_SOURCES = (
    ("backstretch.data", (".yaml", ".yml", ".md", ".py")),
    ("backstretch.core", (".py",)),
)


def _files_under(
    folder: Traversable, prefix: str, suffixes: tuple[str, ...]
) -> Iterator[tuple[str, Traversable]]:
    for item in folder.iterdir():
        name = f"{prefix}{item.name}"
        if item.is_dir():
            if item.name != "__pycache__":
                yield from _files_under(item, f"{name}/", suffixes)
        elif item.name.endswith(suffixes):
            yield name, item


def content_hash(folders: Iterable[tuple[str, Traversable, tuple[str, ...]]], salt: str) -> str:
    """Return a hash of `salt` and of the name and content of every file in the folders (with
    these endings, sub-folders included), given as `(name, folder, endings)`."""
    digest = hashlib.blake2b(salt.encode(), digest_size=16)
    files = [
        entry
        for name, folder, suffixes in folders
        for entry in _files_under(folder, f"{name}/", suffixes)
    ]
    for name, file in sorted(files, key=lambda entry: entry[0]):
        for part in (name.encode(), file.read_bytes()):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


@cache
def cache_key() -> str:
    """Return the key of the compiled cache: a hash of every packaged data file and of the code
    that turns them into objects, with the versions of Python and pydantic-core whose objects are
    pickled (reading the files takes a millisecond or two)."""
    import pydantic_core

    return content_hash(
        [(package, resources.files(package), suffixes) for package, suffixes in _SOURCES],
        salt=f"{CACHE_FORMAT} {sys.version} {pydantic_core.__version__}",
    )


def cache_folder() -> Path:
    """Return the folder of the compiled cache (in the user's cache folder)."""
    from platformdirs import user_cache_path

    return user_cache_path("backstretch", appauthor=False) / "compiled"


def _cache_file(folder: Path, part: str, key: str) -> Path:
    return folder / f"{part}-{key}.pickle"


def _read_cached(path: Path, key: str) -> tuple[bool, Any]:
    """Return `(True, object)` from a cache file made for `key`, or `(False, None)`."""
    header = _MAGIC + key.encode() + b"\n"
    try:
        with path.open("rb") as file:
            if file.read(len(header)) != header:
                return False, None
            return True, pickle.load(file)
    except Exception:  # missing, unreadable or corrupt (unpickling can raise almost anything)
        return False, None


def _write_cached(path: Path, key: str, value: Any) -> None:
    """Write a cache file atomically (a temporary file renamed over it); give up quietly."""
    import tempfile

    temporary: str | None = None
    try:
        data = _MAGIC + key.encode() + b"\n" + pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent
        )
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
        temporary = None
        part = path.name.split("-", 1)[0]
        for stale in path.parent.glob(f"{part}-*.pickle"):  # made from other files
            if stale != path:
                stale.unlink(missing_ok=True)
    except Exception:  # an unwritable or full folder, say: the cache is only a shortcut
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _compiled(part: str, kind: type[Any], build: Callable[[], T]) -> T:
    """Return `part` from the compiled cache when there is a good copy, else build and keep it."""
    try:
        key = cache_key()
        path = _cache_file(cache_folder(), part, key)
    except Exception:  # no cache folder can be named (no home folder, say)
        loaded_from[part] = "built"
        return build()
    found, value = _read_cached(path, key)
    if found and isinstance(value, kind):
        loaded_from[part] = "cache"
        return value  # type: ignore[no-any-return]
    built = build()
    loaded_from[part] = "built"
    _write_cached(path, key, built)
    return built


# The packaged data -------------------------------------------------------------------------


def _parse_builtin_documents() -> list[tuple[str, Any]]:
    folder = resources.files("backstretch.data").joinpath("stretches")
    return [
        (f"stretches/{f.name}", read_yaml(f.read_text(encoding="utf-8"), origin=f.name))
        for f in _yaml_files(folder)
    ]


def builtin_documents() -> list[tuple[str, Any]]:
    """Return `(file name, parsed YAML)` for every built-in stretch (a new list each time)."""
    return _compiled("documents", list, _parse_builtin_documents)


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
    """Return the validated built-in catalogue (validated once, then kept in the cache)."""
    return _compiled("catalogue", Catalogue, lambda: build_catalogue(_parse_builtin_documents()))


def load_catalogue(own_folder: Path | None = None) -> Catalogue:
    """Return the built-in catalogue plus the stretch files in `own_folder`, if given.

    A person's own stretches are in the database now: their catalogue is
    `data.own.catalogue_for(session)`. This reads a folder of files, as earlier versions did.
    """
    if own_folder is None or not own_folder.is_dir():
        return builtin_catalogue()
    return build_catalogue(builtin_documents() + own_documents(own_folder))


def _parse_education_pages() -> list[EducationPage]:
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


def education_pages() -> list[EducationPage]:
    """Return every education page, validated, in file-name order (a new list each time)."""
    return _compiled("education", list, _parse_education_pages)


def _parse_screening_guide() -> ScreeningGuide:
    from backstretch.core.screening import parse_guide

    text = resources.files("backstretch.data").joinpath("screening.yaml").read_text("utf-8")
    return parse_guide(read_yaml(text, origin="screening.yaml"))


@cache
def screening_guide() -> ScreeningGuide:
    """Return the validated screening wording (questions, advice, stop signals)."""
    from backstretch.core.screening import ScreeningGuide

    return _compiled("screening", ScreeningGuide, _parse_screening_guide)


def _parse_presets_document() -> Any:
    text = resources.files("backstretch.data").joinpath("presets.yaml").read_text("utf-8")
    return read_yaml(text, origin="presets.yaml")


def presets(catalogue: Catalogue) -> dict[str, Preset]:
    """Return the ready-made routines, validated against `catalogue`."""
    from backstretch.core.routine import parse_presets

    return parse_presets(_compiled("presets", object, _parse_presets_document), catalogue)
