"""Public pages read from an index range, not the whole province (issue 12).

The public role reads ``public_item``, a security-barrier view. A barrier keeps a caller's non-leakproof
predicates (``LIKE`` is one) out of the view, and a barrier subquery is planned for full retrieval whenever
the outer query sorts, so a 50-row page used to read and sort every published item of the province and hash
all of ``evaluation_result`` for the "still current" check (37 ms at 200k subjects, 264 ms at 1M).

- ``region_province`` / ``region_city``: stored copies of the first 2 and 4 digits of ``region_code``, so a
  subtree (province, city, county: GB/T 2260 prefixes of 2, 4 or 6 digits) is one equality on one column.
- ``publication_page_*_idx``: one index per subtree level, ordered as every public page is (newest published
  first), with the page filters (type, category, kind, grade) and the window end as trailing key columns, so
  they are checked in the index and a page reads about as many rows as it returns.
- The still-current check becomes an anti-join on the (small) set of superseded results.
- ``yibao_public_page(...)``: the public page itself, owned by the migrating role and run with its rights,
  like the view: it reads ``publication`` directly, returns only the view's public columns of live items,
  and its caller can add no predicate to it. Its SQL is built from typed arguments only (never from caller
  text), so the planner sees the real filter and the ``LIMIT`` together and walks one of the indexes above.
  Windows are compared with ``now()`` in the query: an item leaves the public the second its window ends,
  no job involved.
- ``credit_record_queue_idx`` / ``credit_record_recent_idx``: the review queue and a subtree's newest records
  walk the records in page order instead of scanning and sorting the province's.

Revision ID: 0014_public_page_indexes
Revises: 0011_delivery
Create Date: 2026-11-30
"""

from __future__ import annotations

from migrations.sql import run_script

revision = "0014_public_page_indexes"
down_revision = "0011_delivery"
branch_labels = None
depends_on = None

# Live: published, inside its window, and for a result, not superseded by a re-evaluation. Results are never
# deleted, so "no superseding" is the same as the old "its result exists and is current".
_LIVE = """p.status = 'published' AND p.published_at <= now()
  AND COALESCE(p.public_until, 'infinity'::timestamptz) > now()
  AND NOT EXISTS (SELECT 1 FROM evaluation_result e
                  WHERE p.item_type = 'result' AND e.id = p.item_id AND e.superseded_at IS NOT NULL)"""
# 0010's rule, kept: a result gives way to a live published result of a later cycle of the same subject (one
# current public grade per institution). ``publication`` is schema-qualified for the page function's search_path;
# the function qualifies ``evaluation_result`` itself.
_NEWEST_CYCLE = """(p.item_type <> 'result' OR NOT EXISTS (
       SELECT 1 FROM public.publication n JOIN evaluation_result ne ON ne.id = n.item_id AND ne.superseded_at IS NULL
       WHERE n.subject_id = p.subject_id AND n.category = 'result' AND n.status = 'published'
         AND n.cycle_year > p.cycle_year AND n.published_at <= now()
         AND (n.public_until IS NULL OR n.public_until > now())))"""
_LIVE = _LIVE + "\n  AND " + _NEWEST_CYCLE
_OLD_LIVE = """p.status = 'published' AND p.published_at <= now() AND (p.public_until IS NULL OR p.public_until > now())
  AND (p.item_type <> 'result' OR EXISTS (
       SELECT 1 FROM evaluation_result e WHERE e.id = p.item_id AND e.superseded_at IS NULL))
  AND """ + _NEWEST_CYCLE
_PUBLIC_COLUMNS = """p.id, p.item_type, p.category, p.kind, p.region_code, p.publisher_region, p.published_at,
       p.public_until, p.public_key, p.public_name, p.public_payload, p.grade, p.cycle_year"""
_TRAILING = "item_type, category, kind, grade, (COALESCE(public_until, 'infinity'::timestamptz))"

COLUMNS = f"""
ALTER TABLE publication
    ADD COLUMN region_province text GENERATED ALWAYS AS (left(region_code, 2)) STORED,
    ADD COLUMN region_city text GENERATED ALWAYS AS (left(region_code, 4)) STORED;
CREATE INDEX publication_page_all_idx ON publication (published_at DESC, id DESC, {_TRAILING})
    WHERE status = 'published';
CREATE INDEX publication_page_province_idx ON publication (region_province, published_at DESC, id DESC, {_TRAILING})
    WHERE status = 'published';
CREATE INDEX publication_page_city_idx ON publication (region_city, published_at DESC, id DESC, {_TRAILING})
    WHERE status = 'published';
CREATE INDEX publication_page_county_idx ON publication (region_code, published_at DESC, id DESC, {_TRAILING})
    WHERE status = 'published';
-- The still-current check: superseded results are few (one per re-evaluation), so this index is small.
CREATE INDEX evaluation_result_superseded_idx ON evaluation_result (id) WHERE superseded_at IS NOT NULL;
-- The review queue (records(status:), newest first) and the newest records of a subtree: read in page order.
CREATE INDEX credit_record_queue_idx ON credit_record (status, entered_at DESC, id DESC);
CREATE INDEX credit_record_recent_idx ON credit_record (entered_at DESC, id DESC);
"""


