"""Writing an import's accepted rows: one batch row, then the records, their first versions, their entry events
and their source ids, each one ``INSERT … SELECT`` from the staging table, and one ``record.entered`` event per
record, written by ``session.emit_query`` with the payload ``enterRecord`` gives it (plus the batch and source).

Per-record events rather than one batch event: consumers, webhooks and the change feed already understand
``record.entered``, and a batch event would be a second way of saying the same thing to every one of them; at a
million rows it is one more ``INSERT … SELECT`` (bench/bench_import.py measures it). The integrity chains are
written by the triggers of migration 0008 on every version and event row, exactly as for one-by-one entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from domain.access import Access
from domain.events import AUDIENCES, EventType
from domain.imports.staging import STAGING
from domain.rules.workflow import start_entry
from domain.session import Session

if TYPE_CHECKING:
    from domain.imports.service import ImportOutcome

_ACCEPTED = f"""CREATE TEMP TABLE import_accepted ON COMMIT DROP AS
    SELECT st.*, s.id AS subject_id, s.region_code FROM {STAGING} st JOIN import_subject s ON s.code = st.subject_code
    WHERE NOT EXISTS (SELECT 1 FROM import_rejected j WHERE j.line = st.line)"""


async def write_batch(*, session: Session, access: Access, outcome: ImportOutcome,
                      progress: Callable[[int, int], None]) -> tuple[uuid.UUID | None, int]:
    """Write the accepted rows as one batch in the entered state; (batch id, rows written), (None, 0) if none."""
    await session.execute(_ACCEPTED)
    accepted = int(await session.fetchval("SELECT count(*) FROM import_accepted"))
    if accepted == 0:
        return None, 0
    p = access.principal
    step = start_entry(actor_id=p.id)  # the same first step as enterRecord: who entered it, in which state
    steps = 5
    batch_id: uuid.UUID = await session.fetchval(
        """INSERT INTO import_batch (region_code, source, file_name, file_format, encoding, cycle_year, rows_read,
               rows_accepted, rows_rejected, rows_already, imported_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id""",
        p.region_code, outcome.source, outcome.file_name[:200], outcome.file_format, outcome.encoding,
        outcome.cycle_year, outcome.rows_read, accepted, outcome.rejected, outcome.already_imported, p.id)
    progress(1, steps)
    await session.execute(
        """INSERT INTO credit_record (id, subject_id, region_code, category, kind, status, department, entered_by)
           SELECT record_id, subject_id, region_code, category, kind, $1, coalesce(nullif($2, ''),
                  region_code || '医疗保障局'), $3
           FROM import_accepted ORDER BY line""",
        str(step.state), p.department, step.actor_id)
    progress(2, steps)
    await session.execute(
        """INSERT INTO credit_record_version (record_id, version, subject_id, region_code, title, facts, amount,
               occurred_on, decided_on, penalty, legal_basis, clauses, details, author_id, author_kind)
           SELECT record_id, 1, subject_id, region_code, title, facts, amount, occurred_on, decided_on, penalty,
                  legal_basis, clauses, jsonb_build_object('importBatch', $1::text, 'source', $2::text,
                  'sourceId', source_id), $3, 'officer'
           FROM import_accepted ORDER BY line""",
        str(batch_id), outcome.source, step.actor_id)
    progress(3, steps)
    await session.execute(
        """INSERT INTO record_event (record_id, subject_id, region_code, version, action, from_status, to_status,
               actor_id, actor_kind, reason)
           SELECT record_id, subject_id, region_code, 1, 'enter', NULL, $1, $2, 'officer', $3
           FROM import_accepted ORDER BY line""",
        str(step.state), step.actor_id, f"批量导入：{outcome.source}")
    progress(4, steps)
    await session.execute(
        """INSERT INTO imported_record (record_id, batch_id, source, source_id, line, subject_id, region_code)
           SELECT record_id, $1, $2, source_id, line, subject_id, region_code FROM import_accepted""",
        batch_id, outcome.source)
    audiences = sorted(str(a) for a in AUDIENCES[EventType.RECORD_ENTERED])
    session.emit_query(
        """SELECT $1::text, i.region_code, i.subject_id, i.record_id, $2::text, $3::text[],
                  jsonb_build_object('recordId', i.record_id::text, 'kind', r.kind, 'category', r.category,
                                     'version', 1, 'importBatch', $4::text, 'source', i.source),
                  NULL::jsonb
           FROM imported_record i JOIN credit_record r ON r.id = i.record_id
           WHERE i.batch_id = $5 ORDER BY i.line""",
        str(EventType.RECORD_ENTERED), p.actor, audiences, str(batch_id), batch_id)
    progress(5, steps)
    return batch_id, accepted
