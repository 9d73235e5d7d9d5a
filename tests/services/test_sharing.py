"""Routines from a therapist as use cases: build, share by link or file, open, receive, revoke;
a received routine passes the receiver's own restrictions each time it is planned."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from backstretch.core.catalogue import CatalogueError
from backstretch.core.routine import parse_routine
from backstretch.data.own import personal_catalogue
from backstretch.services.accounts import register_account
from backstretch.services.context import PersonContext, Services
from backstretch.services.errors import Conflict, Invalid, NotFound
from backstretch.services.own_stretches import add_own_stretch, own_stretches
from backstretch.services.planning import PlanChoice, plan_today
from backstretch.services.routines import saved_routines
from backstretch.services.screening import record_screening
from backstretch.services.sessions import log_session
from backstretch.services.sharing import (
    MAX_ITEMS,
    build_routine,
    my_shares,
    open_share,
    receive_file,
    receive_share,
    revoke_share,
    routine_file,
    share_routine,
    shared_file,
)
from tests.factories import all_no_answers, own_stretch_document
from tests.web.conftest import PASSWORD

# A kneeling stretch of the sender's own, on the floor: ruled out for knees that dislike kneeling.
KNEELING = own_stretch_document(
    "my-rocking-kneel",
    name="Rocking kneel",
    summary="Rock back gently from kneeling.",
    position="kneeling",
    movements=["kneeling", "floor"],
    variants={"easier": ["my-easy-rock"]},
)
EASIER = own_stretch_document(
    "my-easy-rock", name="Easy rock", summary="A smaller rock, standing at a table."
)
ITEMS = [
    {"stretch": "cat-cow", "way": "floor", "reps": 12, "sets": 1, "note": "keep it slow"},
    {"stretch": "knee-to-chest", "hold_seconds": 20, "reps": 2, "sets": 1},
    {"stretch": "my-rocking-kneel", "hold_seconds": 25, "note": "  keep the knee   soft "},
]


def account(services: Services, name: str) -> PersonContext:
    made, _token = register_account(services, username=name, password=PASSWORD)
    return services.person(made.id)


def again(person: PersonContext) -> PersonContext:
    """Return the person's context as it is now (a context keeps the catalogue it was made with)."""
    return person.services.person(person.owner_id)


@pytest.fixture
def therapist(services: Services) -> PersonContext:
    """A person with their own stretches, a screening, a session with pain and a routine built."""
    person = account(services, "kestrelsender")
    add_own_stretch(person, yaml.safe_dump(EASIER), origin="easy.yaml")
    add_own_stretch(person, yaml.safe_dump(KNEELING), origin="kneel.yaml")
    person = again(person)
    record_screening(person, all_no_answers(wrist_pain=True))
    log_session(
        person,
        PlanChoice(flags={"areas": ["lower_back"], "minutes": 5}),
        uuid="0b7f3c1e-7a55-4a4e-9d43-5d2b8e8f0a11",
        pain_before=7,
        pain_after=3,
    )
    build_routine(person, name="Kestrel evening", items=ITEMS)
    return person


@pytest.fixture
def receiver(services: Services) -> PersonContext:
    person = account(services, "heronreceiver")
    record_screening(person, all_no_answers())
    return person


def saved_id(person: PersonContext, name: str) -> int:
    return next(r.id for r in saved_routines(person) if r.name == name)


# Building ----------------------------------------------------------------------------------------


def test_a_built_routine_is_saved_with_its_ways_doses_and_notes(therapist: PersonContext) -> None:
    (routine,) = [r for r in saved_routines(therapist) if r.name == "Kestrel evening"]
    assert routine.document == {
        "name": "Kestrel evening",
        "items": [
            {"stretch": "cat-cow", "way": "floor", "reps": 12, "sets": 1, "note": "keep it slow"},
            {"stretch": "knee-to-chest", "hold_seconds": 20, "reps": 2, "sets": 1},
            {
                "stretch": "my-rocking-kneel",
                "hold_seconds": 25,
                "reps": 2,
                "sets": 1,
                "note": "keep the knee soft",
            },
        ],
    }
    # It is a routine like any other: planned by name.
    planned = plan_today(therapist, PlanChoice(routine="Kestrel evening"))
    assert "knee-to-chest" in [p.item.stretch.id for p in planned.plan.items]


