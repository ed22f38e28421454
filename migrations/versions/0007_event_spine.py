"""The event spine: a transactional outbox of domain events, consumer bookmarks, and a wake-up at commit.

- ``domain_event``: every change that matters to someone else, written in the same transaction as the change
  (they commit or roll back together). ``position`` is strictly increasing in COMMIT order: the application
  inserts a transaction's events as its last statements while holding a transaction-scoped advisory lock
  (``domain.events.OUTBOX_LOCK``), so no reader ever sees position N+1 before N has committed (positions of
  rolled-back transactions are simply missing). Readers therefore page with ``position > cursor`` and can
  never skip an event, without depending on transaction ids or on how long other transactions run.
- Each event names its region and subject (for scoping), who caused it, and which audiences may see it:
  ``bureau`` (officers whose subtree holds the region), ``subject`` (the subject itself), ``public`` and
  ``federation``. ``public_payload`` is the redacted form for the public feed; ``payload`` is internal.
- Row-level security: officers read events of their subtree, a subject its own; the public and federation
  roles read only the ``public_event`` view.
- A statement-level trigger NOTIFYs ``yibao_events`` with the newest position; PostgreSQL delivers it at
  commit (never for a rolled-back transaction), which wakes every API process and worker.
- ``event_consumer``: one bookmark per consumer (re-grading, take-down, notifications ...). A consumer handles
  a batch in the same transaction that advances its bookmark, so its database effects happen exactly once;
  its row lock serialises each consumer across processes.

Revision ID: 0007_event_spine
Revises: 0006_publication_results
Create Date: 2026-11-30
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0007_event_spine"
down_revision = "0006_publication_results"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE domain_event (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type            text NOT NULL CHECK (type ~ '^[a-z_]+\\.[a-z_]+$'),
    region_code     text NOT NULL REFERENCES region (code),
    subject_id      uuid,
    item_id         uuid,
    actor           text NOT NULL,
    audiences       text[] NOT NULL CHECK (audiences <@ ARRAY['bureau', 'subject', 'public', 'federation']),
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    public_payload  jsonb,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (('public' = ANY (audiences)) = (public_payload IS NOT NULL))
);
CREATE INDEX domain_event_region_idx ON domain_event (region_code text_pattern_ops, position);
CREATE INDEX domain_event_subject_idx ON domain_event (subject_id, position) WHERE subject_id IS NOT NULL;
CREATE INDEX domain_event_public_idx ON domain_event (position) WHERE 'public' = ANY (audiences);
CREATE INDEX domain_event_type_idx ON domain_event (type, position);

CREATE TABLE event_consumer (
    name        text PRIMARY KEY,
    position    bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    failures    integer NOT NULL DEFAULT 0,
    last_error  text
);
"""

FUNCTIONS = """
CREATE FUNCTION yibao_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last bigint;
  is_public boolean;
BEGIN
  SELECT max(position), bool_or('public' = ANY (audiences)) INTO last, is_public FROM new_events;
  IF last IS NOT NULL THEN
    PERFORM pg_notify('yibao_events', json_build_object('position', last, 'public', is_public)::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER domain_event_no_change BEFORE UPDATE OR DELETE ON domain_event
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER domain_event_no_truncate BEFORE TRUNCATE ON domain_event
    FOR EACH STATEMENT EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER domain_event_notify AFTER INSERT ON domain_event
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION yibao_event_notify();
"""

POLICIES = """
ALTER TABLE domain_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY domain_event_read ON domain_event FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
-- Events are written by whoever caused the change, inside their own scope; a subject's own declaration
-- included. Consumers run with the system scope ('*').
CREATE POLICY domain_event_insert ON domain_event FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id)
                OR yibao_scope_allows('yibao.read_prefix', region_code, subject_id));

-- The public feed: published and taken-down items only, in their redacted form.
CREATE VIEW public_event AS
    SELECT position, type, region_code, public_payload AS payload, occurred_at
    FROM domain_event WHERE 'public' = ANY (audiences);
"""

GRANTS = """
REVOKE ALL ON domain_event, event_consumer, public_event FROM PUBLIC;
GRANT SELECT, INSERT ON domain_event TO yibao_app;
GRANT SELECT, INSERT, UPDATE ON event_consumer TO yibao_app;
GRANT SELECT ON public_event TO yibao_public, yibao_federation, yibao_app;
"""


# 001 art.24 is decided in one place (domain.rules.disclosure.usable_until, and the cycle SQL generated from
# its constants); this SQL copy of it from 0003 had drifted and nothing used it.
DROP_DEAD_COPY = "DROP FUNCTION yibao_record_usable(uuid, timestamptz);"

RESTORE_DEAD_COPY = """
CREATE FUNCTION yibao_record_usable(record_id uuid, at timestamptz DEFAULT now()) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM publication p
    WHERE p.item_type = 'record' AND p.item_id = $1 AND p.category = 'dishonesty'
      AND p.published_at IS NOT NULL AND p.public_until IS NOT NULL AND p.public_until <= $2)
$$;
REVOKE ALL ON FUNCTION yibao_record_usable(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_record_usable(uuid, timestamptz) TO yibao_app;
"""


def upgrade() -> None:
    run_script(TABLES + FUNCTIONS + POLICIES + GRANTS + DROP_DEAD_COPY)


def downgrade() -> None:
    run_script(RESTORE_DEAD_COPY + """
DROP VIEW public_event;
DROP TABLE event_consumer;
DROP TABLE domain_event;
DROP FUNCTION yibao_event_notify();
""")
