"""The compiled cache of the packaged data: the same objects, and never a problem for anyone.

Each test points the cache at a folder of its own and calls the loaders' uncached bodies
(`__wrapped__`), so the process-wide catalogue other tests share is left alone.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

import backstretch.data as data
from backstretch.core.catalogue import Catalogue, Stretch, build_catalogue
from backstretch.core.models import Kind

PARTS = ("catalogue", "screening", "documents", "education", "presets")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the compiled cache at an empty folder of the test's own."""
    compiled = tmp_path / "cache" / "compiled"
    monkeypatch.setattr(data, "cache_folder", lambda: compiled)
    monkeypatch.setattr(data, "loaded_from", {})
    return compiled


def load_all() -> dict[str, object]:
    """Load every cached part once, without the in-process memo."""
    catalogue = data.builtin_catalogue.__wrapped__()
    return {
        "catalogue": catalogue,
        "screening": data.screening_guide.__wrapped__(),
        "documents": data.builtin_documents(),
        "education": data.education_pages(),
        "presets": data.presets(catalogue),
    }


def cache_file(folder: Path, part: str) -> Path:
    return folder / f"{part}-{data.cache_key()}.pickle"


def test_the_first_load_builds_and_the_next_comes_from_the_cache(folder: Path) -> None:
    built = load_all()
    assert data.loaded_from == dict.fromkeys(PARTS, "built")
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        cache_file(folder, part).name for part in PARTS
    )
    cached = load_all()
    assert data.loaded_from == dict.fromkeys(PARTS, "cache")
    assert cached == built


@pytest.mark.usefixtures("folder")
def test_the_cached_catalogue_is_the_validated_one() -> None:
    data.builtin_catalogue.__wrapped__()
    cached = data.builtin_catalogue.__wrapped__()
    assert data.loaded_from["catalogue"] == "cache"
    # Validated afresh from the YAML, without the cache.
    fresh = build_catalogue(data._parse_builtin_documents())
    assert isinstance(cached, Catalogue)
    assert cached == fresh
    assert list(cached.stretches) == list(fresh.stretches)  # the same (id) order
    for stretch_id, stretch in cached.stretches.items():
        assert type(stretch) is Stretch
        assert stretch.model_dump() == fresh.get(stretch_id).model_dump()
        assert stretch.kind is Kind(stretch.kind.value)  # members, not copies
        assert stretch.model_fields_set == fresh.get(stretch_id).model_fields_set
        assert hash(stretch.dose) == hash(fresh.get(stretch_id).dose)
        with pytest.raises(ValueError, match="frozen"):
            stretch.name = "changed"  # type: ignore[misc]


@pytest.mark.usefixtures("folder")
def test_documents_and_pages_are_new_objects_each_time() -> None:
    first = data.builtin_documents()
    first[0][1]["name"] = "changed by a caller"
    assert data.builtin_documents()[0][1]["name"] != "changed by a caller"
    assert data.education_pages() is not data.education_pages()


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage", b"backstretch compiled data\n", "header+garbage", "header+truncated"],
    ids=["empty", "garbage", "header-only", "header-and-garbage", "truncated-pickle"],
)
def test_a_corrupt_cache_file_is_ignored_and_rebuilt(folder: Path, content: object) -> None:
    expected = data.builtin_catalogue.__wrapped__()
    path = cache_file(folder, "catalogue")
    header = data._MAGIC + data.cache_key().encode() + b"\n"
    if content == "header+garbage":
        content = header + b"\x80\x05not a pickle at all"
    elif content == "header+truncated":
        content = path.read_bytes()[: len(header) + 500]
    assert isinstance(content, bytes)
    path.write_bytes(content)

    assert data.builtin_catalogue.__wrapped__() == expected
    assert data.loaded_from["catalogue"] == "built"
    assert data.builtin_catalogue.__wrapped__() == expected  # the file was made good again
    assert data.loaded_from["catalogue"] == "cache"


def test_a_file_holding_something_else_is_ignored(folder: Path) -> None:
    data.builtin_catalogue.__wrapped__()
    path = cache_file(folder, "catalogue")
    header = data._MAGIC + data.cache_key().encode() + b"\n"
    path.write_bytes(header + pickle.dumps({"not": "a catalogue"}))
    assert isinstance(data.builtin_catalogue.__wrapped__(), Catalogue)
    assert data.loaded_from["catalogue"] == "built"


def test_a_file_made_for_other_files_is_not_read(folder: Path) -> None:
    data.builtin_catalogue.__wrapped__()
    path = cache_file(folder, "catalogue")
    stale = path.read_bytes().replace(data.cache_key().encode(), b"0" * 32, 1)
    path.write_bytes(stale)
    data.builtin_catalogue.__wrapped__()
    assert data.loaded_from["catalogue"] == "built"


