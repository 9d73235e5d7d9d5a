"""A person's own stretches, kept in the database: added (or replaced), removed, each person's
catalogue built from them, and the old folder of files copied in once."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from backstretch.config import get_settings
from backstretch.core.catalogue import Catalogue, UnknownStretchError
from backstretch.core.models import Movement, Position, Region
from backstretch.core.screening import Restriction, restrictions_rule_out
from backstretch.data import builtin_catalogue
from backstretch.data.own import MAX_DOCUMENT_BYTES, stored_origin
from backstretch.db import repository
from backstretch.db.tables import AccountRow
from backstretch.services.context import PersonContext, Services
from backstretch.services.errors import Conflict, Invalid, NotFound
from backstretch.services.own_stretches import (
    LEGACY_MARKER,
    add_own_stretch,
    catalogue_in,
    copy_old_stretches,
    own_stretches,
    read_stretch_file,
    remove_own_stretch,
)
from tests.conftest import FIXED_NOW
from tests.data.test_catalogue import VALID
from tests.fakes import FakeNow


def own_folder(data_dir: Path) -> Path:
    return data_dir / "stretches"


def document(**changes: Any) -> str:
    entry = copy.deepcopy(VALID)
    entry.update(changes)
    return yaml.safe_dump(entry, sort_keys=False)


def stretch_file(tmp_path: Path, file_name: str = "wall.yaml", **changes: Any) -> Path:
    path = tmp_path / "incoming" / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document(**changes), encoding="utf-8")
    return path


def add(me: PersonContext, path: Path, *, replace: bool = False) -> Any:
    """Add a stretch file as `stretches add FILE` does: read it, then keep it."""
    return add_own_stretch(me, read_stretch_file(path), origin=str(path), replace=replace)


def stored(me: PersonContext) -> dict[str, str]:
    """Return the person's own stretches as stored: id -> YAML text."""
    with me.transaction() as db:
        return dict(repository.own_stretch_documents(db=db))


def catalogue(me: PersonContext) -> Catalogue:
    """Return the person's catalogue as the next use case will see it."""
    return me.services.person(me.owner_id).catalogue


def second_person(services: Services) -> PersonContext:
    with services.transaction() as db:
        db.add(AccountRow(id=2, username="second", created_at=FIXED_NOW))
    return services.person(2)


# Adding --------------------------------------------------------------------------------------


def test_add_a_valid_own_stretch(
    me: PersonContext, tmp_path: Path, isolated_settings: Path
) -> None:
    path = stretch_file(tmp_path)
    added = add(me, path)
    assert (added.id, added.name) == ("my-wall-stretch", "Wall chest stretch")
    # Kept in the database, as the text given; no file is written any more.
    assert stored(me) == {"my-wall-stretch": path.read_text(encoding="utf-8")}
    assert not own_folder(isolated_settings).exists()

    mine = catalogue(me).get("my-wall-stretch")
    assert mine == added
    assert [s.model_dump(mode="json") for s in mine.sources] == [
        {
            "fact": "Hold 30 s, twice.",
            "file": None,
            "url": None,
            "publisher": None,
            "given_by": "My physiotherapist",
        }
    ]
    assert mine.dose.hold_seconds == 30
    assert [s.id for s in own_stretches(me.services.person(me.owner_id))] == ["my-wall-stretch"]


