"""Foundation: regions, officers, subjects and the append-only credit archive, behind row-level security.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from migrations.sql import run_script

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

# Tables whose rows belong to a region and are therefore filtered by row-level security.
REGIONAL_TABLES = ("subject", "credit_record", "credit_record_version", "record_event", "audit_log")

ROLES = """
DO $$
BEGIN
  -- Roles are cluster-wide: create them once, and let every database of the cluster use them.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'yibao_app') THEN
    CREATE ROLE yibao_app NOLOGIN NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'yibao_public') THEN
    CREATE ROLE yibao_public NOLOGIN NOBYPASSRLS;
  END IF;
END $$;
-- The connecting (owner) role switches to these per transaction with SET LOCAL ROLE.
GRANT yibao_app TO CURRENT_USER;
GRANT yibao_public TO CURRENT_USER;
"""

TABLES = """
CREATE TABLE region (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent_code text REFERENCES region (code),
    path        text[] NOT NULL
);
CREATE INDEX region_parent_idx ON region (parent_code);

CREATE TABLE officer (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    region_code text NOT NULL REFERENCES region (code),
    role        text NOT NULL CHECK (role IN ('officer', 'reviewer', 'agency', 'evaluator')),
    department  text NOT NULL,
    organisation text,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subject (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind              text NOT NULL CHECK (kind IN ('institution', 'individual')),
    subject_class     text NOT NULL,
    code              text NOT NULL UNIQUE,
    name              text NOT NULL,
    region_code       text NOT NULL REFERENCES region (code),
    service_scope     text CHECK (service_scope IN ('inpatient_and_outpatient', 'outpatient_only')),
    parent_subject_id uuid REFERENCES subject (id),
    phone             text,
    address           text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (char_length(code) = 18)
);
CREATE INDEX subject_region_idx ON subject (region_code text_pattern_ops, code);
CREATE INDEX subject_class_idx ON subject (subject_class);
CREATE INDEX subject_parent_idx ON subject (parent_subject_id) WHERE parent_subject_id IS NOT NULL;

CREATE TABLE credit_record (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id        uuid NOT NULL REFERENCES subject (id),
    region_code       text NOT NULL REFERENCES region (code),
    category          text NOT NULL CHECK (category IN ('basic', 'trust', 'dishonesty', 'commitment')),
    kind              text NOT NULL,
    status            text NOT NULL,
    current_version   integer NOT NULL DEFAULT 1,
    effective_version integer,
    reviewed_by       text,
    confirmed_by      text,
    department        text NOT NULL,
    entered_by        text NOT NULL,
    entered_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_record_subject_idx ON credit_record (subject_id, entered_at DESC);
CREATE INDEX credit_record_region_idx ON credit_record (region_code text_pattern_ops, status);

CREATE TABLE credit_record_version (
    record_id     uuid NOT NULL REFERENCES credit_record (id),
    version       integer NOT NULL,
    subject_id    uuid NOT NULL REFERENCES subject (id),
    region_code   text NOT NULL,
    title         text NOT NULL,
    facts         text,
    amount        numeric(14, 2),
    points        numeric(8, 2),
    score         numeric(8, 2),
    occurred_on   date,
    decided_on    date,
    penalty       text,
    penalty_until date,
    legal_basis   text,
    clauses       text[] NOT NULL DEFAULT '{}',
    details       jsonb NOT NULL DEFAULT '{}',
    author_id     text NOT NULL,
    author_kind   text NOT NULL CHECK (author_kind IN ('officer', 'subject', 'system')),
    change_reason text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (record_id, version),
    CHECK (amount IS NULL OR amount >= 0)
);

CREATE TABLE record_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id   uuid NOT NULL REFERENCES credit_record (id),
    subject_id  uuid NOT NULL REFERENCES subject (id),
    region_code text NOT NULL,
    version     integer NOT NULL,
    action      text NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    actor_id    text NOT NULL,
    actor_kind  text NOT NULL,
    reason      text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_event_record_idx ON record_event (record_id, id);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text NOT NULL,
    row_id      text NOT NULL,
    subject_id  uuid,
    region_code text NOT NULL,
    op          text NOT NULL,
    old         jsonb,
    new         jsonb,
    actor       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_row_idx ON audit_log (table_name, row_id, id);
"""

FUNCTIONS = """
-- The request's scope travels in transaction-local settings written once per transaction by the API.
-- An unset or empty scope sees nothing: forgetting to set it fails closed.
CREATE FUNCTION yibao_scope_allows(setting text, region text, subject uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN coalesce(current_setting('yibao.subject_id', true), '') <> ''
      THEN subject IS NOT NULL AND subject::text = current_setting('yibao.subject_id', true)
    WHEN coalesce(current_setting(setting, true), '') = '' THEN false
    WHEN current_setting(setting, true) = '*' THEN true
    ELSE region LIKE current_setting(setting, true) || '%'
  END
$$;

CREATE FUNCTION yibao_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'yibao: % on % is not allowed: the archive is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'raise_exception';
END $$;

-- credit_record may only move its workflow pointers; its identity and attribution never change.
CREATE FUNCTION yibao_guard_record_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.subject_id <> OLD.subject_id OR NEW.region_code <> OLD.region_code
     OR NEW.category <> OLD.category OR NEW.kind <> OLD.kind OR NEW.department <> OLD.department
     OR NEW.entered_by <> OLD.entered_by OR NEW.entered_at <> OLD.entered_at THEN
    RAISE EXCEPTION 'yibao: a credit record''s identity and attribution cannot be changed'
      USING ERRCODE = 'raise_exception';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION yibao_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_log (table_name, row_id, subject_id, region_code, op, old, new, actor)
  VALUES (TG_TABLE_NAME, NEW.id::text,
          CASE WHEN TG_TABLE_NAME = 'subject' THEN NEW.id ELSE (to_jsonb(NEW) ->> 'subject_id')::uuid END,
          NEW.region_code, TG_OP,
          CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END, to_jsonb(NEW),
          coalesce(nullif(current_setting('yibao.actor', true), ''), session_user));
  RETURN NEW;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER subject_no_delete BEFORE DELETE ON subject FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER subject_audit AFTER INSERT OR UPDATE ON subject FOR EACH ROW EXECUTE FUNCTION yibao_audit();
CREATE TRIGGER credit_record_no_delete BEFORE DELETE ON credit_record
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER credit_record_guard BEFORE UPDATE ON credit_record
  FOR EACH ROW EXECUTE FUNCTION yibao_guard_record_update();
CREATE TRIGGER credit_record_audit AFTER UPDATE ON credit_record FOR EACH ROW EXECUTE FUNCTION yibao_audit();
CREATE TRIGGER credit_record_version_frozen BEFORE UPDATE OR DELETE ON credit_record_version
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER record_event_frozen BEFORE UPDATE OR DELETE ON record_event
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER audit_log_frozen BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
"""


def _policies() -> str:
    statements = []
    for table in REGIONAL_TABLES:
        subject_col = "id" if table == "subject" else "subject_id"
        read = f"yibao_scope_allows('yibao.read_prefix', region_code, {subject_col})"
        write = f"yibao_scope_allows('yibao.write_prefix', region_code, {subject_col})"
        statements.append(
            f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {table}_read ON {table} FOR SELECT TO yibao_app USING ({read});
CREATE POLICY {table}_insert ON {table} FOR INSERT TO yibao_app WITH CHECK ({write});
CREATE POLICY {table}_update ON {table} FOR UPDATE TO yibao_app USING ({write}) WITH CHECK ({write});
"""
        )
    return "\n".join(statements)


GRANTS = """
GRANT USAGE ON SCHEMA public TO yibao_app, yibao_public;
GRANT SELECT ON region TO yibao_app, yibao_public;
GRANT SELECT ON officer TO yibao_app;
GRANT SELECT, INSERT, UPDATE ON subject, credit_record TO yibao_app;
GRANT SELECT, INSERT ON credit_record_version, record_event, audit_log TO yibao_app;
"""


def _load_regions() -> None:
    from tenants.regions import region_tree

    tree = region_tree()
    rows = []
    for region in tree:
        path = [r.code for r in reversed(tree.ancestors(region.code))] + [region.code]
        rows.append(
            {
                "code": region.code,
                "name": region.name,
                "level": str(region.level),
                "parent_code": region.parent_code or None,
                "path": path,
            }
        )
    # Parents before children, so the self-reference holds row by row.
    order = {"province": 0, "city": 1, "county": 2}
    rows.sort(key=lambda row: (order[row["level"]], row["code"]))
    table = op.get_bind()
    import sqlalchemy as sa

    region = sa.table(
        "region",
        sa.column("code"),
        sa.column("name"),
        sa.column("level"),
        sa.column("parent_code"),
        sa.column("path", sa.ARRAY(sa.Text)),
    )
    table.execute(region.insert(), rows)


def upgrade() -> None:
    run_script(ROLES)
    run_script(TABLES)
    run_script(FUNCTIONS)
    run_script(TRIGGERS)
    run_script(_policies())
    run_script(GRANTS)
    _load_regions()


def downgrade() -> None:
    run_script(
        """
DROP TABLE audit_log, record_event, credit_record_version, credit_record, subject, officer, region CASCADE;
DROP FUNCTION yibao_audit(), yibao_guard_record_update(), yibao_forbid_change(),
              yibao_scope_allows(text, text, uuid);
"""
    )
