"""Two people on one deployment: neither sees nor touches the other's data, on any route.

Ana makes data of every kind through the app itself; Bob then tries every route of the app
(`ATTACKS`, one entry per route: a route added without an entry fails
`test_every_route_has_an_isolation_check`) with Ana's identifiers, guessed ones and plausible
bodies. No answer to Bob may carry Ana's markers, Bob's writes change only Bob's rows, and
Ana's data is byte for byte what it was. Nobody logged in reaches only the public routes.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.routing import Mount

from backstretch.data import screening_guide
from backstretch.db.tables import Base
from backstretch.web.auth import LOGIN_COOKIE
from tests.factories import all_no_answers, own_stretch_document
from tests.push_endpoint import Device
from tests.render.reading import pdf_text
from tests.web.conftest import PASSWORD, browser_like, register, services_of

# Ana's markers: distinctive values that must never reach Bob (plain words, so that HTML
# escaping cannot hide them from the search).
SESSION_ROUTINE = "Ana kingfisher routine"
SAVED_ROUTINE = "Ana heron routine"
OWN_STRETCH = "my-ana-heron-stretch"
OWN_STRETCH_NAME = "Ana heron stretch"
OWN_STRETCH_SUMMARY = "A heron pose from the physio of Ana"
# Ana's ids, and a near miss: an unknown id is answered with the closest ids, never with hers.
ANAS_STRETCH_IDS = (OWN_STRETCH, "my-ana-heron")
ACTIVITY = "Ana kayaking to the lighthouse"
ZONE = "Pacific/Chatham"
PROFILE = {"areas": ["lower_back", "neck_shoulders"], "minutes": 10, "setting": "chair"}
STARTED = "2026-11-02T08:31:00+00:00"
BOB_STRETCH = "my-bob-crane-stretch"
BOB_PROFILE = {"areas": ["lower_back"], "minutes": 5, "setting": "chair"}
# Ana's reminders, in her zone (the test's clock is Monday 2 November, 22:15 in Chatham): a
# session time nobody else has, desk breaks every 50 minutes from 09:00, today's 16:30 break
# skipped and tomorrow's 10:40 one snoozed; her phone gets notifications.
ANA_SESSION_AT = "05:17"
ANA_REMINDERS = {
    "slot0_days": ["mon", "wed", "sat"],
    "slot0_at": ANA_SESSION_AT,
    "slot0_preset": "morning",
    "weekly_target": "4",
    "quiet_on": "1",
    "quiet_start": "23:00",
    "quiet_end": "05:00",
    "breaks_on": "1",
    "break_days": ["mon", "tue", "wed", "thu", "fri"],
    "break_start": "09:00",
    "break_end": "17:00",
    "break_every": "50",
}
SKIPPED_BREAK = "desk_break:2026-11-02T16:30"
SNOOZED_BREAK = "desk_break:2026-11-03T10:40"
PUSH_SERVICE = "https://fcm.googleapis.com/fcm/send/"
ANA_DEVICE = "ana-osprey-phone-7c1f"
ANA_BROWSER = "Ana osprey browser"
# Bob's, far from the clock's time in his zone, so that the app's scheduler finds nothing due.
BOB_SESSION_AT = "19:05"
BOB_DEVICE = "bob-wren-laptop-93ad"


@dataclass
class Ana:
    """Ana, logged in, with data of every kind, and what identifies it."""

    client: TestClient
    account_id: int
    account_key: str
    session_uuid: str
    session_body: dict[str, Any]
    stopped_uuid: str
    stopped_body: dict[str, Any]
    export: dict[str, Any]
    routine_ids: list[int]
    subscription: dict[str, Any]

    @property
    def markers(self) -> list[str]:
        """Return what must never appear in an answer to anybody else."""
        return [
            SESSION_ROUTINE,
            SAVED_ROUTINE,
            OWN_STRETCH,
            OWN_STRETCH_NAME,
            OWN_STRETCH_SUMMARY,
            ACTIVITY,
            ZONE,
            self.session_uuid,
            self.stopped_uuid,
            self.account_key,
            ANA_SESSION_AT,
            ANA_DEVICE,
            ANA_BROWSER,
            self.subscription["keys"]["p256dh"],
            self.subscription["keys"]["auth"],
        ]

    @property
    def endpoint(self) -> str:
        return str(self.subscription["endpoint"])


# What the app serves ------------------------------------------------------------------------


def flat_routes(routes: Any) -> Iterator[Any]:
    """Yield every route, those of included routers too (newer FastAPI includes them lazily)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        else:
            yield route


def served(app: Any) -> set[tuple[str, str]]:
    """Return (method, path) of every route of `app` ("MOUNT" for a mounted app)."""
    found = set()
    for route in flat_routes(app.routes):
        if isinstance(route, Mount):
            found.add(("MOUNT", route.path))
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":  # answered by the GET route
                found.add((method, route.path))
    return found


# Ana's data -----------------------------------------------------------------------------------


