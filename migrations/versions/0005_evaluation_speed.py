"""Evaluation speed and published inspection plans.

- ``yibao_scope_allows`` (the row-level security test of every regional table) only reads transaction
  settings, which parallel workers inherit: marking it PARALLEL SAFE lets PostgreSQL scan a region's
  records with parallel workers under row-level security (a province's cycle, among others). Before,
  the unmarked function made every query on those tables run in one process.
- A cycle writes a province's results, report lines and measures (hundreds of thousands of rows) in three
  statements. Their references to a result, a rule set and a subject were row-by-row foreign-key triggers,
  one lookup per row; they become one set-based check per statement (an anti-join over the statement's new
  rows) that refuses the same rows. The referenced rows can never go away or change their keys (results and
  rule sets are immutable, nothing of the three is ever deleted; truncating them and changing a subject's
  id are now refused too), so a check at insert time is the whole guarantee.
- 双随机、一公开: a city-level bureau publishes an inspection plan. What the public sees is copied into
  ``public_subjects`` at publish time, already redacted by ``domain.rules.redaction`` (institutions by
  name and code, individuals masked), and the public role reads it only through the security-barrier view
  ``public_inspection_plan``; it has no privilege on the inspection tables themselves.

Revision ID: 0005_evaluation_speed
Revises: 0004_merge
Create Date: 2026-11-23
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0005_evaluation_speed"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER FUNCTION yibao_scope_allows(text, text, uuid) PARALLEL SAFE;

ALTER TABLE evaluation_line DROP CONSTRAINT evaluation_line_result_id_fkey;
ALTER TABLE applied_measure DROP CONSTRAINT applied_measure_result_id_fkey;
ALTER TABLE evaluation_result DROP CONSTRAINT evaluation_result_ruleset_code_ruleset_version_fkey,
    DROP CONSTRAINT evaluation_result_subject_id_fkey;
-- Security definer: like a foreign key, the check sees every result and rule set, whatever the caller's scope.
CREATE FUNCTION yibao_check_result_ids() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM evaluation_result e WHERE e.id = n.result_id))
  THEN
    RAISE EXCEPTION 'yibao: % refers to an evaluation result that does not exist', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION yibao_check_result_refs() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n
             WHERE NOT EXISTS (SELECT 1 FROM ruleset r WHERE r.code = n.ruleset_code AND r.version = n.ruleset_version)
                OR NOT EXISTS (SELECT 1 FROM subject s WHERE s.id = n.subject_id)) THEN
    RAISE EXCEPTION 'yibao: an evaluation result refers to a rule set or subject that does not exist'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER evaluation_line_result_exists AFTER INSERT ON evaluation_line
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION yibao_check_result_ids();
CREATE TRIGGER applied_measure_result_exists AFTER INSERT ON applied_measure
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION yibao_check_result_ids();
CREATE TRIGGER evaluation_result_refs_exist AFTER INSERT ON evaluation_result
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION yibao_check_result_refs();
CREATE TRIGGER evaluation_result_no_truncate BEFORE TRUNCATE ON evaluation_result
  FOR EACH STATEMENT EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER ruleset_no_truncate BEFORE TRUNCATE ON ruleset
  FOR EACH STATEMENT EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER subject_no_truncate BEFORE TRUNCATE ON subject
  FOR EACH STATEMENT EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER subject_id_frozen BEFORE UPDATE OF id ON subject
  FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION yibao_forbid_change();
REVOKE ALL ON FUNCTION yibao_check_result_ids(), yibao_check_result_refs() FROM PUBLIC;

ALTER TABLE inspection_plan ADD COLUMN published_by text, ADD COLUMN public_subjects jsonb,
    ADD CONSTRAINT inspection_plan_published_check
    CHECK ((published_at IS NULL) = (published_by IS NULL) AND (published_at IS NULL) = (public_subjects IS NULL));

-- A plan is drawn once and published at most once: nothing else about it ever changes.
CREATE FUNCTION yibao_guard_plan_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.published_at IS NOT NULL
     OR (to_jsonb(NEW) - 'published_at' - 'published_by' - 'public_subjects')
        <> (to_jsonb(OLD) - 'published_at' - 'published_by' - 'public_subjects') THEN
    RAISE EXCEPTION 'yibao: an inspection plan is immutable; it can only be published, once'
      USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER inspection_plan_guard BEFORE UPDATE ON inspection_plan
  FOR EACH ROW EXECUTE FUNCTION yibao_guard_plan_update();

-- Owned by the migrating role, the view reads inspection_plan without its row-level security; the
-- security barrier keeps a caller's predicates from running on the unpublished plans it filters out.
CREATE VIEW public_inspection_plan WITH (security_barrier = true) AS
SELECT id, region_code, year, published_at, public_subjects
FROM inspection_plan
WHERE published_at IS NOT NULL AND published_at <= now();

REVOKE ALL ON public_inspection_plan FROM PUBLIC;
GRANT SELECT ON public_inspection_plan TO yibao_public, yibao_app;
"""

DOWNGRADE = """
DROP VIEW public_inspection_plan;
DROP TRIGGER inspection_plan_guard ON inspection_plan;
DROP FUNCTION yibao_guard_plan_update();
ALTER TABLE inspection_plan DROP CONSTRAINT inspection_plan_published_check,
    DROP COLUMN public_subjects, DROP COLUMN published_by;
DROP TRIGGER evaluation_line_result_exists ON evaluation_line;
DROP TRIGGER applied_measure_result_exists ON applied_measure;
DROP TRIGGER evaluation_result_refs_exist ON evaluation_result;
DROP TRIGGER evaluation_result_no_truncate ON evaluation_result;
DROP TRIGGER ruleset_no_truncate ON ruleset;
DROP TRIGGER subject_no_truncate ON subject;
DROP TRIGGER subject_id_frozen ON subject;
DROP FUNCTION yibao_check_result_ids(), yibao_check_result_refs();
ALTER TABLE evaluation_line ADD CONSTRAINT evaluation_line_result_id_fkey
    FOREIGN KEY (result_id) REFERENCES evaluation_result (id);
ALTER TABLE applied_measure ADD CONSTRAINT applied_measure_result_id_fkey
    FOREIGN KEY (result_id) REFERENCES evaluation_result (id);
ALTER TABLE evaluation_result ADD CONSTRAINT evaluation_result_ruleset_code_ruleset_version_fkey
    FOREIGN KEY (ruleset_code, ruleset_version) REFERENCES ruleset (code, version),
    ADD CONSTRAINT evaluation_result_subject_id_fkey FOREIGN KEY (subject_id) REFERENCES subject (id);
ALTER FUNCTION yibao_scope_allows(text, text, uuid) PARALLEL UNSAFE;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
