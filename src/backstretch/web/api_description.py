"""What the OpenAPI description says beyond the routes' types: the request bodies the routes take
as free-form JSON (the screening's answers, a profile) described field by field, examples of
every body, and the links from one answer to the next request (plan, then record a session of
it, then read or update that session). Clients read it; schemathesis generates valid requests
from it and follows the links (tests/web/test_schemathesis.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from fastapi import FastAPI

from backstretch.core.models import Level, Region
from backstretch.core.profile import Setting, TimeOfDay
from backstretch.core.screening import (
    ASKED_RESTRICTIONS,
    MAX_PREGNANCY_WEEKS,
    RED_FLAG_IDS,
    Restriction,
)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _words(values: Iterable[StrEnum]) -> dict[str, Any]:
    return {"type": "string", "enum": [value.value for value in values]}


def _ids(words: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": words, "uniqueItems": True}


# Weeks of pregnancy only with the restriction (profile) or the answer (screening) "pregnant".
_WEEKS = _nullable({"type": "integer", "minimum": 0, "maximum": MAX_PREGNANCY_WEEKS})
_WEEKS_IF = {
    "required": ["pregnancy_weeks"],
    "properties": {"pregnancy_weeks": {"type": "integer"}},
}

# The answers as `core.screening.parse_answers` takes them (SCREENING.md): each question's id,
# true, false or null (not answered).
ANSWERS_SCHEMA: dict[str, Any] = {
    "properties": {
        **{
            question: _nullable({"type": "boolean"})
            for question in (*RED_FLAG_IDS, *(r.value for r in ASKED_RESTRICTIONS))
        },
        "pregnancy_weeks": _WEEKS,
        "cleared": _nullable(_ids({"type": "string", "enum": list(RED_FLAG_IDS)})),
        "areas": _nullable(_ids(_words(Region))),
    },
    "additionalProperties": False,
    "if": _WEEKS_IF,
    "then": {"required": ["pregnant"], "properties": {"pregnant": {"const": True}}},
}

# A profile's fields (`core.profile.Profile`), each optional: they change the profile the person
# keeps for this plan only.
PROFILE_SCHEMA: dict[str, Any] = {
    "properties": {
        "areas": {**_ids(_words(Region)), "minItems": 1},
        "minutes": {"type": "integer", "minimum": 1, "maximum": 60},
        "setting": _words(Setting),
        "restrictions": _ids(_words(Restriction)),
        "pregnancy_weeks": _WEEKS,
        "level": _words(Level),
        "time_of_day": _words(TimeOfDay),
        "avoid": _ids({"type": "string", "maxLength": 60}),
        "favourites": _ids({"type": "string", "maxLength": 60}),
    },
    "additionalProperties": False,
    "if": _WEEKS_IF,
    "then": {
        "required": ["restrictions"],
        "properties": {"restrictions": {"contains": {"const": Restriction.PREGNANT.value}}},
    },
}

ANSWERS_EXAMPLES: dict[str, dict[str, Any]] = {
    "nothing_applies": {
        "summary": "Every question answered no",
        "value": dict.fromkeys((*RED_FLAG_IDS, *(r.value for r in ASKED_RESTRICTIONS)), False),
    },
}

PLAN_EXAMPLES: dict[str, dict[str, Any]] = {
    "as_kept": {"summary": "Today's plan from the profile the person keeps", "value": {}},
    "ten_minutes": {
        "summary": "Lower back, 10 minutes, on the floor",
        "value": {"profile": {"areas": ["lower_back"], "minutes": 10, "setting": "floor"}},
    },
    "preset": {"summary": "A ready-made routine", "value": {"preset": "basic-daily"}},
}

_STARTED = {
    "routine_name": "My routine",
    "items": [
        {"stretch": "cat-cow", "sets": 1, "reps": 10, "sides": "bilateral", "way": "floor"},
        {
            "stretch": "knee-to-chest",
            "sets": 1,
            "reps": 2,
            "sides": "each",
            "hold_seconds": 30,
            "way": "floor",
        },
    ],
    "started_at": "2026-11-02T08:30:00Z",
    "status": "in_progress",
    "pain_before": 3,
}
SESSION_EXAMPLES: dict[str, dict[str, Any]] = {
    "started": {"summary": "The first PUT, as the session starts", "value": _STARTED},
    "completed": {
        "summary": "The last PUT: every item done, pain afterwards",
        "value": {
            **_STARTED,
            "status": "completed",
            "pain_after": 2,
            "done": [
                {"position": 0, "done_seconds": 60, "done_reps": 10},
                {"position": 1, "done_seconds": 60, "done_reps": 4},
            ],
        },
    },
}

_SESSION_PUT = "#/paths/~1api~1sessions~1{session_uuid}/put"
_SESSION_GET = "#/paths/~1api~1sessions~1{session_uuid}/get"
_PLAN = "#/paths/~1api~1plan/post"
_ITEM_FIELDS = ("stretch", "sets", "reps", "sides", "hold_seconds", "way")

SCREEN_LINKS: dict[str, Any] = {
    "PlanToday": {
        "operationRef": _PLAN,
        "description": "Plan today's routine, now that the screening is on file.",
    },
}
PLAN_LINKS: dict[str, Any] = {
    "RecordASession": {
        "operationRef": _SESSION_PUT,
        "description": "Record a session of the plan (here its first stretch) under a new uuid "
        "the client makes; the browser player sends every item.",
        "requestBody": {
            "items": [{name: f"$response.body#/items/0/{name}" for name in _ITEM_FIELDS}],
        },
    },
}
SESSION_LINKS: dict[str, Any] = {
    "ReadTheSession": {
        "operationRef": _SESSION_GET,
        "parameters": {"session_uuid": "$request.path.session_uuid"},
        "description": "The session as stored, every item's target next to what was done.",
    },
    "UpdateTheSession": {
        "operationRef": _SESSION_PUT,
        "parameters": {"session_uuid": "$request.path.session_uuid"},
        "description": "PUT the same session again as it goes: the same routine, items and "
        "start, with progress and how it ended.",
        "requestBody": {
            "routine_name": "$request.body#/routine_name",
            "items": "$request.body#/items",
            "started_at": "$request.body#/started_at",
        },
    },
}


# Every 422 is the app's own error body ------------------------------------------------------------

INVALID = "The request is not valid: `problems` names each input at fault"
# Answered for any route with a body, before the route runs (FastAPI reading the body, and
# `web.security.BodyLimit`).
BODY_ERRORS = {
    "400": "The body cannot be read as its content type says (not JSON, say)",
    "413": "The body is larger than the server takes (BACKSTRETCH_MAX_REQUEST_BYTES)",
}


def document_errors(app: FastAPI) -> None:
    """Describe every route's 422 as the body the app sends (`web.app.invalid_request` answers
    `ErrorAnswer`), not FastAPI's default `HTTPValidationError`, whichever router the route is
    in, and the 400 and 413 every route with a body may answer; the description is made once,
    when first asked for."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_error_answers(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_error_answers(schema: dict[str, Any]) -> dict[str, Any]:
    from backstretch.web.app import ErrorAnswer

    default = "#/components/schemas/HTTPValidationError"
    error = {"$ref": "#/components/schemas/ErrorAnswer"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            answers = operation.setdefault("responses", {})
            answer = answers.get("422", {})
            body = answer.get("content", {}).get("application/json", {})
            if body.get("schema", {}).get("$ref") == default:
                answer["description"] = INVALID
                body["schema"] = error
            if "requestBody" in operation:
                for status, text in BODY_ERRORS.items():
                    answers.setdefault(
                        status,
                        {"description": text, "content": {"application/json": {"schema": error}}},
                    )
    if "ErrorAnswer" not in components:
        made = ErrorAnswer.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(made.pop("$defs", {}))
        components["ErrorAnswer"] = made
    for unused in ("HTTPValidationError", "ValidationError"):  # unless something else uses it
        if f"#/components/schemas/{unused}" not in json.dumps(schema):
            components.pop(unused, None)
    return schema
