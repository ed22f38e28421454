"""The staging table of one import: rows COPY'd in (asyncpg ``copy_records_to_table``, the binary COPY protocol),
then checked set-based against the archive: duplicate source ids in the file, unknown subjects, subjects outside
the importer's subtree, source ids imported before.

The table is a temporary one dropped at commit: it lives in the import's one transaction, so a killed import
leaves nothing behind, and rerunning it starts clean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.rules.import_layout import ImportRow, RowProblem, column_number
from domain.session import Session

STAGING = "import_staging"
COLUMNS = ("line", "source_id", "subject_code", "kind", "category", "title", "facts", "amount", "occurred_on",
           "decided_on", "legal_basis", "penalty", "clauses")

# Dropped first too: in a savepoint (the tests' transactions) ON COMMIT DROP waits for the outer commit.
_CREATE = f"""
DROP TABLE IF EXISTS pg_temp.{STAGING}, pg_temp.import_rejected, pg_temp.import_subject, pg_temp.import_accepted;
CREATE TEMP TABLE {STAGING} (
    line integer NOT NULL, source_id text NOT NULL, subject_code text NOT NULL, kind text NOT NULL,
    category text NOT NULL, title text NOT NULL, facts text, amount numeric(14, 2), occurred_on date,
    decided_on date, legal_basis text, penalty text, clauses text[] NOT NULL,
    record_id uuid NOT NULL DEFAULT gen_random_uuid()
) ON COMMIT DROP;
CREATE TEMP TABLE import_rejected (line integer NOT NULL) ON COMMIT DROP;
"""


def as_record(row: ImportRow) -> tuple[Any, ...]:
    """A checked row as the staging table's columns."""
    c = row.content
    return (row.line, row.source_id, row.subject_code, str(row.kind), str(row.kind.category), c.title, c.facts,
            c.amount, c.occurred_on, c.decided_on, c.legal_basis, c.penalty, list(c.clauses))


async def create(session: Session) -> None:
    """Create the transaction's staging tables."""
    await session.execute(_CREATE)


async def copy_rows(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """COPY a chunk of checked rows into the staging table."""
    # The import owns its session (no concurrent resolvers), so the COPY goes to the connection directly.
    await session.conn.copy_records_to_table(STAGING, records=rows, columns=COLUMNS)


async def check(session: Session, *, prefix: str, importer_region: str) -> list[RowProblem]:
    """The problems only the database can find, and each rejected line noted in ``import_rejected``."""
    problems: list[RowProblem] = []
    source_col, subject_col = column_number("source_id"), column_number("subject_code")
    for r in await session.fetch(
            f"""SELECT source_id, array_agg(line ORDER BY line) AS lines FROM {STAGING}
                GROUP BY source_id HAVING count(*) > 1"""):
        lines = list(r["lines"])
        for line in lines:
            others = "、".join(str(n) for n in lines if n != line)
            problems.append(RowProblem(line, source_col, f"来源记录号“{r['source_id']}”在文件中重复出现"
                                                         f"（另见第 {others} 行）；同一来源的记录号须唯一。"))
    # Subjects by code as the importer sees them (row-level security applies), then the rest past it.
    await session.execute(
        f"""CREATE TEMP TABLE import_subject ON COMMIT DROP AS
            SELECT DISTINCT ON (s.code) s.code, s.id, s.region_code FROM subject s
            WHERE s.code IN (SELECT DISTINCT subject_code FROM {STAGING}) AND s.region_code LIKE $1 || '%'
            ORDER BY s.code, s.created_at""", prefix)
    await session.execute("ANALYZE import_subject")
    missing = await session.fetch(
        f"""SELECT st.line, st.subject_code FROM {STAGING} st
            WHERE NOT EXISTS (SELECT 1 FROM import_subject s WHERE s.code = st.subject_code) ORDER BY st.line""")
    if missing:
        elsewhere = {r["code"]: r["region_code"] for r in await session.fetch(
            "SELECT code, region_code FROM yibao_import_subject_regions($1::text[])",
            sorted({r["subject_code"] for r in missing}))}
        for r in missing:
            code = r["subject_code"]
            if code in elsewhere:
                reason = (f"信用主体 {code} 属于行政区划 {elsewhere[code]}，不在您的辖区（{importer_region}）内；"
                          "请由该主体所在地的医保部门导入。")
            else:
                reason = f"系统中没有代码为 {code} 的信用主体；请先登记该主体，或核对代码。"
            problems.append(RowProblem(r["line"], subject_col, reason))
    lines = sorted({p.line for p in problems})
    if lines:
        await session.execute("INSERT INTO import_rejected SELECT unnest($1::int[])", lines)
    return problems


async def already_imported(session: Session, *, source: str) -> int:
    """Drop from staging the rows whose source id this source imported before (any region); how many."""
    # One import of a source at a time, so the check below and the INSERT that follows see the same past.
    await session.execute("SELECT pg_advisory_xact_lock(hashtext('yibao.import:' || $1))", source)
    count = await session.fetchval(
        f"""WITH known(id) AS (SELECT * FROM yibao_imported_source_ids($1, ARRAY(SELECT source_id FROM {STAGING})))
            , gone AS (DELETE FROM {STAGING} st USING known k WHERE st.source_id = k.id
                       AND NOT EXISTS (SELECT 1 FROM import_rejected j WHERE j.line = st.line) RETURNING 1)
            SELECT count(*) FROM gone""", source)
    return int(count or 0)
