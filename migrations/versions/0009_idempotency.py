"""Idempotency keys: a retried mutation with the same ``Idempotency-Key`` gets the first answer, not a second write.

One row per (principal, key), written in the same transaction as the mutation it answers: the row exists if
and only if the mutation committed. A concurrent retry waits on the primary key until the first commits (or
``lock_timeout`` ends the wait). Row-level security keeps each principal to its own keys.

Revision ID: 0009_idempotency
Revises: 0006_publication_results
Create Date: 2026-11-30
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0009_idempotency"
down_revision = "0008_integrity"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE idempotency_key (
    principal    text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at);
ALTER TABLE idempotency_key ENABLE ROW LEVEL SECURITY;
CREATE POLICY idempotency_key_own ON idempotency_key FOR ALL TO yibao_app
    USING (principal = current_setting('yibao.actor', true))
    WITH CHECK (principal = current_setting('yibao.actor', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_key TO yibao_app;
"""

DOWN = "DROP TABLE idempotency_key;"


# /readyz compares the database's revision with the code's, connected as the login role that owns nothing
# (0008): it may read which migration the database is at, and nothing else of the owner's.
READINESS = "GRANT SELECT ON alembic_version TO yibao_login;"
NO_READINESS = "REVOKE SELECT ON alembic_version FROM yibao_login;"


def upgrade() -> None:
    run_script(UP + READINESS)


def downgrade() -> None:
    run_script(NO_READINESS + DOWN)
