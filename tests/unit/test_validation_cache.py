"""The validation cache must hit on a repeated query: validation costs ~4 ms a query uncached."""

from __future__ import annotations

from strawberry.extensions.validation_cache import _get_validate_cache

from schema.root import build_schema


def test_a_repeated_query_is_validated_once() -> None:
    schema = build_schema()
    query = "{ regions { code name } }"
    cache = _get_validate_cache(512)
    before = cache.cache_info()
    for _ in range(5):
        assert schema.execute_sync(query).errors is None
    after = cache.cache_info()
    assert after.misses - before.misses <= 1
    assert after.hits - before.hits >= 4
