"""Parsing and validation are cached by query text: validation costs ~4 ms a query uncached."""

from __future__ import annotations

from schema.root import build_schema


def _caches(schema):  # type: ignore[no-untyped-def]
    (factory,) = schema.extensions
    return factory.caches


def test_a_repeated_query_is_parsed_and_validated_once() -> None:
    schema = build_schema()
    parsed, validated = _caches(schema)
    query = "{ regions { code name } }"
    for _ in range(5):
        assert schema.execute_sync(query).errors is None
    assert parsed.cache_info().misses == 1 and parsed.cache_info().hits >= 4
    assert (validated.cache_info().misses, validated.cache_info().hits) == (1, 4)


def test_a_cached_invalid_query_is_refused_every_time_and_a_syntax_error_is_not_cached() -> None:
    schema = build_schema()
    parsed, _ = _caches(schema)
    for _ in range(3):
        errors = schema.execute_sync("{ regions { nosuchfield } }").errors
        assert errors and "nosuchfield" in errors[0].message
        broken = schema.execute_sync("{ regions { code ").errors
        assert broken and "Syntax Error" in broken[0].message
    assert parsed.cache_info().currsize == 1


def test_the_token_limit_still_refuses_a_long_document() -> None:
    schema = build_schema(max_tokens=50)
    query = "{ " + " ".join(f"a{i}: regions {{ code }}" for i in range(20)) + " }"
    errors = schema.execute_sync(query).errors
    assert errors and "tokens" in errors[0].message


def test_several_operations_need_a_name_and_the_named_one_runs() -> None:
    schema = build_schema()
    doc = "query A { regions { code } } query B { regions { name } }"
    errors = schema.execute_sync(doc).errors
    assert errors and errors[0].extensions == {"code": "BAD_USER_INPUT"}
    assert schema.execute_sync(doc, operation_name="B").errors is None
