"""批量导入 on PostgreSQL: the report line by line, idempotent reruns, every bad input refused with nothing written."""

from __future__ import annotations

import io
import uuid
from datetime import date

import asyncpg
import pytest
from stdnum.cn import uscc

from authz.authorizer import default_authorizer
from domain.access import Access, OfficerRole, Principal
from domain.imports.reader import ImportFileRefused
from domain.imports.report import report_csv
from domain.imports.service import ImportOutcome, import_records
from domain.rules.catalog import SubjectClass
from domain.rules.import_layout import HEADINGS
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import insert_subject, officer
from tests.support.imports import csv_bytes, row, xlsx_bytes

TODAY = date(2026, 3, 1)
UNKNOWN = "91340102MA0000000" + uscc.calc_check_digit("91340102MA0000000")  # valid, but no subject has it
CYCLE = 2025


def access(principal: Principal) -> Access:
    return Access(principal=principal, authorizer=default_authorizer())


async def run(db: SingleConnectionDatabase, data: bytes, *, who: Principal | None = None, source: str = "现场检查系统",
              strict: bool = False, max_bytes: int = 10**9, name: str = "records.csv") -> ImportOutcome:
    a = access(who or officer("340102"))
    async with db.session(a.db_scope()) as s:
        return await import_records(session=s, access=a, source=source, file_name=name, stream=io.BytesIO(data),
                                    size=len(data), cycle_year=CYCLE, today=TODAY, max_bytes=max_bytes,
                                    strict=strict)


async def code_of(conn: asyncpg.Connection, subject: uuid.UUID) -> str:
    return str(await conn.fetchval("SELECT code FROM subject WHERE id = $1", subject))


async def imported(conn: asyncpg.Connection, source: str = "现场检查系统") -> int:
    return int(await conn.fetchval("SELECT count(*) FROM imported_record WHERE source = $1", source))


@pytest.fixture
async def codes(conn: asyncpg.Connection) -> dict[str, str]:
    """Two pharmacies in Yaohai (340102), one in Shushan (340104), and a person in Yaohai."""
    out = {}
    for name, region, cls in (("a", "340102", SubjectClass.RETAIL_PHARMACY), ("b", "340102", SubjectClass.RETAIL_PHARMACY),
                              ("elsewhere", "340104", SubjectClass.RETAIL_PHARMACY),
                              ("person", "340102", SubjectClass.INSURED_PERSON)):
        out[name] = await code_of(conn, await insert_subject(conn, region=region, subject_class=cls))
    return out