def session_body(plan: dict[str, Any], **changes: Any) -> dict[str, Any]:
    items = [
        {k: item[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}
        for item in plan["items"]
    ]
    return {"routine_name": SESSION_ROUTINE, "items": items, "started_at": STARTED, **changes}


def upload(document: Any, name: str = "export.json") -> dict[str, Any]:
    return {"file": (name, json.dumps(document).encode(), "application/json")}


def empty_export(client: TestClient) -> dict[str, Any]:
    document = client.get("/api/export").json()
    assert all(rows == [] for rows in document["tables"].values())
    return document


def snapshot(client: TestClient) -> dict[str, Any]:
    """Return everything a person can read of their own data, to compare before and after."""
    export = client.get("/api/export").json()
    del export["exported_at"]
    return {
        "export": export,
        "zip": client.get("/data/export.zip").content,
        "history": client.get("/api/history").json(),
        "history_page": client.get("/history").text,
        "session_pages": [
            client.get(f"/history/{s['uuid']}").text for s in export["tables"]["sessions"]
        ],
        # Not in an export: the reminders, what became of them, and the devices.
        "reminders_page": client.get("/reminders").text,
        "calendar": client.get("/reminders/calendar.ics").content,
        "break_pages": [client.get(f"/break?key={k}").text for k in (SKIPPED_BREAK, SNOOZED_BREAK)],
    }


def make_ana(app: Any) -> Ana:
    """Register Ana and give her data of every kind, made through the app's own routes."""
    ana = register(app, "ana")
    # An import first (it needs an empty account): a check-in, which no route makes.
    document = empty_export(ana)
    document["tables"]["checkins"] = [
        {
            "id": 1,
            "at": "2026-10-30T18:00:00+00:00",
            "timezone": ZONE,
            "activities": [{"name": ACTIVITY, "score": 4}],
        }
    ]
    imported = ana.post("/data/import", files=upload(document))
    assert imported.status_code == 200, imported.text
    # A screening a clinician has to look at, then their clearance.
    screened = ana.post("/api/screen", json=all_no_answers(night_pain=True))
    assert screened.json()["verdict"] == "see_clinician", screened.text
    cleared = ana.post(
        "/screen/clear", data={"ids": ["night_pain"], "confirm": "yes"}, follow_redirects=False
    )
    assert cleared.status_code == 303, cleared.text
    # The profile with its lists, and the settings.
    profile = ana.post(
        "/profile",
        data={"areas": PROFILE["areas"], "minutes": "10", "setting": "chair"},
        follow_redirects=False,
    )
    assert profile.status_code == 303, profile.text
    plan = ana.post("/api/plan", json={"profile": PROFILE})
    assert plan.status_code == 200, plan.text
    planned = [item["stretch"] for item in plan.json()["items"]]
    for route, stretch in (("/profile/favourite", planned[0]), ("/profile/avoid", planned[-1])):
        listed = ana.post(route, data={"stretch": stretch}, follow_redirects=False)
        assert listed.status_code == 303, listed.text
    settings = ana.post(
        "/settings",
        data={"lead_in_seconds": "7", "emergency_region": "nz", "timezone": ZONE, "voice": "on"},
        follow_redirects=False,
    )
    assert settings.status_code == 303, settings.text
    add_own_stretch(ana, OWN_STRETCH, OWN_STRETCH_NAME, OWN_STRETCH_SUMMARY)
    subscription = add_reminders(ana)
    # A session played to the end, then one stopped by numbness (a safety block).
    plan = ana.post("/api/plan", json={"profile": PROFILE})
    assert plan.status_code == 200, plan.text
    done = [{"position": 0, "done_seconds": 20, "done_reps": 1}]
    body = session_body(plan.json(), pain_before=6, pain_after=3, status="completed", done=done)
    first = str(uuid.uuid4())
    assert ana.put(f"/api/sessions/{first}", json=body).status_code == 200
    saved = ana.post(
        "/routines",
        data={"name": SAVED_ROUTINE, "items": ",".join(planned[:2])},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    stopped = session_body(
        plan.json(),
        started_at="2026-11-02T08:45:00+00:00",
        status="stopped",
        stop_signal="numbness_tingling",
        stopped_stretch=plan.json()["items"][0]["stretch"],
    )
    second = str(uuid.uuid4())
    assert ana.put(f"/api/sessions/{second}", json=stopped).status_code == 200
    key = ana.get("/offline/account").json()["account"]
    assert key
    owner = account_id(app, "ana")
    return Ana(
        client=ana,
        account_id=owner,
        account_key=key,
        session_uuid=first,
        session_body=body,
        stopped_uuid=second,
        stopped_body=stopped,
        export=ana.get("/api/export").json(),
        routine_ids=routine_ids(app, owner),
        subscription=subscription,
    )


def add_reminders(client: TestClient) -> dict[str, Any]:
    """Set Ana's reminders in the page's form, skip one desk break and snooze another from the
    break page's forms, and turn notifications on for her phone as the page's script does;
    return the phone's subscription."""
    saved = client.post("/reminders", data=ANA_REMINDERS, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    for key, action, fields in (
        (SKIPPED_BREAK, "/break/skip", {}),
        (SNOOZED_BREAK, "/break/snooze", {"minutes": "10"}),
    ):
        page = client.get("/break", params={"key": key})
        assert page.status_code == 200 and f'action="{action}"' in page.text, page.text
        done = client.post(action, data={"key": key, **fields}, follow_redirects=False)
        assert done.status_code == 303, done.text
    subscription = Device.make(PUSH_SERVICE + ANA_DEVICE).subscription()
    made = client.post(
        "/api/push/subscriptions", json=subscription, headers={"user-agent": ANA_BROWSER}
    )
    assert made.status_code == 201, made.text
    return subscription


def add_own_stretch(client: TestClient, stretch_id: str, name: str, summary: str) -> None:
    """Add an own stretch through the web form, as its YAML file."""
    document = yaml.safe_dump(own_stretch_document(stretch_id, name=name, summary=summary))
    added = client.post(
        "/stretches/own",
        files={"file": (f"{stretch_id}.yaml", document.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text


def routine_ids(app: Any, owner: int) -> list[int]:
    with services_of(app).store.engine.connect() as connection:
        found = connection.execute(
            text("SELECT id FROM routines WHERE owner_id = :owner ORDER BY id"), {"owner": owner}
        )
        return [int(row[0]) for row in found]


def account_id(app: Any, name: str) -> int:
    with services_of(app).store.engine.connect() as connection:
        found = connection.execute(
            text("SELECT id FROM accounts WHERE username = :name"), {"name": name}
        ).scalar_one()
    return int(found)


def owned_tables() -> list[str]:
    """Return every table whose rows belong to a person."""
    return sorted(name for name, table in Base.metadata.tables.items() if "owner_id" in table.c)


def rows_by_owner(app: Any) -> dict[str, dict[int, int]]:
    """Count the rows of every owned table per owner, straight from the database (raw SQL, so
    no owner filter of the app's sessions can hide a row)."""
    counts: dict[str, dict[int, int]] = {}
    with services_of(app).store.engine.connect() as connection:
        for table in owned_tables():
            result = connection.execute(
                text(f"SELECT owner_id, COUNT(*) FROM {table} GROUP BY owner_id")
            )
            counts[table] = {int(owner): int(count) for owner, count in result}
    return counts


def rows_of(app: Any, owner: int) -> dict[str, int]:
    return {table: owners.get(owner, 0) for table, owners in rows_by_owner(app).items()}


def contents_of(app: Any, owner: int) -> dict[str, list[str]]:
    """Return every row of one owner in every owned table, straight from the database: what no
    page shows in full (a delivery's state, a device's keys) must not change either."""
    found = {}
    with services_of(app).store.engine.connect() as connection:
        for table in owned_tables():
            result = connection.execute(
                text(f"SELECT * FROM {table} WHERE owner_id = :owner"), {"owner": owner}
            )
            found[table] = sorted(repr(tuple(row)) for row in result)
    return found


@pytest.fixture
def ana(accounts_app: Any) -> Ana:
    return make_ana(accounts_app)


@pytest.fixture
def bob(accounts_app: Any, ana: Ana) -> TestClient:
    del ana  # Ana's data is made first
    return register(accounts_app, "bob")


def test_ana_has_data_of_every_kind(accounts_app: Any, ana: Ana) -> None:
    """Every owned table holds some of Ana's rows, so every kind of data is checked below (a
    table added later without a way to fill it here fails this test)."""
    mine = rows_of(accounts_app, ana.account_id)
    assert [table for table, count in mine.items() if count == 0] == []


# How each route is attacked -------------------------------------------------------------------


class Access(StrEnum):
    """Who may use a route on a server with accounts."""

    PUBLIC = "public"  # anybody, logged in or not
    PERSONAL = "personal"  # a logged-in person, on their own data only


@dataclass(frozen=True)
class Probe:
    """One request Bob sends; `expect` lists the statuses allowed (None: any below 500). Bob's
    answer must say everything in `says` (it is his own data) and nothing in `never`."""

    method: str
    url: str
    data: dict[str, Any] | None = None
    json: Any = None
    files: dict[str, Any] | None = None
    expect: frozenset[int] | None = None
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()

    def send(self, client: TestClient) -> Any:
        return client.request(
            self.method,
            self.url,
            data=self.data,
            json=self.json,
            files=self.files,
            follow_redirects=False,
        )

    def sent(self) -> str:
        """Return what the request carried, so an echo of it is not taken for a leak."""
        parts = [self.url, repr(self.data), json.dumps(self.json)]
        for segment in self.url.split("/"):  # the app names a uuid in its usual form
            with contextlib.suppress(ValueError):
                parts.append(str(uuid.UUID(segment)))
        for value in (self.files or {}).values():
            parts.append(value[1].decode() if isinstance(value[1], bytes) else str(value[1]))
        return " ".join(parts).lower()


def get(url: str, *expect: int, **more: Any) -> Probe:
    return Probe("GET", url, expect=frozenset(expect) or None, **more)


def post(url: str, data: dict[str, Any] | None = None, *expect: int, **more: Any) -> Probe:
    return Probe("POST", url, data=data, expect=frozenset(expect) or None, **more)


@dataclass(frozen=True)
class Attack:
    """How a route is tried: who may use it, and Bob's requests given Ana's data."""

    access: Access
    probes: Callable[[Ana], list[Probe]]
    # Run after every other route (it ends Bob's login or empties his data).
    last: bool = False


def uuid_variants(value: str) -> list[str]:
    """Return Ana's uuid as written, in capitals, without hyphens and as a URN."""
    return [value, value.upper(), value.replace("-", ""), f"urn:uuid:{value}"]


def bob_screening_form() -> dict[str, str]:
    return {question.id: "no" for question in screening_guide().questions}


def public(*paths: str) -> Attack:
    return Attack(Access.PUBLIC, lambda _ana: [get(path) for path in paths])


def stretch_file(stretch_id: str, name: str) -> dict[str, Any]:
    """Return an own stretch's YAML file, as the form uploads it."""
    document = own_stretch_document(stretch_id, name=name, summary=f"{name}, for Bob.")
    return {"file": (f"{stretch_id}.yaml", yaml.safe_dump(document).encode(), "application/yaml")}


def guessed_ids() -> range:
    return range(1, 21)


def guessed_tokens() -> list[str]:
    """Return links nobody made: of the right shape, and not."""
    return ["A" * 32, "0" * 31 + "-", "ana", "%2e%2e"]


BOB_REMINDERS = {"slot0_days": ["tue", "thu"], "slot0_at": BOB_SESSION_AT, "weekly_target": "2"}


def push_call(method: str, body: dict[str, Any], *expect: int) -> Probe:
    """Return a call of the push API as the reminders page's script makes it (JSON)."""
    return Probe(method, "/api/push/subscriptions", json=body, expect=frozenset(expect))


def routine_file(stretch_id: str) -> dict[str, Any]:
    """Return a routine file naming one stretch, as the form uploads it."""
    document = {"name": f"Bob received {stretch_id}", "items": [{"stretch": stretch_id}]}
    return {"file": ("routine.yaml", yaml.safe_dump(document).encode(), "application/yaml")}


ATTACKS: dict[tuple[str, str], Attack] = {
    # The API -----------------------------------------------------------------------------------
    ("GET", "/api/health"): public("/api/health"),
    ("GET", "/api/stretches"): Attack(
        Access.PUBLIC,
        lambda _a: [
            get("/api/stretches", 200),
            get("/api/stretches?search=heron", 200),
            get("/api/stretches?search=ana", 200),
        ],
    ),
    ("GET", "/api/stretches/{stretch_id}"): Attack(
        Access.PUBLIC,
        lambda _a: [
            *(get(f"/api/stretches/{s}", 404) for s in ANAS_STRETCH_IDS),
            get("/api/stretches/cat-cow", 200),
        ],
    ),
    ("POST", "/api/screen"): Attack(
        Access.PERSONAL, lambda _a: [Probe("POST", "/api/screen", json=all_no_answers())]
    ),
    ("POST", "/api/plan"): Attack(
        Access.PERSONAL,
        lambda _a: [
            Probe("POST", "/api/plan", json={"profile": BOB_PROFILE}, expect=frozenset({200})),
            Probe(
                "POST", "/api/plan", json={"profile": {**BOB_PROFILE, "favourites": [OWN_STRETCH]}}
            ),
            # Ana's saved routine, by its name: Bob has none of that name.
            Probe("POST", "/api/plan", json={"routine": SAVED_ROUTINE}, expect=frozenset({404})),
        ],
    ),
    ("PUT", "/api/sessions/{session_uuid}"): Attack(
        Access.PERSONAL,
        lambda a: [
            *(
                Probe("PUT", f"/api/sessions/{u}", json=a.session_body, expect=frozenset({404}))
                for u in uuid_variants(a.session_uuid)
            ),
            Probe(
                "PUT",
                f"/api/sessions/{a.session_uuid}",
                json={**a.session_body, "routine_name": "Bob"},
                expect=frozenset({404}),
            ),
            Probe(
                "PUT",
                f"/api/sessions/{a.stopped_uuid}",
                json=a.stopped_body,
                expect=frozenset({404}),
            ),
            # A new session of Bob's with Ana's own stretch in it: unknown to Bob.
            *(
                Probe(
                    "PUT",
                    f"/api/sessions/{uuid.uuid4()}",
                    json={
                        **a.session_body,
                        "items": [{**a.session_body["items"][0], "stretch": s}],
                    },
                    expect=frozenset({409, 422}),
                )
                for s in ANAS_STRETCH_IDS
            ),
        ],
    ),
    ("GET", "/api/sessions/{session_uuid}"): Attack(
        Access.PERSONAL,
        lambda a: [
            get(f"/api/sessions/{u}", 404)
            for u in (*uuid_variants(a.session_uuid), *uuid_variants(a.stopped_uuid))
        ],
    ),
    ("GET", "/api/history"): Attack(Access.PERSONAL, lambda _a: [get("/api/history", 200)]),
    ("GET", "/api/stats"): Attack(Access.PERSONAL, lambda _a: [get("/api/stats", 200)]),
    ("GET", "/api/export"): Attack(Access.PERSONAL, lambda _a: [get("/api/export", 200)]),
    # Public pages ------------------------------------------------------------------------------
    ("GET", "/"): public("/"),
    ("GET", "/stretches"): Attack(
        Access.PUBLIC,
        lambda _a: [get("/stretches", 200), get("/stretches?search=heron", 200)],
    ),
    ("GET", "/stretches/{stretch_id}"): Attack(
        Access.PUBLIC,
        lambda _a: [
            *(get(f"/stretches/{s}", 404) for s in ANAS_STRETCH_IDS),
            get("/stretches/cat-cow", 200),
        ],
    ),
    ("GET", "/learn"): public("/learn"),
    ("GET", "/learn/{topic}"): public("/learn/safety"),
    ("GET", "/figures"): public("/figures"),
    ("GET", "/player/figures.css"): public("/player/figures.css"),
    ("GET", "/manifest.webmanifest"): public("/manifest.webmanifest"),
    ("GET", "/sw.js"): public("/sw.js"),
    ("GET", "/safety"): public("/safety"),
    ("GET", "/offline"): public("/offline"),
    ("GET", "/offline/account"): public("/offline/account"),
    ("GET", "/openapi.json"): public("/openapi.json"),
    ("GET", "/docs"): public("/docs"),
    ("GET", "/docs/oauth2-redirect"): public("/docs/oauth2-redirect"),
    ("GET", "/redoc"): public("/redoc"),
    ("MOUNT", "/static"): public("/static/app.css"),
    # Your data (the import first, while Bob's account is still empty) --------------------------
    ("POST", "/data/import"): Attack(
        Access.PERSONAL,
        lambda a: [
            # Ana's own file: its session uuids are hers, so nothing is imported.
            post("/data/import", None, 409, files=upload(a.export)),
            # A row that names its owner: not a column of an export.
            post(
                "/data/import",
                None,
                422,
                files=upload(
                    {
                        **a.export,
                        "tables": {
                            **{name: [] for name in a.export["tables"]},
                            "checkins": [
                                {**a.export["tables"]["checkins"][0], "owner_id": a.account_id}
                            ],
                        },
                    }
                ),
            ),
        ],
    ),
    ("GET", "/data"): Attack(Access.PERSONAL, lambda _a: [get("/data", 200)]),
    ("GET", "/data/export.json"): Attack(
        Access.PERSONAL, lambda _a: [get("/data/export.json", 200)]
    ),
    ("GET", "/data/export.zip"): Attack(Access.PERSONAL, lambda _a: [get("/data/export.zip", 200)]),
    ("GET", "/data/summary.pdf"): Attack(
        Access.PERSONAL,
        lambda _a: [
            get("/data/summary.pdf", 200),
            get("/data/summary.pdf?from=2026-10-01&to=2026-11-02&paper=letter", 200),
            get("/data/summary.pdf?from=2026-13-40", 422),
        ],
    ),
    ("GET", "/data/summary.fhir.json"): Attack(
        Access.PERSONAL,
        lambda _a: [
            get("/data/summary.fhir.json", 200),
            get("/data/summary.fhir.json?from=2026-10-01&to=2026-11-02", 200),
            get("/data/summary.fhir.json?to=not-a-date", 422),
        ],
    ),
    # The screening -----------------------------------------------------------------------------
    ("GET", "/screen"): Attack(Access.PERSONAL, lambda _a: [get("/screen", 200)]),
    ("POST", "/screen"): Attack(
        Access.PERSONAL, lambda _a: [post("/screen", bob_screening_form(), 303)]
    ),
    ("GET", "/screen/result"): Attack(Access.PERSONAL, lambda _a: [get("/screen/result", 200)]),
    ("POST", "/screen/clear"): Attack(
        Access.PERSONAL,
        # Ana's flag: Bob has nothing to clear, so nothing is recorded.
        lambda _a: [post("/screen/clear", {"ids": ["night_pain"], "confirm": "yes"}, 422)],
    ),
    # The profile and today's plan ------------------------------------------------------------
    ("GET", "/profile"): Attack(Access.PERSONAL, lambda _a: [get("/profile", 200)]),
    ("POST", "/profile"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post(
                "/profile",
                {"areas": BOB_PROFILE["areas"], "minutes": "5", "setting": "chair"},
                303,
            )
        ],
    ),
    ("POST", "/profile/avoid"): Attack(
        Access.PERSONAL,
        lambda _a: [
            *(post("/profile/avoid", {"stretch": s}, 422) for s in ANAS_STRETCH_IDS),
            post("/profile/avoid", {"stretch": "cat-cow"}, 303),
        ],
    ),
    ("POST", "/profile/favourite"): Attack(
        Access.PERSONAL,
        lambda _a: [
            *(post("/profile/favourite", {"stretch": s}, 422) for s in ANAS_STRETCH_IDS),
            post("/profile/favourite", {"stretch": "cat-cow"}, 303),
        ],
    ),
    ("GET", "/plan"): Attack(
        Access.PERSONAL,
        lambda _a: [
            get("/plan", 200),
            *(get(f"/plan?items={s}", 422) for s in ANAS_STRETCH_IDS),
            get(f"/plan?routine={SAVED_ROUTINE}", 404),
        ],
    ),
    ("GET", "/plan/handout.pdf"): Attack(
        Access.PERSONAL,
        lambda _a: [
            get("/plan/handout.pdf", 200),
            *(get(f"/plan/handout.pdf?items={s}", 422) for s in ANAS_STRETCH_IDS),
            get(f"/plan/handout.pdf?routine={SAVED_ROUTINE}", 404),
        ],
    ),
    ("GET", "/plan/replace"): Attack(
        Access.PERSONAL,
        lambda _a: [
            *(get(f"/plan/replace?stretch={s}", 422) for s in ANAS_STRETCH_IDS),
            get("/plan/replace?stretch=cat-cow", 200),
        ],
    ),
    ("GET", "/play"): Attack(
        Access.PERSONAL,
        lambda _a: [
            get("/play", 200),
            *(get(f"/play?items={s}", 422) for s in ANAS_STRETCH_IDS),
            get(f"/play?routine={SAVED_ROUTINE}", 404),
        ],
    ),
    # History -----------------------------------------------------------------------------------
    ("GET", "/history"): Attack(
        Access.PERSONAL, lambda _a: [get("/history", 200), get("/history?all=1", 200)]
    ),
    ("GET", "/history/{session_uuid}"): Attack(
        Access.PERSONAL,
        lambda a: [
            get(f"/history/{u}", 404)
            for u in (*uuid_variants(a.session_uuid), *uuid_variants(a.stopped_uuid))
        ],
    ),
    ("GET", "/sessions/{session_uuid}/done"): Attack(
        Access.PERSONAL,
        lambda a: [
            get(f"/sessions/{u}/done", 404)
            for u in (*uuid_variants(a.session_uuid), *uuid_variants(a.stopped_uuid))
        ],
    ),
    # Settings ----------------------------------------------------------------------------------
    ("GET", "/settings"): Attack(Access.PERSONAL, lambda _a: [get("/settings", 200)]),
    ("POST", "/settings"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post(
                "/settings",
                {"lead_in_seconds": "3", "emergency_region": "uk", "timezone": "Europe/Paris"},
                303,
            )
        ],
    ),
    # Reminders, the desk break and notifications (after Bob's settings: his zone is Paris) -----
    ("GET", "/reminders"): Attack(
        Access.PERSONAL,
        # Before Bob has a schedule or a device: nothing of Ana's fills the gaps.
        lambda _a: [get("/reminders", 200, says=("No device gets notifications yet.",))],
    ),
    ("GET", "/reminders/calendar.ics"): Attack(
        Access.PERSONAL,
        lambda _a: [
            # No schedule of Bob's yet: no file (never Ana's schedule in its place).
            get("/reminders/calendar.ics", 303),
            post("/reminders", BOB_REMINDERS, 303),
            # Then his file holds his schedule, in his zone, alone (Ana's zone and time are
            # among her markers).
            get("/reminders/calendar.ics", 200, says=(f"at {BOB_SESSION_AT}", "Europe/Paris")),
        ],
    ),
    ("POST", "/reminders"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post("/reminders", {"slot0_at": ANA_SESSION_AT}, 422),  # a time without days
            post("/reminders", BOB_REMINDERS, 303),
        ],
    ),
    ("POST", "/reminders/off"): Attack(
        Access.PERSONAL, lambda _a: [post("/reminders/off", None, 303)]
    ),
    ("POST", "/reminders/on"): Attack(
        Access.PERSONAL, lambda _a: [post("/reminders/on", None, 303)]
    ),
    ("GET", "/break"): Attack(
        Access.PERSONAL,
        lambda _a: [
            # Ana skipped a break today: Bob has none to take.
            get("/break", 200, never=("Skipped today",)),
            # Ana's keys: Bob sees the break as never acted on (snooze and skip on offer).
            *(
                get(f"/break?key={k}", 200, says=('action="/break/snooze"', 'action="/break/skip"'))
                for k in (SKIPPED_BREAK, SNOOZED_BREAK)
            ),
        ],
    ),
    ("POST", "/break/later"): Attack(
        Access.PERSONAL,
        lambda _a: [
            # Ana's skipped break is not Bob's to take, nor is the latest skipped today hers.
            post("/break/later", {"key": SKIPPED_BREAK}, 422),
            post("/break/later", {}, 422),
        ],
    ),
    ("POST", "/break/snooze"): Attack(
        Access.PERSONAL,
        lambda _a: [
            # Ana's keys: Bob snoozes the same break of his own (his row, never hers).
            post("/break/snooze", {"key": SNOOZED_BREAK, "minutes": "30"}, 303),
            post("/break/snooze", {"key": SKIPPED_BREAK, "minutes": "5"}, 303),
            post("/break/snooze", {"key": SNOOZED_BREAK, "minutes": "x"}, 422),
        ],
    ),
    ("POST", "/break/skip"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post("/break/skip", {"key": SNOOZED_BREAK}, 303),
            post("/break/skip", {"key": "desk_break:nope"}, 422),
        ],
    ),
    ("GET", "/api/push/key"): Attack(Access.PUBLIC, lambda _a: [get("/api/push/key", 200)]),
    ("POST", "/api/push/subscriptions"): Attack(
        Access.PERSONAL,
        # Ana's endpoint is not sent: it is her browser's secret, and a browser that sends it
        # again is the same device, handed to whoever subscribed it last (by design).
        lambda _a: [
            push_call("POST", Device.make(PUSH_SERVICE + BOB_DEVICE).subscription(), 201),
            push_call(
                "POST",
                {**Device.make("https://10.0.0.7/x").subscription(), "expirationTime": 1},
                422,
            ),
        ],
    ),
    ("DELETE", "/api/push/subscriptions"): Attack(
        Access.PERSONAL,
        lambda a: [
            *(
                push_call("DELETE", {"endpoint": e}, 404)
                for e in (a.endpoint, a.endpoint + "/", a.endpoint.upper(), PUSH_SERVICE + "%")
            ),
            push_call("DELETE", {"endpoint": PUSH_SERVICE + BOB_DEVICE}, 204),
        ],
    ),
    # Own stretches and saved routines ---------------------------------------------------------
    ("POST", "/stretches/own"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post("/stretches/own", None, 303, files=stretch_file(BOB_STRETCH, "Bob crane stretch")),
            # Ana's id is free in Bob's own list: ids are per person (removed again at once,
            # so that the id does not show in Bob's own pages below).
            post("/stretches/own", None, 303, files=stretch_file(OWN_STRETCH, "Bob ibis stretch")),
            post(f"/stretches/own/{OWN_STRETCH}/remove", None, 303),
        ],
    ),
    ("POST", "/stretches/own/{stretch_id}/remove"): Attack(
        Access.PERSONAL,
        lambda _a: [
            *(post(f"/stretches/own/{s}/remove", None, 404) for s in ANAS_STRETCH_IDS),
            post(f"/stretches/own/{OWN_STRETCH.upper()}/remove", None, 404),
            post("/stretches/own/cat-cow/remove", None, 422),
        ],
    ),
    ("GET", "/routines"): Attack(Access.PERSONAL, lambda _a: [get("/routines", 200)]),
    ("POST", "/routines"): Attack(
        Access.PERSONAL,
        lambda _a: [post("/routines", {"name": "Bob routine", "items": "cat-cow"}, 303)],
    ),
    ("POST", "/routines/{routine_id}/delete"): Attack(
        Access.PERSONAL,
        lambda a: [
            *(post(f"/routines/{i}/delete", None, 404) for i in a.routine_ids),
            # Guessed ids: Bob's own routine may be among them (deleting it is his right).
            *(post(f"/routines/{i}/delete", None, 303, 404) for i in guessed_ids()),
            post("/routines/0/delete", None, 422),
            post(f"/routines/{2**40}/delete", None, 422),
        ],
    ),
    # Routines from a therapist: build, share by link or file, receive ----------------------------
    ("GET", "/routines/build"): Attack(
        Access.PERSONAL,
        lambda _a: [
            get("/routines/build", 200),
            get(f"/routines/build?pick={OWN_STRETCH}&pick=cat-cow", 200),
        ],
    ),
    ("POST", "/routines/build"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post("/routines/build", {"name": "Bob built", "pick": [OWN_STRETCH]}, 422),
            post("/routines/build", {"name": "Bob built", "pick": ["cat-cow"]}, 303),
        ],
    ),
    ("POST", "/routines/receive"): Attack(
        Access.PERSONAL,
        lambda _a: [
            # Ana's own stretch named, not brought along: never taken from her stretches.
            post("/routines/receive", None, 422, files=routine_file(OWN_STRETCH)),
            post("/routines/receive", None, 303, files=routine_file("cat-cow")),
        ],
    ),
    ("POST", "/routines/shares"): Attack(
        Access.PERSONAL,
        lambda a: [post("/routines/shares", {"routine_id": i}, 404) for i in a.routine_ids],
    ),
    ("POST", "/routines/shares/{share_id}/revoke"): Attack(
        Access.PERSONAL,
        lambda _a: [post(f"/routines/shares/{i}/revoke", None, 404) for i in guessed_ids()],
    ),
    ("GET", "/routines/file"): Attack(
        Access.PERSONAL,
        lambda a: [get(f"/routines/file?routine_id={i}", 404) for i in a.routine_ids],
    ),
    ("GET", "/r/{token}"): Attack(
        Access.PUBLIC, lambda _a: [get(f"/r/{t}", 404) for t in guessed_tokens()]
    ),
    ("POST", "/r/{token}/add"): Attack(
        Access.PERSONAL, lambda _a: [post(f"/r/{t}/add", None, 404) for t in guessed_tokens()]
    ),
    ("GET", "/r/{token}/handout.pdf"): Attack(
        Access.PUBLIC, lambda _a: [get(f"/r/{t}/handout.pdf", 404) for t in guessed_tokens()]
    ),
    ("GET", "/r/{token}/routine.yaml"): Attack(
        Access.PUBLIC, lambda _a: [get(f"/r/{t}/routine.yaml", 404) for t in guessed_tokens()]
    ),
    # Accounts ----------------------------------------------------------------------------------
    ("GET", "/register"): public("/register"),
    ("POST", "/register"): Attack(
        Access.PUBLIC,
        lambda _a: [
            post(
                "/register",
                {"username": "ANA", "password": PASSWORD, "password_again": PASSWORD},
                422,
            )
        ],
    ),
    ("GET", "/login"): public("/login"),
    ("POST", "/login"): Attack(
        Access.PUBLIC,
        lambda _a: [post("/login", {"username": "ana", "password": "not ana's password"}, 401)],
    ),
    ("GET", "/logged-out"): public("/logged-out"),
    ("GET", "/account"): Attack(Access.PERSONAL, lambda _a: [get("/account", 200)]),
    ("POST", "/account/password"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post(
                "/account/password",
                {
                    "current_password": "not the password",
                    "new_password": "a new password for ana",
                    "new_password_again": "a new password for ana",
                },
                422,
            )
        ],
    ),
    # Last: these empty Bob's data, or end his login.
    ("POST", "/data/delete"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post("/data/delete", {"confirm": "nope"}, 422),
            post("/data/delete", {"confirm": "delete"}, 303),
        ],
        last=True,
    ),
    ("POST", "/account/delete"): Attack(
        Access.PERSONAL,
        lambda _a: [
            post("/account/delete", {"password": "not the password", "confirm": "delete"}, 422),
            post("/account/delete", {"password": PASSWORD, "confirm": "no"}, 422),
        ],
        last=True,
    ),
    ("POST", "/logout"): Attack(Access.PUBLIC, lambda _a: [post("/logout", None, 303)], last=True),
}