def test_writing_replaces_the_files_made_for_other_files(folder: Path) -> None:
    folder.mkdir(parents=True)
    old = folder / f"catalogue-{'0' * 32}.pickle"
    old.write_bytes(b"from an earlier version")
    other_part = folder / f"screening-{'0' * 32}.pickle"
    other_part.write_bytes(b"another part")
    data.builtin_catalogue.__wrapped__()
    assert not old.exists()
    assert other_part.exists()
    assert [p.name for p in folder.glob(".*")] == []  # no temporary file left behind


def test_an_unwritable_cache_folder_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(data, "cache_folder", lambda: blocker / "compiled")
    monkeypatch.setattr(data, "loaded_from", {})
    assert load_all() == load_all()
    assert data.loaded_from == dict.fromkeys(PARTS, "built")


def test_an_unreadable_cache_file_is_no_error(folder: Path) -> None:
    cache_file(folder, "catalogue").mkdir(parents=True)  # a folder where the file should be
    assert isinstance(data.builtin_catalogue.__wrapped__(), Catalogue)
    assert data.loaded_from["catalogue"] == "built"


def test_no_cache_folder_at_all_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_folder() -> Path:
        raise RuntimeError("no home folder")

    monkeypatch.setattr(data, "cache_folder", no_folder)
    monkeypatch.setattr(data, "loaded_from", {})
    assert isinstance(data.builtin_catalogue.__wrapped__(), Catalogue)
    assert data.loaded_from["catalogue"] == "built"


# The key -----------------------------------------------------------------------------------


@pytest.fixture
def packaged(tmp_path: Path) -> Path:
    """A copy of the packaged data folder."""
    copy = tmp_path / "data"
    source = resources.files("backstretch.data")
    assert isinstance(source, Path)
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def key_of(folder: Path, salt: str = "1") -> str:
    return data.content_hash([("data", folder, (".yaml", ".yml", ".md", ".py"))], salt=salt)


def test_the_key_is_the_packaged_files_hash(packaged: Path) -> None:
    original = data.content_hash(
        [(package, resources.files(package), suffixes) for package, suffixes in data._SOURCES],
        salt="1",
    )
    assert key_of(packaged) == key_of(packaged)
    assert len(original) == 32
    assert data.cache_key() == data.cache_key()


def test_a_changed_data_file_changes_the_key(packaged: Path) -> None:
    before = key_of(packaged)
    stretch = packaged / "stretches" / "cat-cow.yaml"
    text = stretch.read_text(encoding="utf-8")
    stretch.write_text(text.replace("reps:", "reps: ", 1), encoding="utf-8")
    changed = key_of(packaged)
    assert changed != before
    stretch.write_text(text, encoding="utf-8")
    assert key_of(packaged) == before


@pytest.mark.parametrize(
    "change",
    ["new stretch", "renamed", "removed", "education", "screening", "presets", "salt"],
)
def test_every_kind_of_change_changes_the_key(packaged: Path, change: str) -> None:
    before = key_of(packaged)
    stretches = packaged / "stretches"
    if change == "new stretch":
        shutil.copy(stretches / "cat-cow.yaml", stretches / "zz-copy.yaml")
    elif change == "renamed":
        (stretches / "cat-cow.yaml").rename(stretches / "cat-cow2.yaml")
    elif change == "removed":
        (stretches / "cat-cow.yaml").unlink()
    elif change == "education":
        page = next((packaged / "education").glob("*.md"))
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change in ("screening", "presets"):
        path = packaged / f"{change}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    else:
        assert key_of(packaged, salt="2") != before
        return
    assert key_of(packaged) != before


def test_the_key_covers_the_code_that_builds_the_objects() -> None:
    names = {package for package, _ in data._SOURCES}
    assert {"backstretch.data", "backstretch.core"} <= names


# A whole start -----------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME names the cache on Linux")
def test_a_start_from_the_cache_neither_parses_nor_validates(tmp_path: Path) -> None:
    # The second start may neither read YAML nor validate a stretch: both are made to fail.
    probe = (
        "import sys; import backstretch.data as d\n"
        "if sys.argv[1] == 'second':\n"
        "    def refuse(*args, **kwargs): raise AssertionError('parsed or validated')\n"
        "    d.read_yaml = d.build_catalogue = refuse\n"
        "c = d.builtin_catalogue(); g = d.screening_guide()\n"
        "print(d.loaded_from['catalogue'], d.loaded_from['screening'], 'yaml' in sys.modules,"
        " len(c), len(g.questions))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}

    def start(which: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", probe, which], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    first, second = start("first"), start("second")
    assert first[:3] == ["built", "built", "True"]
    assert second[:3] == ["cache", "cache", "False"]  # PyYAML not even imported
    assert first[3:] == second[3:]
    assert list((tmp_path / "backstretch" / "compiled").glob("catalogue-*.pickle"))
