"""Publishing evaluation results, and the federation clients' shared view.

- ``item_type = 'result'`` publications carry an institution's current credit result: its grade and cycle year
  (``grade``, ``cycle_year``, category ``'result'``). ``public_item`` now also drops a result publication the
  instant a re-evaluation supersedes its result, so a stale grade is never shown.
- ``shared_payload``: the public-plus fields a sharing agreement may give a federation client (an institution's
  record title, amount and penalty wording, a result's score); NULL for individuals, whose personal data is
  never shared this way. Only the ``shared_item`` view shows it, and only ``yibao_federation`` reads that view.

Revision ID: 0006_publication_results
Revises: 0005_evaluation_speed
Create Date: 2026-11-24
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0006_publication_results"
down_revision = "0005_evaluation_speed"
branch_labels = None
depends_on = None

COLUMNS = """
ALTER TABLE publication
    ADD COLUMN grade text,
    ADD COLUMN cycle_year integer,
    ADD COLUMN shared_payload jsonb,
    ADD CONSTRAINT publication_result_category CHECK ((item_type = 'result') = (category = 'result')),
    ADD CONSTRAINT publication_result_grade
        CHECK (item_type <> 'result' OR (grade IS NOT NULL AND cycle_year IS NOT NULL));
-- publicGrades: published results of a region subtree, optionally of some grades, newest first.
CREATE INDEX publication_public_grade_idx ON publication (grade, region_code text_pattern_ops, published_at DESC, id)
    WHERE status = 'published' AND item_type = 'result';
"""

ROLE = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'yibao_federation') THEN
    CREATE ROLE yibao_federation NOLOGIN NOBYPASSRLS;
  END IF;
END $$;
GRANT yibao_federation TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO yibao_federation;
GRANT SELECT ON region TO yibao_federation;
"""

# In window, and for a result publication its result still current (a re-evaluation supersedes it).
_LIVE = """p.status = 'published' AND p.published_at <= now() AND (p.public_until IS NULL OR p.public_until > now())
  AND (p.item_type <> 'result' OR EXISTS (
       SELECT 1 FROM evaluation_result e WHERE e.id = p.item_id AND e.superseded_at IS NULL))"""
_PUBLIC_COLUMNS = """p.id, p.item_type, p.category, p.kind, p.region_code, p.publisher_region, p.published_at,
       p.public_until, p.public_key, p.public_name, p.public_payload"""

VIEWS = f"""
DROP VIEW public_item;
CREATE VIEW public_item WITH (security_barrier = true) AS
SELECT {_PUBLIC_COLUMNS}, p.grade, p.cycle_year
FROM publication p
WHERE {_LIVE};

CREATE VIEW shared_item WITH (security_barrier = true) AS
SELECT {_PUBLIC_COLUMNS}, p.grade, p.cycle_year, p.shared_payload
FROM publication p
WHERE {_LIVE};

REVOKE ALL ON public_item, shared_item FROM PUBLIC;
GRANT SELECT ON public_item TO yibao_public, yibao_app, yibao_federation;
GRANT SELECT ON shared_item TO yibao_federation;
GRANT EXECUTE ON FUNCTION yibao_verify_individual(text, text) TO yibao_federation;
"""

OLD_VIEW = """
DROP VIEW shared_item;
DROP VIEW public_item;
CREATE VIEW public_item WITH (security_barrier = true) AS
SELECT id, item_type, category, kind, region_code, publisher_region, published_at, public_until,
       public_key, public_name, public_payload
FROM publication
WHERE status = 'published' AND published_at <= now() AND (public_until IS NULL OR public_until > now());
REVOKE ALL ON public_item FROM PUBLIC;
GRANT SELECT ON public_item TO yibao_public, yibao_app;
REVOKE EXECUTE ON FUNCTION yibao_verify_individual(text, text) FROM yibao_federation;
REVOKE SELECT ON region FROM yibao_federation;
REVOKE USAGE ON SCHEMA public FROM yibao_federation;
"""


def upgrade() -> None:
    run_script(COLUMNS)
    run_script(ROLE)
    run_script(VIEWS)


def downgrade() -> None:
    run_script(OLD_VIEW)
    run_script(
        """
DROP INDEX publication_public_grade_idx;
ALTER TABLE publication DROP CONSTRAINT publication_result_grade, DROP CONSTRAINT publication_result_category,
    DROP COLUMN shared_payload, DROP COLUMN cycle_year, DROP COLUMN grade;
"""
    )
