"""The integrity tables (hash chains, the Merkle log, signed heads) for alembic; triggers and grants are in 0008."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlmodel import SQLModel

from domain.tables import _col


class IntegrityChain(SQLModel, table=True):
    """The head of one subject's hash chain (a cache of its newest entry; ``yibao verify`` checks it)."""

    __tablename__ = "integrity_chain"
    subject_id: uuid.UUID = _col(sa.Uuid, primary_key=True, nullable=False)
    seq: int = _col(sa.BigInteger, nullable=False)
    head: bytes = _col(sa.LargeBinary, nullable=False)
    previous: bytes = _col(sa.LargeBinary, nullable=False)


class IntegrityEntry(SQLModel, table=True):
    """One link of a subject's chain: a chained row's canonical fields as written, and its hashes."""

    __tablename__ = "integrity_entry"
    id: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    subject_id: uuid.UUID = _col(sa.Uuid, nullable=False)
    subject_seq: int = _col(sa.BigInteger, nullable=False)
    region_code: str = _col(sa.Text, nullable=False)
    table_name: str = _col(sa.Text, nullable=False)
    row_key: str = _col(sa.Text, nullable=False)
    op: str = _col(sa.Text, nullable=False)
    fields: list[str | None] = _col(pg.ARRAY(sa.Text), nullable=False)
    previous_hash: bytes = _col(sa.LargeBinary, nullable=False)
    entry_hash: bytes = _col(sa.LargeBinary, nullable=False)
    at: datetime = _col(sa.DateTime(timezone=True), nullable=False)


class IntegrityLeaf(SQLModel, table=True):
    """A leaf of the RFC 9162 Merkle log: an entry's place and its leaf hash."""

    __tablename__ = "integrity_leaf"
    leaf_index: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    entry_id: int = _col(sa.BigInteger, nullable=False)
    leaf_hash: bytes = _col(sa.LargeBinary, nullable=False)


class IntegritySignedHead(SQLModel, table=True):
    """A tree head signed with the bureau's Ed25519 key."""

    __tablename__ = "integrity_signed_head"
    tree_size: int = _col(sa.BigInteger, primary_key=True, nullable=False)
    root_hash: bytes = _col(sa.LargeBinary, nullable=False)
    signed_at: datetime = _col(sa.DateTime(timezone=True), nullable=False)
    key_id: str = _col(sa.Text, nullable=False)
    signature: bytes = _col(sa.LargeBinary, nullable=False)
