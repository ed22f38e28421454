"""核验: recompute every chain and leaf from the rows and compare with the log and the exported signed heads.

Nothing stored is trusted: each entry hash is recomputed from the genesis of its subject's chain, each chained
row is rendered again (by the same SQL as the trigger) and compared with its newest entry, each leaf is rebuilt
from the recomputed entry hash, and the tree's root is compared with the newest head in the exported file whose
signature checks with the bureau's public key. The report names the first broken link of each subject.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.integrity import Sql
from domain.integrity_signing import HeadVerifier
from domain.rules.chain import (
    CHAINED_TABLES,
    GENESIS,
    TABLES_BY_NAME,
    differences,
    entry_fields,
    entry_hash,
    key_sql,
    row_fields_sql,
)
from domain.rules.merkle import leaf_hash, tree_head
from domain.rules.tree_head import SignedHead


@dataclass(frozen=True)
class Problem:
    """One broken link: what kind, where (table, row, subject) and what differs."""

    kind: str
    detail: str
    table: str | None = None
    row: str | None = None
    subject_id: str | None = None
    position: int | None = field(default=None, compare=False)  # the entry's id: the log's order of writes

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in (("subject", self.subject_id), ("table", self.table),
                                                   ("row", self.row)) if v)
        return f"[{self.kind}] {where}: {self.detail}" if where else f"[{self.kind}] {self.detail}"


@dataclass
class VerifyReport:
    """What ``verify`` checked and every broken link it found (the first per subject chain)."""

    subject_id: str | None = None
    entries: int = 0
    rows: int = 0
    leaves: int = 0
    pending: int = 0
    signed_head: SignedHead | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def subjects(self) -> set[str]:
        """The subjects named by the problems."""
        return {p.subject_id for p in self.problems if p.subject_id}


def _show(value: str | None) -> str:
    return "NULL" if value is None else repr(value)


async def _check_rows(sql: Sql, report: VerifyReport, subject: uuid.UUID | None,
                      newest: dict[tuple[str, str], Any], count: dict[tuple[str, str], int]) -> None:
    """Every chained row must have an entry equal to it; every entry's row must still exist."""
    seen: set[tuple[str, str]] = set()
    for table in CHAINED_TABLES:
        where = "WHERE t.subject_id = $1" if subject else ""
        rows = await sql.fetch(
            f"SELECT {key_sql(table)} AS key, j ->> 'subject_id' AS subject_id, {row_fields_sql(table)} AS fields "
            # OFFSET 0 keeps the subquery whole, so to_jsonb runs once per row, not once per column.
            f"FROM (SELECT to_jsonb(t) AS j FROM {table.name} t {where} OFFSET 0) s", *([subject] if subject else []))
        for r in rows:
            report.rows += 1
            k = (table.name, r["key"])
            seen.add(k)
            e = newest.get(k)
            if e is None:
                report.problems.append(Problem(
                    "row_without_entry", "这一行没有完整性条目：它是在触发器被绕过时写入的（伪造或改写）",
                    table.name, r["key"], r["subject_id"]))
                continue
            diff = differences(table, list(e["fields"]), list(r["fields"]))
            if diff:
                shown = "; ".join(f"{c}: 记录为 {_show(a)}，现为 {_show(b)}" for c, a, b in diff)
                report.problems.append(Problem("row_changed", f"这一行与它的完整性条目不符：{shown}",
                                               table.name, r["key"], r["subject_id"], e["id"]))
            if table.immutable and count[k] > 1:
                report.problems.append(Problem(
                    "immutable_row_rewritten", f"不可变的行有 {count[k]} 个条目：它被改写过",
                    table.name, r["key"], r["subject_id"], e["id"]))
    for k, e in newest.items():
        if k not in seen:
            report.problems.append(Problem("row_deleted", "完整性条目所记录的行已不存在：它被删除了",
                                           k[0], k[1], str(e["subject_id"]), e["id"]))


def _check_chains(report: VerifyReport, entries: Sequence[Any], heads: dict[str, Any]) -> dict[int, bytes]:
    """Recompute each subject's chain from its genesis; return the recomputed hash of every entry."""
    recomputed: dict[int, bytes] = {}
    by_subject: dict[str, list[Any]] = defaultdict(list)
    for e in entries:
        by_subject[str(e["subject_id"])].append(e)
    for subject, chain in by_subject.items():
        previous, expected_seq, broken = GENESIS, 1, False
        for e in chain:
            table, key = e["table_name"], e["row_key"]
            if not broken and e["subject_seq"] != expected_seq:
                report.problems.append(Problem(
                    "chain_gap", f"链上第 {expected_seq} 个条目缺失（下一个是第 {e['subject_seq']} 个）：条目被删除了",
                    table, key, subject, e["id"]))
                broken = True
            if not broken and bytes(e["previous_hash"]) != previous:
                report.problems.append(Problem(
                    "chain_broken", f"第 {e['subject_seq']} 个条目所记的前一哈希与链不符", table, key, subject,
                    e["id"]))
                broken = True
            h = entry_hash(previous, entry_fields(table=table, key=key, op=e["op"], columns=list(e["fields"])))
            if not broken and h != bytes(e["entry_hash"]):
                report.problems.append(Problem(
                    "entry_altered", f"第 {e['subject_seq']} 个条目的内容与其哈希不符：条目被改写了",
                    table, key, subject, e["id"]))
                broken = True
            recomputed[e["id"]] = h
            previous, expected_seq = h, int(e["subject_seq"]) + 1
        head = heads.pop(subject, None)
        if not broken and head is not None and (int(head["seq"]), bytes(head["head"])) != (expected_seq - 1, previous):
            report.problems.append(Problem(
                "chain_truncated", f"链头记有 {head['seq']} 个条目，链上只有 {expected_seq - 1} 个：末尾的条目被删除了",
                chain[-1]["table_name"], chain[-1]["row_key"], subject))
    for subject, head in heads.items():
        report.problems.append(Problem("chain_truncated", f"链头记有 {head['seq']} 个条目，链上一个也没有",
                                       None, None, subject))
    return recomputed


