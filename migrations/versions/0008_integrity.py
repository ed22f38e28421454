"""Tamper evidence (防篡改): per-subject hash chains, an RFC 9162 Merkle log, signed tree heads, a login role.

- ``integrity_entry``: one row per chained write (record version, workflow event, evaluation result state,
  publication state), written by an AFTER trigger that is SECURITY DEFINER: the application cannot write
  entries itself. ``entry_hash = sha256(previous || canonical(fields))`` per subject; ``integrity_chain`` holds
  each subject's head, and its row lock is what serialises one subject's writes (one upsert, no extra lock).
- ``integrity_leaf``: the Merkle log, leaf ``i`` = ``sha256(0x00 || entry_hash)``, appended in batches by
  ``yibao_integrity_sequence()`` (like a CT log's merge step), so writers never wait on a global lock.
- ``integrity_signed_head``: heads signed with the bureau's Ed25519 key by ``yibao integrity sign-head``; also
  appended to a JSON Lines file outside the database, which is what ``yibao verify`` trusts.
- ``yibao_login``: the role the API connects as. It owns nothing, is not a superuser and is NOINHERIT: it
  holds no privilege until the request's transaction does ``SET LOCAL ROLE yibao_app`` (or public/federation),
  so it can neither disable a trigger nor set ``session_replication_role``.

The column lists are a copy of ``domain/rules/chain.py`` at the time of writing (a migration never changes when
the code does); a test compares the installed triggers' arguments with the code's.

Revision ID: 0008_integrity
Revises: 0006_publication_results
Create Date: 2026-11-30
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0008_integrity"
down_revision = "0012_rights"
branch_labels = None
depends_on = None

# table -> (row key columns, [(kind, column) ...], also chained on UPDATE)
CHAINED = {
    "credit_record_version": (
        "record_id,version",
        "plain:record_id plain:version plain:subject_id plain:region_code plain:title plain:facts plain:amount "
        "plain:points plain:score plain:occurred_on plain:decided_on plain:penalty plain:penalty_until "
        "plain:legal_basis json:clauses json:details plain:author_id plain:author_kind plain:change_reason "
        "ts:created_at",
        False,
    ),
    "record_event": (
        "id",
        "plain:id plain:record_id plain:subject_id plain:region_code plain:version plain:action plain:from_status "
        "plain:to_status plain:actor_id plain:actor_kind plain:reason ts:at",
        False,
    ),
    "evaluation_result": (
        "id",
        "plain:id plain:subject_id plain:region_code plain:subject_class plain:service_scope plain:ruleset_code "
        "plain:ruleset_version plain:cycle_year plain:as_of plain:trigger plain:base plain:score plain:grade "
        "plain:excluded_reason plain:evaluated_by ts:evaluated_at ts:superseded_at plain:superseded_by",
        True,
    ),
    "publication": (
        "id",
        "plain:id plain:item_type plain:item_id plain:subject_id plain:region_code plain:publisher_region "
        "plain:category plain:kind plain:status plain:window_months plain:prepared_by ts:prepared_at "
        "plain:published_by ts:published_at ts:public_until plain:withdrawn_by ts:withdrawn_at "
        "plain:withdraw_reason plain:public_key plain:public_name json:public_payload plain:grade "
        "plain:cycle_year json:shared_payload",
        True,
    ),
}

ROLE = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'yibao_login') THEN
    CREATE ROLE yibao_login LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
  END IF;
END $$;
GRANT yibao_app, yibao_public, yibao_federation TO yibao_login;
"""

TABLES = """
CREATE TABLE integrity_chain (
    subject_id uuid PRIMARY KEY,
    seq        bigint NOT NULL,
    head       bytea NOT NULL,
    previous   bytea NOT NULL
);

CREATE TABLE integrity_entry (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id    uuid NOT NULL,
    subject_seq   bigint NOT NULL,
    region_code   text NOT NULL,
    table_name    text NOT NULL,
    row_key       text NOT NULL,
    op            text NOT NULL,
    fields        text[] NOT NULL,
    previous_hash bytea NOT NULL,
    entry_hash    bytea NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subject_id, subject_seq)
);
CREATE INDEX integrity_entry_row_idx ON integrity_entry (table_name, row_key, subject_seq);

CREATE TABLE integrity_leaf (
    leaf_index bigint PRIMARY KEY,
    entry_id   bigint NOT NULL UNIQUE REFERENCES integrity_entry (id),
    leaf_hash  bytea NOT NULL
);

CREATE TABLE integrity_signed_head (
    tree_size  bigint PRIMARY KEY,
    root_hash  bytea NOT NULL,
    signed_at  timestamptz NOT NULL,
    key_id     text NOT NULL,
    signature  bytea NOT NULL
);
"""

