"""The FHIR R4 bundle of the clinician summary, validated with `fhir.resources`' R4B models."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from backstretch.render.fhir import bundle, exported_sessions
from backstretch.render.summary import ClinicianSummary
from tests.render.test_summary import summary

PATIENT = "3f1c2a9e-5b7d-4c1e-9a2b-7d4e6f8a0b1c"
PDF = b"%PDF-1.7 not really a PDF"
LOINC = "http://loinc.org"


@pytest.fixture(scope="module")
def made() -> ClinicianSummary:
    return summary()


@pytest.fixture(scope="module")
def document(made: ClinicianSummary) -> dict[str, Any]:
    return bundle(
        made, patient_id=PATIENT, pdf=PDF, stretch_names={"knee-to-chest": "Knee-to-chest"}
    )


def resources(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def codes(resource: dict[str, Any]) -> list[str]:
    return [c["code"] for c in resource["code"].get("coding", []) if c["system"] == LOINC]


def test_the_bundle_validates_as_fhir_r4(document: dict[str, Any]) -> None:
    # Through JSON, as a receiving system reads it.
    parsed = Bundle.model_validate_json(json.dumps(document))
    assert parsed.type == "collection"
    assert len(parsed.entry or []) == len(document["entry"])


BREAKAGES: dict[str, Any] = {
    "an Observation without its status": lambda d: resources(d, "Observation")[0].pop("status"),
    "minutes that are not a number": lambda d: resources(d, "Observation")[0][
        "valueQuantity"
    ].update(value="ten"),
    "a bundle without its type": lambda d: d.pop("type"),
    "a date that is not one": lambda d: d.update(timestamp="2nd of November"),
    "a check-in answer of the wrong shape": lambda d: resources(d, "QuestionnaireResponse")[0][
        "item"
    ][0].update(answer="7"),
    "a report without its code": lambda d: resources(d, "DiagnosticReport")[0].pop("code"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_validation_fails_on_a_broken_bundle(document: dict[str, Any], breakage: str) -> None:
    broken = copy.deepcopy(document)
    BREAKAGES[breakage](broken)
    with pytest.raises(ValidationError):
        Bundle.model_validate(broken)


def test_one_patient_with_no_name_and_every_reference_resolves(document: dict[str, Any]) -> None:
    (patient,) = resources(document, "Patient")
    assert patient["id"] == PATIENT
    assert set(patient) == {"resourceType", "id", "meta"}  # no name, birth date or contact
    assert patient["meta"]["security"][0]["code"] == "PSEUDED"
    urls = {entry["fullUrl"] for entry in document["entry"]}
    assert all(
        entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}" for entry in document["entry"]
    )
    text = json.dumps(document)
    references = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
    assert references and references <= urls
    assert all(
        r["subject"]["reference"] == f"urn:uuid:{PATIENT}"
        for r in resources(document, "Observation")
    )


def test_one_observation_per_session_and_one_per_pain_rating(
    document: dict[str, Any], made: ClinicianSummary
) -> None:
    observations = resources(document, "Observation")
    counted = Counter(code for o in observations for code in codes(o))
    exported = exported_sessions(made)
    assert len(exported) == 9  # with stretching done; the abandoned one without is left out
    ratings = sum((s.pain_before is not None) + (s.pain_after is not None) for s in exported)
    assert counted == {"55411-3": 9, "72514-3": ratings}
    sessions = [o for o in observations if codes(o) == ["55411-3"]]
    assert [o["valueQuantity"]["value"] for o in sessions] == [8, 8, 8, 8, 2, 8, 8, 8, 8]
    assert {o["valueQuantity"]["code"] for o in sessions} == {"min"}
    by_id = {o["id"]: o for o in observations}
    first = sessions[0]
    before, after = (by_id[m["reference"].removeprefix("urn:uuid:")] for m in first["hasMember"])
    assert (before["valueQuantity"]["value"], after["valueQuantity"]["value"]) == (5, 3)
    assert before["effectiveDateTime"] == first["effectivePeriod"]["start"]
    assert after["effectiveDateTime"] == first["effectivePeriod"]["end"]
    stopped = sessions[4]
    assert "numbness or tingling, during Knee-to-chest" in stopped["note"][0]["text"]


def test_one_questionnaire_response_per_checkin_in_the_range(document: dict[str, Any]) -> None:
    responses = resources(document, "QuestionnaireResponse")
    assert len(responses) == 3
    last = responses[-1]["item"][0]
    assert last["text"] == "Patient-Specific Functional Scale"
    first_activity = last["item"][0]["item"]
    assert first_activity[0]["answer"] == [{"valueString": "carrying shopping"}]
    assert first_activity[1]["answer"] == [{"valueInteger": 7}]
    assert last["item"][-1]["answer"] == [{"valueDecimal": 6.0}]


def test_the_report_carries_the_pdf_and_points_at_the_sessions(document: dict[str, Any]) -> None:
    (report,) = resources(document, "DiagnosticReport")
    (form,) = report["presentedForm"]
    assert form["contentType"] == "application/pdf"
    assert base64.b64decode(form["data"]) == PDF
    assert report["effectivePeriod"] == {"start": "2026-10-06", "end": "2026-11-02"}
    assert len(report["result"]) == 9
    assert "9 sessions with stretching from 6 Oct 2026 to 2 Nov 2026" in report["conclusion"]


def test_the_same_records_give_the_same_bundle(made: ClinicianSummary) -> None:
    one = bundle(made, patient_id=PATIENT, pdf=PDF)
    assert one == bundle(made, patient_id=PATIENT, pdf=PDF)
    other = bundle(made, patient_id="0b6a1d8e-2c3f-4a5b-8c7d-9e0f1a2b3c4d", pdf=PDF)
    assert {e["fullUrl"] for e in one["entry"]}.isdisjoint({e["fullUrl"] for e in other["entry"]})


def test_a_real_pdf_travels_inside_and_reads_back(made: ClinicianSummary, tmp_path: Path) -> None:
    from backstretch.render.summary import summary_pdf

    document = bundle(made, patient_id=PATIENT, pdf=summary_pdf(made))
    Bundle.model_validate(document)
    (report,) = resources(document, "DiagnosticReport")
    path = tmp_path / "inside.pdf"
    path.write_bytes(base64.b64decode(report["presentedForm"][0]["data"]))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Stretching summary: 6 Oct 2026 to 2 Nov 2026" in text


def test_an_empty_range_is_a_valid_bundle_with_its_report() -> None:
    from datetime import date

    empty = bundle(
        summary(start=date(2026, 3, 2), end=date(2026, 3, 29)), patient_id=PATIENT, pdf=PDF
    )
    Bundle.model_validate(empty)
    kinds = [e["resource"]["resourceType"] for e in empty["entry"]]
    assert kinds == ["Patient", "DiagnosticReport"]
    (report,) = resources(empty, "DiagnosticReport")
    assert "result" not in report  # FHIR has no empty lists: the element is left out
