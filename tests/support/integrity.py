"""Arranging integrity tests: a small archive in two subjects' chains, a signing key, and a signed head file."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import asyncpg

from domain.integrity import export_head, sign_head
from domain.integrity_signing import HeadSigner, read_heads
from domain.integrity_verify import VerifyReport, verify
from domain.rules.catalog import SubjectClass
from tests.support.factories import insert_subject
from tests.support.publication import insert_confirmed_record, insert_result


@dataclass
class Archive:
    """Two subjects with confirmed records, workflow events and a result, and where their heads are signed."""

    conn: asyncpg.Connection
    signer: HeadSigner
    heads: Path
    first: uuid.UUID  # subject A, signed in the first head
    second: uuid.UUID  # subject B, added before the second head
    record: uuid.UUID  # A's confirmed record (60000.00)
    review_event: int  # A's review event
    other_record: uuid.UUID  # B's confirmed record
    result: uuid.UUID  # B's evaluation result

    async def sign(self) -> None:
        exported = read_heads(self.heads)
        previous = max(exported, key=lambda h: h.tree_size) if exported else None
        head, new = await sign_head(sql=self.conn, signer=self.signer, previous=previous)
        if new:
            export_head(heads_file=self.heads, head=head)

    async def verify(self, subject: uuid.UUID | None = None) -> VerifyReport:
        return await verify(sql=self.conn, signed=read_heads(self.heads), verifier=self.signer.verifier,
                            subject_id=subject)


async def _events(conn: asyncpg.Connection, record: uuid.UUID, subject: uuid.UUID, region: str) -> int:
    """Enter, review and confirm events for ``record``; the review event's id."""
    ids = []
    for action, before, after, actor in (("enter", None, "entered", "officer-a"),
                                         ("review", "entered", "reviewed", "reviewer-b"),
                                         ("confirm", "reviewed", "confirmed", "reviewer-c")):
        ids.append(await conn.fetchval(
            """INSERT INTO record_event (record_id, subject_id, region_code, version, action, from_status, to_status,
                   actor_id, actor_kind) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, 'officer') RETURNING id""",
            record, subject, region, action, before, after, actor))
    return int(ids[1])


async def build_archive(conn: asyncpg.Connection, tmp_path: Path) -> Archive:
    """Subject A's record and events, a signed head; subject B's record, events and result, a second head."""
    signer = HeadSigner.generate()
    heads = tmp_path / "signed-heads.jsonl"
    a = await insert_subject(conn, region="340102", subject_class=SubjectClass.MEDICAL_INSTITUTION)
    record = await insert_confirmed_record(conn, subject_id=a, region="340102", kind="recovered_funds",
                                           category="dishonesty", title="追回违规使用医保基金",
                                           amount=Decimal("60000.00"), details={"来源": "飞行检查", "n": 1.50},
                                           clauses=["第三十八条"])
    review = await _events(conn, record, a, "340102")
    archive = Archive(conn=conn, signer=signer, heads=heads, first=a, second=a, record=record,
                      review_event=review, other_record=record, result=uuid.uuid4())
    await archive.sign()
    b = await insert_subject(conn, region="340104", subject_class=SubjectClass.MEDICAL_INSTITUTION)
    other = await insert_confirmed_record(conn, subject_id=b, region="340104", amount=Decimal("1200.50"))
    await _events(conn, other, b, "340104")
    archive.second, archive.other_record = b, other
    archive.result = await insert_result(conn, subject_id=b, region="340104", grade="C", score=Decimal("71.5"))
    await archive.sign()
    return archive
