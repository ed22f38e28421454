"""The integrity log (防篡改): sequencing entries into the Merkle log, signing its head, and inclusion proofs.

The chains themselves are written by the trigger of migration 0008 on every insert (and every state change of
results and publications), so writes that bypass the API are chained too, or, with the triggers disabled,
leave rows that ``yibao verify`` (``domain.integrity_verify``) finds without or unlike their entries.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from domain.access import Access, PrincipalKind
from domain.errors import Conflict, InvalidInput, NotFound
from domain.integrity_signing import HeadSigner, append_head
from domain.rules.merkle import consistency_proof, inclusion_path, tree_head, verify_consistency
from domain.rules.tree_head import SignedHead

log = logging.getLogger("yibao.integrity")


class Sql(Protocol):
    """What these functions need of a connection: asyncpg's ``Connection`` and our ``Session`` both fit."""

    async def fetch(self, sql: str, *args: Any) -> Any: ...
    async def fetchrow(self, sql: str, *args: Any) -> Any: ...
    async def fetchval(self, sql: str, *args: Any) -> Any: ...
    async def execute(self, sql: str, *args: Any) -> Any: ...


class ProvableItem(StrEnum):
    """What an inclusion proof can be asked for."""

    RECORD = "record"
    RESULT = "result"
    PUBLICATION = "publication"


@dataclass(frozen=True)
class TreeHeadSigned:
    """Domain event: the bureau signed a new head of the integrity log (emit it to the change feed)."""

    head: SignedHead


@dataclass(frozen=True)
class InclusionProof:
    """证明: where a chained row's entry sits in the log, with the audit path to a (signed) tree head."""

    table: str
    row_key: str
    subject_seq: int
    op: str | None
    fields: list[str | None] | None  # the entry's column texts; None for the public (hashes only)
    previous_hash: bytes
    entry_hash: bytes
    leaf_index: int
    tree_size: int
    root_hash: bytes
    audit_path: list[bytes]
    signed_head: SignedHead | None  # None until a head covering the leaf has been signed


async def sequence(*, sql: Sql) -> int:
    """Append every entry not yet in the Merkle log; return the tree size."""
    return int(await sql.fetchval("SELECT yibao_integrity_sequence()"))


async def leaf_hashes(*, sql: Sql, tree_size: int) -> list[bytes]:
    """The stored leaf hashes of the first ``tree_size`` leaves, in order."""
    rows = await sql.fetch("SELECT leaf_hash FROM integrity_leaf WHERE leaf_index < $1 ORDER BY leaf_index",
                           tree_size)
    return [bytes(r["leaf_hash"]) for r in rows]


def _head(row: Any) -> SignedHead:
    return SignedHead(tree_size=int(row["tree_size"]), root_hash=bytes(row["root_hash"]),
                      timestamp_ms=round(row["signed_at"].timestamp() * 1000), key_id=row["key_id"],
                      signature=bytes(row["signature"]))


class LogInconsistent(Conflict):
    """The log is no longer an extension of a head the bureau signed: it was truncated or rewritten."""


async def sign_head(*, sql: Sql, signer: HeadSigner, previous: SignedHead | None = None,
                    now: datetime | None = None) -> tuple[SignedHead, bool]:
    """签名树头: sequence pending entries, sign the tree head and store it; whether it is a new head.

    ``previous`` is the newest head exported before (from the file, not the database): the new tree must extend it
    (RFC 9162 consistency), or nothing is signed, so a rewritten log never gets the bureau's signature. The caller
    appends a new head to the export file (``export_head``) after its transaction commits, so the file never
    names leaves the database does not have.
    """
    size = await sequence(sql=sql)
    leaves = await leaf_hashes(sql=sql, tree_size=size)
    root = tree_head(leaves)
    if previous is not None:
        proof = consistency_proof(previous.tree_size, leaves) if previous.tree_size <= size else []
        if not verify_consistency(first=previous.tree_size, second=size, first_root=previous.root_hash,
                                  second_root=root, proof=proof):
            raise LogInconsistent(f"完整性日志（{size} 片叶子）不是已签名树头（{previous.tree_size} 片）的延续："
                                  "日志被截断或重写了，拒绝签名。请运行 `yibao verify`。")
    at = now or datetime.now(tz=UTC)
    timestamp_ms = int(at.timestamp() * 1000)
    newest = await sql.fetchrow("SELECT * FROM integrity_signed_head ORDER BY tree_size DESC LIMIT 1")
    if newest is not None and int(newest["tree_size"]) == size:
        # Nothing new: the head already signed stands (one head per tree size).
        return _head(newest), False
    head = signer.sign(tree_size=size, root_hash=root, timestamp_ms=timestamp_ms)
    await sql.execute(
        "INSERT INTO integrity_signed_head (tree_size, root_hash, signed_at, key_id, signature) "
        "VALUES ($1, $2, to_timestamp($3::float8 / 1000), $4, $5)",
        head.tree_size, head.root_hash, head.timestamp_ms, head.key_id, head.signature)
    # The change feed (issue 7, a transactional outbox) carries it to other systems; one line when it lands:
    # session.emit(TreeHeadSigned(head))
    return head, True


def export_head(*, heads_file: Path, head: SignedHead) -> None:
    """Append a committed signed head to the export file, where the database owner cannot rewrite it."""
    append_head(heads_file, head)


@dataclass(frozen=True)
class ConsistencyProof:
    """一致性证明: the tree of ``first`` leaves is a prefix of the tree of ``second`` (RFC 9162 PROOF)."""

    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: list[bytes]