async def _check_log(sql: Sql, report: VerifyReport, recomputed: dict[int, bytes], whole: bool,
                     signed: Sequence[SignedHead], verifier: HeadVerifier | None) -> None:
    """Rebuild the leaves from the recomputed entries and compare the tree with the signed heads."""
    rows = await sql.fetch("SELECT l.leaf_index, l.entry_id, l.leaf_hash, e.subject_id, e.table_name, e.row_key "
                           "FROM integrity_leaf l LEFT JOIN integrity_entry e ON e.id = l.entry_id "
                           "ORDER BY l.leaf_index")
    leaves: list[bytes] = []
    in_log: set[int] = set()
    for i, r in enumerate(rows):
        if int(r["leaf_index"]) != i:
            report.problems.append(Problem("log_gap", f"日志第 {i} 片叶子缺失：日志被删改了"))
            break
        in_log.add(int(r["entry_id"]))
        mine = recomputed.get(int(r["entry_id"]))
        if mine is None and whole:
            report.problems.append(Problem("leaf_orphaned", f"日志第 {i} 片叶子的条目已不存在：条目被删除了"))
        rebuilt = leaf_hash(mine) if mine is not None else bytes(r["leaf_hash"])
        if rebuilt != bytes(r["leaf_hash"]):
            report.problems.append(Problem(
                "leaf_mismatch", f"日志第 {i} 片叶子与重算的条目哈希不符", r["table_name"], r["row_key"],
                str(r["subject_id"])))
        leaves.append(rebuilt)
    report.leaves = len(leaves)
    report.pending = sum(1 for entry_id in recomputed if entry_id not in in_log)
    valid: list[SignedHead] = []
    for h in signed:
        if verifier is None or verifier.valid(h):
            valid.append(h)
        else:
            report.problems.append(Problem("bad_signature", f"树头（大小 {h.tree_size}）的签名无效：导出文件被改写了"))
    if not valid:
        report.notes.append("没有已签名的树头可供比对：请运行 `yibao integrity sign-head`")
        return
    newest = max(valid, key=lambda h: h.tree_size)
    report.signed_head = newest
    if newest.tree_size > len(leaves):
        report.problems.append(Problem(
            "log_truncated", f"签名树头记有 {newest.tree_size} 片叶子，日志只有 {len(leaves)} 片：日志被截断了"))
        return
    if tree_head(leaves[: newest.tree_size]) == newest.root_hash:
        return
    # Leaf i changed makes every head larger than i fail: the first failing head bounds where it happened.
    ordered = sorted(valid, key=lambda h: h.tree_size)
    lo, hi = 0, len(ordered) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if tree_head(leaves[: ordered[mid].tree_size]) == ordered[mid].root_hash:
            lo = mid + 1
        else:
            hi = mid
    good = ordered[lo - 1].tree_size if lo > 0 else 0
    bad = ordered[lo].tree_size
    first = rows[good] if good < len(rows) else None
    subjects = sorted({str(r["subject_id"]) for r in rows[good:bad]})
    report.problems.append(Problem(
        "log_rewritten",
        f"日志前 {bad} 片叶子的根与 {ordered[lo].timestamp_ms} 签名的树头不符（前 {good} 片仍相符）："
        f"日志在第 {good}–{bad - 1} 片叶子之间被重写了，涉及主体 {', '.join(subjects[:5])}"
        + (f" 等 {len(subjects)} 个" if len(subjects) > 5 else ""),
        first["table_name"] if first is not None else None, first["row_key"] if first is not None else None,
        str(first["subject_id"]) if first is not None else None))


async def verify(*, sql: Sql, signed: Sequence[SignedHead], verifier: HeadVerifier | None,
                 subject_id: uuid.UUID | None = None) -> VerifyReport:
    """核验: check the whole archive (or one subject) against its chains, the log and the signed heads."""
    report = VerifyReport(subject_id=str(subject_id) if subject_id else None)
    where = "WHERE subject_id = $1" if subject_id else ""
    args = [subject_id] if subject_id else []
    entries = await sql.fetch(
        "SELECT id, subject_id, subject_seq, table_name, row_key, op, fields, previous_hash, entry_hash "
        f"FROM integrity_entry {where} ORDER BY subject_id, subject_seq", *args)
    report.entries = len(entries)
    chain_heads = {str(r["subject_id"]): r for r in await sql.fetch(
        f"SELECT subject_id, seq, head FROM integrity_chain {where}", *args)}
    newest: dict[tuple[str, str], Any] = {}
    count: dict[tuple[str, str], int] = defaultdict(int)
    for e in entries:
        k = (e["table_name"], e["row_key"])
        if e["table_name"] in TABLES_BY_NAME:
            newest[k] = e  # entries come in chain order, so the last one seen is the newest
            count[k] += 1
    await _check_rows(sql, report, subject_id, newest, count)
    recomputed = _check_chains(report, entries, chain_heads)
    await _check_log(sql, report, recomputed, subject_id is None, signed, verifier)
    # The first broken link is the earliest write: problems with an entry in the order they were logged, then
    # rows that never had one, then the log's own problems (which only a rewritten log shows alone).
    archive = [p for p in report.problems if not p.kind.startswith(("log_", "leaf_", "bad_"))]
    log = [p for p in report.problems if p.kind.startswith(("log_", "leaf_", "bad_"))]
    archive.sort(key=lambda p: (p.position is None, p.position or 0))
    report.problems = archive + log
    return report
