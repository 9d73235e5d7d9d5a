"""The clinician summary as a FHIR R4 Bundle (type `collection`), built as plain JSON-ready dicts.

Pure: the summary (`render/summary.py`), the person's pseudonym and the summary's PDF go in, a
dict comes out; nothing here validates against a FHIR library at run time (the tests do, with
`fhir.resources`' R4B models, which are a development dependency only).

What the bundle holds:

- one **Patient** with an id and nothing else: no name, birth date or contact. The use case makes
  the id (a UUID) from a server secret and the person's account, so it stays the same from one
  export to the next and cannot be turned back into the account. It is marked pseudonymised.
  Every other id derives from it, and every entry's `fullUrl` is `urn:uuid:` and its id.
- one **Observation per session**: exercise duration (LOINC 55411-3) in minutes of stretching
  done, over the session's start and end, with the kind of exercise (LOINC 73985-4) as a component,
  as the HL7 Physical Activity guide models an activity.
- one **Observation per pain rating** (LOINC 72514-3, 0-10), linked from its session with
  `hasMember`. Not components of the session's Observation: the ratings before and after share
  one code, so as components they would differ only in free text, and both would have the
  session's time. As Observations of their own, each has its own moment (before: the start;
  after: the end), and any reader that plots 72514-3 finds every rating without knowing this
  app's conventions.
- one **QuestionnaireResponse per activity check-in**: the Patient-Specific Functional Scale's
  activities, each a name and a 0-10 rating, and their average.
- one **DiagnosticReport** carrying the summary PDF as `presentedForm`, its `result` pointing at
  the session Observations. It is FHIR's resource for a report with a printed form; the report
  itself only describes habit and comfort.

Sessions: every session of the range with some stretching done, and every one stopped with a
signal (a stop matters to a clinician even before any stretching was done).
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any

from backstretch.core.records import CheckinRecord, SessionRecord, SessionStatus
from backstretch.render.summary import SIGNAL_WORDS, ClinicianSummary, day_text

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SECURITY = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
EXERCISE_DURATION = ("55411-3", "Exercise duration")
EXERCISE_ACTIVITY = ("73985-4", "Exercise activity")
PAIN_SCORE = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
# Every id in the bundle is a name-based UUID under this namespace, so the same records give the
# same bundle (a second export of a range replaces the first in a receiving system).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://backstretch.invalid/fhir")
REPORT_TITLE = "Stretching summary: habit and comfort figures"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _ref(resource_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def _instant(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _coding(system: str, code_display: tuple[str, str]) -> dict[str, str]:
    code, display = code_display
    return {"system": system, "code": code, "display": display}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": CATEGORY, "code": code, "display": display}]}]


def patient(patient_id: str) -> dict[str, Any]:
    """Return the pseudonymous Patient: an id, marked as pseudonymised, and nothing else."""
    return {
        "resourceType": "Patient",
        "id": patient_id,
        "meta": {"security": [{"system": SECURITY, "code": "PSEUDED", "display": "pseudonymized"}]},
    }


def _how_it_ended(record: SessionRecord, names: dict[str, str]) -> str:
    status = record.reads_as
    done, planned = round(record.done_seconds / 60, 1), round(record.planned_seconds / 60, 1)
    text = {
        SessionStatus.COMPLETED: "Completed",
        SessionStatus.STOPPED: "Stopped early",
        SessionStatus.ABANDONED: "Not finished",
    }.get(status, "Not finished")
    text += f": {done:g} min of stretching of {planned:g} min planned"
    text += f" (routine: {record.routine_name})."
    if record.stop_signal is not None:
        during = record.stopped_stretch
        text += f" Stop reported: {SIGNAL_WORDS[record.stop_signal].lower()}"
        text += f", during {names.get(during, during)}." if during else "."
    return text


def _pain(
    patient_ref: dict[str, str], session_id: str, moment: str, score: int, at: datetime
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _id(session_id, "pain", moment),
        "status": "final",
        "category": _category("survey", "Survey"),
        "code": {
            "coding": [_coding(LOINC, PAIN_SCORE)],
            "text": f"Pain {moment} stretching (0 none, 10 worst)",
        },
        "subject": patient_ref,
        "effectiveDateTime": _instant(at),
        "valueQuantity": {"value": score, "unit": "{score}", "system": UCUM, "code": "{score}"},
    }


def session_observations(
    record: SessionRecord, patient_id: str, names: dict[str, str]
) -> list[dict[str, Any]]:
    """Return the session's Observation followed by one Observation per pain rating."""
    session_id = _id(patient_id, "session", record.uuid)
    patient_ref = _ref(patient_id)
    ended = record.ended_at or record.started_at
    ratings = []
    if record.pain_before is not None:
        before = _pain(patient_ref, session_id, "before", record.pain_before, record.started_at)
        ratings.append(before)
    if record.pain_after is not None:
        ratings.append(_pain(patient_ref, session_id, "after", record.pain_after, ended))
    session: dict[str, Any] = {
        "resourceType": "Observation",
        "id": session_id,
        "status": "preliminary" if record.status is SessionStatus.IN_PROGRESS else "final",
        "category": _category("activity", "Activity"),
        "code": {
            "coding": [_coding(LOINC, EXERCISE_DURATION)],
            "text": "Time spent stretching in one session",
        },
        "subject": patient_ref,
        "effectivePeriod": {"start": _instant(record.started_at), "end": _instant(ended)},
        "valueQuantity": {
            "value": round(record.done_seconds / 60, 1),
            "unit": "min",
            "system": UCUM,
            "code": "min",
        },
        "component": [
            {
                "code": {"coding": [_coding(LOINC, EXERCISE_ACTIVITY)]},
                "valueCodeableConcept": {"text": "Stretching"},
            }
        ],
        "note": [{"text": _how_it_ended(record, names)}],
    }
    if ratings:
        session["hasMember"] = [_ref(rating["id"]) for rating in ratings]
    return [session, *ratings]


