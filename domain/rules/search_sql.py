"""信用查询 in SQL: how a name search matches and ranks, as the SQL of ``yibao_public_institution_search``.

Why bigrams: ``pg_trgm`` pads each word with spaces and Chinese names are one "word", so a query that is the
middle of a name shares none of its padding trigrams with it, and one wrong character removes up to three of
its few inner ones ("益康大药店" keeps 2 of its 6 trigrams in 瑶海区益康大药房: word similarity 0.33). Chinese
search is usually done on character bigrams (``pg_bigm``, which the embedded PostgreSQL does not ship), so
``yibao_name_bigrams`` rewrites a name as its bigrams, one per "word" ("益康 康大 大药 药店"): each bigram then
gives ``pg_trgm`` a trigram of its own, and the same GIN ``gin_trgm_ops`` index serves ``<%`` on that form.
One wrong character now costs one or two bigrams (0.83 for the example above). The database's LC_CTYPE must
classify Chinese characters as alphanumeric (C.UTF-8, zh_CN.UTF-8 ...; the embedded server's C.UTF-8 does),
or ``pg_trgm`` would see no words at all.

Ranking tiers, best first: the exact name, a name that starts with the search, a name that contains it, then
fuzzy matches; within a tier, closer bigram similarity first. The migration that creates the function and a
test that reads it back from the database both use this module, so the threshold lives here only.
"""

from __future__ import annotations

# Word similarity (``<%``) between the bigram forms of the search and of a name. 0.45 keeps a partial name with
# one wrong character (0.8 and more) or one missing and one wrong ("仁和大药店" for 瑶海区仁和堂大药房: 0.47), and
# drops names that share one pair such as 大药 with a five-character search (0.33). A name sharing two of its
# four pairs still matches (益康大药房 finds other 大药房 at 0.5), ranked below every name containing the search.
NAME_MATCH_THRESHOLD = 0.45

# Pairs with a character that is not a letter or digit are left out: punctuation separates words for pg_trgm,
# so "%益%" would otherwise become the one-character word 益 and match every name containing it.
# COST 1000 (about 30 µs a call, against 0.25 assumed for a SQL function): with the default the planner
# prefers computing it for every published name of a small province to reading the bigram index.
NAME_BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION public.yibao_name_bigrams(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
RETURN (SELECT coalesce(pg_catalog.string_agg(pair, ' ' ORDER BY i), '')
        FROM (SELECT i, pg_catalog.substr(name, i, 2) AS pair
              FROM pg_catalog.generate_series(1, pg_catalog.length(name) - 1) i) pairs
        WHERE pair OPERATOR(pg_catalog.~) '^[[:alnum:]]{2}$');
"""


def name_bigrams(name: str) -> str:
    """The bigram form ``yibao_name_bigrams`` gives a name: its overlapping letter or digit pairs, space-separated."""
    pairs = (name[i:i + 2] for i in range(len(name) - 1))
    return " ".join(p for p in pairs if p.isalnum())


def name_rank_sql(*, name: str, q: str, q_like: str) -> str:
    """The rank of a name match: one point per tier reached (exact, prefix, contains) plus bigram closeness."""
    bq = f"public.yibao_name_bigrams({q})"
    bn = f"public.yibao_name_bigrams({name})"
    return (f"(({name} = {q})::int + ({name} LIKE {q_like} || '%' ESCAPE '\\')::int"
            f" + ({name} LIKE '%' || {q_like} || '%' ESCAPE '\\')::int"
            f" + (public.word_similarity({bq}, {bn}) + public.similarity({bq}, {bn})) / 2)")


def search_body(*, q: str, q_like: str, by_code: str, region_like: str, confined_like: str) -> str:
    """The search's statement, over the given parameter expressions (the function's names, or $1.. in a test)."""
    return f"""
  WITH hits AS (
    SELECT p.id, p.public_key, (p.public_key = {q})::int::real + 1 AS rank
    FROM public.publication p
    WHERE {by_code} AND p.status = 'published' AND p.public_key IS NOT NULL
      AND p.public_key LIKE {q_like} || '%' ESCAPE '\\'
      AND p.region_code LIKE {region_like} AND p.region_code LIKE {confined_like}
    UNION ALL
    SELECT p.id, p.public_key, {name_rank_sql(name="p.public_name", q=q, q_like=q_like)}
    FROM public.publication p
    WHERE NOT {by_code} AND p.status = 'published' AND p.public_key IS NOT NULL
      AND (p.public_name LIKE '%' || {q_like} || '%' ESCAPE '\\'
           OR public.yibao_name_bigrams({q}) OPERATOR(public.<%) public.yibao_name_bigrams(p.public_name))
      AND p.region_code LIKE {region_like} AND p.region_code LIKE {confined_like}
  )
  SELECT h.public_key, max(h.rank)::real
  FROM hits h
  WHERE EXISTS (SELECT 1 FROM public.public_item i WHERE i.id = h.id)
  GROUP BY h.public_key
"""


def search_function() -> str:
    """``yibao_public_institution_search``: owner's rights, fixed search path, the threshold set from here."""
    body = search_body(q="q", q_like="q_like", by_code="by_code", region_like="region_like",
                       confined_like="confined_like")
    return f"""
CREATE OR REPLACE FUNCTION public.yibao_public_institution_search(q text, q_like text, by_code boolean,
                                                                  region_like text, confined_like text)
RETURNS TABLE (public_key text, rank real)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET pg_trgm.word_similarity_threshold = {NAME_MATCH_THRESHOLD}
AS $${body}$$;
"""
