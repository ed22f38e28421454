"""The subject's rights: objections (异议), credit repair (信用修复), evidence files and issued credit reports.

- ``objection``: a subject's dispute of a record, a result or a publication; the handler (the producing
  department, or the issuing bureau) and the working-day deadlines are fixed at filing; decisions update the
  row (audited by ``yibao_audit``) and are events on the spine.
- ``repair_application``: one application per record at a time; approval, refusal and revocation update it.
- ``evidence_file``: PDF/PNG/JPEG bytes (checked by magic bytes and size in the domain), append-only.
- ``credit_report``: the number, verification code and SHA-256 of each issued report PDF, append-only; the
  public checks one through ``yibao_verify_credit_report`` (SECURITY DEFINER), which answers the issue time
  when number, code and digest all match, and nothing else.
- Row-level security as on every regional table: officers read and write in their subtree, a subject its own.

Revision ID: 0012_rights
Revises: 0007_event_spine
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0012_rights"
down_revision = "0010_public_search"
branch_labels = None
depends_on = None

TABLES = """
CREATE SEQUENCE rights_document_seq;

CREATE TABLE objection (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id         uuid NOT NULL REFERENCES subject (id),
    region_code        text NOT NULL REFERENCES region (code),
    item_type          text NOT NULL CHECK (item_type IN ('record', 'result', 'publication')),
    item_id            uuid NOT NULL,
    record_id          uuid REFERENCES credit_record (id),
    handler_region     text NOT NULL REFERENCES region (code),
    handler_department text NOT NULL,
    reasons            text NOT NULL CHECK (length(reasons) BETWEEN 1 AND 2000),
    status             text NOT NULL CHECK (status IN ('submitted', 'accepted', 'refused', 'upheld', 'rejected')),
    application_no     text NOT NULL UNIQUE,
    filed_by           text NOT NULL,
    filed_at           timestamptz NOT NULL DEFAULT now(),
    filed_on           date NOT NULL,
    accept_due         date NOT NULL,
    decide_due         date,
    deadline_note      text,
    accepted_by        text,
    accepted_at        timestamptz,
    decided_by         text,
    decided_at         timestamptz,
    decision_reason    text,
    correction         text CHECK (correction IN ('amend', 'withdraw')),
    decision_no        text UNIQUE,
    CHECK (status NOT IN ('refused', 'rejected', 'upheld') OR (decided_by IS NOT NULL AND decision_reason IS NOT NULL)),
    CHECK (status <> 'upheld' OR item_type <> 'record' OR correction IS NOT NULL)
);
CREATE INDEX objection_subject_idx ON objection (subject_id, filed_at);
CREATE INDEX objection_open_idx ON objection (handler_region text_pattern_ops, status)
    WHERE status IN ('submitted', 'accepted');
-- one open objection per item and subject: a second one waits for the first to be decided
CREATE UNIQUE INDEX objection_one_open_idx ON objection (subject_id, item_type, item_id)
    WHERE status IN ('submitted', 'accepted');

CREATE TABLE repair_application (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id           uuid NOT NULL REFERENCES subject (id),
    region_code          text NOT NULL REFERENCES region (code),
    record_id            uuid NOT NULL REFERENCES credit_record (id),
    kind                 text NOT NULL,
    handler_department   text NOT NULL,
    status               text NOT NULL CHECK (status IN ('submitted', 'approved', 'refused', 'revoked')),
    materials            text[] NOT NULL DEFAULT '{}',
    statement            text NOT NULL,
    application_no       text NOT NULL UNIQUE,
    display_started      date NOT NULL,
    eligible_from        date NOT NULL,
    filed_by             text NOT NULL,
    filed_at             timestamptz NOT NULL DEFAULT now(),
    decided_by           text,
    decided_at           timestamptz,
    decision_reason      text,
    decision_no          text UNIQUE,
    reapply_from         date,
    revoked_by           text,
    revoked_at           timestamptz,
    revoke_reason        text,
    revocation_record_id uuid REFERENCES credit_record (id),
    CHECK (status <> 'refused' OR (decision_reason IS NOT NULL AND reapply_from IS NOT NULL)),
    CHECK (status <> 'revoked' OR (revoke_reason IS NOT NULL AND revocation_record_id IS NOT NULL))
);
CREATE INDEX repair_application_subject_idx ON repair_application (subject_id, filed_at);
CREATE UNIQUE INDEX repair_application_one_open_idx ON repair_application (record_id)
    WHERE status IN ('submitted', 'approved');

