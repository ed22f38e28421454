"""批量导入: importing a CSV or XLSX file of credit records from another system as one batch.

Validation is complete before anything is written: every row is checked (``domain.rules.import_layout``), the
checked rows are COPY'd into a temporary staging table and checked against the archive there
(``domain.imports.staging``), and only then are the accepted rows written, set-based, by a handful of
``INSERT … SELECT`` statements (``domain.imports.writer``). All of it is the caller's one transaction, so an import
killed at any moment leaves nothing or the whole batch, and rerunning it finishes the job: rows whose
``(source, source_id)`` is already in the archive are skipped, never written twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden, InvalidInput
from domain.imports import staging, writer
from domain.imports.reader import ImportFileRefused, open_rows
from domain.rules.import_layout import RowProblem, check_row
from domain.session import Session

CHUNK_ROWS = 20_000
Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class ImportOutcome:
    """What one import did: the rows read, accepted, rejected (with the report) and already imported."""

    source: str
    file_name: str
    file_format: str
    encoding: str | None
    cycle_year: int
    rows_read: int = 0
    accepted: int = 0
    already_imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    batch_id: uuid.UUID | None = None  # None: nothing was written

    @property
    def rejected(self) -> int:
        return len({p.line for p in self.problems})


def check_source(source: str) -> str:
    """The source system's name, trimmed, or InvalidInput."""
    name = source.strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("来源系统名称须为 1 到 64 个字符（如 现场检查系统、智能审核系统）。",
                           en="The source system's name must have 1 to 64 characters.", field="source")
    return name


def _check_importer(access: Access) -> None:
    p = access.principal
    if p.kind is not PrincipalKind.OFFICER:
        raise Forbidden("只有医保部门工作人员可以批量导入信用记录。", en="Only bureau officers import records.",
                        resource="record", action="write")
    access.require("record", "write", region_code=p.region_code)


async def import_records(*, session: Session, access: Access, source: str, file_name: str, stream: IO[bytes],
                         size: int, cycle_year: int, today: date, max_bytes: int, strict: bool = False,
                         progress: Progress | None = None) -> ImportOutcome:
    """批量导入: check a whole file of records, then write the accepted rows as one batch in the entered state,
    attributed to the importing officer and the source; with ``strict`` any rejected row writes nothing."""
    _check_importer(access)
    source = check_source(source)
    if not 2000 <= cycle_year <= today.year:
        raise InvalidInput(f"评价年度须在 2000 年到 {today.year} 年之间。", en="The cycle year is out of range.",
                           field="cycleYear")
    opened, rows = open_rows(stream, size=size, max_bytes=max_bytes)
    outcome = ImportOutcome(source=source, file_name=file_name, file_format=opened.format, encoding=opened.encoding,
                            cycle_year=cycle_year)
    report = progress or (lambda phase, done, total: None)
    await staging.create(session)
    chunk: list[tuple[Any, ...]] = []
    codes: dict[str, str | None] = {}  # subject codes checked so far, this import only
    for line, cells in rows:
        outcome.rows_read += 1
        checked = check_row(cells, line=line, cycle_year=cycle_year, today=today, codes=codes)
        if isinstance(checked, list):
            outcome.problems.extend(checked)
            continue
        chunk.append(staging.as_record(checked))
        if len(chunk) >= CHUNK_ROWS:
            await staging.copy_rows(session, chunk)
            chunk = []
            report("read", _position(stream, size), size)
    if chunk:
        await staging.copy_rows(session, chunk)
    report("read", size, size)
    if outcome.rows_read == 0:
        raise ImportFileRefused("文件只有表头，没有记录。", en="The file has a header and no rows.", line=2)
    p = access.principal
    outcome.problems.extend(await staging.check(session, prefix=access.region_prefix, importer_region=p.region_code))
    outcome.problems.sort(key=lambda x: (x.line, x.column))
    report("check", 1, 1)
    if strict and outcome.problems:
        return outcome
    outcome.already_imported = await staging.already_imported(session, source=source)
    report("known", 1, 1)
    batch = await writer.write_batch(session=session, access=access, outcome=outcome,
                                     progress=lambda done, total: report("write", done, total))
    outcome.batch_id, outcome.accepted = batch
    return outcome


def _position(stream: IO[bytes], size: int) -> int:
    try:
        return min(stream.tell(), size)
    except (OSError, ValueError):
        return 0