def body_text(response: Any) -> str:
    """Return all a response says: its body (each file of a zip) and its redirect."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            body = "\n".join(archive.read(name).decode() for name in archive.namelist())
    elif content_type.startswith("application/pdf"):
        body = pdf_text(response.content)  # its text is compressed in the file
    else:
        body = response.text
    # Every time zone is offered on the settings page; only a chosen one says anything.
    body = body.replace(f"<option>{ZONE}</option>", "")
    return f"{body}\n{response.headers.get('location', '')}".lower()


def leaks(response: Any, probe: Probe, markers: list[str]) -> list[str]:
    """Return Ana's markers found in an answer to Bob (an echo of what he sent aside)."""
    said, sent = body_text(response), probe.sent()
    return [m for m in markers if m.lower() in said and m.lower() not in sent]


def sweep_order() -> list[tuple[str, str]]:
    return [key for key, attack in ATTACKS.items() if not attack.last] + [
        key for key, attack in ATTACKS.items() if attack.last
    ]


# The tests ------------------------------------------------------------------------------------


def test_every_route_has_an_isolation_check(accounts_app: Any) -> None:
    """A route added later must say here how Bob attacks it; a route removed, too."""
    routes = served(accounts_app)
    assert sorted(routes - ATTACKS.keys()) == [], "routes without an isolation check"
    assert sorted(ATTACKS.keys() - routes) == [], "checks of routes the app no longer has"