FUNCTIONS = r"""
-- Append one row (as jsonb) to its subject's chain; key: the row key columns, columns: "kind:column ...".
CREATE FUNCTION yibao_integrity_append(tbl text, op text, j jsonb, key text, columns text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  fields text[];
  canon  bytea := ''::bytea;
  spec   text;
  kind   text;
  col    text;
  f      text;
  b      bytea;
  c_seq  bigint;
  c_prev bytea;
  c_head bytea;
BEGIN
  SELECT ARRAY[tbl, string_agg(j ->> k, ':' ORDER BY o), op] INTO fields
    FROM unnest(string_to_array(key, ',')) WITH ORDINALITY AS u(k, o);
  FOREACH spec IN ARRAY string_to_array(columns, ' ') LOOP
    kind := split_part(spec, ':', 1);
    col := split_part(spec, ':', 2);
    fields := array_append(fields, CASE kind
      WHEN 'ts' THEN to_char((j ->> col)::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
      WHEN 'json' THEN nullif(j -> col, 'null'::jsonb)::text
      ELSE j ->> col END);
  END LOOP;
  -- The canonical encoding of domain/rules/chain.py: 4-byte big-endian length and UTF-8, NULL as 0xFFFFFFFF.
  FOREACH f IN ARRAY fields LOOP
    IF f IS NULL THEN
      canon := canon || '\xffffffff'::bytea;
    ELSE
      b := convert_to(f, 'UTF8');
      canon := canon || int4send(octet_length(b)) || b;
    END IF;
  END LOOP;
  -- One upsert both serialises the subject's chain (its row lock) and links the entry to the previous one.
  INSERT INTO integrity_chain AS c (subject_id, seq, head, previous)
  VALUES ((j ->> 'subject_id')::uuid, 1, sha256(decode(repeat('00', 32), 'hex') || canon),
          decode(repeat('00', 32), 'hex'))
  ON CONFLICT (subject_id) DO UPDATE SET seq = c.seq + 1, previous = c.head, head = sha256(c.head || canon)
  RETURNING seq, previous, head INTO c_seq, c_prev, c_head;
  INSERT INTO integrity_entry (subject_id, subject_seq, region_code, table_name, row_key, op, fields,
                               previous_hash, entry_hash)
  VALUES ((j ->> 'subject_id')::uuid, c_seq, j ->> 'region_code', tbl, fields[2], op, fields[4:], c_prev, c_head);
END $$;
REVOKE ALL ON FUNCTION yibao_integrity_append(text, text, jsonb, text, text) FROM PUBLIC;


-- Append every entry not yet in the log, in entry order, under one lock; returns the tree size.
CREATE FUNCTION yibao_integrity_sequence() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  size bigint;
BEGIN
  LOCK TABLE integrity_leaf IN EXCLUSIVE MODE;
  SELECT coalesce(max(leaf_index) + 1, 0) INTO size FROM integrity_leaf;
  INSERT INTO integrity_leaf (leaf_index, entry_id, leaf_hash)
  SELECT size + row_number() OVER (ORDER BY e.id) - 1, e.id, sha256('\x00'::bytea || e.entry_hash)
  FROM integrity_entry e
  WHERE NOT EXISTS (SELECT 1 FROM integrity_leaf l WHERE l.entry_id = e.id)
  ORDER BY e.id;
  SELECT coalesce(max(leaf_index) + 1, 0) INTO size FROM integrity_leaf;
  RETURN size;
END $$;
REVOKE ALL ON FUNCTION yibao_integrity_sequence() FROM PUBLIC;

CREATE FUNCTION yibao_integrity_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'yibao: % on % is not allowed: the integrity log is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'raise_exception';
END $$;
"""


def _column(spec: str) -> str:
    """One column of NEW as canonical text: the same text ``yibao_integrity_append`` takes from its jsonb."""
    kind, col = spec.split(":")
    if kind == "ts":
        return f"""to_char(NEW.{col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    if kind == "json":
        return f"nullif(to_jsonb(NEW.{col}), 'null'::jsonb)::text"
    return f"NEW.{col}::text"  # dates in ISO: the function sets DateStyle


def _chain_function(table: str, key: str, columns: str) -> str:
    """The trigger function of one table: its columns as static expressions over NEW (no jsonb, no loop over
    column names), the canonical encoding, and one upsert that serialises and links the subject's chain."""
    key_sql = " || ':' || ".join(f"NEW.{k}::text" for k in key.split(","))
    fields = ",\n    ".join(_column(spec) for spec in columns.split())
    return f"""
CREATE FUNCTION yibao_integrity_chain_{table}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET datestyle = 'ISO, YMD' AS $$
DECLARE
  fields text[] := ARRAY[TG_TABLE_NAME::text, {key_sql}, TG_OP::text,
    {fields}];
  canon  bytea := ''::bytea;
  f      text;
  b      bytea;
  c_seq  bigint;
  c_prev bytea;
  c_head bytea;
BEGIN
  FOREACH f IN ARRAY fields LOOP
    IF f IS NULL THEN
      canon := canon || '\\xffffffff'::bytea;
    ELSE
      b := convert_to(f, 'UTF8');
      canon := canon || int4send(octet_length(b)) || b;
    END IF;
  END LOOP;
  INSERT INTO integrity_chain AS c (subject_id, seq, head, previous)
  VALUES (NEW.subject_id, 1, sha256('\\x{"00" * 32}'::bytea || canon), '\\x{"00" * 32}'::bytea)
  ON CONFLICT (subject_id) DO UPDATE SET seq = c.seq + 1, previous = c.head, head = sha256(c.head || canon)
  RETURNING seq, previous, head INTO c_seq, c_prev, c_head;
  INSERT INTO integrity_entry (subject_id, subject_seq, region_code, table_name, row_key, op, fields,
                               previous_hash, entry_hash)
  VALUES (NEW.subject_id, c_seq, NEW.region_code, TG_TABLE_NAME, fields[2], TG_OP, fields[4:], c_prev, c_head);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION yibao_integrity_chain_{table}() FROM PUBLIC;
"""