async def test_a_file_of_good_and_bad_rows_writes_the_good_ones_as_one_entered_batch_and_reports_each_bad_line(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    bad_check = codes["a"][:17] + ("0" if codes["a"][17] != "0" else "1")
    rows = [
        row("S-1", codes["a"]),
        row("S-2", bad_check),
        row("S-3", codes["b"], amount="12.345"),
        row("S-4", codes["b"], occurred_on="2024-12-31"),
        row("S-5", codes["elsewhere"]),
        row("S-6", UNKNOWN),
        row("S-7", codes["person"], kind="staff_points_unknown"),
        row("S-8", codes["person"], kind="约谈", amount="", title="约谈负责人"),
    ]
    outcome = await run(db, csv_bytes(rows))
    report = [(p.line, p.column_name, p.reason) for p in outcome.problems]
    assert [(line, column) for line, column, _ in report] == [
        (3, "主体代码"), (4, "金额（元）"), (5, "发生日期"), (6, "主体代码"), (7, "主体代码"), (8, "记录种类")]
    reasons = dict(((line, column), reason) for line, column, reason in report)
    assert "校验码" in reasons[(3, "主体代码")]
    assert "两位小数" in reasons[(4, "金额（元）")]
    assert "不在导入的评价年度 2025 年内" in reasons[(5, "发生日期")]
    assert "不在您的辖区" in reasons[(6, "主体代码")] and "340104" in reasons[(6, "主体代码")]
    assert f"系统中没有代码为 {UNKNOWN} 的信用主体" in reasons[(7, "主体代码")]
    assert "未知的记录种类" in reasons[(8, "记录种类")]
    assert outcome.rows_read == 8 and outcome.rejected == 6 and outcome.accepted == 2
    statuses = await conn.fetch(
        """SELECT r.status, r.entered_by, i.source_id, b.imported_by, b.source FROM imported_record i
           JOIN credit_record r ON r.id = i.record_id JOIN import_batch b ON b.id = i.batch_id ORDER BY i.line""")
    assert [(r["source_id"], r["status"], r["entered_by"], r["imported_by"], r["source"]) for r in statuses] == [
        ("S-1", "entered", "340102-officer", "340102-officer", "现场检查系统"),
        ("S-8", "entered", "340102-officer", "340102-officer", "现场检查系统")]
    events = await conn.fetchval(
        """SELECT count(*) FROM domain_event WHERE type = 'record.entered' AND payload ->> 'importBatch' = $1""",
        str(outcome.batch_id))
    assert events == 2
    csv_report = report_csv(outcome.problems).lstrip("\ufeff").splitlines()
    assert csv_report[0] == "行号,列号,列名,原因" and csv_report[1].startswith("3,2,主体代码,")


async def test_importing_the_same_file_again_or_an_overlapping_one_writes_nothing_twice(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    first = await run(db, csv_bytes([row("S-1", codes["a"]), row("S-2", codes["b"])]))
    assert first.accepted == 2
    again = await run(db, csv_bytes([row("S-1", codes["a"]), row("S-2", codes["b"])]))
    assert again.accepted == 0 and again.already_imported == 2 and again.batch_id is None
    overlap = await run(db, csv_bytes([row("S-2", codes["b"]), row("S-3", codes["b"])]))
    assert overlap.accepted == 1 and overlap.already_imported == 1
    assert await imported(conn) == 3
    other_source = await run(db, csv_bytes([row("S-1", codes["a"])]), source="智能审核系统")
    assert other_source.accepted == 1


async def test_an_xlsx_file_with_chinese_headings_and_number_cells_is_imported(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    r = row("X-1", codes["a"])
    r[5] = 60000  # a number cell, as Excel stores it
    bad = row("X-2", codes["b"])
    bad[5] = 12.345  # a number cell with a fraction of a fen
    outcome = await run(db, xlsx_bytes([r, bad], header=HEADINGS), name="records.xlsx")
    assert outcome.file_format == "xlsx" and outcome.accepted == 1
    assert [(p.line, p.column_name) for p in outcome.problems] == [(3, "金额（元）")]
    assert await conn.fetchval("SELECT amount::text FROM credit_record_version WHERE details ->> 'sourceId' = 'X-1'") \
        == "60000.00"


async def test_a_gbk_file_is_detected_imported_and_its_encoding_reported(
        db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    outcome = await run(db, csv_bytes([row("G-1", codes["a"])], header=HEADINGS, encoding="gbk"))
    assert outcome.encoding == "gb18030" and outcome.accepted == 1


async def test_a_strict_import_with_one_bad_row_writes_nothing(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    outcome = await run(db, csv_bytes([row("S-1", codes["a"]), row("S-2", codes["b"], amount="abc")]), strict=True)
    assert outcome.batch_id is None and outcome.rejected == 1
    assert await imported(conn) == 0


async def test_duplicate_source_ids_inside_one_file_reject_every_copy(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    outcome = await run(db, csv_bytes([row("D-1", codes["a"]), row("D-1", codes["b"]), row("D-2", codes["b"])]))
    assert [(p.line, p.column_name) for p in outcome.problems] == [(2, "来源记录号"), (3, "来源记录号")]
    assert "另见第 3 行" in outcome.problems[0].reason
    assert outcome.accepted == 1


async def test_rows_for_subjects_outside_the_importers_subtree_are_refused_and_not_written(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    outcome = await run(db, csv_bytes([row("O-1", codes["elsewhere"])]))
    assert outcome.batch_id is None and "不在您的辖区（340102）内" in outcome.problems[0].reason
    assert await conn.fetchval("SELECT count(*) FROM import_batch") == 0


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "文件是空的"),
    (b"\r\n\r\n", "没有表头"),
    (csv_bytes([], header=["id", "code", "kind"]), "表头第 1 列应为“来源记录号”"),
    (b"%PDF-1.4\x00\x01\x02binary", "不是 CSV 或 XLSX"),
    (b"PK\x03\x04not really a zip", "不是有效的 XLSX"),
    (csv_bytes([]), "只有表头"),
], ids=["empty", "blank-lines", "wrong-header", "not-a-spreadsheet", "broken-xlsx", "header-only"])
async def test_a_file_that_cannot_be_imported_is_refused_whole_with_a_reason_and_nothing_written(
        conn: asyncpg.Connection, db: SingleConnectionDatabase, data: bytes, expected: str) -> None:
    with pytest.raises(ImportFileRefused, match=expected):
        await run(db, data)
    assert await conn.fetchval("SELECT count(*) FROM import_batch") == 0


async def test_a_file_over_the_configured_size_cap_is_refused_before_it_is_read(
        db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    data = csv_bytes([row(f"S-{i}", codes["a"]) for i in range(50)])
    with pytest.raises(ImportFileRefused, match="超过导入上限 1,024 字节"):
        await run(db, data, max_bytes=1024)


async def test_a_province_officer_may_not_import_records(db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    from domain.errors import Forbidden

    with pytest.raises(Forbidden):
        await run(db, csv_bytes([row("P-1", codes["a"])]), who=officer("340000"))


async def test_a_reviewer_role_officer_is_an_importer_only_if_its_role_may_enter_records(
        db: SingleConnectionDatabase, codes: dict[str, str]) -> None:
    from domain.errors import Forbidden

    with pytest.raises(Forbidden):
        await run(db, csv_bytes([row("R-1", codes["a"])]), who=officer("340102", OfficerRole.REVIEWER))
