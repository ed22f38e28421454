"""An institution's named representatives (代理人/联系人, issue 8): who acts for it in its credit matters.

Written by the institution itself (the subject's scope), read by it and by the bureaus of its subtree; never
public (a resident ID is personal information). Revoking sets ``revoked_at``: nothing is deleted.

Revision ID: 0019_representatives
Revises: 0018_disputed
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0019_representatives"
down_revision = "0018_disputed"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE subject_representative (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id   uuid NOT NULL REFERENCES subject (id),
    region_code  text NOT NULL REFERENCES region (code),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    resident_id  text NOT NULL,
    role         text NOT NULL CHECK (role IN ('legal_representative', 'contact', 'agent')),
    appointed_by text NOT NULL,
    appointed_at timestamptz NOT NULL DEFAULT now(),
    revoked_by   text,
    revoked_at   timestamptz,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE UNIQUE INDEX subject_representative_live_idx ON subject_representative (subject_id, resident_id, role)
    WHERE revoked_at IS NULL;
CREATE TRIGGER subject_representative_no_delete BEFORE DELETE ON subject_representative
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER subject_representative_audit AFTER INSERT OR UPDATE ON subject_representative
    FOR EACH ROW EXECUTE FUNCTION yibao_audit();
ALTER TABLE subject_representative ENABLE ROW LEVEL SECURITY;
CREATE POLICY subject_representative_read ON subject_representative FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
CREATE POLICY subject_representative_insert ON subject_representative FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));
CREATE POLICY subject_representative_update ON subject_representative FOR UPDATE TO yibao_app
    USING (yibao_scope_allows('yibao.write_prefix', region_code, subject_id))
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));
REVOKE ALL ON subject_representative FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON subject_representative TO yibao_app;
"""


def upgrade() -> None:
    run_script(UP)


def downgrade() -> None:
    run_script("DROP TABLE subject_representative;")