def test_bob_never_sees_or_changes_anas_data(accounts_app: Any, ana: Ana, bob: TestClient) -> None:
    before = snapshot(ana.client)
    rows_before = rows_of(accounts_app, ana.account_id)
    contents_before = contents_of(accounts_app, ana.account_id)
    bob_id = account_id(accounts_app, "bob")
    problems = []
    for key in sweep_order():
        if key not in served(accounts_app):
            continue  # reported by test_every_route_has_an_isolation_check
        for probe in ATTACKS[key].probes(ana):
            response = probe.send(bob)
            where = f"{probe.method} {probe.url}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code} {response.text[:200]}")
            elif probe.expect is not None and response.status_code not in probe.expect:
                problems.append(f"{where}: {response.status_code}, not {sorted(probe.expect)}")
            if found := leaks(response, probe, ana.markers):
                problems.append(f"{where}: shows Ana's {found}")
            said = body_text(response)
            if missing := [s for s in probe.says if s.lower() not in said]:
                problems.append(f"{where}: does not say {missing}")
            if wrong := [s for s in probe.never if s.lower() in said]:
                problems.append(f"{where}: says {wrong}")
    assert problems == []
    # Ana's data is what it was, byte for byte, and every row is Ana's or Bob's.
    assert snapshot(ana.client) == before
    assert rows_of(accounts_app, ana.account_id) == rows_before
    assert contents_of(accounts_app, ana.account_id) == contents_before
    strangers = {
        table: owners
        for table, owners in rows_by_owner(accounts_app).items()
        if set(owners) - {ana.account_id, bob_id}
    }
    assert strangers == {}


