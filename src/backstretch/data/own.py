"""A person's own stretches (for example from their therapist), kept as YAML in the database.

They follow the same schema as the built-in ones, and their movement tags are required, so the
safety rules apply to them just the same. Each person has their own: a person's catalogue is the
built-in one plus theirs (`catalogue_for`). Earlier versions kept them as files in the data
folder; `import_legacy_folder` copies those into the database once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from backstretch.core.catalogue import (
    OWN_PREFIX,
    Catalogue,
    CatalogueError,
    Stretch,
    build_catalogue,
    parse_stretch,
)
from backstretch.data import builtin_catalogue, builtin_documents, read_yaml
from backstretch.db import repository

# The largest own stretch accepted: a stretch's YAML is a few kilobytes.
MAX_DOCUMENT_BYTES = 100_000
# Stands for the stretch being added while the catalogue is checked with it, so an error in it
# can be told from an error in another stretch (and then names the file the person gave).
_NEW = "(the new stretch)"
# In the old folder: the file names already copied into the database, one per line.
LEGACY_MARKER = ".copied-into-database"
# Built personal catalogues, by their documents' digest: the same documents, the same catalogue.
CACHE_SIZE = 256

log = logging.getLogger(__name__)


class OwnStretchError(ValueError):
    """An own stretch cannot be added or removed; the message says why."""


class NoSuchOwnStretch(OwnStretchError):
    """The person has no own stretch with this id."""


class OwnStretchExists(OwnStretchError):
    """The person already has an own stretch with this id (and did not ask to replace it)."""

    def __init__(self, stretch_id: str) -> None:
        self.stretch_id = stretch_id
        super().__init__(f"you already have {stretch_id}; use --replace to update it")


def stored_origin(stretch_id: str) -> str:
    """Return how errors name a stored own stretch."""
    return f"{stretch_id}.yaml"


@cache
def _builtin_entries() -> tuple[tuple[str, Any], ...]:
    return tuple(builtin_documents())


_built: OrderedDict[str, Catalogue] = OrderedDict()
_built_lock = threading.Lock()


def personal_catalogue(documents: Sequence[tuple[str, str]]) -> Catalogue:
    """Return the built-in catalogue plus these `(stretch id, YAML text)` own stretches.

    Built once per distinct set of documents: every request of a person with own stretches
    reuses it, and a person with none gets the built-in catalogue object itself.
    """
    if not documents:
        return builtin_catalogue()
    digest = hashlib.sha256()
    for stretch_id, text in sorted(documents):
        for part in (stretch_id, text):
            encoded = part.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "big") + encoded)
    key = digest.hexdigest()
    with _built_lock:
        found = _built.get(key)
        if found is not None:
            _built.move_to_end(key)
            return found
    entries = [
        (stored_origin(stretch_id), read_yaml(text, origin=stored_origin(stretch_id)))
        for stretch_id, text in documents
    ]
    catalogue = build_catalogue([*_builtin_entries(), *entries])
    with _built_lock:
        _built[key] = catalogue
        while len(_built) > CACHE_SIZE:
            _built.popitem(last=False)
    return catalogue


def catalogue_for(session: Session) -> Catalogue:
    """Return the catalogue of the person `session` was made for: built-in plus their own."""
    return personal_catalogue(repository.own_stretch_documents(session=session))


def read_stretch_file(source: Path) -> str:
    """Return the text of a stretch file, or raise `OwnStretchError` saying why it cannot."""
    try:
        if source.stat().st_size > MAX_DOCUMENT_BYTES:
            raise OwnStretchError(f"{source}: larger than {MAX_DOCUMENT_BYTES // 1000} kB")
        return source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OwnStretchError(f"cannot read {source}: {error}") from None


def check_own_stretch(
    text: str, *, origin: str, others: Sequence[tuple[str, str]]
) -> tuple[Stretch, Any]:
    """Validate a stretch's YAML with the whole catalogue it would join; return it, parsed.

    `others` are the person's other own stretches. Errors are `CatalogueError`s naming `origin`.
    """
    if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise CatalogueError(origin, "(file)", f"larger than {MAX_DOCUMENT_BYTES // 1000} kB")
    document = read_yaml(text, origin=origin)
    stretch = parse_stretch(document, origin=origin)
    if not stretch.id.startswith(OWN_PREFIX):
        problem = f"your own stretch ids start with '{OWN_PREFIX}', e.g. my-wall-stretch"
        raise CatalogueError(origin, "id", problem)
    # Check the whole catalogue with the new entry, so a variant link to nowhere is caught now.
    entries = [
        (stored_origin(stretch_id), read_yaml(other, origin=stored_origin(stretch_id)))
        for stretch_id, other in others
        if stretch_id != stretch.id
    ]
    try:
        build_catalogue([*_builtin_entries(), *entries, (_NEW, document)])
    except CatalogueError as error:
        if error.origin != _NEW:
            raise
        raise CatalogueError(origin, error.field, error.problem) from None
    return stretch, document


def add_own_stretch(
    session: Session, text: str, *, origin: str, at: datetime, replace: bool = False
) -> Stretch:
    """Validate a stretch's YAML (`origin` names it in errors) and store it as the person's own.

    A malformed stretch raises `CatalogueError`; an id the person already has, without
    `replace`, raises `OwnStretchError`. Nothing is stored in either case.
    """
    others = repository.own_stretch_documents(session=session)
    stretch, _ = check_own_stretch(text, origin=origin, others=others)
    if not replace and any(stretch_id == stretch.id for stretch_id, _ in others):
        raise OwnStretchExists(stretch.id)
    repository.save_own_stretch(session=session, stretch_id=stretch.id, document=text, at=at)
    return stretch


def remove_own_stretch(session: Session, stretch_id: str) -> None:
    """Remove the own stretch `stretch_id`; refuse built-in ids and ids another stretch links to."""
    catalogue = catalogue_for(session)
    if not stretch_id.startswith(OWN_PREFIX):
        if stretch_id in catalogue:
            raise OwnStretchError(f"{stretch_id} is built in; only your own (my-…) can be removed")
        raise NoSuchOwnStretch(f"you have no stretch '{stretch_id}'")
    if stretch_id not in catalogue:
        raise NoSuchOwnStretch(f"you have no stretch '{stretch_id}'")
    linking = sorted(s.id for s in catalogue if stretch_id in (*s.variants.all_ids(), s.variant_of))
    if linking:
        names = ", ".join(linking)
        raise OwnStretchError(f"{stretch_id} is linked from {names}; remove those first")
    repository.delete_own_stretch(session=session, stretch_id=stretch_id)


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


def import_legacy_folder(
    sessions: sessionmaker[Session], folder: Path | None, *, at: datetime
) -> LegacyCopy:
    """Copy the stretch files of the old folder into the database of `sessions`' person, once.

    Files whose stretch is in the database already are skipped; the files stay where they are.
    The names handled are written to a marker file in the folder, so a file is copied (or
    refused) once, and stretches deleted later (`forget`) do not come back.
    """
    from backstretch.db.engine import transaction

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
        except OwnStretchError as error:
            refused[path] = str(error)
    added: list[str] = []
    with transaction(sessions) as session:
        stored = {stretch_id for stretch_id, _ in repository.own_stretch_documents(session=session)}
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
                        others=repository.own_stretch_documents(session=session),
                    )
                except CatalogueError as error:
                    refused[path] = str(error)
                    continue
                del pending[path]
                refused.pop(path, None)
                progress = True
                repository.save_own_stretch(
                    session=session, stretch_id=stretch.id, document=text, at=at
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