CREATE TABLE evidence_file (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id   uuid NOT NULL REFERENCES subject (id),
    region_code  text NOT NULL REFERENCES region (code),
    objection_id uuid REFERENCES objection (id),
    repair_id    uuid REFERENCES repair_application (id),
    file_name    text NOT NULL,
    media_type   text NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size_bytes   integer NOT NULL CHECK (size_bytes > 0),
    sha256       text NOT NULL,
    content      bytea NOT NULL,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((objection_id IS NULL) <> (repair_id IS NULL)),
    CHECK (octet_length(content) = size_bytes)
);
CREATE INDEX evidence_file_objection_idx ON evidence_file (objection_id) WHERE objection_id IS NOT NULL;
CREATE INDEX evidence_file_repair_idx ON evidence_file (repair_id) WHERE repair_id IS NOT NULL;

CREATE TABLE credit_report (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    report_no         text NOT NULL UNIQUE,
    verification_code text NOT NULL,
    digest            text NOT NULL,
    subject_id        uuid NOT NULL REFERENCES subject (id),
    region_code       text NOT NULL REFERENCES region (code),
    result_id         uuid REFERENCES evaluation_result (id),
    issued_by         text NOT NULL,
    issued_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_report_subject_idx ON credit_report (subject_id, issued_at);
"""

FUNCTIONS = """
-- 报告核验: the issue time of a credit report when its number, verification code and content digest all match;
-- NULL otherwise. Nothing about the subject leaves the function.
CREATE FUNCTION yibao_verify_credit_report(report_no text, code text, digest text) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT r.issued_at FROM public.credit_report r
  WHERE r.report_no = $1 AND r.verification_code = upper($2) AND r.digest = lower($3)
$$;
REVOKE ALL ON FUNCTION yibao_verify_credit_report(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_verify_credit_report(text, text, text) TO yibao_public, yibao_federation, yibao_app;
"""


def _policies() -> str:
    out = []
    for table in ("objection", "repair_application", "evidence_file", "credit_report"):
        read = "yibao_scope_allows('yibao.read_prefix', region_code, subject_id)"
        write = "yibao_scope_allows('yibao.write_prefix', region_code, subject_id)"
        out.append(f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {table}_read ON {table} FOR SELECT TO yibao_app USING ({read});
CREATE POLICY {table}_insert ON {table} FOR INSERT TO yibao_app WITH CHECK ({write});
CREATE POLICY {table}_update ON {table} FOR UPDATE TO yibao_app USING ({write}) WITH CHECK ({write});
""")
    return "\n".join(out)


TRIGGERS = """
CREATE TRIGGER objection_no_delete BEFORE DELETE ON objection FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER objection_audit AFTER INSERT OR UPDATE ON objection FOR EACH ROW EXECUTE FUNCTION yibao_audit();
CREATE TRIGGER repair_application_no_delete BEFORE DELETE ON repair_application
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER repair_application_audit AFTER INSERT OR UPDATE ON repair_application
    FOR EACH ROW EXECUTE FUNCTION yibao_audit();
CREATE TRIGGER evidence_file_frozen BEFORE UPDATE OR DELETE ON evidence_file
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER credit_report_frozen BEFORE UPDATE OR DELETE ON credit_report
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
"""

GRANTS = """
REVOKE ALL ON objection, repair_application, evidence_file, credit_report FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON objection, repair_application TO yibao_app;
GRANT SELECT, INSERT ON evidence_file, credit_report TO yibao_app;
GRANT USAGE ON SEQUENCE rights_document_seq TO yibao_app;
"""


def upgrade() -> None:
    run_script(TABLES + FUNCTIONS + _policies() + TRIGGERS + GRANTS)


def downgrade() -> None:
    run_script("""
DROP FUNCTION yibao_verify_credit_report(text, text, text);
DROP TABLE credit_report;
DROP TABLE evidence_file;
DROP TABLE repair_application;
DROP TABLE objection;
DROP SEQUENCE rights_document_seq;
""")
