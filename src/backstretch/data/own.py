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
