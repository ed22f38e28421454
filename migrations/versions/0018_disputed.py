"""异议标注: a published item under an open objection may say so publicly, where the rule set says so.

- ``objection.publicly_disputed``: decided when the objection is filed, from the subject's rule set
  (``RuleSet.show_disputed``), so the public marker follows the rule in force then.
- ``yibao_disputed_publications(ids)``: of the given publications, those that are live public items and whose
  record, result or publication is under an open (submitted or accepted) objection marked public. It runs with
  the owner's rights for the public roles, which cannot read objections, and answers nothing about any item
  that is not public now.

Revision ID: 0018_disputed
Revises: 0014_public_page_indexes
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0018_disputed"
down_revision = "0014_public_page_indexes"
branch_labels = None
depends_on = None

UP = """
ALTER TABLE objection ADD COLUMN publicly_disputed boolean NOT NULL DEFAULT false;
CREATE INDEX objection_open_item_idx ON objection (item_id) WHERE status IN ('submitted', 'accepted');

CREATE FUNCTION yibao_disputed_publications(ids uuid[]) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT i.id FROM public.public_item i
  JOIN public.publication p ON p.id = i.id
  WHERE i.id = ANY(ids) AND EXISTS (
    SELECT 1 FROM public.objection o
    WHERE o.status IN ('submitted', 'accepted') AND o.publicly_disputed
      AND ((o.item_type = p.item_type AND o.item_id = p.item_id)
           OR (o.item_type = 'publication' AND o.item_id = p.id)))
$$;
REVOKE ALL ON FUNCTION yibao_disputed_publications(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_disputed_publications(uuid[]) TO yibao_public, yibao_app, yibao_federation;
"""

DOWN = """
DROP FUNCTION yibao_disputed_publications(uuid[]);
DROP INDEX objection_open_item_idx;
ALTER TABLE objection DROP COLUMN publicly_disputed;
"""


def upgrade() -> None:
    run_script(UP)


def downgrade() -> None:
    run_script(DOWN)
