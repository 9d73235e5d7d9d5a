"""Routines from a therapist: build one, share it by link or as a file, and receive one.

A shared routine is a routine document (`core/routine.py`: a name and its items, each with its
way, dose and an optional note) plus the own stretches it uses, travelling inside it under
`stretches`. It holds nothing else: no person's name, no account, no pain, no history; it is
built anew from validated parts (`request_items`), so nothing else can slip in.

Received, it becomes one of the person's saved routines and its travelling stretches become
their own stretches, checked by the same parser and limits as an uploaded stretch. From then on
it is planned like any saved routine (`planning.plan_today`), through the person's own screening
and restrictions every time: a ruled-out stretch is swapped or left out, and the plan says so.

A link is `/r/<token>` with `secrets.token_urlsafe(24)` (192 random bits). The token is kept as
it is, not hashed: the row keeps exactly the routine the token opens (never anything personal),
so a copy of the database reveals nothing through a token that it does not hold already, and
the person who shares can copy their link again from their list. Revoking deletes the row: the
link and its handout answer 404 from then on, as a token never made does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import OWN_PREFIX, Catalogue, CatalogueError, Stretch, Way
from backstretch.core.planner import Request
from backstretch.core.routine import item_notes, parse_items, parse_routine, request_items
from backstretch.core.timeline import ItemDose, RoutineItem, TimelineSettings, routine_seconds
from backstretch.data import read_yaml
from backstretch.data.own import (
    MAX_DOCUMENT_BYTES,
    MAX_OWN_STRETCHES,
    check_own_stretch,
    personal_catalogue,
)
from backstretch.db import repository
from backstretch.db.repository import RoutineNameTaken, StoredRoutine, StoredShare
from backstretch.services.errors import Conflict, Invalid, NotFound
from backstretch.services.routines import clean_name, clean_name_or_none, name_taken

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext, Services

TOKEN_BYTES = 24
# What `token_urlsafe(24)` gives: 32 characters of the URL-safe alphabet. Anything else is no
# link at all, answered before the database is asked.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
# A routine of more than this many stretches is not a routine a person does in one go.
MAX_ITEMS = 30
# Own stretches one shared routine may bring (each at most `MAX_DOCUMENT_BYTES`, as an upload).
MAX_TRAVELLING = 20
# The largest routine file accepted: its stretches and a little more.
MAX_FILE_BYTES = 1_000_000
# Links one person may have open at a time; revoking one makes room.
MAX_SHARES = 200

NOT_SHARED = "no routine is shared at this link: it may have been revoked, or mistyped"


@dataclass(frozen=True)
class SharedItem:
    """One stretch of a shared routine: the way it is done, its dose and the note with it."""

    stretch: Stretch
    way: Way
    dose: ItemDose
    note: str

    @property
    def routine_item(self) -> RoutineItem:
        """Return the item as the timeline and the handout take it."""
        return RoutineItem(self.stretch, self.dose, self.way)


@dataclass(frozen=True)
class SharedRoutine:
    """A routine as it is shared: its name, its items, and its routine file's content."""

    name: str
    items: tuple[SharedItem, ...]
    document: dict[str, Any]

    @property
    def seconds(self) -> int:
        """Return how long the routine takes as written (before anyone's own rules)."""
        return routine_seconds([item.routine_item for item in self.items], TimelineSettings())


@dataclass(frozen=True)
class RoutineFile:
    """A routine file to download: the routine's name, the file's name and its YAML text."""

    name: str
    filename: str
    text: str


@dataclass(frozen=True)
class Received:
    """A routine added to a person's routines, and the own stretches it brought."""

    routine: StoredRoutine
    added_stretches: tuple[str, ...]


# Building ----------------------------------------------------------------------------------------

_FIELD_WORDS = {
    "hold_seconds": "hold",
    "reps": "repetitions",
    "sets": "sets",
    "note": "note",
    "way": "way",
    "stretch": "stretch",
}


