"""A person's own stretches (for example from their therapist), kept as YAML in their data dir.

They follow the same schema as the built-in ones, and their movement tags are required, so the
safety rules apply to them just the same.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from backstretch.core.catalogue import (
    OWN_PREFIX,
    Catalogue,
    CatalogueError,
    Stretch,
    build_catalogue,
    parse_stretch,
)
from backstretch.data import builtin_documents, own_documents, read_yaml


class OwnStretchError(ValueError):
    """An own stretch cannot be added or removed; the message says why."""


def add_own_stretch(source: Path, folder: Path, *, replace: bool = False) -> Stretch:
    """Validate the stretch in `source` and install it into `folder`; change nothing on error."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OwnStretchError(f"cannot read {source}: {error}") from None
    document = read_yaml(text, origin=str(source))
    stretch = parse_stretch(document, origin=str(source))
    if not stretch.id.startswith(OWN_PREFIX):
        problem = f"your own stretch ids start with '{OWN_PREFIX}', e.g. my-wall-stretch"
        raise CatalogueError(str(source), "id", problem)
    target = folder / f"{stretch.id}.yaml"
    if target.exists() and not replace:
        raise OwnStretchError(f"you already have {stretch.id}; use --replace to update it")
    # Check the whole catalogue with the new entry, so a variant link to nowhere is caught now.
    others = [(o, d) for o, d in own_documents(folder) if Path(o) != target]
    installed_name = f"{stretch.id}.yaml"
    try:
        build_catalogue([*builtin_documents(), *others, (installed_name, document)])
    except CatalogueError as error:
        if error.origin != installed_name:
            raise
        raise CatalogueError(str(source), error.field, error.problem) from None
    folder.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file and rename, so a crash never leaves half a file behind.
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, target)
    return stretch


def remove_own_stretch(stretch_id: str, folder: Path, catalogue: Catalogue) -> None:
    """Remove the own stretch `stretch_id`; refuse built-in ids and ids another stretch links to."""
    if not stretch_id.startswith(OWN_PREFIX):
        if stretch_id in catalogue:
            raise OwnStretchError(f"{stretch_id} is built in; only your own (my-…) can be removed")
        raise OwnStretchError(f"you have no stretch '{stretch_id}'")
    target = folder / f"{stretch_id}.yaml"
    if not target.exists():
        raise OwnStretchError(f"you have no stretch '{stretch_id}'")
    linking = sorted(s.id for s in catalogue if stretch_id in (*s.variants.all_ids(), s.variant_of))
    if linking:
        names = ", ".join(linking)
        raise OwnStretchError(f"{stretch_id} is linked from {names}; remove those first")
    target.unlink()
