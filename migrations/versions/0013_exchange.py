"""Exchange with other systems (issue 9): the provincial platform push log, joint punishment, bank consent and
access log, bureau registry and the province's deadlines.

- ``exchange_bureau``: each bureau's unified social credit code and name (the 双公示 deciding authority and data
  source unit need them); reference data, readable by the application.
- ``platform_push``: one row per publication change to push to the provincial public credit platform
  (001 art.5): pending → sent → acknowledged, or failed with ``attempts`` and ``next_attempt_at`` (NULL: given
  up, or refused as incomplete). Unique per (event, publication): a consumer re-run never pushes twice.
- ``joint_measure``: 联合惩戒 measures binding other departments for a subject on the serious-dishonesty list,
  from its publication until its end or take-down (``lifted_at``). Department clients read the
  ``shared_joint_measure`` view (active measures, with the institution's name and code, individuals masked).
- ``bank_consent`` / ``bank_access``: a subject's consent to a named bank for a purpose and period, and every
  read the bank made under it.
- ``oversight_deadline``: a province's deadlines, in days, from decision to entry and from entry to
  confirmation (001 art.30 oversight); a province without a row uses the defaults in domain/exchange/oversight.py.
- ``bank_*`` views: what a bank reads of a subject, only under a valid consent of that subject (see BANK_VIEWS).

Regional tables get the same row-level security as the archive (yibao_scope_allows).

Revision ID: 0013_exchange
Revises: 0007_event_spine
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0013_exchange"
down_revision = "0009_idempotency"
branch_labels = None
depends_on = None

REGIONAL = ("platform_push", "joint_measure", "bank_consent", "bank_access")

TABLES = """
CREATE TABLE exchange_bureau (
    region_code  text PRIMARY KEY REFERENCES region (code),
    name         text NOT NULL,
    uscc         text NOT NULL
);

CREATE TABLE platform_push (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_position   bigint NOT NULL,
    publication_id   uuid NOT NULL,
    subject_id       uuid NOT NULL REFERENCES subject (id),
    region_code      text NOT NULL REFERENCES region (code),
    action           text NOT NULL CHECK (action IN ('publish', 'withdraw')),
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'acknowledged', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz DEFAULT now(),
    last_error       text,
    platform_ref     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    acknowledged_at  timestamptz,
    UNIQUE (event_position, publication_id)
);
CREATE INDEX platform_push_due_idx ON platform_push (next_attempt_at)
    WHERE status IN ('pending', 'failed') AND next_attempt_at IS NOT NULL;
CREATE INDEX platform_push_publication_idx ON platform_push (publication_id, created_at);
CREATE INDEX platform_push_region_idx ON platform_push (region_code text_pattern_ops, created_at);

CREATE TABLE joint_measure (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id      uuid NOT NULL REFERENCES subject (id),
    region_code     text NOT NULL REFERENCES region (code),
    publication_id  uuid NOT NULL,
    code            text NOT NULL,
    description     text NOT NULL,
    departments     text[] NOT NULL,
    basis           text NOT NULL,
    starts_on       date NOT NULL,
    ends_on         date,
    lifted_at       timestamptz,
    lift_reason     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (publication_id, code)
);
CREATE INDEX joint_measure_active_idx ON joint_measure (region_code text_pattern_ops) WHERE lifted_at IS NULL;
CREATE INDEX joint_measure_subject_idx ON joint_measure (subject_id);

CREATE TABLE bank_consent (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id   uuid NOT NULL REFERENCES subject (id),
    region_code  text NOT NULL REFERENCES region (code),
    bank_client  text NOT NULL,
    purpose      text NOT NULL,
    valid_from   timestamptz NOT NULL DEFAULT now(),
    valid_until  timestamptz NOT NULL,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_until > valid_from)
);
CREATE INDEX bank_consent_subject_idx ON bank_consent (subject_id, bank_client);