def _said(error: CatalogueError, items: Sequence[Any], catalogue: Catalogue) -> str:
    """Return a builder's problem naming the stretch it is about, e.g. "Cat-cow (sets): …"."""
    parts = error.field.split(".")
    if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit():
        item = items[int(parts[1])]
        stretch_id = item.get("stretch") if isinstance(item, Mapping) else None
        name = (
            catalogue.get(stretch_id).name
            if isinstance(stretch_id, str) and stretch_id in catalogue
            else str(stretch_id)
        )
        return f"{name} ({_FIELD_WORDS.get(parts[2], parts[2])}): {error.problem}"
    return error.problem


def build_routine(
    person: PersonContext, *, name: str, items: Sequence[dict[str, Any]]
) -> StoredRoutine:
    """Save a routine a person put together: stretches of their catalogue (own ones included),
    each at a dose within its ranges, done a way it has, with an optional short note.

    A bad name, no stretch, a dose out of range or a bad note raises `Invalid` naming the
    stretch; a name in use raises `Conflict`. Nothing is saved then.
    """
    cleaned = clean_name(name)
    if not items:
        raise Invalid("choose at least one stretch for the routine", field="items")
    if len(items) > MAX_ITEMS:
        raise Invalid(f"a routine has at most {MAX_ITEMS} stretches", field="items")
    try:
        requests = parse_items(list(items), person.catalogue, origin=cleaned, within_ranges=True)
    except CatalogueError as error:
        raise Invalid(_said(error, items, person.catalogue), field=error.field) from None
    document = {"name": cleaned, "items": request_items(requests, item_notes({"items": items}))}
    try:
        with person.transaction() as db:
            return repository.save_routine(db=db, name=cleaned, document=document, at=person.now())
    except RoutineNameTaken:
        raise Conflict(name_taken(cleaned), field="name") from None


# Sharing -----------------------------------------------------------------------------------------


def _travelling(requests: Sequence[Request], catalogue: Catalogue) -> list[str]:
    """Return the own stretches a routine uses, and those they link to (a variant must not
    point nowhere once received), in the order met."""
    waiting = [r.stretch_id for r in requests if r.stretch_id.startswith(OWN_PREFIX)]
    found: dict[str, None] = {}
    while waiting:
        stretch_id = waiting.pop(0)
        if stretch_id in found or stretch_id not in catalogue:
            continue
        found[stretch_id] = None
        stretch = catalogue.get(stretch_id)
        linked = (
            *stretch.variants.all_ids(),
            *((stretch.variant_of,) if stretch.variant_of else ()),
        )
        waiting += [i for i in linked if i.startswith(OWN_PREFIX)]
    return list(found)


