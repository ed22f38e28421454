"""Red and black list entries (红黑名单, 004 §三(五)) as published, and their push to the provincial platform.

- ``credit_list_entry``: one row per subject put on the red or the black list when its grade of a cycle is
  published (the ``credit_lists`` consumer, domain/exchange/list_entries.py); ``removed_at`` and
  ``removed_reason`` when it comes off (repair approved, result superseded or withdrawn, window expired).
  At most one live entry per published result. Nothing is deleted.
- ``platform_push.layout``: which 双公示 layout a push row carries: ``penalty`` (the rows so far) or ``list``
  (a list entry, whose id is then the row's ``publication_id``).

Revision ID: 0021_list_push
Revises: 0019_representatives
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0021_list_push"
down_revision = "0019_representatives"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE credit_list_entry (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id        uuid NOT NULL REFERENCES subject (id),
    region_code       text NOT NULL REFERENCES region (code),
    publication_id    uuid NOT NULL,
    result_id         uuid NOT NULL,
    cycle_year        integer NOT NULL,
    grade             text,
    list_kind         text NOT NULL CHECK (list_kind IN ('red', 'black')),
    reasons           text[] NOT NULL,
    serious_kinds     text[] NOT NULL DEFAULT '{}',
    publisher_region  text NOT NULL REFERENCES region (code),
    listed_on         date NOT NULL,
    listed_until      date,
    created_at        timestamptz NOT NULL DEFAULT now(),
    removed_at        timestamptz,
    removed_reason    text,
    CHECK ((removed_at IS NULL) = (removed_reason IS NULL))
);
CREATE UNIQUE INDEX credit_list_entry_live_idx ON credit_list_entry (publication_id) WHERE removed_at IS NULL;
CREATE INDEX credit_list_entry_subject_idx ON credit_list_entry (subject_id) WHERE removed_at IS NULL;
CREATE INDEX credit_list_entry_region_idx ON credit_list_entry (region_code text_pattern_ops, cycle_year);
CREATE TRIGGER credit_list_entry_no_delete BEFORE DELETE ON credit_list_entry
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
ALTER TABLE credit_list_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY credit_list_entry_read ON credit_list_entry FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
CREATE POLICY credit_list_entry_insert ON credit_list_entry FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));
CREATE POLICY credit_list_entry_update ON credit_list_entry FOR UPDATE TO yibao_app
    USING (yibao_scope_allows('yibao.write_prefix', region_code, subject_id))
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));
REVOKE ALL ON credit_list_entry FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON credit_list_entry TO yibao_app;

ALTER TABLE platform_push ADD COLUMN layout text NOT NULL DEFAULT 'penalty' CHECK (layout IN ('penalty', 'list'));
"""


def upgrade() -> None:
    run_script(UP)


def downgrade() -> None:
    run_script("ALTER TABLE platform_push DROP COLUMN layout; DROP TABLE credit_list_entry;")
