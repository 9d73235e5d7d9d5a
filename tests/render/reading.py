"""Reading a PDF back as a person's tools would: its text, its pages, its fonts, its QR code.

Real programs (poppler's `pdftotext`, `pdfinfo`, `pdffonts` and `pdftoppm`, and zbar's `zbarimg`),
never the library that wrote the file.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


@contextmanager
def _saved(pdf: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        yield path


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_text(pdf: bytes, *, raw: bool = False) -> str:
    """Return the document's text, every run of spaces and line breaks made one space.

    `raw` keeps the order the text was drawn in (the document's order, page footers between
    pages) rather than poppler's guess at the reading order of columns.
    """
    with _saved(pdf) as path:
        options = ["-raw"] if raw else []
        return " ".join(_run("pdftotext", *options, str(path), "-").split())


def handout_text(pdf: bytes, title: str) -> str:
    """Return a handout's text in the order it is printed, without the footer of each page (a
    sentence may run on from one page, or column, to the next) and with the words that break at
    a hyphen ("out-|breath") joined again; `title` is the routine's name, in every footer."""
    text = pdf_text(pdf, raw=True)
    text = re.sub(rf"{re.escape(title)} · backstretch Page \d+ of \d+ ?", "", text)
    return re.sub(r"(?<=\w)- (?=\w)", "-", text)


def _info(pdf: bytes, field: str) -> str:
    with _saved(pdf) as path:
        lines = _run("pdfinfo", str(path)).splitlines()
    return next(line for line in lines if line.startswith(f"{field}:")).split(":", 1)[1].strip()


def page_count(pdf: bytes) -> int:
    """Return how many pages the document has."""
    return int(_info(pdf, "Pages"))


def page_size(pdf: bytes) -> str:
    """Return the page size as `pdfinfo` names it, e.g. '595.276 x 841.89 pts (A4)'."""
    return _info(pdf, "Page size")


def fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """Return each font the document uses and whether it is embedded."""
    with _saved(pdf) as path:
        lines = _run("pdffonts", str(path)).splitlines()[2:]
    # Columns: name type encoding emb sub uni object ID; read "emb" from the right.
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines if line.strip()]


def qr_codes(pdf: bytes, *, dpi: int = 100) -> list[str]:
    """Return what `zbarimg` reads from the QR codes on the first page drawn at `dpi`."""
    with _saved(pdf) as path:
        prefix = path.with_name("page")
        _run("pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(path), str(prefix))
        image = next(path.parent.glob("page*.png"))
        done = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
            check=False,
        )
    return done.stdout.splitlines()


def save_pages(pdf: bytes, name: str) -> None:
    """Draw every page into test-artifacts/NAME-N.png at 60 dpi, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    with _saved(pdf) as path:
        _run("pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / name))