def _shareable(
    routine: StoredRoutine, catalogue: Catalogue, own: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Return the shared document of a saved routine: its items and the own stretches it uses."""
    origin = f"saved routine '{routine.name}'"
    try:
        name, requests = parse_routine(routine.document, catalogue, origin=origin)
    except CatalogueError as error:
        raise Invalid(f"cannot share it: {error}", field="routine") from None
    document: dict[str, Any] = {
        "name": name,
        "items": request_items(requests, item_notes(routine.document)),
    }
    texts = dict(own)
    travelling = [
        read_yaml(texts[i], origin=i) for i in _travelling(requests, catalogue) if i in texts
    ]
    if travelling:
        document["stretches"] = travelling
    return document


def _saved(db: Any, routine_id: int | None, name: str | None = None) -> StoredRoutine:
    """Return the person's saved routine with this id (or name), or raise `NotFound`."""
    if routine_id is not None:
        routine = repository.get_routine(db=db, routine_id=routine_id)
        if routine is None:
            raise NotFound("you have no saved routine with that number", field="routine_id")
        return routine
    cleaned = clean_name_or_none(name or "")
    routine = repository.find_routine(db=db, name=cleaned) if cleaned else None
    if routine is None:
        names = [saved.name for saved in repository.list_routines(db=db)]
        known = f" Saved routines: {', '.join(names)}." if names else " You have none saved."
        raise NotFound(f"no saved routine called '{cleaned or name}'.{known}", field="name")
    return routine


def share_routine(person: PersonContext, *, routine_id: int) -> StoredShare:
    """Make a link to one of the person's saved routines: a copy of it as it is now.

    Another person's routine, or none, raises `NotFound`; a routine whose stretch is gone
    raises `Invalid`; too many open links raise `Conflict`.
    """
    with person.transaction() as db:
        routine = _saved(db, routine_id)
        document = _shareable(routine, person.catalogue, repository.own_stretch_documents(db=db))
        if len(repository.list_shares(db=db, account_id=person.owner_id)) >= MAX_SHARES:
            raise Conflict(f"you share {MAX_SHARES} routines already: revoke one first")
        return repository.add_share(
            db=db,
            account_id=person.owner_id,
            token=secrets.token_urlsafe(TOKEN_BYTES),
            name=document["name"],
            document=document,
            at=person.now(),
        )


def routine_file(
    person: PersonContext, *, routine_id: int | None = None, name: str | None = None
) -> RoutineFile:
    """Return one of the person's saved routines (by id, or by name) as a routine file, own
    stretches inside; none such raises `NotFound` naming the routines there are."""
    with person.transaction() as db:
        routine = _saved(db, routine_id, name)
        document = _shareable(routine, person.catalogue, repository.own_stretch_documents(db=db))
    return _file_of(document)


def my_shares(person: PersonContext) -> list[StoredShare]:
    """Return the routines the person shares by link, newest first."""
    with person.transaction() as db:
        return repository.list_shares(db=db, account_id=person.owner_id)


def revoke_share(person: PersonContext, *, share_id: int) -> None:
    """Close one of the person's links; another person's link, or none, raises `NotFound`."""
    with person.transaction() as db:
        if not repository.delete_share(db=db, account_id=person.owner_id, share_id=share_id):
            raise NotFound("you share no routine with that number", field="share_id")


def _yaml_text(document: Any) -> str:
    """Return `document` as YAML written out in full: a value used twice is written twice,
    never as an alias, which the reader of YAML refuses."""
    import yaml

    class InFull(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(document, Dumper=InFull, sort_keys=False, allow_unicode=True)


def _file_of(document: Mapping[str, Any]) -> RoutineFile:
    slug = re.sub(r"[^a-z0-9]+", "-", str(document["name"]).lower()).strip("-")[:60].strip("-")
    text = _yaml_text(dict(document))
    return RoutineFile(
        name=str(document["name"]), filename=f"routine-{slug or 'shared'}.yaml", text=text
    )


# Opening a link (anyone with it, logged in or not) -------------------------------------------


def _stored(services: Services, token: str) -> StoredShare:
    if not TOKEN_PATTERN.fullmatch(token):
        raise NotFound(NOT_SHARED)
    with services.transaction() as db:
        found = repository.find_share(db=db, token=token)
    if found is None:
        raise NotFound(NOT_SHARED)
    return found


def open_share(services: Services, token: str) -> SharedRoutine:
    """Return the routine shared at `token`, as written; an unknown or revoked one raises
    `NotFound` (the same answer for both)."""
    document = _stored(services, token).document
    origin = "the shared routine"
    travelling = _check_travelling(document, origin)
    catalogue = personal_catalogue(travelling)
    try:
        name, requests = parse_routine(document, catalogue, origin=origin)
    except CatalogueError as error:
        raise Invalid(str(error), field="routine") from None
    notes = item_notes(document)
    items = []
    for index, request in enumerate(requests):
        stretch = catalogue.get(request.stretch_id)
        assert request.dose is not None  # parse_items gives every request a dose
        way = stretch.way_at(request.way)
        items.append(SharedItem(stretch, way, request.dose, notes[index] if notes else ""))
    return SharedRoutine(name=name, items=tuple(items), document=dict(document))


def shared_file(services: Services, token: str) -> RoutineFile:
    """Return the routine file of the routine shared at `token` (`NotFound` as `open_share`)."""
    return _file_of(open_share(services, token).document)


def shared_handout(services: Services, token: str, *, link: str, paper: str = "a4") -> bytes:
    """Return the printable handout of the routine shared at `token`, as written, with `link`
    printed and as a QR code (`NotFound` as `open_share`; a bad paper size raises `Invalid`)."""
    from backstretch.render.handout import handout_pdf
    from backstretch.services.handout import paper_size

    size = paper_size(paper)
    shared = open_share(services, token)
    return handout_pdf(
        [item.routine_item for item in shared.items],
        title=shared.name,
        link=link,
        guide=services.guide,
        emergency_number=services.settings.emergency_number,
        paper=size,
    )


# Receiving -----------------------------------------------------------------------------------


def _check_travelling(document: Any, origin: str) -> list[tuple[str, str]]:
    """Return the own stretches a routine document brings, as `(id, YAML text)`, each checked
    like an uploaded stretch with the catalogue they join (built-in and each other), or raise
    `Invalid` naming the entry."""
    if not isinstance(document, Mapping):
        raise Invalid(f"{origin}: expected a routine: a name, its items and its stretches")
    given = document.get("stretches", [])
    if not isinstance(given, list):
        raise Invalid(f"{origin}: stretches: expected a list of stretches", field="stretches")
    if len(given) > MAX_TRAVELLING:
        raise Invalid(
            f"{origin}: stretches: a routine brings at most {MAX_TRAVELLING} stretches",
            field="stretches",
        )
    from backstretch.core.catalogue import parse_stretch

    entries: list[tuple[str, str]] = []
    for index, entry in enumerate(given):
        where = f"{origin}: stretches.{index}"
        try:
            stretch = parse_stretch(entry, origin=where)  # its own fields first, alone
        except CatalogueError as error:
            raise Invalid(str(error), field="stretches") from None
        if not stretch.id.startswith(OWN_PREFIX):
            raise Invalid(
                f"{where}: id: a stretch a routine brings along has an id starting with "
                f"'{OWN_PREFIX}', not '{stretch.id}'",
                field="stretches",
            )
        if any(stretch.id == known for known, _ in entries):
            raise Invalid(f"{where}: id: '{stretch.id}' comes twice", field="stretches")
        text = _yaml_text(entry)
        if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise Invalid(
                f"{where}: larger than {MAX_DOCUMENT_BYTES // 1000} kB", field="stretches"
            )
        entries.append((stretch.id, text))
    for index, (stretch_id, text) in enumerate(entries):
        others = [entry for entry in entries if entry[0] != stretch_id]
        try:
            check_own_stretch(text, origin=f"{origin}: stretches.{index}", others=others)
        except CatalogueError as error:
            raise Invalid(str(error), field="stretches") from None
    return entries


def _routine_of(
    document: Mapping[str, Any], travelling: Sequence[tuple[str, str]], origin: str
) -> tuple[str, tuple[Request, ...], tuple[str, ...]]:
    """Return a received routine's name, items and notes, checked against the built-in
    catalogue and the stretches it brings only (never the receiver's own: an id the routine
    does not bring could name a different stretch of theirs)."""
    items = document.get("items")
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise Invalid(f"{origin}: items: a routine has at most {MAX_ITEMS} stretches")
    try:
        name, requests = parse_routine(
            dict(document), personal_catalogue(travelling), origin=origin
        )
    except CatalogueError as error:
        raise Invalid(str(error), field="routine") from None
    return name, requests, item_notes(dict(document))


def _new_to(
    mine: Sequence[tuple[str, str]], travelling: Sequence[tuple[str, str]], origin: str
) -> list[tuple[str, str]]:
    """Return the travelling stretches the person does not have yet; one they have the same
    is theirs already; a different one of the same id raises `Conflict`."""
    have = dict(mine)
    new = []
    for stretch_id, text in travelling:
        if stretch_id not in have:
            new.append((stretch_id, text))
            continue
        try:
            same = read_yaml(have[stretch_id], origin=stretch_id) == read_yaml(text, origin=origin)
        except CatalogueError:
            same = False
        if not same:
            raise Conflict(
                f"this routine brings its own stretch '{stretch_id}', and one of your own "
                f"stretches has that id but is different. Nothing was added: remove or rename "
                f"your '{stretch_id}', then add the routine again",
                field="stretches",
            )
    return new


def _receive(person: PersonContext, document: Any, *, origin: str, name: str | None) -> Received:
    travelling = _check_travelling(document, origin)
    routine_name, requests, notes = _routine_of(document, travelling, origin)
    cleaned = clean_name(name if name and name.strip() else routine_name)
    saved = {"name": cleaned, "items": request_items(requests, notes)}
    try:
        with person.transaction() as db:
            mine = repository.own_stretch_documents(db=db)
            new = _new_to(mine, travelling, origin)
            if new and len(mine) + len(new) > MAX_OWN_STRETCHES:
                raise Conflict(
                    f"this routine brings {len(new)} stretches you do not have, and you keep "
                    f"{len(mine)} of your own: at most {MAX_OWN_STRETCHES}. Remove some first"
                )
            for stretch_id, text in new:
                repository.save_own_stretch(
                    db=db, stretch_id=stretch_id, document=text, at=person.now()
                )
            routine = repository.save_routine(db=db, name=cleaned, document=saved, at=person.now())
    except RoutineNameTaken:
        raise Conflict(
            f"you already have a routine called '{cleaned}': add this one under another name",
            field="name",
        ) from None
    return Received(routine=routine, added_stretches=tuple(i for i, _ in new))


def receive_share(person: PersonContext, token: str, *, name: str | None = None) -> Received:
    """Add the routine shared at `token` to the person's routines (under `name`, else its own),
    its stretches to their own stretches. `NotFound` for no such link; `Invalid` or `Conflict`
    (a name in use, a different stretch of the same id) store nothing."""
    shared = _stored(person.services, token)
    return _receive(person, shared.document, origin="the shared routine", name=name)


def receive_file(
    person: PersonContext, content: bytes, *, origin: str, name: str | None = None
) -> Received:
    """Add a routine file someone gave the person (as `receive_share`); `origin` names it in
    errors. A file that is too large, not text or not a routine raises `Invalid`."""
    if len(content) > MAX_FILE_BYTES:
        raise Invalid(f"{origin}: larger than {MAX_FILE_BYTES // 1000} kB, not a routine file")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(f"{origin}: not a text file") from None
    try:
        document = read_yaml(text, origin=origin)
    except CatalogueError as error:
        raise Invalid(str(error)) from None
    except RecursionError:  # the pure-Python YAML parser has no depth limit of its own
        raise Invalid(f"{origin}: not valid YAML: exceeded maximum nesting depth") from None
    return _receive(person, document, origin=origin, name=name)


def with_travelling_stretches(
    person: PersonContext, document: Any, *, origin: str
) -> PersonContext:
    """Return the person's context with the own stretches a routine file brings added to their
    catalogue for this plan alone (nothing is stored), so `plan --routine FILE` reads a shared
    file as it is. A file that brings none gives the context back unchanged."""
    if not isinstance(document, Mapping) or not document.get("stretches"):
        return person
    travelling = _check_travelling(document, origin)
    with person.transaction() as db:
        mine = repository.own_stretch_documents(db=db)
    new = _new_to(mine, travelling, origin)
    return replace(person, catalogue=personal_catalogue([*mine, *new]))
