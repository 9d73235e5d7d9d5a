"""Every YAML text is read within limits: no aliases or anchors, so many values at most, so deep
at most, so large at most; a value Python cannot hold is a clear error, never a crash. A person's
own stretch is held to its own, smaller size."""

from __future__ import annotations

import pytest

from backstretch.core.catalogue import CatalogueError
from backstretch.data import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES, read_yaml
from backstretch.data.own import MAX_DOCUMENT_BYTES, check_own_stretch


def nested_aliases(levels: int = 9, width: int = 9) -> str:
    """Return "billion laughs": each level lists the one before `width` times (9 ** 9 values)."""
    lines = ["id: my-x", f"a: &a [{','.join(['lol'] * width)}]"]
    for before, name in zip("abcdefgh", "bcdefghi"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [{','.join([f'*{before}'] * width)}]")
    return "\n".join(lines)


# The file an adversarial probe sent as an own stretch: 332 bytes that stood for 387 million
# strings (the server grew from 398 MB to 2.6 GB in 14 s).
BILLION_LAUGHS = nested_aliases()


def test_the_billion_laughs_file_is_332_bytes() -> None:
    assert len(BILLION_LAUGHS.encode()) == 332


def problem(text: str, **limits: int) -> str:
    with pytest.raises(CatalogueError) as raised:
        read_yaml(text, origin="given.yaml", **limits)
    assert raised.value.origin == "given.yaml"
    return f"{raised.value.field}: {raised.value.problem}"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (BILLION_LAUGHS, "line 2: anchors (&a) are not accepted: write it out"),
        ("a: 1\nb: *a\n", "line 2: aliases (*a) are not accepted: write it out"),
        ("base: &base {hold: 20}\nuse:\n  <<: *base\n", "line 1: anchors (&base) are not"),
        ("a: !!python/object:os.system ls\n", "line 1: not valid YAML: could not determine"),
        ("a: 1\na: 2\n", "line 2: not valid YAML: the key 'a' appears twice"),
        ("? [a, b]\n: c\n", "line 1: not valid YAML: found unhashable key"),
        ("a: 2026-13-45\n", "(file): a value cannot be read: month must be in 1..12"),
        ("a: " + "1" * 5000 + "\n", "(file): a value cannot be read: Exceeds the limit"),
        ("[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1), "line 1: nested more than"),
        ("- x\n" * (MAX_YAML_NODES + 1), f"(file): more than {MAX_YAML_NODES} values"),
        ("a: '" + "x" * MAX_YAML_BYTES + "'", "(file): larger than 1 MB"),
    ],
    ids=[
        "billion-laughs",
        "alias",
        "merge-key",
        "python-tag",
        "key-twice",
        "unhashable-key",
        "impossible-date",
        "huge-integer",
        "too-deep",
        "too-many-values",
        "too-large",
    ],
)
def test_yaml_beyond_the_limits_is_refused_naming_the_line(text: str, said: str) -> None:
    assert problem(text).startswith(said)


def test_yaml_within_the_limits_reads_as_plain_data() -> None:
    text = "[" * (MAX_YAML_DEPTH - 1) + "1" + "]" * (MAX_YAML_DEPTH - 1)  # the 1 is a level too
    assert read_yaml(text, origin="deep.yaml") is not None
    assert read_yaml("id: my-x\nhold: 20\nsteps: [a, b]\n", origin="ok.yaml") == {
        "id": "my-x",
        "hold": 20,
        "steps": ["a", "b"],
    }


def test_a_caller_may_ask_for_a_smaller_size() -> None:
    assert problem("a: 12345\n", max_bytes=5) == "(file): larger than 0 kB"


def test_an_own_stretch_of_nested_aliases_is_refused_at_once() -> None:
    with pytest.raises(CatalogueError) as raised:
        check_own_stretch(BILLION_LAUGHS, origin="laughs.yaml", others=[])
    assert str(raised.value) == ("laughs.yaml: line 2: anchors (&a) are not accepted: write it out")


def test_an_own_stretch_is_held_to_its_own_size() -> None:
    text = "id: my-x\nname: '" + "x" * MAX_DOCUMENT_BYTES + "'\n"
    with pytest.raises(CatalogueError, match=r"larger than 100 kB"):
        check_own_stretch(text, origin="big.yaml", others=[])
