"""The outbox without a global lock: writers append to ``domain_event_pending``; a sequencer numbers what committed.

Until now (0007) every writing transaction took one advisory lock before inserting its events and held it through
its commit, so positions followed commit order; that serialised every writer's commit (issue 7: the outbox cost
30–60 % of write throughput). Now:

- A writing transaction inserts its events into ``domain_event_pending`` (its own identity ``id``, no lock, no
  NOTIFY): writers commit in parallel, group commit included.
- ``yibao_sequence_events(ids)``, called right after commits that wrote events (``domain.sequencer``: one call
  per process at a time, for every transaction of that process waiting then) and by every process's listener on
  its catch-up timer, moves the pending rows that have committed into ``domain_event``
  in one statement, under a transaction-scoped advisory lock held to its own commit. Positions are drawn there, so
  they follow the order in which sequencer runs commit: a reader that has seen position N can never later find a
  committed event below N. Readers (feed, consumers, listener, exports) are unchanged.
- The statement-level NOTIFY trigger on ``domain_event`` now fires once per sequencer run (one NOTIFY for many
  writers' events), not once per writing transaction; PostgreSQL's own notify-queue lock is taken by the
  sequencer, which is serialised anyway, and never by a writer.
- ``domain_event.outbox_id`` keeps the pending id, so a writer learns its positions after someone else's
  sequencer run moved its events.

Revision ID: 0022_outbox_speed
Revises: 0019_representatives
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0022_outbox_speed"
down_revision = "0019_representatives"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE domain_event_pending (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
ALTER TABLE domain_event ADD COLUMN outbox_id bigint;
CREATE INDEX domain_event_outbox_idx ON domain_event (outbox_id) WHERE outbox_id IS NOT NULL;

ALTER TABLE domain_event_pending ENABLE ROW LEVEL SECURITY;
-- Written like domain_event (0007); read back only for INSERT ... RETURNING id, hence the same test for reading.
CREATE POLICY domain_event_pending_insert ON domain_event_pending FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id)
                OR yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
CREATE POLICY domain_event_pending_read ON domain_event_pending FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.write_prefix', region_code, subject_id)
           OR yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
REVOKE ALL ON domain_event_pending FROM PUBLIC;
GRANT INSERT ON domain_event_pending TO yibao_app;
GRANT SELECT (id) ON domain_event_pending TO yibao_app;
-- Every row is deleted within milliseconds of its commit: vacuum often, so the sequencer's scans stay short.
ALTER TABLE domain_event_pending SET (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0,
                                      autovacuum_vacuum_cost_delay = 0);

-- ``mine``: the newest pending id of each transaction waiting for its positions (NULL: just sequence whatever
-- has committed). Returns the position each of them received. Runs as the owner (it moves every region's rows);
-- callers only ever pass ids.
CREATE FUNCTION yibao_sequence_events(mine bigint[] DEFAULT NULL)
RETURNS TABLE (outbox_id bigint, "position" bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- Each statement below takes a new snapshot (a volatile function under READ COMMITTED), so it sees what a
  -- concurrent run committed before it.
  IF EXISTS (SELECT 1 FROM domain_event_pending p WHERE mine IS NULL OR p.id = ANY (mine)) THEN
    -- Held to this transaction's commit: the next run draws its positions only after these are visible.
    PERFORM pg_advisory_xact_lock(7140001);
    WITH moved AS (DELETE FROM domain_event_pending RETURNING *)
    INSERT INTO domain_event (type, region_code, subject_id, item_id, actor, audiences, payload, public_payload,
                              occurred_at, outbox_id)
    SELECT m.type, m.region_code, m.subject_id, m.item_id, m.actor, m.audiences, m.payload, m.public_payload,
           m.occurred_at, m.id
    FROM moved m ORDER BY m.id;
  END IF;
  RETURN QUERY SELECT e.outbox_id, e.position FROM domain_event e WHERE e.outbox_id = ANY (mine);
END $$;
REVOKE ALL ON FUNCTION yibao_sequence_events(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_sequence_events(bigint[]) TO yibao_app;
"""

DOWN = """
SELECT yibao_sequence_events();
DROP FUNCTION yibao_sequence_events(bigint[]);
DROP TABLE domain_event_pending;
DROP INDEX domain_event_outbox_idx;
ALTER TABLE domain_event DROP COLUMN outbox_id;
"""


def upgrade() -> None:
    run_script(UP)


def downgrade() -> None:
    run_script(DOWN)