@pytest.mark.parametrize(
    ("item", "said"),
    [
        ({"stretch": "knee-to-chest", "hold_seconds": 45}, "Knee-to-chest (hold): choose 15-30 s"),
        ({"stretch": "cat-cow", "reps": 25}, "(repetitions): choose 10-20 reps, not 25"),
        ({"stretch": "cat-cow", "reps": 5}, "choose 10-20 reps, not 5"),
        ({"stretch": "cat-cow", "sets": 4}, "(sets):"),
        ({"stretch": "cat-cow", "way": "bed"}, "(way): cat-cow is done"),
        ({"stretch": "cat-cow", "note": "x" * 201}, "(note): a note has at most 200"),
        ({"stretch": "cat-cow", "note": "soft\x00knee"}, "(note): a note cannot hold control"),
        ({"stretch": "cat-cow", "hold_seconds": 30}, "done in reps, not held"),
        ({"stretch": "no-such-stretch"}, "no stretch with id 'no-such-stretch'"),
    ],
)
def test_the_builder_refuses_what_is_out_of_range_and_saves_nothing(
    me: PersonContext, item: dict[str, Any], said: str
) -> None:
    with pytest.raises(Invalid) as refused:
        build_routine(me, name="Out of range", items=[{"stretch": "chin-tuck"}, item])
    assert said in str(refused.value)
    assert saved_routines(me) == []


def test_the_builder_wants_a_name_a_stretch_and_a_free_name(me: PersonContext) -> None:
    with pytest.raises(Invalid, match="name"):
        build_routine(me, name="  ", items=[{"stretch": "chin-tuck"}])
    with pytest.raises(Invalid, match="at least one stretch"):
        build_routine(me, name="Empty", items=[])
    with pytest.raises(Invalid, match=f"at most {MAX_ITEMS}"):
        build_routine(me, name="Long", items=[{"stretch": "chin-tuck"}] * (MAX_ITEMS + 1))
    build_routine(me, name="Desk", items=[{"stretch": "chin-tuck"}])
    with pytest.raises(Conflict, match="already have a routine called 'Desk'"):
        build_routine(me, name="Desk", items=[{"stretch": "shoulder-rolls"}])


# Sharing and opening -----------------------------------------------------------------------------


