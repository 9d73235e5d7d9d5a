"""Settings that change what people see, and their data: export, import, delete."""

from __future__ import annotations

import io
import json
import zipfile

from fastapi.testclient import TestClient

from tests.db.test_portability import without_ids
from tests.factories import all_no_answers

GOOD = {"lead_in_seconds": "8", "emergency_region": "uk", "timezone": "Asia/Tokyo", "voice": "on"}


def test_settings_are_saved_and_shown(client: TestClient) -> None:
    page = client.post("/settings", data=GOOD)
    assert page.url.path == "/settings" and "Saved." in page.text
    assert 'value="8"' in page.text
    assert "<option selected>Asia/Tokyo</option>" in page.text
    assert "call 999 (or 112)" in page.text


def test_the_emergency_number_setting_reaches_the_advice(client: TestClient) -> None:
    client.post("/settings", data={**GOOD, "emergency_region": "au"})
    assert "000" in client.get("/").text  # the disclaimer a first visit reads
    advice = client.post("/api/screen", json=all_no_answers(chest_pain=True)).json()
    assert "000" in advice["advice"]["text"]


def test_the_lead_in_setting_reaches_the_timeline(screened: TestClient) -> None:
    body = {"profile": {"areas": ["neck_shoulders"], "minutes": 5}}
    before = screened.post("/api/plan", json=body).json()["timeline"]
    screened.post("/settings", data={**GOOD, "lead_in_seconds": "12"})
    after = screened.post("/api/plan", json=body).json()["timeline"]
    assert before[0]["kind"] == after[0]["kind"] == "get_ready"
    assert (before[0]["duration_ms"], after[0]["duration_ms"]) == (5000, 12000)


def test_voice_off_is_kept(client: TestClient) -> None:
    client.post("/settings", data={**GOOD, "voice": ""})
    assert "checked" not in client.get("/settings").text.split('name="voice"')[1].split(">")[0]


def test_bad_settings_are_named_and_nothing_changes(client: TestClient) -> None:
    for field, value in (
        ("lead_in_seconds", "99"),
        ("lead_in_seconds", "soon"),
        ("emergency_region", "atlantis"),
        ("timezone", "Mars/Olympus"),
    ):
        answer = client.post("/settings", data={**GOOD, field: value})
        assert answer.status_code == 422, field
        assert field in answer.text
    assert 'value="5"' in client.get("/settings").text  # still the default lead-in


def test_export_both_formats_then_delete_then_import(screened: TestClient) -> None:
    screened.post("/profile", data={"areas": ["lower_back"], "minutes": "10"})
    exported = screened.get("/data/export.json")
    assert "attachment" in exported.headers["content-disposition"]
    document = exported.json()
    assert document["format"] == "backstretch-export"
    assert len(document["tables"]["screenings"]) == 1
    archive = zipfile.ZipFile(io.BytesIO(screened.get("/data/export.zip").content))
    assert "screenings.csv" in archive.namelist()

    refused = screened.post("/data/delete", data={"confirm": "yes please"})
    assert refused.status_code == 422 and "Nothing was deleted" in refused.text
    assert "1 screening" in screened.get("/data").text

    upload = {"file": ("mine.json", json.dumps(document).encode(), "application/json")}
    mixed = screened.post("/data/import", files=upload)
    assert mixed.status_code == 409 and "never mixes" in mixed.text

    deleted = screened.post("/data/delete", data={"confirm": "delete"})
    assert "Everything was deleted" in deleted.text and "Stored now: nothing" in deleted.text
    assert screened.get("/plan", follow_redirects=False).headers["location"] == "/profile"

    restored = screened.post("/data/import", files=upload)
    assert restored.status_code == 200 and "imported" in restored.text
    # The same rows; the database gives new ids.
    assert without_ids(screened.get("/data/export.json").json()) == without_ids(document)


def test_a_bad_import_file_is_refused_whole_with_the_place(client: TestClient) -> None:
    cases = {
        b"not json at all": "not valid JSON (line 1, column 1",
        b'{"format": "something-else"}': "exported_at: missing",
        b"\xff\xfe": "not a text file",
        b'{"version": NaN}': "NaN is not a JSON number",
    }
    for content, message in cases.items():
        answer = client.post("/data/import", files={"file": ("x.json", content, "text/plain")})
        assert answer.status_code == 422, content
        assert message in answer.text, (content, answer.text[-600:])
    assert "Stored now: nothing" in client.get("/data").text
