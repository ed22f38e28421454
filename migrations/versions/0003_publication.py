"""Publication: what the city bureau makes public, for how long, and the only doors the public has into it.

The public role reaches nothing but the ``public_item`` view (published, in-window, already redacted items)
and the ``yibao_verify_individual`` yes/no function; it has no privilege on subject, credit_record or
publication, so an anonymous request cannot read personal data whatever SQL it manages to run.

Revision ID: 0003_publication
Revises: 0001_foundation
Create Date: 2026-11-23
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0003_publication"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE publication (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- 'record' now; evaluation results and list entries take the same path later.
    item_type        text NOT NULL CHECK (item_type IN ('record', 'result', 'list_entry')),
    item_id          uuid NOT NULL,
    subject_id       uuid NOT NULL REFERENCES subject (id),
    region_code      text NOT NULL REFERENCES region (code),
    publisher_region text NOT NULL REFERENCES region (code),
    category         text NOT NULL,
    kind             text NOT NULL,
    status           text NOT NULL CHECK (status IN ('prepared', 'published', 'withdrawn')),
    window_months    integer CHECK (window_months IS NULL OR window_months BETWEEN 1 AND 120),
    prepared_by      text NOT NULL,
    prepared_at      timestamptz NOT NULL DEFAULT now(),
    published_by     text,
    published_at     timestamptz,
    public_until     timestamptz,
    withdrawn_by     text,
    withdrawn_at     timestamptz,
    withdraw_reason  text,
    -- Public-safe keys copied from the redacted view at publish time: an institution's code and name
    -- (NULL for individuals, whose identifiers are never a public search key).
    public_key       text,
    public_name      text,
    public_payload   jsonb,
    CHECK (status <> 'published' OR (published_at IS NOT NULL AND public_payload IS NOT NULL
                                     AND published_by IS NOT NULL)),
    CHECK (public_until IS NULL OR published_at IS NULL OR public_until > published_at),
    CHECK (status <> 'withdrawn' OR (withdrawn_by IS NOT NULL AND withdraw_reason IS NOT NULL))
);
-- One live (prepared or published) publication per item; withdrawn ones stay as history.
CREATE UNIQUE INDEX publication_live_item_idx ON publication (item_type, item_id) WHERE status <> 'withdrawn';
CREATE INDEX publication_item_idx ON publication (item_id, item_type);
CREATE INDEX publication_region_idx ON publication (region_code text_pattern_ops, status, prepared_at DESC);
CREATE INDEX publication_public_idx ON publication (category, region_code text_pattern_ops, published_at DESC, id)
    WHERE status = 'published';
CREATE INDEX publication_public_key_idx ON publication (public_key) WHERE status = 'published';
CREATE INDEX publication_public_name_idx ON publication (public_name) WHERE status = 'published';
CREATE INDEX publication_subject_idx ON publication (subject_id, category) WHERE status = 'published';

CREATE TABLE notification (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id     uuid NOT NULL REFERENCES subject (id),
    region_code    text NOT NULL REFERENCES region (code),
    kind           text NOT NULL,
    message        text NOT NULL,
    publication_id uuid REFERENCES publication (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_subject_idx ON notification (subject_id, created_at DESC);
"""

POLICIES = """
ALTER TABLE publication ENABLE ROW LEVEL SECURITY;
CREATE POLICY publication_read ON publication FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
CREATE POLICY publication_insert ON publication FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));
CREATE POLICY publication_update ON publication FOR UPDATE TO yibao_app
    USING (yibao_scope_allows('yibao.write_prefix', region_code, subject_id))
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));

ALTER TABLE notification ENABLE ROW LEVEL SECURITY;
CREATE POLICY notification_read ON notification FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
CREATE POLICY notification_insert ON notification FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));

CREATE TRIGGER publication_no_delete BEFORE DELETE ON publication
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER publication_audit AFTER INSERT OR UPDATE ON publication
  FOR EACH ROW EXECUTE FUNCTION yibao_audit();
CREATE TRIGGER notification_frozen BEFORE UPDATE OR DELETE ON notification
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
"""

# Owned by the migrating (owner) role, the view reads publication without its row-level security; the
# security barrier keeps a caller's own predicates from running on rows the view's filter removes.
# Every public query reads through it, so an item leaves the public the instant its window ends.
PUBLIC_VIEW = """
CREATE VIEW public_item WITH (security_barrier = true) AS
SELECT id, item_type, category, kind, region_code, publisher_region, published_at, public_until,
       public_key, public_name, public_payload
FROM publication
WHERE status = 'published' AND published_at <= now() AND (public_until IS NULL OR public_until > now());
"""

FUNCTIONS = """
-- 信息核验: whether an individual, named by the exact resident ID and name, has a current publishable
-- sanction (a published, in-window dishonesty record). Nothing else leaves the function.
CREATE FUNCTION yibao_verify_individual(resident_id text, name text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.subject s JOIN public.publication p ON p.subject_id = s.id
    WHERE s.kind = 'individual' AND s.code = $1 AND s.name = $2
      AND p.status = 'published' AND p.category = 'dishonesty'
      AND p.published_at <= now() AND (p.public_until IS NULL OR p.public_until > now()))
$$;

-- 001 art.24: negative information past its disclosure window is never used against the subject again.
-- True unless the record is dishonesty information whose publication window has ended by ``at``.
-- Runs with the caller's rights (row-level security applies); for evaluation and any other use.
CREATE FUNCTION yibao_record_usable(record_id uuid, at timestamptz DEFAULT now()) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM publication p
    WHERE p.item_type = 'record' AND p.item_id = $1 AND p.category = 'dishonesty'
      AND p.published_at IS NOT NULL AND p.public_until IS NOT NULL AND p.public_until <= $2)
$$;
"""

GRANTS = """
GRANT SELECT, INSERT, UPDATE ON publication TO yibao_app;
GRANT SELECT, INSERT ON notification TO yibao_app;
REVOKE ALL ON publication, notification, public_item FROM PUBLIC;
GRANT SELECT ON public_item TO yibao_public, yibao_app;
REVOKE ALL ON FUNCTION yibao_verify_individual(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_verify_individual(text, text) TO yibao_public, yibao_app;
REVOKE ALL ON FUNCTION yibao_record_usable(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_record_usable(uuid, timestamptz) TO yibao_app;
"""


def upgrade() -> None:
    run_script(TABLES)
    run_script(POLICIES)
    run_script(PUBLIC_VIEW)
    run_script(FUNCTIONS)
    run_script(GRANTS)


def downgrade() -> None:
    run_script(
        """
DROP VIEW public_item;
DROP FUNCTION yibao_verify_individual(text, text), yibao_record_usable(uuid, timestamptz);
DROP TABLE notification, publication;
"""
    )
