"""批量导入 over HTTP: a multipart upload, the report, the batch reviewed and confirmed whole by two other officers
(or row by row), the importer and the reviewer refused, and the templates."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import asyncpg
import httpx
from openpyxl import load_workbook

from api.settings import Settings
from domain.access import OfficerRole, Principal
from domain.rules.catalog import SubjectClass
from domain.rules.import_layout import HEADINGS, KEYS
from tests.support.factories import GraphQL, auth, error_codes, insert_subject, officer
from tests.support.imports import csv_bytes, row

IMPORTER = officer("340102")
REVIEWER = officer("340102", OfficerRole.REVIEWER)
CONFIRMER = officer("340102", OfficerRole.REVIEWER, id="340102-confirmer")
YEAR = date.today().year
UPLOAD = """mutation($file: Upload!, $source: String!) {
  importRecords(file: $file, source: $source, cycleYear: YEAR) {
    rowsRead rowsAccepted rowsRejected rowsAlreadyImported encoding fileFormat reportCsv
    rejections { line column columnName reason }
    batch { id source importedBy byStatus { status count } rows { line sourceId recordId status } } } }""".replace("YEAR", str(YEAR))
BATCH = "fragment B on ImportBatch { id byStatus { status count } }"
REVIEW = BATCH + " mutation($id: ID!) { reviewImportBatch(id: $id, approve: true) { ...B } }"
CONFIRM = BATCH + " mutation($id: ID!) { confirmImportBatch(id: $id) { ...B } }"


async def upload(client: httpx.AsyncClient, settings: Settings, data: bytes, *, who: Principal = IMPORTER,
                 name: str = "records.csv") -> dict[str, Any]:
    response = await client.post(
        "/graphql", headers=auth(settings, who),
        data={"operations": json.dumps({"query": UPLOAD, "variables": {"file": None, "source": "智能审核系统"}}),
              "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, data, "text/csv")})
    return dict(response.json())


def counts(batch: dict[str, Any]) -> dict[str, int]:
    return {c["status"]: c["count"] for c in batch["byStatus"]}


async def test_an_uploaded_file_becomes_a_batch_that_two_other_officers_review_and_confirm_whole(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    codes = [str(await conn.fetchval("SELECT code FROM subject WHERE id = $1", await insert_subject(
        conn, region="340102", subject_class=SubjectClass.RETAIL_PHARMACY))) for _ in range(3)]
    day = f"{YEAR}-01-02"
    data = csv_bytes([row("A-1", codes[0], occurred_on=day), row("A-2", codes[1], occurred_on=day),
                      row("A-3", codes[2], occurred_on=day, amount="1,000"),
                      row("A-4", codes[2], occurred_on=day)], header=HEADINGS, encoding="gbk")
    body = await upload(client, settings, data)
    result = body["data"]["importRecords"]
    assert (result["rowsRead"], result["rowsAccepted"], result["rowsRejected"]) == (4, 3, 1)
    assert result["encoding"] == "gb18030" and result["fileFormat"] == "csv"
    assert [(r["line"], r["columnName"]) for r in result["rejections"]] == [(4, "金额（元）")]
    assert result["reportCsv"].lstrip("\ufeff").splitlines()[1].startswith("4,6,金额（元）,")
    batch = result["batch"]
    assert batch["importedBy"] == "340102-officer" and counts(batch) == {"ENTERED": 3}
    gql = GraphQL(client, settings)
    # Row by row: one record sent back by the reviewer through the ordinary mutation.
    first = batch["rows"][0]["recordId"]
    sent_back = await gql('mutation($id: ID!) { reviewRecord(id: $id, approve: false, reason: "金额待核实") '
                          '{ status } }', {"id": first}, as_=REVIEWER)
    assert sent_back["data"]["reviewRecord"]["status"] == "REJECTED"
    refused = await gql(REVIEW, {"id": batch["id"]}, as_=IMPORTER)
    assert error_codes(refused) == ["FORBIDDEN"]  # an entering officer's role does not review at all
    # The same person holding a reviewer's role as well is refused by separation of duties (the workflow rule).
    refused = await gql(REVIEW, {"id": batch["id"]}, as_=officer("340102", OfficerRole.REVIEWER, id=IMPORTER.id))
    assert error_codes(refused) == ["CONFLICT"] and "录入人不能审核" in refused["errors"][0]["message"]
    reviewed = await gql(REVIEW, {"id": batch["id"]}, as_=REVIEWER)
    assert counts(reviewed["data"]["reviewImportBatch"]) == {"REJECTED": 1, "REVIEWED": 2}
    refused = await gql(CONFIRM, {"id": batch["id"]}, as_=REVIEWER)
    assert error_codes(refused) == ["CONFLICT"] and "审核人不能再确认" in refused["errors"][0]["message"]
    confirmed = await gql(CONFIRM, {"id": batch["id"]}, as_=CONFIRMER)
    assert counts(confirmed["data"]["confirmImportBatch"]) == {"REJECTED": 1, "CONFIRMED": 2}
    again = await gql(CONFIRM, {"id": batch["id"]}, as_=CONFIRMER)
    assert error_codes(again) == ["CONFLICT"]
    events = await conn.fetch(
        """SELECT type, count(*) AS n FROM domain_event WHERE item_id IN (
               SELECT record_id FROM imported_record WHERE batch_id = $1::uuid) GROUP BY type ORDER BY type""",
        batch["id"])
    assert {r["type"]: r["n"] for r in events} == {"record.entered": 3, "record.rejected": 1,
                                                   "record.reviewed": 2, "record.confirmed": 2}
    steps = await conn.fetch(
        """SELECT e.action, e.actor_id, count(*) AS n FROM record_event e JOIN imported_record i
               ON i.record_id = e.record_id WHERE i.batch_id = $1::uuid GROUP BY 1, 2 ORDER BY 1, 2""", batch["id"])
    assert [(r["action"], r["actor_id"], r["n"]) for r in steps] == [
        ("confirm", "340102-confirmer", 2), ("enter", "340102-officer", 3),
        ("review_approve", "340102-reviewer", 2), ("review_reject", "340102-reviewer", 1)]


async def test_a_batch_outside_the_officers_subtree_is_not_found(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    code = str(await conn.fetchval("SELECT code FROM subject WHERE id = $1",
                                   await insert_subject(conn, region="340102")))
    body = await upload(client, settings, csv_bytes([row("N-1", code, occurred_on=f"{YEAR}-01-02")]))
    batch_id = body["data"]["importRecords"]["batch"]["id"]
    other = await GraphQL(client, settings)(REVIEW, {"id": batch_id}, as_=officer("340104", OfficerRole.REVIEWER))
    assert error_codes(other) == ["NOT_FOUND"]


async def test_an_upload_that_is_not_a_spreadsheet_is_refused_with_a_reason_and_writes_nothing(
        client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection) -> None:
    body = await upload(client, settings, b"\x89PNG\r\n\x1a\n\x00\x00\x00", name="photo.png")
    assert error_codes(body) == ["IMPORT_FILE_REFUSED"] and "不是 CSV 或 XLSX" in body["errors"][0]["message"]
    assert await conn.fetchval("SELECT count(*) FROM import_batch") == 0


async def test_an_upload_over_the_upload_cap_is_refused_before_it_is_parsed(
        client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.post(
        "/graphql", headers={**auth(settings, IMPORTER), "Content-Length": str(settings.upload_max_bytes + 1),
                             "Content-Type": "multipart/form-data; boundary=x"}, content=b"--x--")
    assert response.status_code == 413 and "超过上限" in response.json()["errors"][0]["message"]


async def test_the_templates_download_with_the_documented_headers(client: httpx.AsyncClient) -> None:
    text = (await client.get("/import/template.csv")).content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(KEYS)
    response = await client.get("/import/template.xlsx")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True)) == HEADINGS


async def test_a_file_variable_that_is_not_an_uploaded_part_is_invalid_input(
        client: httpx.AsyncClient, settings: Settings) -> None:
    body = await GraphQL(client, settings)(
        'mutation { importRecords(file: "x", source: "s") { rowsRead } }', as_=IMPORTER)
    assert error_codes(body) == ["INVALID_INPUT"]
