"""Tamper evidence (防篡改) in the API: inclusion proofs and the bureau's signed tree heads.

A proof lets a subject, an officer, or anyone holding a published item check with SHA-256 alone (RFC 9162
section 2.1.3.2) that the item is leaf ``leafIndex`` of the integrity log whose head the bureau signed. Signed
heads are public so that other systems can keep copies: a head they hold can never be silently rewritten.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import strawberry

from domain import integrity
from domain.errors import InvalidInput
from domain.integrity import InclusionProof, ProvableItem
from domain.rules.tree_head import SignedHead
from schema.context import Context, parse_uuid

Info = strawberry.Info[Context, None]


@strawberry.type(description="A head of the integrity log signed with the bureau's Ed25519 key. The signed bytes "
                             "are the canonical encoding of ['yibao-credit signed tree head v1', treeSize, "
                             "rootHash, timestamp] (each field a 4-byte big-endian length and its UTF-8).")
class SignedTreeHead:
    tree_size: int
    root_hash: str = strawberry.field(description="Hex SHA-256 root of the first treeSize leaves.")
    timestamp: str = strawberry.field(description="Milliseconds since 1970-01-01 UTC, as signed (decimal).")
    signed_at: datetime
    key_id: str = strawberry.field(description="First 16 hex digits of SHA-256 over the raw 32-byte public key.")
    signature: str = strawberry.field(description="Base64 Ed25519 signature.")

    @classmethod
    def of(cls, h: SignedHead) -> SignedTreeHead:
        return cls(tree_size=h.tree_size, root_hash=h.root_hash.hex(), timestamp=str(h.timestamp_ms),
                   signed_at=datetime.fromtimestamp(h.timestamp_ms / 1000, tz=UTC), key_id=h.key_id,
                   signature=base64.b64encode(h.signature).decode("ascii"))


@strawberry.type(description="Proof that an item is in the integrity log: its chain entry, its leaf and the audit "
                             "path to the root. entryHash = SHA-256(previousHash || canonical([table, rowKey, "
                             "operation, ...fields])); leaf hash = SHA-256(0x00 || entryHash).")
class IntegrityProof:
    table: str
    row_key: str
    subject_seq: int = strawberry.field(description="The entry's place in its subject's chain (from 1).")
    operation: str | None = strawberry.field(description="INSERT or UPDATE; null for the public.")
    fields: list[str | None] | None = strawberry.field(
        description="The row's column texts as chained; null for the public, who get hashes only.")
    previous_hash: str
    entry_hash: str
    leaf_index: int
    tree_size: int
    root_hash: str
    audit_path: list[str] = strawberry.field(description="Hex hashes, leaf to root (RFC 9162 PATH).")
    signed_head: SignedTreeHead | None = strawberry.field(
        description="The signed head of treeSize; null until a head covering the leaf has been signed.")

    @classmethod
    def of(cls, p: InclusionProof) -> IntegrityProof:
        return cls(table=p.table, row_key=p.row_key, subject_seq=p.subject_seq, operation=p.op, fields=p.fields,
                   previous_hash=p.previous_hash.hex(), entry_hash=p.entry_hash.hex(), leaf_index=p.leaf_index,
                   tree_size=p.tree_size, root_hash=p.root_hash.hex(), audit_path=[h.hex() for h in p.audit_path],
                   signed_head=SignedTreeHead.of(p.signed_head) if p.signed_head else None)


@strawberry.type(description="一致性证明 (RFC 9162 2.1.4): the log of firstSize leaves is a prefix of the log of "
                             "secondSize leaves; verify with the two signed heads' roots.")
class ConsistencyProof:
    first_size: int
    second_size: int
    first_root: str
    second_root: str
    path: list[str] = strawberry.field(description="Hex hashes (RFC 9162 PROOF).")


@strawberry.type
class IntegrityQuery:
    @strawberry.field(description="包含证明: proof that a record version, an evaluation result or a publication is "
                                  "in the integrity log. Give exactly one id. Subjects for their own items, officers "
                                  "within their region, anyone for a published item (publicationId).")
    async def integrity_proof(self, info: Info, record_id: strawberry.ID | None = None, version: int | None = None,
                              result_id: strawberry.ID | None = None,
                              publication_id: strawberry.ID | None = None) -> IntegrityProof:
        given = [(k, f, v) for k, f, v in ((ProvableItem.RECORD, "recordId", record_id),
                                           (ProvableItem.RESULT, "resultId", result_id),
                                           (ProvableItem.PUBLICATION, "publicationId", publication_id)) if v]
        if len(given) != 1:
            raise InvalidInput("请只给出 recordId、resultId、publicationId 中的一个。", field="recordId")
        item, name, value = given[0]
        ctx = info.context
        proof = await integrity.inclusion_proof(sql=await ctx.session(), access=ctx.access, item=item,
                                                item_id=parse_uuid(str(value), field=name), version=version)
        return IntegrityProof.of(proof)

    @strawberry.field(description="Proof that the integrity log of firstSize leaves is a prefix of the one of "
                                  "secondSize leaves: whoever keeps an older signed head checks nothing was rewritten.")
    async def integrity_consistency(self, info: Info, first_size: int, second_size: int) -> ConsistencyProof:
        p = await integrity.consistency(sql=await info.context.session(), first=first_size, second=second_size)
        return ConsistencyProof(first_size=p.first, second_size=p.second, first_root=p.first_root.hex(),
                                second_root=p.second_root.hex(), path=[h.hex() for h in p.path])

    @strawberry.field(description="The bureau's signed heads of the integrity log larger than afterSize, oldest "
                                  "first (at most 100): other systems keep copies, so none can be rewritten unseen.")
    async def signed_tree_heads(self, info: Info, after_size: int = 0, first: int = 100) -> list[SignedTreeHead]:
        if not 1 <= first <= 100:
            raise InvalidInput("first 须在 1 到 100 之间。", field="first")
        heads = await integrity.signed_heads(sql=await info.context.session(), after_size=after_size, limit=first)
        return [SignedTreeHead.of(h) for h in heads]