def test_bobs_own_data_never_mixes_with_anas(ana: Ana, bob: TestClient) -> None:
    """Bob with data of his own (a session too) sees only his: every list counts his alone."""
    assert bob.post("/api/screen", json=all_no_answers()).status_code == 200
    plan = bob.post("/api/plan", json={"profile": BOB_PROFILE})
    assert plan.status_code == 200, plan.text
    body = {**session_body(plan.json(), status="completed"), "routine_name": "Bob routine"}
    mine = str(uuid.uuid4())
    assert bob.put(f"/api/sessions/{mine}", json=body).status_code == 200
    history = bob.get("/api/history").json()
    assert [s["uuid"] for s in history] == [mine]
    export = bob.get("/api/export").json()["tables"]
    assert [s["uuid"] for s in export["sessions"]] == [mine]
    assert export["checkins"] == []
    assert len(export["screenings"]) == 1
    assert export["clearances"] == export["safety_blocks"] == []
    page = bob.get("/history").text.lower()
    assert "bob routine" in page or mine in page
    assert SESSION_ROUTINE.lower() not in page
    # Ana, in turn, sees nothing of Bob's.
    assert mine not in ana.client.get("/api/export").text
    assert ana.client.get(f"/api/sessions/{mine}").status_code == 404
    assert ana.client.get(f"/history/{mine}").status_code == 404