CREATE TABLE bank_access (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    consent_id   uuid NOT NULL REFERENCES bank_consent (id),
    subject_id   uuid NOT NULL REFERENCES subject (id),
    region_code  text NOT NULL REFERENCES region (code),
    bank_client  text NOT NULL,
    purpose      text NOT NULL,
    what         text NOT NULL,
    accessed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bank_access_subject_idx ON bank_access (subject_id, accessed_at DESC);

CREATE TABLE oversight_deadline (
    province_code      text PRIMARY KEY REFERENCES region (code),
    entry_days         integer NOT NULL CHECK (entry_days > 0),
    confirmation_days  integer NOT NULL CHECK (confirmation_days > 0)
);

-- Department clients (federation role) read active joint measures through this view only; an individual's
-- name and resident ID are masked as in the public views.
CREATE VIEW shared_joint_measure WITH (security_barrier = true) AS
SELECT m.id, m.subject_id, m.region_code, m.code, m.description, m.departments, m.basis, m.starts_on, m.ends_on,
       s.kind AS subject_kind, s.subject_class,
       CASE WHEN s.kind = 'institution' THEN s.name
            ELSE left(s.name, 1) || repeat('*', greatest(char_length(s.name) - 1, 1)) END AS subject_name,
       CASE WHEN s.kind = 'institution' THEN s.code
            ELSE left(s.code, 6) || repeat('*', greatest(char_length(s.code) - 10, 0)) || right(s.code, 4)
       END AS subject_code
FROM joint_measure m JOIN subject s ON s.id = m.subject_id
WHERE m.lifted_at IS NULL AND (m.ends_on IS NULL OR m.ends_on >= (now() AT TIME ZONE 'Asia/Shanghai')::date);
"""

# A bank reads a subject's credit summary through these views only. Each row exists only while the calling bank
# (the actor setting of its transaction) holds an unrevoked, unexpired consent of that subject: the database itself
# enforces "only with consent, never another subject's data", whatever the resolver does.
BANK_VIEWS = """
CREATE VIEW bank_consented_subject WITH (security_barrier = true) AS
SELECT c.id AS consent_id, c.bank_client, c.purpose, c.valid_until, s.id AS subject_id, s.code, s.name,
       s.kind AS subject_kind, s.subject_class, s.region_code
FROM bank_consent c JOIN subject s ON s.id = c.subject_id
WHERE 'federation:' || c.bank_client = current_setting('yibao.actor', true)
  AND c.revoked_at IS NULL AND c.valid_from <= now() AND c.valid_until > now();

CREATE VIEW bank_credit_result WITH (security_barrier = true) AS
SELECT b.consent_id, e.id AS result_id, e.subject_id, e.cycle_year, e.as_of, e.grade, e.score, e.ruleset_code
FROM bank_consented_subject b JOIN evaluation_result e ON e.subject_id = b.subject_id AND e.superseded_at IS NULL;

CREATE VIEW bank_credit_line WITH (security_barrier = true) AS
SELECT r.result_id, l.line_no, l.item_code, l.clause, l.points, l.explanation
FROM bank_credit_result r JOIN evaluation_line l ON l.result_id = r.result_id;

CREATE VIEW bank_credit_measure WITH (security_barrier = true) AS
SELECT r.result_id, m.code, m.description, m.clause, m.applies_in_year
FROM bank_credit_result r JOIN applied_measure m ON m.result_id = r.result_id;

-- The bank's reads are logged in its own transaction, only under a consent it holds now.
CREATE POLICY bank_access_bank_insert ON bank_access FOR INSERT TO yibao_federation
    WITH CHECK (EXISTS (SELECT 1 FROM bank_consented_subject b
                        WHERE b.consent_id = bank_access.consent_id AND b.subject_id = bank_access.subject_id
                          AND b.bank_client = bank_access.bank_client));
REVOKE ALL ON bank_consented_subject, bank_credit_result, bank_credit_line, bank_credit_measure FROM PUBLIC;
GRANT SELECT ON bank_consented_subject, bank_credit_result, bank_credit_line, bank_credit_measure
    TO yibao_federation;
GRANT INSERT ON bank_access TO yibao_federation;
"""

FEDERATION_POLICIES = """
-- The federation feed (domain/feed.py) reads domain_event as the federation role, which 0007 left without a grant:
-- department clients must see the joint measures announced to them. Only events meant for federation clients;
-- the feed confines them to the agreed region and shows their public form.
GRANT SELECT ON domain_event TO yibao_federation;
CREATE POLICY domain_event_federation_read ON domain_event FOR SELECT TO yibao_federation
    USING ('federation' = ANY (audiences));
"""

GRANTS = """
REVOKE ALL ON exchange_bureau, platform_push, joint_measure, bank_consent, bank_access, oversight_deadline,
    shared_joint_measure FROM PUBLIC;
GRANT SELECT ON exchange_bureau, oversight_deadline TO yibao_app;
GRANT SELECT, INSERT, UPDATE ON platform_push, joint_measure, bank_consent TO yibao_app;
GRANT SELECT, INSERT ON bank_access TO yibao_app;
GRANT SELECT ON shared_joint_measure TO yibao_app, yibao_federation;
"""


def _policies() -> str:
    out = []
    for table in REGIONAL:
        read = "yibao_scope_allows('yibao.read_prefix', region_code, subject_id)"
        write = "yibao_scope_allows('yibao.write_prefix', region_code, subject_id)"
        out.append(f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {table}_read ON {table} FOR SELECT TO yibao_app USING ({read});
CREATE POLICY {table}_insert ON {table} FOR INSERT TO yibao_app WITH CHECK ({write});
CREATE POLICY {table}_update ON {table} FOR UPDATE TO yibao_app USING ({write}) WITH CHECK ({write});
""")
    return "\n".join(out)


def upgrade() -> None:
    run_script(TABLES + _policies() + FEDERATION_POLICIES + GRANTS + BANK_VIEWS)


def downgrade() -> None:
    run_script("""
DROP POLICY bank_access_bank_insert ON bank_access;
DROP VIEW bank_credit_measure;
DROP VIEW bank_credit_line;
DROP VIEW bank_credit_result;
DROP VIEW bank_consented_subject;
DROP POLICY domain_event_federation_read ON domain_event;
REVOKE SELECT ON domain_event FROM yibao_federation;
DROP VIEW shared_joint_measure;
DROP TABLE oversight_deadline;
DROP TABLE bank_access;
DROP TABLE bank_consent;
DROP TABLE joint_measure;
DROP TABLE platform_push;
DROP TABLE exchange_bureau;
""")
