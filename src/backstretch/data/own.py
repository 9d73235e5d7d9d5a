"""A person's own stretches (for example from their therapist): checked and built into a catalogue.

They follow the same schema as the built-in ones, and their movement tags are required, so the
safety rules apply to them just the same. A person's catalogue is the built-in one plus theirs
(`personal_catalogue`); keeping them is a use case (`services/own_stretches.py`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import Any

from backstretch.core.catalogue import (
    OWN_PREFIX,
    Catalogue,
    CatalogueError,
    Stretch,
    build_catalogue,
    parse_stretch,
)
from backstretch.data import builtin_catalogue, builtin_documents, read_yaml

# The largest own stretch accepted: a stretch's YAML is a few kilobytes.
MAX_DOCUMENT_BYTES = 100_000
# The most own stretches one person keeps (a therapist gives a handful).
MAX_OWN_STRETCHES = 200
# Stands for the stretch being added while the catalogue is checked with it, so an error in it
# can be told from an error in another stretch (and then names the file the person gave).
_NEW = "(the new stretch)"
# Built personal catalogues, by their documents' digest: the same documents, the same catalogue.
CACHE_SIZE = 256


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


def check_own_stretch(
    text: str, *, origin: str, others: Sequence[tuple[str, str]]
) -> tuple[Stretch, Any]:
    """Validate a stretch's YAML with the whole catalogue it would join; return it, parsed.

    `others` are the person's other own stretches. Errors are `CatalogueError`s naming `origin`.
    """
    stretch, document = _parse_own(text, origin=origin)
    if sum(stretch_id != stretch.id for stretch_id, _ in others) >= MAX_OWN_STRETCHES:
        problem = f"you keep {MAX_OWN_STRETCHES} own stretches already: remove one first"
        raise CatalogueError(origin, "(file)", problem)
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


def _parse_own(text: str, *, origin: str) -> tuple[Stretch, Any]:
    """Parse one own stretch's YAML within the limits (size, values, no aliases)."""
    document = read_yaml(text, origin=origin, max_bytes=MAX_DOCUMENT_BYTES)
    stretch = parse_stretch(document, origin=origin)
    if not stretch.id.startswith(OWN_PREFIX):
        problem = f"your own stretch ids start with '{OWN_PREFIX}', e.g. my-wall-stretch"
        raise CatalogueError(origin, "id", problem)
    return stretch, document


def check_own_stretches(documents: Sequence[tuple[str, str]]) -> list[Stretch]:
    """Validate several own stretches together, as `(origin, YAML text)`; return them, parsed.

    Each text is parsed once and the catalogue is built once with all of them (an import of many
    stretches costs as much as loading them), so a variant link between two of them is fine and
    a link to nowhere is caught. Errors are `CatalogueError`s naming the origin at fault.
    """
    if len(documents) > MAX_OWN_STRETCHES:
        raise CatalogueError(
            "(own stretches)", "(count)", f"more than {MAX_OWN_STRETCHES} own stretches"
        )
    parsed = [(origin, *_parse_own(text, origin=origin)) for origin, text in documents]
    build_catalogue([*_builtin_entries(), *((origin, doc) for origin, _, doc in parsed)])
    return [stretch for _, stretch, _ in parsed]
