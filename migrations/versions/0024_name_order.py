"""按名称排序 by pinyin: ``yibao_name_order(name)``, a name's GB18030 bytes as hex, and an index for subjects in
that order (see ``domain.rules.name_order`` for why GB18030 and not a collation: the embedded PostgreSQL has no
ICU, and GB2312's level-1 characters are arranged by pinyin).

The function is what ``domain.rules.name_order.NAME_ORDER_FUNCTION`` read when this was written, frozen here (a
migration never changes when the code does); tests/integration/test_name_order.py checks the database computes
the rule's key.

Revision ID: 0024_name_order
Revises: 0023_search_bigrams
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0024_name_order"
down_revision = "0023_search_bigrams"
branch_labels = None
depends_on = None

UP = r"""
CREATE FUNCTION public.yibao_name_order(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.encode(pg_catalog.convert_to(name, 'GB18030'), 'hex');

-- subjects(orderBy: NAME_ASC) pages in this order (keyset: the key, then the id), compared byte by byte
CREATE INDEX subject_name_order_idx ON subject (public.yibao_name_order(name) COLLATE "C", id);
"""

DOWN = """
DROP INDEX subject_name_order_idx;
DROP FUNCTION public.yibao_name_order(text);
"""


def upgrade() -> None:
    run_script(UP)


def downgrade() -> None:
    run_script(DOWN)
