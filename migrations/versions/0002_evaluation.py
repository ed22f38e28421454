"""Evaluation: rule sets as data, immutable results with their reports and measures, inspection plans, warnings.

Revision ID: 0002_evaluation
Revises: 0001_foundation
Create Date: 2026-11-23
"""

from __future__ import annotations

import json

from alembic import op

from migrations.sql import run_script

revision = "0002_evaluation"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

# Tables whose rows belong to a region (and most to a subject), filtered by row-level security like 0001's.
REGIONAL_TABLES: dict[str, str | None] = {
    "evaluation_result": "subject_id",
    "evaluation_line": "subject_id",
    "applied_measure": "subject_id",
    "inspection_plan": None,
    "inspection_assignment": "subject_id",
    "credit_warning": "subject_id",
}

TABLES = """
CREATE TABLE ruleset (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code           text NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    jurisdiction   text NOT NULL REFERENCES region (code),
    name           text NOT NULL,
    status         text NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
    body           jsonb NOT NULL,
    effective_from date NOT NULL,
    effective_to   date,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    activated_by   text,
    activated_at   timestamptz,
    UNIQUE (code, version)
);
CREATE INDEX ruleset_active_idx ON ruleset (jurisdiction) WHERE status = 'active';

CREATE TABLE evaluation_result (
    id              uuid PRIMARY KEY,
    subject_id      uuid NOT NULL REFERENCES subject (id),
    region_code     text NOT NULL,
    subject_class   text NOT NULL,
    service_scope   text,
    ruleset_code    text NOT NULL,
    ruleset_version integer NOT NULL,
    cycle_year      integer NOT NULL,
    as_of           date NOT NULL,
    trigger         text NOT NULL CHECK (trigger IN ('cycle', 'realtime')),
    base            numeric NOT NULL,
    score           numeric,
    grade           text,
    excluded_reason text,
    evaluated_by    text NOT NULL,
    evaluated_at    timestamptz NOT NULL,
    superseded_at   timestamptz,
    superseded_by   uuid REFERENCES evaluation_result (id) DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (ruleset_code, ruleset_version) REFERENCES ruleset (code, version),
    CHECK ((score IS NULL) = (grade IS NULL) AND (grade IS NULL) = (excluded_reason IS NOT NULL))
);
-- one current result per subject and cycle; a re-evaluation supersedes the previous one first
CREATE UNIQUE INDEX evaluation_result_current_idx ON evaluation_result (subject_id, cycle_year)
    WHERE superseded_at IS NULL;
CREATE INDEX evaluation_result_subject_idx ON evaluation_result (subject_id, evaluated_at);
CREATE INDEX evaluation_result_region_idx ON evaluation_result (region_code text_pattern_ops, cycle_year)
    WHERE superseded_at IS NULL;

CREATE TABLE evaluation_line (
    result_id      uuid NOT NULL REFERENCES evaluation_result (id),
    line_no        integer NOT NULL,
    subject_id     uuid NOT NULL,
    region_code    text NOT NULL,
    item_code      text NOT NULL,
    clause         text NOT NULL,
    indicator_code text,
    record_ids     uuid[] NOT NULL DEFAULT '{}',
    points         numeric NOT NULL,
    explanation    text NOT NULL,
    PRIMARY KEY (result_id, line_no)
);

CREATE TABLE applied_measure (
    result_id       uuid NOT NULL REFERENCES evaluation_result (id),
    code            text NOT NULL,
    subject_id      uuid NOT NULL,
    region_code     text NOT NULL,
    grade           text NOT NULL,
    description     text NOT NULL,
    clause          text NOT NULL,
    params          jsonb NOT NULL DEFAULT '{}',
    discretionary   boolean NOT NULL DEFAULT false,
    condition       text,
    applies_in_year integer NOT NULL,
    PRIMARY KEY (result_id, code)
);

CREATE TABLE inspection_plan (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    region_code  text NOT NULL REFERENCES region (code),
    year         integer NOT NULL,
    seed         bigint NOT NULL,
    ratios       jsonb NOT NULL,
    inspectors   text[] NOT NULL,
    team_size    integer NOT NULL CHECK (team_size >= 1),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);

CREATE TABLE inspection_assignment (
    plan_id     uuid NOT NULL REFERENCES inspection_plan (id),
    subject_id  uuid NOT NULL REFERENCES subject (id),
    region_code text NOT NULL,
    grade       text,
    inspectors  text[] NOT NULL,
    PRIMARY KEY (plan_id, subject_id)
);

CREATE TABLE credit_warning (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id  uuid NOT NULL REFERENCES subject (id),
    region_code text NOT NULL,
    kind        text NOT NULL,
    message     text NOT NULL,
    record_kind text,
    result_id   uuid REFERENCES evaluation_result (id),
    raised_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_warning_region_idx ON credit_warning (region_code text_pattern_ops, raised_at DESC);
"""

