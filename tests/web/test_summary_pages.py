"""The clinician summary's downloads on the data page: a PDF and a FHIR bundle, for one person."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from tests.fakes import FakeNow
from tests.services.summary_history import SESSIONS_DONE, record_history
from tests.web.conftest import local_person, services_of
from tests.web.test_isolation import account_id


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(content)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


@pytest.fixture
def history(client: TestClient, clock: FakeNow) -> TestClient:
    record_history(local_person(client), clock)
    return client


def test_the_data_page_offers_both_downloads_with_dates(client: TestClient) -> None:
    page = client.get("/data").text
    assert 'action="/data/summary.pdf"' in page
    assert 'formaction="/data/summary.fhir.json"' in page
    assert 'type="date" name="from"' in page and 'type="date" name="to"' in page
    assert "Clinician summary (PDF)" in page and "FHIR bundle (JSON)" in page


def test_the_pdf_download(history: TestClient, tmp_path: Path) -> None:
    answer = history.get("/data/summary.pdf", params={"from": "", "to": "", "paper": "a4"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert (
        'filename="backstretch-summary-2026-10-06-to-2026-11-02.pdf"'
        in answer.headers["content-disposition"]
    )
    text = pdf_text(answer.content, tmp_path)
    assert "Stretching summary: 6 Oct 2026 to 2 Nov 2026" in text
    assert f"{SESSIONS_DONE} 2 of 4" in text
    assert "Numbness or tingling" in text


def test_the_fhir_download_validates(history: TestClient) -> None:
    answer = history.get(
        "/data/summary.fhir.json", params={"from": "2026-10-13", "to": "2026-10-19"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    document = answer.json()
    Bundle.model_validate(document)
    codes = [
        coding["code"]
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == "Observation"
        for coding in entry["resource"]["code"]["coding"]
    ]
    # 13 Oct (rated before and after) and the stop on 15 Oct (rated before only).
    assert codes.count("55411-3") == 2
    assert codes.count("72514-3") == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-10-20", "to": "2026-10-01"}, "from: 2026-10-20 is after to (2026-10-01)"),
        ({"from": "yesterday"}, "from: expected a date as YYYY-MM-DD, not 'yesterday'"),
        ({"paper": "a3"}, "paper: 'a3' is not a paper size; choose a4 or letter"),
    ],
)
@pytest.mark.parametrize("path", ["/data/summary.pdf", "/data/summary.fhir.json"])
def test_bad_input_is_422_with_the_reason(
    client: TestClient, path: str, params: dict[str, str], message: str
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == 422
    assert answer.json()["detail"] == message
    page = client.get(path, params=params, headers={"accept": "text/html"})
    assert page.status_code == 422
    assert message.replace("'", "&#39;") in page.text


def test_an_empty_range_is_a_document_not_an_error(client: TestClient, tmp_path: Path) -> None:
    answer = client.get("/data/summary.pdf")
    assert answer.status_code == 200
    assert "No sessions in this range." in pdf_text(answer.content, tmp_path)


def test_each_person_gets_only_their_own_summary(
    person: Callable[[str], TestClient], accounts_app: Any, clock: FakeNow, tmp_path: Path
) -> None:
    ann, bob = person("ann"), person("bob")
    record_history(services_of(accounts_app).person(account_id(accounts_app, "ann")), clock)
    ann_pdf = pdf_text(ann.get("/data/summary.pdf").content, tmp_path)
    bob_pdf = pdf_text(bob.get("/data/summary.pdf").content, tmp_path)
    assert "Numbness or tingling" in ann_pdf
    assert "No sessions in this range." in bob_pdf
    ann_patient = ann.get("/data/summary.fhir.json").json()["entry"][0]["resource"]["id"]
    bob_patient = bob.get("/data/summary.fhir.json").json()["entry"][0]["resource"]["id"]
    assert ann_patient != bob_patient