def _triggers() -> str:
    out = []
    for table, (key, columns, on_update) in CHAINED.items():
        events = "INSERT OR UPDATE" if on_update else "INSERT"
        out.append(_chain_function(table, key, columns))
        # The arguments name what the function chains (a test compares them with domain/rules/chain.py).
        out.append(
            f"CREATE TRIGGER {table}_integrity AFTER {events} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION yibao_integrity_chain_{table}('{key}', '{columns}');"
        )
    for table in ("integrity_entry", "integrity_leaf", "integrity_signed_head"):
        out.append(
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION yibao_integrity_frozen();"
        )
    # TRUNCATE fires no row trigger: refuse it on the log and on the chained tables too.
    for table in ("integrity_chain", "integrity_entry", "integrity_leaf", "integrity_signed_head", *CHAINED):
        out.append(
            f"CREATE TRIGGER {table}_integrity_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION yibao_integrity_frozen();"
        )
    return "\n".join(out)


POLICIES = """
ALTER TABLE integrity_entry ENABLE ROW LEVEL SECURITY;
CREATE POLICY integrity_entry_read ON integrity_entry FOR SELECT TO yibao_app
  USING (yibao_scope_allows('yibao.read_prefix', region_code, subject_id));

-- What anyone may know of a published item's entries: their hashes and places, never their fields.
CREATE VIEW integrity_public_entry WITH (security_barrier = true) AS
SELECT e.id, e.row_key, e.subject_seq, e.previous_hash, e.entry_hash
FROM integrity_entry e
WHERE e.table_name = 'publication' AND e.row_key IN (SELECT p.id::text FROM public_item p);

REVOKE ALL ON integrity_chain, integrity_entry, integrity_leaf, integrity_signed_head FROM PUBLIC;
GRANT SELECT ON integrity_entry TO yibao_app;
GRANT SELECT ON integrity_leaf, integrity_signed_head TO yibao_app, yibao_public, yibao_federation;
GRANT SELECT ON integrity_public_entry TO yibao_app, yibao_public, yibao_federation;
GRANT EXECUTE ON FUNCTION yibao_integrity_sequence() TO yibao_app;
"""

def upgrade() -> None:
    run_script(ROLE)
    run_script(TABLES)
    run_script(FUNCTIONS)
    run_script(_triggers())
    run_script(POLICIES)
    _backfill()


def _backfill() -> None:
    """Chain the rows written before this migration, all tables interleaved in the order they were written."""
    parts = []
    times = {"credit_record_version": "created_at", "record_event": "at", "evaluation_result": "evaluated_at",
             "publication": "prepared_at"}
    for table, (key, columns, _) in CHAINED.items():
        parts.append(f"SELECT '{table}' AS tbl, '{key}' AS key, '{columns}' AS columns, to_jsonb(t) AS j, "
                     f"t.{times[table]} AS at FROM {table} t")
    # A loop, so the rows are appended in exactly this order (a SELECT list may be evaluated before its sort).
    run_script(
        "DO $$ DECLARE r record; BEGIN FOR r IN SELECT * FROM ("
        + " UNION ALL ".join(parts)
        + ") rows ORDER BY at, tbl, j ->> 'id', j ->> 'record_id', (j ->> 'version')::int LOOP "
        "PERFORM yibao_integrity_append(r.tbl, 'INSERT', r.j, r.key, r.columns); END LOOP; END $$;"
    )


def downgrade() -> None:
    drops = [f"DROP TRIGGER {t}_integrity ON {t}; DROP TRIGGER {t}_integrity_no_truncate ON {t};" for t in CHAINED]
    run_script(
        "\n".join(drops)
        + """
DROP VIEW integrity_public_entry;
DROP TABLE integrity_signed_head, integrity_leaf, integrity_entry, integrity_chain;
DROP FUNCTION yibao_integrity_chain_credit_record_version(), yibao_integrity_chain_record_event(),
              yibao_integrity_chain_evaluation_result(), yibao_integrity_chain_publication(),
              yibao_integrity_sequence(), yibao_integrity_frozen(),
              yibao_integrity_append(text, text, jsonb, text, text);
"""
    )