def _views(live: str) -> str:
    return f"""
-- Same columns as before (0010), so the views are replaced in place: other views depend on public_item.
CREATE OR REPLACE VIEW public_item WITH (security_barrier = true) AS
SELECT {_PUBLIC_COLUMNS}
FROM publication p
WHERE {live};

CREATE OR REPLACE VIEW shared_item WITH (security_barrier = true) AS
SELECT {_PUBLIC_COLUMNS}, p.shared_payload
FROM publication p
WHERE {live};

REVOKE ALL ON public_item, shared_item FROM PUBLIC;
GRANT SELECT ON public_item TO yibao_public, yibao_app, yibao_federation;
GRANT SELECT ON shared_item TO yibao_federation;
"""


FUNCTIONS = f"""
-- The statement of one public page, from typed arguments only; the owner's, for yibao_public_page and the
-- plan tests (tests/integration/test_plans_public.py). $1 region prefix (2, 4 or 6 digits), $2 item type,
-- $3 category, $4 kinds, $5 grades, $6 institution code, $7/$8 the cursor (published_at, id), $9 the limit.
CREATE FUNCTION yibao_public_page_sql(p_region text, p_item_type text, p_category text, p_kinds text[],
                                      p_grades text[], p_key text, p_after_at timestamptz)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  q text := 'SELECT p.id, p.item_type, p.region_code, p.publisher_region, p.published_at, p.public_until, '
            'p.public_payload FROM public.publication p WHERE '
            || replace($live${_LIVE}$live$, 'evaluation_result', 'public.evaluation_result');
BEGIN
  IF p_region IS NOT NULL THEN
    IF length(p_region) NOT IN (2, 4, 6) THEN
      RAISE EXCEPTION 'a region prefix has 2, 4 or 6 digits, not %', p_region;
    END IF;
    q := q || format(' AND p.%I = $1', CASE length(p_region) WHEN 2 THEN 'region_province'
                                                          WHEN 4 THEN 'region_city'
                                                          ELSE 'region_code' END);
  END IF;
  IF p_item_type IS NOT NULL THEN q := q || ' AND p.item_type = $2'; END IF;
  IF p_category IS NOT NULL THEN q := q || ' AND p.category = $3'; END IF;
  IF p_kinds IS NOT NULL THEN q := q || ' AND p.kind = ANY($4)'; END IF;
  IF p_grades IS NOT NULL THEN q := q || ' AND p.grade = ANY($5)'; END IF;
  IF p_key IS NOT NULL THEN q := q || ' AND p.public_key = $6'; END IF;
  IF p_after_at IS NOT NULL THEN q := q || ' AND (p.published_at, p.id) < ($7, $8)'; END IF;
  RETURN q || ' ORDER BY p.published_at DESC, p.id DESC LIMIT $9';
END $$;

-- 公开查询: a page of live public items, newest published first; the public columns of public_item only.
CREATE FUNCTION yibao_public_page(p_region text, p_item_type text, p_category text, p_kinds text[],
                                  p_grades text[], p_key text, p_after_at timestamptz, p_after_id uuid,
                                  p_limit integer)
RETURNS TABLE (id uuid, item_type text, region_code text, publisher_region text, published_at timestamptz,
               public_until timestamptz, public_payload jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- EXECUTE plans with the argument values, so the plan fits this filter and walks its index.
  RETURN QUERY EXECUTE public.yibao_public_page_sql(p_region, p_item_type, p_category, p_kinds, p_grades,
                                                    p_key, p_after_at)
    USING p_region, p_item_type, p_category, p_kinds, p_grades, p_key, p_after_at, p_after_id,
          least(greatest(p_limit, 0), 1000);
END $$;

REVOKE ALL ON FUNCTION yibao_public_page_sql(text, text, text, text[], text[], text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION yibao_public_page(text, text, text, text[], text[], text, timestamptz, uuid, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION yibao_public_page(text, text, text, text[], text[], text, timestamptz, uuid, integer)
    TO yibao_public, yibao_app, yibao_federation;
"""


def upgrade() -> None:
    run_script(COLUMNS)
    run_script(_views(_LIVE))
    run_script(FUNCTIONS)
    run_script("ANALYZE publication")


def downgrade() -> None:
    run_script(
        """
DROP FUNCTION yibao_public_page(text, text, text, text[], text[], text, timestamptz, uuid, integer);
DROP FUNCTION yibao_public_page_sql(text, text, text, text[], text[], text, timestamptz);
"""
    )
    run_script(_views(_OLD_LIVE))
    run_script(
        """
DROP INDEX evaluation_result_superseded_idx, credit_record_queue_idx, credit_record_recent_idx;
DROP INDEX publication_page_all_idx, publication_page_province_idx, publication_page_city_idx,
    publication_page_county_idx;
ALTER TABLE publication DROP COLUMN region_province, DROP COLUMN region_city;
"""
    )