FUNCTIONS = """
-- A result is immutable: only its supersede pointer may be set, once.
CREATE FUNCTION yibao_guard_result_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.superseded_at IS NOT NULL
     OR (to_jsonb(NEW) - 'superseded_at' - 'superseded_by') <> (to_jsonb(OLD) - 'superseded_at' - 'superseded_by')
  THEN
    RAISE EXCEPTION 'yibao: an evaluation result is immutable; a re-evaluation supersedes it'
      USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END $$;

-- A rule set's content never changes once stored; only its status moves draft → active → retired.
CREATE FUNCTION yibao_guard_ruleset_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.code <> OLD.code OR NEW.version <> OLD.version
     OR NEW.jurisdiction <> OLD.jurisdiction OR NEW.body <> OLD.body OR NEW.created_by <> OLD.created_by
     OR NEW.created_at <> OLD.created_at
     OR NOT ((OLD.status, NEW.status) IN (('draft', 'draft'), ('draft', 'active'), ('active', 'active'),
                                          ('active', 'retired'), ('retired', 'retired'))) THEN
    RAISE EXCEPTION 'yibao: a rule set''s content is versioned, never edited in place'
      USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER evaluation_result_guard BEFORE UPDATE ON evaluation_result
  FOR EACH ROW EXECUTE FUNCTION yibao_guard_result_update();
CREATE TRIGGER ruleset_guard BEFORE UPDATE ON ruleset FOR EACH ROW EXECUTE FUNCTION yibao_guard_ruleset_update();
CREATE TRIGGER ruleset_no_delete BEFORE DELETE ON ruleset FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER evaluation_result_no_delete BEFORE DELETE ON evaluation_result
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER evaluation_line_frozen BEFORE UPDATE OR DELETE ON evaluation_line
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER applied_measure_frozen BEFORE UPDATE OR DELETE ON applied_measure
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER inspection_assignment_frozen BEFORE UPDATE OR DELETE ON inspection_assignment
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER inspection_plan_no_delete BEFORE DELETE ON inspection_plan
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER credit_warning_frozen BEFORE UPDATE OR DELETE ON credit_warning
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
"""


def _policies() -> str:
    statements = []
    for table, subject_col in REGIONAL_TABLES.items():
        subject = subject_col or "NULL"
        read = f"yibao_scope_allows('yibao.read_prefix', region_code, {subject})"
        write = f"yibao_scope_allows('yibao.write_prefix', region_code, {subject})"
        statements.append(
            f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {table}_read ON {table} FOR SELECT TO yibao_app USING ({read});
CREATE POLICY {table}_insert ON {table} FOR INSERT TO yibao_app WITH CHECK ({write});
CREATE POLICY {table}_update ON {table} FOR UPDATE TO yibao_app USING ({write}) WITH CHECK ({write});
"""
        )
    # Rule sets are read everywhere (a county applies its province's), and written only within the
    # principal's own subtree; which role may draft or activate is decided by Access, not here.
    statements.append(
        """
ALTER TABLE ruleset ENABLE ROW LEVEL SECURITY;
CREATE POLICY ruleset_read ON ruleset FOR SELECT TO yibao_app USING (true);
CREATE POLICY ruleset_insert ON ruleset FOR INSERT TO yibao_app
  WITH CHECK (yibao_scope_allows('yibao.read_prefix', jurisdiction, NULL));
CREATE POLICY ruleset_update ON ruleset FOR UPDATE TO yibao_app
  USING (yibao_scope_allows('yibao.read_prefix', jurisdiction, NULL))
  WITH CHECK (yibao_scope_allows('yibao.read_prefix', jurisdiction, NULL));
"""
    )
    return "\n".join(statements)


GRANTS = """
GRANT SELECT, INSERT, UPDATE ON ruleset, evaluation_result, inspection_plan TO yibao_app;
GRANT SELECT, INSERT ON evaluation_line, applied_measure, inspection_assignment, credit_warning TO yibao_app;
"""


def load_shipped_rulesets() -> None:
    """Store the rule sets shipped under domain/rulesets/ as active, authored by the system."""
    import sqlalchemy as sa

    from domain.rules.evaluation import ruleset_to_dict, shipped_rulesets

    insert = sa.text(
        """INSERT INTO ruleset (code, version, jurisdiction, name, status, body, effective_from, effective_to,
               created_by, activated_by, activated_at)
           VALUES (:code, :version, :jurisdiction, :name, 'active', CAST(:body AS jsonb), :effective_from,
                   :effective_to, 'system:shipped', 'system:shipped', now())"""
    )
    bind = op.get_bind()
    for rs in shipped_rulesets():
        bind.execute(insert, {"code": rs.code, "version": rs.version, "jurisdiction": rs.jurisdiction,
                              "name": rs.name, "body": json.dumps(ruleset_to_dict(rs), ensure_ascii=False),
                              "effective_from": rs.effective_from, "effective_to": rs.effective_to})


def upgrade() -> None:
    run_script(TABLES)
    run_script(FUNCTIONS)
    run_script(TRIGGERS)
    run_script(_policies())
    run_script(GRANTS)
    load_shipped_rulesets()


def downgrade() -> None:
    run_script(
        """
DROP TABLE credit_warning, inspection_assignment, inspection_plan, applied_measure, evaluation_line,
           evaluation_result, ruleset CASCADE;
DROP FUNCTION yibao_guard_result_update(), yibao_guard_ruleset_update();
"""
    )
