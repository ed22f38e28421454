"""批量导入 for officers: upload a CSV or XLSX file (GraphQL multipart request), read a batch, act on it whole.

The file travels as the ``Upload`` scalar of the GraphQL multipart request specification
(github.com/jaydenseric/graphql-multipart-request-spec, which Apollo, urql and Altair clients speak), not as a
base64 string: no third more bytes on the wire, and the server spools the part to disk instead of holding a JSON
string of the whole file in memory. ``api/uploads.py`` parses the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from domain.errors import InvalidInput
from domain.imports import batch as batches
from domain.imports.reader import DEFAULT_MAX_BYTES
from domain.imports.report import report_csv
from domain.imports.service import import_records
from domain.paging import page_size
from domain.rules.workflow import RecordAction
from schema.context import Context, parse_uuid
from schema.enums import RecordStatus
from schema.types import Region, region_of

MAX_REJECTIONS = 1000


@strawberry.type(description="导入校验报告的一行: a refused cell (column 0: the row as a whole) and why.")
class ImportRejection:
    line: int
    column: int
    column_name: str
    reason: str


@strawberry.type(description="How many records of a batch stand in one workflow state.")
class ImportStatusCount:
    status: RecordStatus  # type: ignore[valid-type]
    count: int


@strawberry.type(description="One imported row: its line and source id, and its record (act on it row by row).")
class ImportedRow:
    line: int
    source_id: str
    record_id: strawberry.ID
    subject_id: strawberry.ID
    status: RecordStatus  # type: ignore[valid-type]


@strawberry.type(description="批量导入批次: the accepted rows of one import, attributed to the officer and source.")
class ImportBatch:
    id: strawberry.ID
    region: Region
    source: str
    file_name: str
    file_format: str
    encoding: str | None
    cycle_year: int
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_already_imported: int
    imported_by: str
    imported_at: datetime
    by_status: list[ImportStatusCount]

    @classmethod
    def of(cls, b: batches.ImportBatchView) -> ImportBatch:
        return cls(id=strawberry.ID(str(b.id)), region=region_of(b.region_code), source=b.source,
                   file_name=b.file_name, file_format=b.file_format, encoding=b.encoding, cycle_year=b.cycle_year,
                   rows_read=b.rows_read, rows_accepted=b.rows_accepted, rows_rejected=b.rows_rejected,
                   rows_already_imported=b.rows_already, imported_by=b.imported_by, imported_at=b.imported_at,
                   by_status=[ImportStatusCount(status=s, count=n) for s, n in sorted(b.by_status.items())])

    @strawberry.field(description="The batch's rows in file order, after line afterLine.")
    async def rows(self, info: Info[Context, None], first: int = 100, after_line: int = 0) -> list[ImportedRow]:
        ctx = info.context
        found = await batches.batch_rows(session=await ctx.session(), access=ctx.access,
                                         batch_id=parse_uuid(self.id, field="id"),
                                         first=page_size(first, maximum=ctx.max_page_size), after_line=after_line)
        return [ImportedRow(line=r.line, source_id=r.source_id, record_id=strawberry.ID(str(r.record_id)),
                            subject_id=strawberry.ID(str(r.subject_id)), status=r.status) for r in found]


@strawberry.type(description="What an import did: the batch it wrote (null: nothing written) and the report.")
class ImportResult:
    batch: ImportBatch | None
    file_format: str
    encoding: str | None = strawberry.field(description="The CSV's detected encoding (utf-8, utf-8-sig, gb18030).")
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_already_imported: int = strawberry.field(description="Rows whose source id this source imported before.")
    rejections: list[ImportRejection] = strawberry.field(description=f"The first {MAX_REJECTIONS} refused cells.")
    report_csv: str = strawberry.field(description="The whole report as CSV (行号,列号,列名,原因), to save as a file.")


async def _batch(ctx: Context, id: strawberry.ID) -> ImportBatch:
    view = await batches.get_batch(session=await ctx.session(), access=ctx.access, id=parse_uuid(id, field="id"))
    return ImportBatch.of(view)


@strawberry.type
class ImportQuery:
    @strawberry.field(description="An import batch in your subtree, with its records counted by state.")
    async def import_batch(self, info: Info[Context, None], id: strawberry.ID) -> ImportBatch:
        return await _batch(info.context, id)


@strawberry.type
class ImportMutation:
    @strawberry.mutation(description="批量导入: import a CSV or XLSX file of records (layout: docs/IMPORT.md) as a "
                                     "multipart upload; checked whole before anything is written. strict: write "
                                     "nothing if any row is refused.")
    async def import_records(self, info: Info[Context, None], file: Upload, source: str,
                             cycle_year: int | None = None, strict: bool = False) -> ImportResult:
        ctx = info.context
        upload: Any = file
        if not hasattr(upload, "file") or not hasattr(upload.file, "seek"):
            raise InvalidInput("file 须为 multipart 请求中上传的文件（GraphQL multipart request）。",
                               en="file must be a file part of a GraphQL multipart request.", field="file")
        name = str(getattr(upload, "filename", None) or "upload")
        stream = upload.file
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        today = ctx.today()
        session = await ctx.session()
        outcome = await import_records(session=session, access=ctx.access, source=source, file_name=name,
                                       stream=stream, size=size, cycle_year=cycle_year or today.year, today=today,
                                       max_bytes=DEFAULT_MAX_BYTES, strict=strict)
        batch = await _batch(ctx, strawberry.ID(str(outcome.batch_id))) if outcome.batch_id else None
        return ImportResult(
            batch=batch, file_format=outcome.file_format, encoding=outcome.encoding, rows_read=outcome.rows_read,
            rows_accepted=outcome.accepted, rows_rejected=outcome.rejected,
            rows_already_imported=outcome.already_imported,
            rejections=[ImportRejection(line=p.line, column=p.column, column_name=p.column_name, reason=p.reason)
                        for p in outcome.problems[:MAX_REJECTIONS]],
            report_csv=report_csv(outcome.problems))

    @strawberry.mutation(description="审核整批: approve (or, with a reason, reject) every record of a batch awaiting "
                                     "review; the importer may not (录入、审核 by different officers).")
    async def review_import_batch(self, info: Info[Context, None], id: strawberry.ID, approve: bool,
                                  reason: str | None = None) -> ImportBatch:
        ctx = info.context
        action = RecordAction.REVIEW_APPROVE if approve else RecordAction.REVIEW_REJECT
        await batches.act_on_batch(session=await ctx.session(), access=ctx.access,
                                   batch_id=parse_uuid(id, field="id"), action=action, reason=reason)
        return await _batch(ctx, id)

    @strawberry.mutation(description="确认整批: confirm every reviewed record of a batch; neither the importer nor "
                                     "the reviewer may.")
    async def confirm_import_batch(self, info: Info[Context, None], id: strawberry.ID) -> ImportBatch:
        ctx = info.context
        await batches.act_on_batch(session=await ctx.session(), access=ctx.access,
                                   batch_id=parse_uuid(id, field="id"), action=RecordAction.CONFIRM)
        return await _batch(ctx, id)