async def consistency(*, sql: Sql, first: int, second: int) -> ConsistencyProof:
    """The consistency proof between two tree sizes of the log (for whoever holds an older signed head)."""
    size = int(await sql.fetchval("SELECT count(*) FROM integrity_leaf"))
    if not 0 <= first <= second <= size:
        raise InvalidInput(f"树的大小须满足 0 ≤ first ≤ second ≤ {size}。", field="first")
    leaves = await leaf_hashes(sql=sql, tree_size=second)
    return ConsistencyProof(first=first, second=second, first_root=tree_head(leaves[:first]),
                            second_root=tree_head(leaves), path=consistency_proof(first, leaves))


async def signed_heads(*, sql: Sql, after_size: int = 0, limit: int = 100) -> list[SignedHead]:
    """The signed heads with a tree larger than ``after_size``, oldest first (for other systems to keep)."""
    rows = await sql.fetch("SELECT * FROM integrity_signed_head WHERE tree_size > $1 ORDER BY tree_size LIMIT $2",
                           after_size, limit)
    return [_head(r) for r in rows]


async def _locate(*, sql: Sql, access: Access, item: ProvableItem, item_id: uuid.UUID,
                  version: int | None) -> tuple[str, str, bool]:
    """The chained table and row key of ``item``, checking who may see it; and whether only hashes may be shown."""
    p = access.principal
    if item is ProvableItem.RECORD:
        access.require("record", "read")
        row = await sql.fetchrow(
            "SELECT subject_id, region_code, coalesce(effective_version, current_version) AS v "
            "FROM credit_record WHERE id = $1", item_id)
        if row is None:
            raise NotFound("您的辖区内没有这条信用记录。", field="recordId")
        access.require("record", "read", region_code=row["region_code"], subject_id=str(row["subject_id"]))
        return "credit_record_version", f"{item_id}:{version or row['v']}", False
    if item is ProvableItem.RESULT:
        access.require("evaluation", "read")
        row = await sql.fetchrow("SELECT subject_id, region_code FROM evaluation_result WHERE id = $1", item_id)
        if row is None:
            raise NotFound("您的辖区内没有这个信用评价结果。", field="resultId")
        access.require("evaluation", "read", region_code=row["region_code"], subject_id=str(row["subject_id"]))
        return "evaluation_result", str(item_id), False
    if p.kind is PrincipalKind.OFFICER and access.allows("publication", "read"):
        row = await sql.fetchrow("SELECT region_code FROM publication WHERE id = $1", item_id)
        if row is None:
            raise NotFound("您的辖区内没有这条公示。", field="publicationId")
        access.require("publication", "read", region_code=row["region_code"])
        return "publication", str(item_id), False
    access.require("published", "read")
    return "publication", str(item_id), True


async def inclusion_proof(*, sql: Sql, access: Access, item: ProvableItem, item_id: uuid.UUID,
                          version: int | None = None) -> InclusionProof:
    """包含证明: the proof that ``item`` (a record version, a result, a publication) is in the integrity log."""
    table, key, hashes_only = await _locate(sql=sql, access=access, item=item, item_id=item_id, version=version)
    find = (
        "SELECT e.subject_seq, NULL::text AS op, NULL::text[] AS fields, e.previous_hash, e.entry_hash, l.leaf_index "
        "FROM integrity_public_entry e LEFT JOIN integrity_leaf l ON l.entry_id = e.id "
        "WHERE e.row_key = $2 AND $1 = 'publication' ORDER BY e.subject_seq DESC LIMIT 1"
        if hashes_only else
        "SELECT e.subject_seq, e.op, e.fields, e.previous_hash, e.entry_hash, l.leaf_index "
        "FROM integrity_entry e LEFT JOIN integrity_leaf l ON l.entry_id = e.id "
        "WHERE e.table_name = $1 AND e.row_key = $2 ORDER BY e.subject_seq DESC LIMIT 1"
    )
    entry = await sql.fetchrow(find, table, key)
    if entry is None:
        raise NotFound("没有找到这一项的完整性记录（公示未发布，或版本不存在）。", field="id")
    if entry["leaf_index"] is None and not hashes_only:
        await sequence(sql=sql)
        entry = await sql.fetchrow(find, table, key)
    if entry is None or entry["leaf_index"] is None:
        raise Conflict("这一项尚未记入完整性日志，请稍后再试。")
    leaf_index = int(entry["leaf_index"])
    newest = await sql.fetchrow("SELECT * FROM integrity_signed_head ORDER BY tree_size DESC LIMIT 1")
    head = _head(newest) if newest is not None and int(newest["tree_size"]) > leaf_index else None
    size = head.tree_size if head else int(await sql.fetchval("SELECT count(*) FROM integrity_leaf"))
    leaves = await leaf_hashes(sql=sql, tree_size=size)
    root = tree_head(leaves)
    if head is not None and root != head.root_hash:
        log.warning("integrity log root at size %s differs from its signed head: run `yibao verify`", size)
    return InclusionProof(
        table=table, row_key=key, subject_seq=int(entry["subject_seq"]), op=entry["op"],
        fields=list(entry["fields"]) if entry["fields"] is not None else None,
        previous_hash=bytes(entry["previous_hash"]), entry_hash=bytes(entry["entry_hash"]),
        leaf_index=leaf_index, tree_size=size, root_hash=root,
        audit_path=inclusion_path(leaf_index, leaves), signed_head=head,
    )
