"""A person's own stretches as use cases: add, remove, and copy the old folder in once.

Each person has their own, kept as YAML in the database; their catalogue is the built-in one
plus theirs (`catalogue_in`). Earlier versions kept them as files in the data folder;
`copy_old_stretches` brings those into the database once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backstretch.core.catalogue import OWN_PREFIX, Catalogue, CatalogueError, Stretch
from backstretch.data import read_yaml
from backstretch.data.own import MAX_DOCUMENT_BYTES, check_own_stretch, personal_catalogue
from backstretch.db import repository
from backstretch.services.errors import Conflict, Invalid, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.services.context import PersonContext

# In the old folder: the file names already copied into the database, one per line.
LEGACY_MARKER = ".copied-into-database"

log = logging.getLogger(__name__)


def catalogue_in(db: Session) -> Catalogue:
    """Return the catalogue of the person `db` was made for: built-in plus their own."""
    return personal_catalogue(repository.own_stretch_documents(db=db))


def read_stretch_file(source: Path) -> str:
    """Return the text of a stretch file, or raise `Invalid` saying why it cannot be read."""
    try:
        if source.stat().st_size > MAX_DOCUMENT_BYTES:
            raise Invalid(f"{source}: larger than {MAX_DOCUMENT_BYTES // 1000} kB")
        return source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Invalid(f"cannot read {source}: {error}") from None


def add_own_stretch(
    person: PersonContext, text: str, *, origin: str, replace: bool = False
) -> Stretch:
    """Check a stretch's YAML (`origin` names it in errors) and keep it as the person's own.

    A malformed stretch raises `Invalid`; an id the person already has, without `replace`,
    raises `Conflict`. Nothing is stored in either case.
    """
    with person.transaction() as db:
        others = repository.own_stretch_documents(db=db)
        try:
            stretch, _ = check_own_stretch(text, origin=origin, others=others)
        except CatalogueError as error:
            raise Invalid(str(error), field=error.field) from None
        if not replace and any(stretch_id == stretch.id for stretch_id, _ in others):
            raise Conflict(f"you already have {stretch.id}; use --replace to update it")
        repository.save_own_stretch(db=db, stretch_id=stretch.id, document=text, at=person.now())
    return stretch


def remove_own_stretch(person: PersonContext, stretch_id: str) -> None:
    """Remove the own stretch `stretch_id`; refuse built-in ids and ids another stretch links to."""
    with person.transaction() as db:
        catalogue = catalogue_in(db)
        if not stretch_id.startswith(OWN_PREFIX):
            if stretch_id in catalogue:
                raise Invalid(f"{stretch_id} is built in; only your own (my-…) can be removed")
            raise NotFound(f"you have no stretch '{stretch_id}'")
        if stretch_id not in catalogue:
            raise NotFound(f"you have no stretch '{stretch_id}'")
        linking = sorted(
            s.id for s in catalogue if stretch_id in (*s.variants.all_ids(), s.variant_of)
        )
        if linking:
            names = ", ".join(linking)
            raise Conflict(f"{stretch_id} is linked from {names}; remove those first")
        repository.delete_own_stretch(db=db, stretch_id=stretch_id)


def own_stretches(person: PersonContext) -> list[Stretch]:
    """Return the person's own stretches, in id order."""
    return [s for s in person.catalogue if s.id.startswith(OWN_PREFIX)]


# The old folder of files -------------------------------------------------------------------------


@dataclass(frozen=True)
class LegacyCopy:
    """What copying the old folder did: the stretch ids added, and the files refused and why."""

    added: tuple[str, ...] = ()
    refused: tuple[tuple[Path, str], ...] = ()


def _copied_names(marker: Path) -> set[str]:
    try:
        return set(marker.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return set()


def _stretch_id_of(text: str) -> str | None:
    try:
        document = read_yaml(text, origin="")
    except CatalogueError:
        return None
    found = document.get("id") if isinstance(document, dict) else None
    return found if isinstance(found, str) else None


def copy_old_stretches(person: PersonContext, folder: Path | None) -> LegacyCopy:
    """Copy the stretch files of the old folder into the person's database rows, once.

    Files whose stretch is in the database already are skipped; the files stay where they are.
    The names handled are written to a marker file in the folder, so a file is copied (or
    refused) once, and stretches deleted later (`forget`) do not come back.
    """
    if folder is None or not folder.is_dir():
        return LegacyCopy()
    marker = folder / LEGACY_MARKER
    done = _copied_names(marker)
    waiting = sorted(p for p in folder.glob("*.yaml") if p.is_file() and p.name not in done)
    if not waiting:
        return LegacyCopy()
    texts: dict[Path, str] = {}
    refused: dict[Path, str] = {}
    for path in waiting:
        try:
            texts[path] = read_stretch_file(path)
        except Invalid as error:
            refused[path] = str(error)
    added: list[str] = []
    with person.transaction() as db:
        stored = {stretch_id for stretch_id, _ in repository.own_stretch_documents(db=db)}
        pending = dict(texts)
        # One stretch may link to another in the folder: add what fits, again, until nothing does.
        progress = True
        while pending and progress:
            progress = False
            for path, text in list(pending.items()):
                if _stretch_id_of(text) in stored:
                    del pending[path]  # in the database already: the database's copy wins
                    continue
                try:
                    stretch, _ = check_own_stretch(
                        text,
                        origin=str(path),
                        others=repository.own_stretch_documents(db=db),
                    )
                except CatalogueError as error:
                    refused[path] = str(error)
                    continue
                del pending[path]
                refused.pop(path, None)
                progress = True
                repository.save_own_stretch(
                    db=db, stretch_id=stretch.id, document=text, at=person.now()
                )
                stored.add(stretch.id)
                added.append(stretch.id)
    try:
        with marker.open("a", encoding="utf-8") as out:
            out.writelines(f"{path.name}\n" for path in waiting)
    except OSError as error:
        # Harmless: next time the same files are found in the database and skipped.
        log.warning("cannot write %s: %s", marker, error)
    return LegacyCopy(added=tuple(added), refused=tuple(sorted(refused.items())))
