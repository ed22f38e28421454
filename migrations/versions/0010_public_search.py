"""Public search (信用查询): institutions by part of their name, typo-tolerant, or by the start of their code.

- ``pg_trgm`` (a trusted extension shipped with PostgreSQL): trigram similarity is what makes "瑶海区益康大药店"
  find 瑶海区益康大药房, and its GIN index also serves ``LIKE '%益康%'``. We chose it over a hand-written
  edit distance because it is maintained, indexed and ranks in SQL. Trigrams need a character-classifying
  locale (C.UTF-8, zh_CN.UTF-8 ...) so that Chinese characters count as word characters; the embedded server
  and every UTF-8 locale do.
- ``yibao_public_institution_search``: the public role has no right on ``publication`` and the
  ``public_item`` view is a security barrier, which keeps the (not leakproof) trigram operators from reaching
  its indexes. This function (owner's rights, fixed search path) looks the name or code up in the indexes of
  published institution items, then keeps only ids the ``public_item`` view still shows, so what is live stays
  defined in one place. It returns each matching institution's code and rank, nothing else.
- One current public grade per institution: ``public_item`` (and ``shared_item``) now also drop a published
  result once a result of a later cycle of the same subject is published and live, so ``publicGrades``, the
  poor-grade list and the institution's page all show the same single grade.

Revision ID: 0010_public_search
Revises: 0006_publication_results
Create Date: 2026-11-30
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0010_public_search"
down_revision = "0007_event_spine"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Institutions only: individuals' items have no public_key or public_name and are never a search key.
CREATE INDEX publication_public_name_trgm_idx ON publication USING gin (public_name public.gin_trgm_ops)
    WHERE status = 'published' AND public_key IS NOT NULL;
CREATE INDEX publication_public_key_prefix_idx ON publication (public_key text_pattern_ops)
    WHERE status = 'published' AND public_key IS NOT NULL;

-- q: the normalized search; q_like: q escaped for LIKE (\ as escape); by_code: q is (the start of) a unified
-- social credit code; region_like / confined_like: LIKE patterns of the region subtree asked for and of the
-- caller's confinement (a federation client's region; '%' for the public).
CREATE FUNCTION yibao_public_institution_search(q text, q_like text, by_code boolean, region_like text,
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
REVOKE ALL ON FUNCTION yibao_public_institution_search(text, text, boolean, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_public_institution_search(text, text, boolean, text, text)
    TO yibao_public, yibao_app, yibao_federation;
"""

# 0006's live test, plus: a result gives way to a live published result of a later cycle of the same subject.
_LIVE = """p.status = 'published' AND p.published_at <= now() AND (p.public_until IS NULL OR p.public_until > now())
  AND (p.item_type <> 'result' OR EXISTS (
       SELECT 1 FROM evaluation_result e WHERE e.id = p.item_id AND e.superseded_at IS NULL))"""
_NEWEST_CYCLE = """(p.item_type <> 'result' OR NOT EXISTS (
       SELECT 1 FROM publication n JOIN evaluation_result ne ON ne.id = n.item_id AND ne.superseded_at IS NULL
       WHERE n.subject_id = p.subject_id AND n.category = 'result' AND n.status = 'published'
         AND n.cycle_year > p.cycle_year AND n.published_at <= now()
         AND (n.public_until IS NULL OR n.public_until > now())))"""
_PUBLIC_COLUMNS = """p.id, p.item_type, p.category, p.kind, p.region_code, p.publisher_region, p.published_at,
       p.public_until, p.public_key, p.public_name, p.public_payload"""


def _views(live: str) -> str:
    return f"""
CREATE OR REPLACE VIEW public_item WITH (security_barrier = true) AS
SELECT {_PUBLIC_COLUMNS}, p.grade, p.cycle_year
FROM publication p
WHERE {live};

CREATE OR REPLACE VIEW shared_item WITH (security_barrier = true) AS
SELECT {_PUBLIC_COLUMNS}, p.grade, p.cycle_year, p.shared_payload
FROM publication p
WHERE {live};
"""


DOWNGRADE = """
DROP FUNCTION yibao_public_institution_search(text, text, boolean, text, text);
DROP INDEX publication_public_key_prefix_idx;
DROP INDEX publication_public_name_trgm_idx;
DROP EXTENSION IF EXISTS pg_trgm;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    run_script(_views(f"{_LIVE}\n  AND {_NEWEST_CYCLE}"))


def downgrade() -> None:
    run_script(_views(_LIVE))
    run_script(DOWNGRADE)