def test_an_import_lands_in_the_importers_account_only(
    accounts_app: Any, ana: Ana, bob: TestClient
) -> None:
    document = empty_export(bob)
    document["tables"]["checkins"] = [
        {
            "id": 1,  # Ana's check-in has the same id in her own export
            "at": "2026-10-31T18:00:00+00:00",
            "timezone": "Europe/Paris",
            "activities": [{"name": "Bob cycling", "score": 6}],
        }
    ]
    rows_before = rows_of(accounts_app, ana.account_id)
    before = snapshot(ana.client)
    assert bob.post("/data/import", files=upload(document)).status_code == 200
    assert [
        c["activities"][0]["name"] for c in bob.get("/api/export").json()["tables"]["checkins"]
    ] == ["Bob cycling"]
    assert snapshot(ana.client) == before
    assert rows_of(accounts_app, ana.account_id) == rows_before


def test_names_and_ids_belong_to_each_person(accounts_app: Any, ana: Ana, bob: TestClient) -> None:
    """Bob may use Ana's routine name and own stretch id: they are unique per person, so
    neither is refused as taken (which would tell Bob they exist), and Ana's stay hers."""
    before = snapshot(ana.client)
    rows_before = rows_of(accounts_app, ana.account_id)
    assert bob.post("/api/screen", json=all_no_answers()).status_code == 200
    profile = {"areas": BOB_PROFILE["areas"], "minutes": "5", "setting": "chair"}
    assert bob.post("/profile", data=profile, follow_redirects=False).status_code == 303
    added = bob.post(
        "/stretches/own",
        files=stretch_file(OWN_STRETCH, "Bob ibis stretch"),
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    saved = bob.post(
        "/routines", data={"name": SAVED_ROUTINE, "items": "cat-cow"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    assert "Bob ibis stretch" in bob.get(f"/stretches/{OWN_STRETCH}").text
    assert OWN_STRETCH_NAME not in bob.get(f"/stretches/{OWN_STRETCH}").text
    assert OWN_STRETCH_NAME in ana.client.get(f"/stretches/{OWN_STRETCH}").text
    assert "Bob ibis stretch" not in ana.client.get(f"/stretches/{OWN_STRETCH}").text
    assert snapshot(ana.client) == before
    assert rows_of(accounts_app, ana.account_id) == rows_before
    # Each removes only their own.
    removed = bob.post(f"/stretches/own/{OWN_STRETCH}/remove", follow_redirects=False)
    assert removed.status_code == 303, removed.text
    assert OWN_STRETCH_NAME in ana.client.get(f"/stretches/{OWN_STRETCH}").text
    assert snapshot(ana.client) == before


def test_nobody_logged_in_reaches_only_public_routes(accounts_app: Any, ana: Ana) -> None:
    visitor = browser_like(TestClient(accounts_app, raise_server_exceptions=False))
    assert visitor.get("/").status_code == 200  # the CSRF cookie, as a browser would have it
    problems = []
    for key in sweep_order():
        if key not in served(accounts_app):
            continue
        attack = ATTACKS[key]
        for probe in attack.probes(ana)[:1]:
            response = probe.send(visitor)
            where = f"{probe.method} {probe.url}"
            location = response.headers.get("location", "")
            to_login = response.status_code == 303 and location.startswith("/login?next=")
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            elif attack.access is Access.PUBLIC:
                if to_login or (response.status_code == 401 and probe.url.startswith("/api/")):
                    problems.append(f"{where}: public, yet asks for a login")
            elif probe.url.startswith("/api/"):
                if response.status_code != 401:
                    problems.append(f"{where}: {response.status_code}, not 401")
            elif not to_login:
                problems.append(f"{where}: {response.status_code} {location!r}, not to /login")
            if found := leaks(response, probe, ana.markers):
                problems.append(f"{where}: shows Ana's {found}")
    assert problems == []
    assert LOGIN_COOKIE not in visitor.cookies


def test_bob_deleting_his_account_leaves_every_row_of_anas(
    accounts_app: Any, ana: Ana, bob: TestClient
) -> None:
    assert bob.post("/api/screen", json=all_no_answers()).status_code == 200
    bob_id = account_id(accounts_app, "bob")
    assert sum(rows_of(accounts_app, bob_id).values()) > 0
    rows_before = rows_of(accounts_app, ana.account_id)
    before = snapshot(ana.client)
    gone = bob.post(
        "/account/delete", data={"password": PASSWORD, "confirm": "delete"}, follow_redirects=False
    )
    assert gone.status_code == 303, gone.text
    assert sum(rows_of(accounts_app, bob_id).values()) == 0
    assert rows_of(accounts_app, ana.account_id) == rows_before
    assert snapshot(ana.client) == before


def test_ana_deleting_her_account_removes_every_row_of_hers(
    accounts_app: Any, ana: Ana, bob: TestClient
) -> None:
    assert bob.post("/api/screen", json=all_no_answers()).status_code == 200
    bob_id = account_id(accounts_app, "bob")
    bobs_rows = rows_of(accounts_app, bob_id)
    gone = ana.client.post(
        "/account/delete", data={"password": PASSWORD, "confirm": "delete"}, follow_redirects=False
    )
    assert gone.status_code == 303, gone.text
    assert rows_of(accounts_app, ana.account_id) == dict.fromkeys(owned_tables(), 0)
    with services_of(accounts_app).store.engine.connect() as connection:
        for table, column in (("accounts", "id"), ("logins", "account_id")):
            left = connection.execute(
                text(f"SELECT COUNT(*) FROM {table} WHERE {column} = :id"),
                {"id": ana.account_id},
            ).scalar_one()
            assert left == 0, table
    assert rows_of(accounts_app, bob_id) == bobs_rows
    assert ana.client.get("/api/export").status_code == 401