def test_own_stretch_is_found_by_area_and_search(me: PersonContext, tmp_path: Path) -> None:
    add(me, stretch_file(tmp_path))
    found = catalogue(me)
    by_area = found.filter(region=Region.UPPER_BACK)
    assert "my-wall-stretch" in {s.id for s in by_area}
    assert [s.id for s in found.filter(text="wall chest")] == ["my-wall-stretch"]
    assert "my-wall-stretch" in {s.id for s in found.filter(position=Position.STANDING)}


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"id": "wall-stretch"}, "id", "start with 'my-'"),
        ({"id": "cat-cow"}, "id", "start with 'my-'"),
        ({"movements": None}, "movements", "valid array"),
        ({"position": "all_fours"}, "(entry)", "movements must include"),
        ({"variants": {"easier": ["my-nothing"]}}, "variants.easier", "does not exist"),
        ({"variant_of": "no-such-stretch"}, "variant_of", "does not exist"),
        ({"dose": {"hold_seconds": 90, "choice": "long"}}, "dose.hold_seconds", "60"),
        ({"sources": []}, "sources", "at least 1"),
    ],
    ids=[
        "no-prefix",
        "builtin-id",
        "no-movements",
        "kneeling-tags-missing",
        "missing-variant",
        "missing-parent",
        "hold-90s",
        "no-sources",
    ],
)
def test_a_bad_file_is_rejected_and_changes_nothing(
    me: PersonContext,
    tmp_path: Path,
    changes: dict[str, Any],
    field: str,
    problem: str,
) -> None:
    path = stretch_file(tmp_path, **changes)
    with pytest.raises(Invalid) as raised:
        add(me, path)
    message = str(raised.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{path}: {field}: ")
    assert problem in message
    assert raised.value.field == field
    assert stored(me) == {}


@pytest.mark.parametrize(
    "changes",
    [{"variants": {"easier": ["my-nothing"]}}, {"variant_of": "no-such-stretch"}],
    ids=["missing-variant", "missing-parent"],
)
def test_a_broken_link_names_the_file_that_was_given(
    me: PersonContext, tmp_path: Path, changes: dict[str, Any]
) -> None:
    add(me, stretch_file(tmp_path, "other.yaml", id="my-other"))
    path = stretch_file(tmp_path, **changes)
    with pytest.raises(Invalid) as raised:
        add(me, path)
    assert str(raised.value).startswith(f"{path}: "), raised.value
    assert stored_origin("my-other") not in str(raised.value)


def test_missing_movements_key_is_rejected(me: PersonContext, tmp_path: Path) -> None:
    entry = copy.deepcopy(VALID)
    del entry["movements"]
    path = tmp_path / "wall.yaml"
    path.write_text(yaml.safe_dump(entry), encoding="utf-8")
    with pytest.raises(Invalid, match=f"^{path}: movements: Field required"):
        add(me, path)


def test_broken_yaml_is_rejected_and_changes_nothing(me: PersonContext, tmp_path: Path) -> None:
    add(me, stretch_file(tmp_path))
    before = stored(me)
    path = tmp_path / "broken.yaml"
    path.write_text("id: my-wall-stretch\nname: [oops\n", encoding="utf-8")
    with pytest.raises(Invalid) as raised:
        add(me, path, replace=True)
    assert f"{path}: line" in str(raised.value)
    assert "not valid YAML" in str(raised.value)
    assert stored(me) == before


def test_a_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as raised:
        read_stretch_file(tmp_path / "nowhere.yaml")
    assert str(raised.value).startswith("cannot read ")
    assert "nowhere.yaml" in str(raised.value)


def test_a_file_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "photo.yaml"
    path.write_bytes(b"\xff\xd8\xff\xe0 not UTF-8")
    with pytest.raises(Invalid, match=f"^cannot read {path}: "):
        read_stretch_file(path)


def test_a_huge_file_is_refused(me: PersonContext, tmp_path: Path) -> None:
    path = stretch_file(tmp_path, summary="x" * 120_000)
    with pytest.raises(Invalid, match=f"^{path}: larger than 100 kB"):
        read_stretch_file(path)
    # The same text given directly (an upload) is refused by the use case itself.
    text = path.read_text(encoding="utf-8")
    assert len(text.encode()) > MAX_DOCUMENT_BYTES
    with pytest.raises(Invalid, match=r"^upload\.yaml: \(file\): larger than 100 kB"):
        add_own_stretch(me, text, origin="upload.yaml")
    assert stored(me) == {}


def test_replace_is_needed_to_overwrite(me: PersonContext, tmp_path: Path) -> None:
    add(me, stretch_file(tmp_path))
    before = stored(me)
    changed = stretch_file(tmp_path, "wall2.yaml", name="Doorway stretch")

    with pytest.raises(Conflict) as refused:
        add(me, changed)
    assert str(refused.value) == "you already have my-wall-stretch; use --replace to update it"
    assert stored(me) == before

    replaced = add(me, changed, replace=True)
    assert replaced.name == "Doorway stretch"
    assert catalogue(me).get("my-wall-stretch").name == "Doorway stretch"
    assert list(stored(me)) == ["my-wall-stretch"]


def test_own_stretch_may_link_to_builtin_and_own_stretches(
    me: PersonContext, tmp_path: Path
) -> None:
    first = stretch_file(tmp_path, variants={"alternatives": ["standing-side-stretch"]})
    add(me, first)
    second = stretch_file(
        tmp_path, "easy.yaml", id="my-easy-wall", variant_of="my-wall-stretch", name="Easy wall"
    )
    add(me, second)
    linked = {s.id for s in catalogue(me).variants_of("my-wall-stretch")}
    assert linked == {"my-easy-wall", "standing-side-stretch"}


def test_a_new_stretch_is_checked_against_what_is_stored_not_a_stale_context(
    me: PersonContext, clock: FakeNow, tmp_path: Path
) -> None:
    add(me, stretch_file(tmp_path))
    clock.value = FIXED_NOW + timedelta(days=1)
    # `me` was made before the first stretch was added; the use case reads what is stored.
    add(me, stretch_file(tmp_path, "easy.yaml", id="my-easy-wall", variant_of="my-wall-stretch"))
    assert sorted(stored(me)) == ["my-easy-wall", "my-wall-stretch"]


# Removing ------------------------------------------------------------------------------------


def test_remove_an_own_stretch(me: PersonContext, tmp_path: Path) -> None:
    add(me, stretch_file(tmp_path))
    remove_own_stretch(me, "my-wall-stretch")
    assert stored(me) == {}
    with pytest.raises(UnknownStretchError):
        catalogue(me).get("my-wall-stretch")


def test_removing_a_builtin_stretch_is_refused(me: PersonContext) -> None:
    with pytest.raises(Invalid) as raised:
        remove_own_stretch(me, "cat-cow")
    assert str(raised.value) == "cat-cow is built in; only your own (my-…) can be removed"
    assert catalogue(me).get("cat-cow").id == "cat-cow"


@pytest.mark.parametrize("stretch_id", ["my-unknown", "no-such-stretch"])
def test_removing_an_unknown_stretch_is_refused(me: PersonContext, stretch_id: str) -> None:
    with pytest.raises(NotFound) as raised:
        remove_own_stretch(me, stretch_id)
    assert str(raised.value) == f"you have no stretch '{stretch_id}'"


def test_removing_a_linked_stretch_is_refused(me: PersonContext, tmp_path: Path) -> None:
    add(me, stretch_file(tmp_path))
    add(me, stretch_file(tmp_path, "easy.yaml", id="my-easy-wall", variant_of="my-wall-stretch"))
    before = stored(me)
    with pytest.raises(Conflict) as raised:
        remove_own_stretch(me, "my-wall-stretch")
    assert str(raised.value) == "my-wall-stretch is linked from my-easy-wall; remove those first"
    assert stored(me) == before


def test_safety_rules_apply_to_own_stretches(me: PersonContext, tmp_path: Path) -> None:
    path = stretch_file(
        tmp_path,
        position="all_fours",
        movements=["kneeling", "hands_weight", "floor", "spinal_flexion"],
    )
    add(me, path)
    stretch = catalogue(me).get("my-wall-stretch")
    assert Movement.KNEELING in stretch.usual_way.movements
    ruled = restrictions_rule_out(list(Restriction), stretch.usual_way.movements)
    assert set(ruled) == {
        Restriction.OSTEOPOROSIS,
        Restriction.DISC_WITH_LEG_PAIN,
        Restriction.KNEE_PAIN_KNEELING,
        Restriction.WRIST_PAIN,
        Restriction.NO_FLOOR,
        Restriction.POST_SURGERY,
    }
    assert restrictions_rule_out([Restriction.NECK_GENTLE], stretch.usual_way.movements) == ()


# Each person's own ---------------------------------------------------------------------------


def test_each_person_has_their_own_catalogue(services: Services, me: PersonContext) -> None:
    other = second_person(services)
    add_own_stretch(other, document(), origin="wall.yaml")
    assert "my-wall-stretch" not in catalogue(me)
    with pytest.raises(NotFound):
        remove_own_stretch(me, "my-wall-stretch")
    # The same id is free for this person: ids are unique per person.
    add_own_stretch(me, document(name="Mine"), origin="mine.yaml")
    assert catalogue(other).get("my-wall-stretch").name == "Wall chest stretch"
    assert catalogue(me).get("my-wall-stretch").name == "Mine"


def test_catalogues_are_built_once_per_set_of_stretches(
    services: Services, me: PersonContext
) -> None:
    other = second_person(services)
    with me.transaction() as db:
        # No own stretches: the built-in catalogue itself, not a copy.
        assert catalogue_in(db) is builtin_catalogue()
    add_own_stretch(me, document(), origin="wall.yaml")
    with me.transaction() as db:
        first = catalogue_in(db)
        assert catalogue_in(db) is first
    add_own_stretch(other, document(), origin="wall.yaml")
    assert catalogue(other) is first  # the same stretches, the same catalogue
    # Replaced at the very same moment: still a new catalogue, as the text changed.
    add_own_stretch(me, document(name="Changed"), origin="wall.yaml", replace=True)
    changed = catalogue(me)
    assert changed is not first
    assert changed.get("my-wall-stretch").name == "Changed"


def test_an_upload_names_its_own_origin(me: PersonContext) -> None:
    with pytest.raises(Invalid, match=r"^upload\.yaml: id: "):
        add_own_stretch(me, document(id="wall"), origin="upload.yaml")
    assert stored(me) == {}


# The old folder of files ---------------------------------------------------------------------


def old_files(data_dir: Path, **documents: str) -> Path:
    folder = own_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_old_files_are_copied_in_once(
    me: PersonContext, clock: FakeNow, isolated_settings: Path
) -> None:
    folder = old_files(
        isolated_settings,
        # Linked to a stretch whose file comes later in name order: copied all the same.
        **{
            "my-easy-wall": document(id="my-easy-wall", variant_of="my-wall-stretch"),
            "my-wall-stretch": document(),
            "my-broken": "id: my-broken\nname: [oops\n",
        },
    )
    first = copy_old_stretches(me, folder)
    assert first.added == ("my-wall-stretch", "my-easy-wall")
    ((refused, problem),) = first.refused
    assert refused == folder / "my-broken.yaml"
    assert problem.startswith(f"{refused}: line ")
    assert sorted(stored(me)) == ["my-easy-wall", "my-wall-stretch"]
    assert {"my-easy-wall", "my-wall-stretch"} <= {s.id for s in catalogue(me)}
    # The files stay; the marker lists what was handled, the broken file included.
    assert sorted(p.name for p in folder.glob("*.yaml")) == [
        "my-broken.yaml",
        "my-easy-wall.yaml",
        "my-wall-stretch.yaml",
    ]
    assert sorted((folder / LEGACY_MARKER).read_text(encoding="utf-8").split()) == [
        "my-broken.yaml",
        "my-easy-wall.yaml",
        "my-wall-stretch.yaml",
    ]
    again = copy_old_stretches(me, folder)
    assert (again.added, again.refused) == ((), ())
    # Removed from the database: not copied back from the old file.
    remove_own_stretch(me, "my-easy-wall")
    remove_own_stretch(me, "my-wall-stretch")
    assert copy_old_stretches(me, folder).added == ()
    assert stored(me) == {}
    # A file put into the old folder later is copied at the next use.
    (folder / "my-door.yaml").write_text(document(id="my-door"), encoding="utf-8")
    clock.value = FIXED_NOW + timedelta(days=1)
    assert copy_old_stretches(me, folder).added == ("my-door",)
    assert sorted(stored(me)) == ["my-door"]


def test_no_old_folder_copies_nothing(me: PersonContext, tmp_path: Path) -> None:
    assert copy_old_stretches(me, None).added == ()
    nothing = copy_old_stretches(me, tmp_path / "not-there")
    assert (nothing.added, nothing.refused) == ((), ())
    assert not (tmp_path / "not-there").exists()


def test_a_stretch_in_the_database_wins_over_its_old_file(
    me: PersonContext, clock: FakeNow, isolated_settings: Path
) -> None:
    add_own_stretch(me, document(name="New"), origin="new.yaml")
    folder = old_files(isolated_settings, **{"my-wall-stretch": document(name="Old")})
    clock.value = FIXED_NOW + timedelta(days=1)
    copied = copy_old_stretches(me, folder)
    assert (copied.added, copied.refused) == ((), ())
    assert catalogue(me).get("my-wall-stretch").name == "New"


def test_the_web_app_copies_the_old_files_for_the_local_person(
    me: PersonContext, isolated_settings: Path
) -> None:
    from fastapi.testclient import TestClient

    from backstretch.web.app import create_app

    old_files(isolated_settings, **{"my-wall-stretch": document()})
    with TestClient(create_app(get_settings())) as client:
        page = client.get("/stretches/my-wall-stretch")
    assert page.status_code == 200
    assert list(stored(me)) == ["my-wall-stretch"]
