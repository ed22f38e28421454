"""An import batch in the workflow: reading a batch, and reviewing or confirming it as a whole.

Row by row, a batch's records are ordinary records (``reviewRecord`` / ``confirmRecord``). As a whole, the batch's
records that stand where the action applies are grouped by their workflow history (state, who entered, who
reviewed, version), ``domain.rules.workflow.transition`` decides each group once, exactly as it decides one
record, and one ``UPDATE … RETURNING`` feeding one ``INSERT`` of events moves the group. A refusal of any group
(the importer reviewing its own batch, the reviewer confirming) refuses the whole action: nothing is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.access import Access
from domain.archive import _EVENT, _PERMISSION
from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import AUDIENCES
from domain.rules.workflow import FORWARD_ACTIONS, RecordAction, RecordHistory, RecordState, transition
from domain.session import Session

BATCH_ACTIONS = (RecordAction.REVIEW_APPROVE, RecordAction.REVIEW_REJECT, RecordAction.CONFIRM)


@dataclass(frozen=True)
class ImportBatchView:
    """批量导入批次 with how many of its records stand in each workflow state."""

    id: uuid.UUID
    region_code: str
    source: str
    file_name: str
    file_format: str
    encoding: str | None
    cycle_year: int
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_already: int
    imported_by: str
    imported_at: datetime
    by_status: dict[RecordState, int]


async def get_batch(*, session: Session, access: Access, id: uuid.UUID) -> ImportBatchView:
    """One import batch in the principal's subtree, with its records counted by state."""
    access.read_prefix("record")
    row = await session.fetchrow("SELECT * FROM import_batch WHERE id = $1", id)
    if row is None:
        raise NotFound("您的辖区内没有该导入批次。", en="No such import batch in your region.", field="id")
    counts = await session.fetch(
        """SELECT r.status, count(*) AS n FROM imported_record i JOIN credit_record r ON r.id = i.record_id
           WHERE i.batch_id = $1 GROUP BY r.status""", id)
    return ImportBatchView(**dict(row.items()),
                           by_status={RecordState(r["status"]): int(r["n"]) for r in counts})


_GROUPS = """SELECT r.status, v.author_id, r.reviewed_by, r.current_version, r.effective_version, r.region_code,
                    count(*) AS n
             FROM imported_record i JOIN credit_record r ON r.id = i.record_id
             JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.current_version
             WHERE i.batch_id = $1 AND r.status = ANY($2::text[])
             GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"""

_MOVE = """WITH moved AS (
    UPDATE credit_record r SET status = $7, current_version = $8, effective_version = $9, reviewed_by = $10,
           confirmed_by = $11, updated_at = now()
    FROM imported_record i, credit_record_version v
    WHERE i.batch_id = $1 AND r.id = i.record_id AND v.record_id = r.id AND v.version = r.current_version
      AND r.status = $2 AND v.author_id = $3 AND r.reviewed_by IS NOT DISTINCT FROM $4 AND r.current_version = $5
      AND r.effective_version IS NOT DISTINCT FROM $6 AND r.region_code = $14
    RETURNING r.id, r.subject_id, r.region_code, i.line),
  logged AS (
    INSERT INTO record_event (record_id, subject_id, region_code, version, action, from_status, to_status, actor_id,
                              actor_kind, reason)
    SELECT id, subject_id, region_code, $8, $12, $2, $7, $13, 'officer', $15 FROM moved ORDER BY line
    RETURNING record_id)
SELECT array_agg(record_id) FROM logged"""


async def act_on_batch(*, session: Session, access: Access, batch_id: uuid.UUID, action: RecordAction,
                       reason: str | None = None) -> int:
    """审核/确认整批: take one workflow step on every record of a batch that stands where it applies, under the
    same rules as one record at a time; how many records moved."""
    if action not in BATCH_ACTIONS:
        raise InvalidInput("整批只能审核通过、退回或确认。", en="A batch can be approved, rejected or confirmed.",
                           field="action")
    await get_batch(session=session, access=access, id=batch_id)
    sources = [str(s) for s in RecordState if (s, action) in _FROM]
    groups = await session.fetch(_GROUPS, batch_id, sources)
    if not groups:
        raise Conflict("该批次中没有处于可执行此操作状态的记录。",
                       en="No record of this batch stands where this action applies.", action=str(action))
    actor = access.principal
    moved: list[uuid.UUID] = []
    for g in groups:
        access.require("record", _PERMISSION[action], region_code=g["region_code"])
        history = RecordHistory(entered_by=g["author_id"], reviewed_by=g["reviewed_by"], version=g["current_version"],
                                confirmed_version=g["effective_version"])
        step = transition(state=RecordState(g["status"]), action=action, actor_id=actor.id, history=history,
                          reason=reason)
        h = step.history
        ids = await session.fetchval(
            _MOVE, batch_id, g["status"], g["author_id"], g["reviewed_by"], g["current_version"],
            g["effective_version"], str(step.state), h.version, h.confirmed_version, h.reviewed_by, h.confirmed_by,
            str(action), actor.id, g["region_code"], step.reason)
        moved.extend(ids or [])
        _emit(session, action=action, ids=list(ids or []), status=step.state, reason=step.reason,
              actor=actor.actor)
    return len(moved)


# The states each batch action applies to (a subset of the workflow's table, asked of the rule, not copied).
_FROM = {(s, a) for s in RecordState for a in BATCH_ACTIONS if a in FORWARD_ACTIONS[s]}


def _emit(session: Session, *, action: RecordAction, ids: list[uuid.UUID], status: RecordState,
          reason: str | None, actor: str) -> None:
    """One event per moved record with the payload ``act_on_record`` gives it."""
    if not ids:
        return
    event = _EVENT[action]
    session.emit_query(
        """SELECT $1::text, r.region_code, r.subject_id, r.id, $2::text, $3::text[],
                  jsonb_strip_nulls(jsonb_build_object('recordId', r.id::text, 'kind', r.kind, 'category',
                      r.category, 'version', r.current_version, 'status', $4::text, 'reason', $5::text,
                      'cycleYear', extract(year FROM coalesce(v.occurred_on, current_date))::int)),
                  NULL::jsonb
           FROM credit_record r
           JOIN credit_record_version v ON v.record_id = r.id AND v.version = coalesce(r.effective_version,
                                                                                       r.current_version)
           WHERE r.id = ANY($6::uuid[]) ORDER BY r.id""",
        str(event), actor, sorted(str(a) for a in AUDIENCES[event]), str(status), reason, ids)


@dataclass(frozen=True)
class ImportedRowView:
    """One imported row of a batch: where it came from and where its record stands (act on it by record id)."""

    line: int
    source_id: str
    record_id: uuid.UUID
    subject_id: uuid.UUID
    status: RecordState


async def batch_rows(*, session: Session, access: Access, batch_id: uuid.UUID, first: int,
                     after_line: int = 0) -> list[ImportedRowView]:
    """A page of a batch's rows in file order, after line ``after_line``."""
    access.read_prefix("record")
    rows = await session.fetch(
        """SELECT i.line, i.source_id, i.record_id, i.subject_id, r.status FROM imported_record i
           JOIN credit_record r ON r.id = i.record_id
           WHERE i.batch_id = $1 AND i.line > $2 ORDER BY i.line LIMIT $3""", batch_id, after_line, first)
    return [ImportedRowView(line=r["line"], source_id=r["source_id"], record_id=r["record_id"],
                            subject_id=r["subject_id"], status=RecordState(r["status"])) for r in rows]
