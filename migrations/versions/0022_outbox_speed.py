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
down_revision = "0020_import"
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
ALTER TABLE domain_event ADD COLUMN outbox_id bigint, ADD COLUMN feed_line text, ADD COLUMN public_line text;
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

-- One line of the bulk export (GET /feed.ndjson) as domain.feed.export_sql writes it, stored by the sequencer so
-- a replay copies text instead of building JSON per row (tests/e2e/test_outbox_order.py checks they agree).
-- The time in Beijing time as the export writes it (to_json under TimeZone Asia/Shanghai, which has kept +08:00
-- since 1991), without depending on the session's TimeZone.
CREATE FUNCTION yibao_feed_line(pos bigint, type text, region_code text, subject uuid, occurred_at timestamptz,
                                payload jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT '{"position":' || pos
      || ',"cursor":"' || encode(convert_to('evt:' || pos, 'UTF8'), 'base64')
      || '","type":"' || upper(translate(type, '.', '_'))
      || '","regionCode":"' || region_code
      || '","subjectId":' || coalesce('"' || subject || '"', 'null')
      || ',"occurredAt":' || rtrim(to_json(occurred_at AT TIME ZONE 'Asia/Shanghai')::text, '"') || '+08:00"'
      || ',"payload":' || payload::text || '}'
$$;

-- The read policy of 0007 with each setting read once per statement (an InitPlan) instead of once per row:
-- yibao_scope_allows (0001) itself, written out, since a SQL function with sub-selects is not inlined. A replay
-- of a million events spent a fifth of its time in the per-row form.
DROP POLICY domain_event_read ON domain_event;
CREATE POLICY domain_event_read ON domain_event FOR SELECT TO yibao_app USING (CASE
    WHEN (SELECT coalesce(current_setting('yibao.subject_id', true), '')) <> ''
      THEN subject_id IS NOT NULL AND subject_id::text = (SELECT current_setting('yibao.subject_id', true))
    WHEN (SELECT coalesce(current_setting('yibao.read_prefix', true), '')) = '' THEN false
    WHEN (SELECT current_setting('yibao.read_prefix', true)) = '*' THEN true
    ELSE region_code LIKE (SELECT current_setting('yibao.read_prefix', true)) || '%'
  END);

CREATE OR REPLACE VIEW public_event AS
    SELECT position, type, region_code, public_payload AS payload, occurred_at, public_line
    FROM domain_event WHERE 'public' = ANY (audiences);

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
    WITH moved AS (DELETE FROM domain_event_pending RETURNING *),
         numbered AS (SELECT nextval(pg_get_serial_sequence('domain_event', 'position')) AS pos, m.*
                      FROM (SELECT * FROM moved ORDER BY id) m)
    INSERT INTO domain_event (position, type, region_code, subject_id, item_id, actor, audiences, payload,
                              public_payload, occurred_at, outbox_id, feed_line, public_line)
    OVERRIDING SYSTEM VALUE
    SELECT n.pos, n.type, n.region_code, n.subject_id, n.item_id, n.actor, n.audiences, n.payload,
           n.public_payload, n.occurred_at, n.id,
           yibao_feed_line(n.pos, n.type, n.region_code, n.subject_id, n.occurred_at, n.payload),
           CASE WHEN n.public_payload IS NOT NULL
                THEN yibao_feed_line(n.pos, n.type, n.region_code, NULL, n.occurred_at, n.public_payload) END
    FROM numbered n ORDER BY n.pos;
  END IF;
  RETURN QUERY SELECT e.outbox_id, e.position FROM domain_event e WHERE e.outbox_id = ANY (mine);
END $$;
REVOKE ALL ON FUNCTION yibao_sequence_events(bigint[]) FROM PUBLIC;
-- After its commit the API's connection is back to its login role (0008: NOINHERIT, so it does not hold
-- yibao_app's grants), and that is the role that calls the sequencer.
GRANT EXECUTE ON FUNCTION yibao_sequence_events(bigint[]) TO yibao_app, yibao_login;
"""

DOWN = """
SELECT yibao_sequence_events();
DROP FUNCTION yibao_sequence_events(bigint[]);
DROP FUNCTION yibao_feed_line(bigint, text, text, uuid, timestamptz, jsonb);
DROP VIEW public_event;
CREATE VIEW public_event AS
    SELECT position, type, region_code, public_payload AS payload, occurred_at
    FROM domain_event WHERE 'public' = ANY (audiences);
REVOKE ALL ON public_event FROM PUBLIC;
GRANT SELECT ON public_event TO yibao_public, yibao_federation, yibao_app;
DROP POLICY domain_event_read ON domain_event;
CREATE POLICY domain_event_read ON domain_event FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
DROP TABLE domain_event_pending;
DROP INDEX domain_event_outbox_idx;
ALTER TABLE domain_event DROP COLUMN outbox_id, DROP COLUMN feed_line, DROP COLUMN public_line;
"""


def upgrade() -> None:
    run_script(UP)


def downgrade() -> None:
    run_script(DOWN)