def test_a_shared_link_opens_the_routine_as_written_with_nothing_personal(
    services: Services, therapist: PersonContext
) -> None:
    share = share_routine(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    assert len(share.token) == 32

    shared = open_share(services, share.token)
    assert shared.name == "Kestrel evening"
    assert [(i.stretch.id, i.way.place.value, i.note) for i in shared.items] == [
        ("cat-cow", "floor", "keep it slow"),
        ("knee-to-chest", "floor", ""),
        ("my-rocking-kneel", "floor", "keep the knee soft"),
    ]
    assert [(i.dose.reps, i.dose.hold_seconds) for i in shared.items] == [
        (12, None),
        (2, 20),
        (2, 25),
    ]
    assert shared.seconds > 0
    # Only the routine: its name, its items, and the own stretches it uses (with the one its
    # stretch links to), never the sender's account, screening, sessions or pain.
    assert set(shared.document) == {"name", "items", "stretches"}
    assert [s["id"] for s in shared.document["stretches"]] == ["my-rocking-kneel", "my-easy-rock"]
    text = json.dumps(shared.document)
    for personal in (
        "kestrelsender",
        "wrist_pain",
        "pain_before",
        "pain_after",
        "0b7f3c1e",
        "owner",
        "account",
        "restrictions",
        "answers",
        "verdict",
    ):
        assert personal not in text
    known = {"stretch", "way", "hold_seconds", "reps", "sets", "note"}
    assert all(set(item) <= known for item in shared.document["items"])


def test_the_file_is_a_routine_file_the_routine_reader_accepts(
    services: Services, therapist: PersonContext
) -> None:
    made = routine_file(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    assert made.filename == "routine-kestrel-evening.yaml"
    document = yaml.safe_load(made.text)
    # The reader of routine files, with the stretches the file brings in the catalogue.
    catalogue = personal_catalogue([(s["id"], yaml.safe_dump(s)) for s in document["stretches"]])
    name, requests = parse_routine(document, catalogue, origin="routine.yaml")
    assert name == "Kestrel evening"
    assert [r.stretch_id for r in requests] == ["cat-cow", "knee-to-chest", "my-rocking-kneel"]
    # The same file as the link offers.
    share = share_routine(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    assert shared_file(services, share.token).text == made.text


def test_a_revoked_or_guessed_link_is_not_found(
    services: Services, therapist: PersonContext
) -> None:
    share = share_routine(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    kept = share_routine(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    assert share.token != kept.token
    assert [s.id for s in my_shares(therapist)] == [kept.id, share.id]
    revoke_share(therapist, share_id=share.id)
    for token in (share.token, "A" * 32, "short", share.token[:-1] + "/"):
        with pytest.raises(NotFound, match="no routine is shared at this link"):
            open_share(services, token)
    assert open_share(services, kept.token).name == "Kestrel evening"
    assert [s.id for s in my_shares(therapist)] == [kept.id]


def test_nobody_else_lists_revokes_or_shares_anothers_routine(
    services: Services, therapist: PersonContext, receiver: PersonContext
) -> None:
    share = share_routine(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    assert my_shares(receiver) == []
    with pytest.raises(NotFound):
        revoke_share(receiver, share_id=share.id)
    with pytest.raises(NotFound):
        share_routine(receiver, routine_id=saved_id(therapist, "Kestrel evening"))
    with pytest.raises(NotFound):
        routine_file(receiver, routine_id=saved_id(therapist, "Kestrel evening"))
    assert open_share(services, share.token).name == "Kestrel evening"


# Receiving ---------------------------------------------------------------------------------------


def test_the_receiver_adds_it_and_plans_it(
    therapist: PersonContext, receiver: PersonContext
) -> None:
    share = share_routine(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    received = receive_share(receiver, share.token)
    assert received.routine.name == "Kestrel evening"
    assert received.added_stretches == ("my-rocking-kneel", "my-easy-rock")
    receiver = again(receiver)
    assert [s.id for s in own_stretches(receiver)] == ["my-easy-rock", "my-rocking-kneel"]
    assert received.routine.document["items"][2]["note"] == "keep the knee soft"

    planned = plan_today(receiver, PlanChoice(routine="Kestrel evening"))
    assert {p.item.stretch.id for p in planned.plan.items} == {
        "cat-cow",
        "knee-to-chest",
        "my-rocking-kneel",
    }
    # Added twice: the second time under another name, the stretches being the same.
    with pytest.raises(Conflict, match="add this one under another name"):
        receive_share(receiver, share.token)
    second = receive_share(receiver, share.token, name="Kestrel again")
    assert second.added_stretches == ()


def test_the_receivers_restrictions_apply_every_time_it_is_planned(
    therapist: PersonContext, receiver: PersonContext
) -> None:
    share = share_routine(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    receive_share(receiver, share.token)
    receiver = again(receiver)
    before = plan_today(receiver, PlanChoice(routine="Kestrel evening"))
    assert "my-rocking-kneel" in [p.item.stretch.id for p in before.plan.items]

    # Later the receiver says kneeling hurts their knees: the same saved routine now swaps or
    # leaves out every kneeling stretch, and says so.
    record_screening(receiver, all_no_answers(knee_pain_kneeling=True))
    after = plan_today(receiver, PlanChoice(routine="Kestrel evening")).plan
    planned = {p.item.stretch.id for p in after.items}
    assert not {"cat-cow", "my-rocking-kneel"} & planned
    assert all("kneeling" not in p.item.way.movements for p in after.items)
    told = {s.from_id for s in after.swaps} | {e.stretch for e in after.excluded}
    assert {"cat-cow", "my-rocking-kneel"} <= told
    swapped = {s.from_id: s.to_id for s in after.swaps}
    # The own stretch's easier variant is standing: it takes its place.
    assert swapped["my-rocking-kneel"] == "my-easy-rock"
    # The sender's screening (wrist) is not the receiver's: nothing of it travels.
    assert "wrist_pain" not in [
        r.value
        for r in plan_today(receiver, PlanChoice(routine="Kestrel evening")).outcome.restrictions
    ]


def shared_text(therapist: PersonContext) -> dict[str, Any]:
    made = routine_file(therapist, routine_id=saved_id(therapist, "Kestrel evening"))
    document: dict[str, Any] = yaml.safe_load(made.text)
    return document


def as_file(document: Any) -> bytes:
    return yaml.safe_dump(document).encode()


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            lambda d: d["stretches"][0].update(id="cat-cow"),
            "stretches.0: id: a stretch a routine brings along has an id starting with 'my-'",
        ),
        (
            lambda d: d["stretches"][0]["dose"].update(hold_seconds=600),
            "stretches.0: dose.hold_seconds",
        ),
        (
            # A kneeling way that hides its kneeling tag: the same check as an upload refuses it.
            lambda d: d["stretches"][0].update(movements=["floor"]),
            "movements must include kneeling",
        ),
        (
            lambda d: d["stretches"][0].update(summary="<script>alert(1)</script>" * 40),
            "stretches.0: summary",
        ),
        (lambda d: d["stretches"].pop(), "does not exist"),  # a variant pointing nowhere
        (
            lambda d: d["stretches"].append(copy.deepcopy(d["stretches"][0])),
            "'my-rocking-kneel' comes twice",
        ),
        (lambda d: d["stretches"].__setitem__(0, "rm -rf /"), "stretches.0: (file): expected a"),
        (lambda d: d.update(stretches="my-rocking-kneel"), "stretches: expected a list"),
        (lambda d: d.update(owner="Kestrel"), "owner: unknown field"),
        (lambda d: d["items"][0].update(reps=400), "items.0.reps"),
        (lambda d: d["items"][0].update(note="a\nb" + "c" * 300), "items.0.note"),
        (
            # An own stretch the routine does not bring is not taken from the receiver's own.
            lambda d: d.update(stretches=[]),
            "no stretch with id 'my-rocking-kneel'",
        ),
    ],
)
def test_a_bad_or_malicious_file_is_refused_and_nothing_is_stored(
    therapist: PersonContext, receiver: PersonContext, change: Any, said: str
) -> None:
    document = shared_text(therapist)
    change(document)
    with pytest.raises(Invalid) as refused:
        receive_file(receiver, as_file(document), origin="from-physio.yaml")
    assert said in str(refused.value)
    assert str(refused.value).startswith("from-physio.yaml")
    assert saved_routines(receiver) == []
    assert own_stretches(again(receiver)) == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\xff\xfe not text", "not a text file"),
        (b"name: [unclosed\n", "not valid YAML"),
        (b"- just\n- a list\n", "expected a routine"),
        (b"x" * 1_000_001, "larger than 1000 kB"),
        (b"[" * 50_000 + b"]" * 50_000, "nest"),
    ],
)
def test_a_file_that_is_no_routine_is_refused(
    receiver: PersonContext, content: bytes, said: str
) -> None:
    with pytest.raises(Invalid) as refused:
        receive_file(receiver, content, origin="from-physio.yaml")
    assert str(refused.value).startswith("from-physio.yaml: ")
    assert said in str(refused.value)


def test_a_different_stretch_of_the_same_id_is_a_clear_conflict(
    therapist: PersonContext, receiver: PersonContext
) -> None:
    mine = own_stretch_document("my-easy-rock", name="My very own easy rock")
    add_own_stretch(receiver, yaml.safe_dump(mine), origin="mine.yaml")
    with pytest.raises(Conflict) as clash:
        receive_file(receiver, as_file(shared_text(therapist)), origin="from-physio.yaml")
    assert "brings its own stretch 'my-easy-rock'" in str(clash.value)
    assert "remove or rename your 'my-easy-rock'" in str(clash.value)
    assert saved_routines(receiver) == []
    assert [s.name for s in own_stretches(again(receiver))] == ["My very own easy rock"]


def test_a_shared_file_plans_straight_from_the_file_within_the_receivers_rules(
    therapist: PersonContext, receiver: PersonContext
) -> None:
    record_screening(receiver, all_no_answers(knee_pain_kneeling=True))
    document = shared_text(therapist)
    planned = plan_today(receiver, PlanChoice(routine_file=document, routine_origin="f.yaml"))
    ids = [p.item.stretch.id for p in planned.plan.items]
    assert "my-rocking-kneel" not in ids and "my-easy-rock" in ids
    assert planned.name == "Kestrel evening"
    # Nothing was stored by planning from the file.
    assert own_stretches(again(receiver)) == []


def test_sharing_a_routine_whose_own_stretch_is_gone_says_so(me: PersonContext) -> None:
    add_own_stretch(me, yaml.safe_dump(EASIER), origin="easy.yaml")
    me = again(me)
    build_routine(me, name="Gone", items=[{"stretch": "my-easy-rock"}])
    from backstretch.services.own_stretches import remove_own_stretch

    remove_own_stretch(me, "my-easy-rock")
    me = again(me)
    with pytest.raises(Invalid, match="cannot share it"):
        share_routine(me, routine_id=saved_id(me, "Gone"))


def test_old_routine_documents_stay_readable(me: PersonContext) -> None:
    # A routine saved before notes (or with the top-level notes routine files allowed).
    with pytest.raises(CatalogueError):
        parse_routine({"items": [{"stretch": "cat-cow", "tip": "x"}]}, me.catalogue, origin="o")
    name, requests = parse_routine(
        {"name": "Old", "items": [{"stretch": "cat-cow", "reps": 10}], "notes": "from before"},
        me.catalogue,
        origin="o",
    )
    assert (name, [r.stretch_id for r in requests]) == ("Old", ["cat-cow"])
