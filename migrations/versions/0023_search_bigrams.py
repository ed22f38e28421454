"""Public search tolerates a typo in part of a name: names are matched on character bigrams (see
``domain.rules.search_sql`` for why trigrams of a Chinese name were not enough).

- ``yibao_name_bigrams(name)`` (immutable SQL) rewrites a name as its overlapping character pairs, one per word;
  a partial GIN index ``gin_trgm_ops`` on that form of published institution names serves ``<%``.
- ``yibao_public_institution_search`` keeps its signature, grants and owner's rights; it now matches a name by
  ``LIKE`` (the 0010 index) or by bigram word similarity, and ranks exact > prefix > contains > fuzzy. Its
  text and threshold are what ``domain.rules.search_sql`` generated when this was written, frozen here (a
  migration never changes when the code does); tests/integration/test_search_sql.py checks the database agrees
  with the rules, so changing them needs a new migration.

Revision ID: 0023_search_bigrams
Revises: 0022_outbox_speed
Create Date: 2026-12-01
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0023_search_bigrams"
down_revision = "0022_outbox_speed"
branch_labels = None
depends_on = None

NAME_BIGRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION public.yibao_name_bigrams(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
RETURN (SELECT coalesce(pg_catalog.string_agg(pair, ' ' ORDER BY i), '')
        FROM (SELECT i, pg_catalog.substr(name, i, 2) AS pair
              FROM pg_catalog.generate_series(1, pg_catalog.length(name) - 1) i) pairs
        WHERE pair OPERATOR(pg_catalog.~) '^[[:alnum:]]{2}$');
"""

SEARCH_FUNCTION = r"""
CREATE OR REPLACE FUNCTION public.yibao_public_institution_search(q text, q_like text, by_code boolean,
                                                                  region_like text, confined_like text)
RETURNS TABLE (public_key text, rank real)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET pg_trgm.word_similarity_threshold = 0.45
AS $$
  WITH hits AS (
    SELECT p.id, p.public_key, (p.public_key = q)::int::real + 1 AS rank
    FROM public.publication p
    WHERE by_code AND p.status = 'published' AND p.public_key IS NOT NULL
      AND p.public_key LIKE q_like || '%' ESCAPE '\'
      AND p.region_code LIKE region_like AND p.region_code LIKE confined_like
    UNION ALL
    SELECT p.id, p.public_key, ((p.public_name = q)::int + (p.public_name LIKE q_like || '%' ESCAPE '\')::int
        + (p.public_name LIKE '%' || q_like || '%' ESCAPE '\')::int
        + (public.word_similarity(public.yibao_name_bigrams(q), public.yibao_name_bigrams(p.public_name))
        + public.similarity(public.yibao_name_bigrams(q), public.yibao_name_bigrams(p.public_name))) / 2)
    FROM public.publication p
    WHERE NOT by_code AND p.status = 'published' AND p.public_key IS NOT NULL
      AND (p.public_name LIKE '%' || q_like || '%' ESCAPE '\'
           OR public.yibao_name_bigrams(q) OPERATOR(public.<%) public.yibao_name_bigrams(p.public_name))
      AND p.region_code LIKE region_like AND p.region_code LIKE confined_like
  )
  SELECT h.public_key, max(h.rank)::real
  FROM hits h
  WHERE EXISTS (SELECT 1 FROM public.public_item i WHERE i.id = h.id)
  GROUP BY h.public_key
$$;
"""

INDEX = """
CREATE INDEX publication_public_name_bigram_idx
    ON publication USING gin (public.yibao_name_bigrams(public_name) public.gin_trgm_ops)
    WHERE status = 'published' AND public_key IS NOT NULL;
"""

# 0010's function, as it was: trigram similarity of the whole name, or word similarity of the search in it.
PREVIOUS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION yibao_public_institution_search(q text, q_like text, by_code boolean, region_like text,
                                                           confined_like text)
RETURNS TABLE (public_key text, rank real)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET pg_trgm.similarity_threshold = 0.3
SET pg_trgm.word_similarity_threshold = 0.5
AS $$
  WITH hits AS (
    SELECT p.id, p.public_key, (p.public_key = q)::int::real + 1 AS rank
    FROM public.publication p
    WHERE by_code AND p.status = 'published' AND p.public_key IS NOT NULL
      AND p.public_key LIKE q_like || '%' ESCAPE '\'
      AND p.region_code LIKE region_like AND p.region_code LIKE confined_like
    UNION ALL
    SELECT p.id, p.public_key,
           (p.public_name = q)::int * 2 + (p.public_name LIKE '%' || q_like || '%' ESCAPE '\')::int
           + greatest(public.similarity(p.public_name, q), public.word_similarity(q, p.public_name))
    FROM public.publication p
    WHERE NOT by_code AND p.status = 'published' AND p.public_key IS NOT NULL
      AND (p.public_name LIKE '%' || q_like || '%' ESCAPE '\'
           OR p.public_name OPERATOR(public.%) q
           OR q OPERATOR(public.<%) p.public_name)
      AND p.region_code LIKE region_like AND p.region_code LIKE confined_like
  )
  SELECT h.public_key, max(h.rank)::real
  FROM hits h
  WHERE EXISTS (SELECT 1 FROM public.public_item i WHERE i.id = h.id)
  GROUP BY h.public_key
$$;
"""


def upgrade() -> None:
    run_script(NAME_BIGRAMS_FUNCTION + INDEX + SEARCH_FUNCTION)


def downgrade() -> None:
    # CREATE OR REPLACE replaces the SET list too, and keeps owner and grants.
    run_script(PREVIOUS_FUNCTION + """
DROP INDEX publication_public_name_bigram_idx;
DROP FUNCTION public.yibao_name_bigrams(text);
""")