def checkin_response(checkin: CheckinRecord, patient_id: str) -> dict[str, Any]:
    """Return one activity check-in as a QuestionnaireResponse of the PSFS's items."""
    activities = []
    for number, activity in enumerate(checkin.activities, start=1):
        link = f"activity-{number}"
        activities.append(
            {
                "linkId": link,
                "text": f"Activity {number}",
                "item": [
                    {
                        "linkId": f"{link}-name",
                        "text": "An everyday activity the person finds hard",
                        "answer": [{"valueString": activity.name}],
                    },
                    {
                        "linkId": f"{link}-score",
                        "text": "How well they can do it now (0 unable, 10 as well as before)",
                        "answer": [{"valueInteger": activity.score}],
                    },
                ],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": _id(patient_id, "checkin", _instant(checkin.at)),
        "status": "completed",
        "subject": _ref(patient_id),
        "authored": _instant(checkin.at),
        "item": [
            {
                "linkId": "psfs",
                "text": "Patient-Specific Functional Scale",
                "item": [
                    *activities,
                    {
                        "linkId": "psfs-average",
                        "text": "Average of the ratings (0-10)",
                        "answer": [{"valueDecimal": round(checkin.mean, 1)}],
                    },
                ],
            }
        ],
    }


def _conclusion(summary: ClinicianSummary) -> str:
    done = len(summary.done)
    text = (
        f"{done} {'session' if done == 1 else 'sessions'} with stretching from "
        f"{day_text(summary.start)} to {day_text(summary.end)}, against a target of "
        f"{summary.target_words}; {summary.totals.minutes:g} minutes in all."
    )
    pain = summary.pain
    if pain.mean_before is not None and pain.mean_after is not None:
        text += f" Pain averaged {pain.mean_before:g} before and {pain.mean_after:g} after."
    if summary.stops:
        text += f" {len(summary.stops)} stop(s) reported."
    return text


def report(
    summary: ClinicianSummary, patient_id: str, pdf: bytes, results: list[str]
) -> dict[str, Any]:
    """Return the DiagnosticReport that carries the summary's PDF."""
    span = f"{summary.start.isoformat()} to {summary.end.isoformat()}"
    found: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": _id(patient_id, "summary", summary.start.isoformat(), summary.end.isoformat()),
        "status": "final",
        "code": {"text": REPORT_TITLE},
        "subject": _ref(patient_id),
        "effectivePeriod": {"start": summary.start.isoformat(), "end": summary.end.isoformat()},
        "issued": _instant(summary.made_at),
        "conclusion": _conclusion(summary),
        "presentedForm": [
            {
                "contentType": "application/pdf",
                "language": "en",
                "data": base64.b64encode(pdf).decode("ascii"),
                "title": f"{REPORT_TITLE}, {span}",
                "creation": _instant(summary.made_at),
            }
        ],
    }
    if results:  # FHIR JSON has no empty lists
        found["result"] = [_ref(result) for result in results]
    return found


def exported_sessions(summary: ClinicianSummary) -> tuple[SessionRecord, ...]:
    """Return the sessions the bundle holds: some stretching done, or stopped with a signal."""
    return tuple(s for s in summary.sessions if s.counts or s.stop_signal is not None)


def bundle(
    summary: ClinicianSummary,
    *,
    patient_id: str,
    pdf: bytes,
    stretch_names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return the summary as a FHIR R4 Bundle of type collection, ready for `json.dumps`."""
    names = stretch_names or {}
    resources: list[dict[str, Any]] = [patient(patient_id)]
    observations = [
        resource
        for record in exported_sessions(summary)
        for resource in session_observations(record, patient_id, names)
    ]
    sessions = [
        o["id"] for o in observations if o["code"]["coding"][0]["code"] == EXERCISE_DURATION[0]
    ]
    resources.append(report(summary, patient_id, pdf, sessions))
    resources.extend(observations)
    resources.extend(checkin_response(checkin, patient_id) for checkin in summary.checkins)

    return {
        "resourceType": "Bundle",
        "id": _id(patient_id, "bundle", summary.start.isoformat(), summary.end.isoformat()),
        "type": "collection",
        "timestamp": _instant(summary.made_at),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
