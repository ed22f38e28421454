"""Bulk import of credit records (批量导入, issue 13): batches and the source ids of imported records.

- ``import_batch``: one accepted import, attributed to the importing officer and the source system, at the
  officer's bureau node (read and written within the subtree, like the records).
- ``imported_record``: which record came from which row of which source; ``UNIQUE (source, source_id)`` is what
  makes importing the same or an overlapping file write nothing twice. Append-only.
- ``yibao_import_subject_regions(codes)``: the regions of subjects by code, past row-level security, so an
  import can say "outside your subtree" rather than "unknown" (it reveals a region code, never a row).
- ``yibao_imported_source_ids(source, ids)``: which of these source ids a source has already imported, in any
  region (the unique index is global, so the answer must be too).
- ``subject (code)``: the import resolves subjects by code, a million rows at a time.

Revision ID: 0020_import
Revises: 0019_representatives
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0020_import"
down_revision = "0021_list_push"
branch_labels = None
depends_on = None

UP = """
CREATE INDEX subject_code_idx ON subject (code);

CREATE TABLE import_batch (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    region_code   text NOT NULL REFERENCES region (code),
    source        text NOT NULL CHECK (length(source) BETWEEN 1 AND 64),
    file_name     text NOT NULL,
    file_format   text NOT NULL CHECK (file_format IN ('csv', 'xlsx')),
    encoding      text,
    cycle_year    integer NOT NULL,
    rows_read     integer NOT NULL,
    rows_accepted integer NOT NULL,
    rows_rejected integer NOT NULL,
    rows_already  integer NOT NULL,
    imported_by   text NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_batch_region_idx ON import_batch (region_code text_pattern_ops, imported_at DESC);

CREATE TABLE imported_record (
    record_id   uuid PRIMARY KEY REFERENCES credit_record (id),
    batch_id    uuid NOT NULL REFERENCES import_batch (id),
    source      text NOT NULL,
    source_id   text NOT NULL,
    line        integer NOT NULL,
    subject_id  uuid NOT NULL,
    region_code text NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX imported_record_batch_idx ON imported_record (batch_id, line);

CREATE TRIGGER import_batch_frozen BEFORE UPDATE OR DELETE ON import_batch
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();
CREATE TRIGGER imported_record_frozen BEFORE UPDATE OR DELETE ON imported_record
    FOR EACH ROW EXECUTE FUNCTION yibao_forbid_change();

ALTER TABLE import_batch ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_batch_read ON import_batch FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, NULL));
CREATE POLICY import_batch_insert ON import_batch FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, NULL));
ALTER TABLE imported_record ENABLE ROW LEVEL SECURITY;
CREATE POLICY imported_record_read ON imported_record FOR SELECT TO yibao_app
    USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));
CREATE POLICY imported_record_insert ON imported_record FOR INSERT TO yibao_app
    WITH CHECK (yibao_scope_allows('yibao.write_prefix', region_code, subject_id));
REVOKE ALL ON import_batch, imported_record FROM PUBLIC;
GRANT SELECT, INSERT ON import_batch, imported_record TO yibao_app;

CREATE FUNCTION yibao_import_subject_regions(codes text[]) RETURNS TABLE (code text, region_code text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT DISTINCT s.code, s.region_code FROM subject s WHERE s.code = ANY (codes)
$$;
CREATE FUNCTION yibao_imported_source_ids(p_source text, ids text[]) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT i.source_id FROM imported_record i JOIN unnest(ids) AS x(id) ON x.id = i.source_id
  WHERE i.source = p_source
$$;
REVOKE ALL ON FUNCTION yibao_import_subject_regions(text[]), yibao_imported_source_ids(text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_import_subject_regions(text[]), yibao_imported_source_ids(text, text[])
    TO yibao_app;
"""


def upgrade() -> None:
    run_script(UP)


def downgrade() -> None:
    run_script("""DROP FUNCTION yibao_imported_source_ids(text, text[]), yibao_import_subject_regions(text[]);
                  DROP TABLE imported_record, import_batch; DROP INDEX subject_code_idx;""")
