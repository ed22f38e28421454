"""Per-subject hash chains: the canonical encoding, the links, and signed tree heads."""

from __future__ import annotations

import hashlib

from domain.rules.chain import (
    CHAINED_TABLES,
    GENESIS,
    TABLES_BY_NAME,
    ColumnKind,
    canonical,
    differences,
    entry_hash,
    field_sql,
)
from domain.rules.tree_head import SignedHead, head_message, parse_heads


def test_canonical_encoding_prefixes_each_field_with_its_utf8_length_and_marks_null() -> None:
    assert canonical(["ab", None, "医"]) == b"\x00\x00\x00\x02ab" + b"\xff\xff\xff\xff" + b"\x00\x00\x00\x03" + "医".encode()


def test_canonical_encoding_tells_apart_fields_that_would_concatenate_to_the_same_text() -> None:
    assert canonical(["a", "bc"]) != canonical(["ab", "c"])
    assert canonical([""]) != canonical([None])
    assert canonical(["null"]) != canonical([None])


def test_an_entry_hash_covers_the_previous_hash_and_every_field() -> None:
    fields = ["record_event", "1", "INSERT", "60000.00"]
    first = entry_hash(GENESIS, fields)
    assert first == hashlib.sha256(GENESIS + canonical(fields)).digest()
    assert entry_hash(first, fields) != first
    assert entry_hash(GENESIS, [*fields[:-1], "1.00"]) != first


def test_differences_name_the_changed_columns_with_both_values() -> None:
    table = TABLES_BY_NAME["record_event"]
    before = ["1", "r", "s", "340102", "1", "review", "entered", "reviewed", "a", "officer", None, "t"]
    after = [*before]
    after[5] = "confirm"
    assert differences(table, before, after) == [("action", "review", "confirm")]


def test_every_chained_table_carries_its_subject_and_region_and_renders_timestamps_in_utc() -> None:
    for table in CHAINED_TABLES:
        assert {"subject_id", "region_code"} <= set(table.column_names), table.name
        assert set(table.key) <= set(table.column_names)
    assert "AT TIME ZONE 'UTC'" in field_sql("at", ColumnKind.TIMESTAMP)


def test_a_signed_head_survives_its_json_line_and_signs_size_root_and_time() -> None:
    head = SignedHead(tree_size=7, root_hash=b"\x01" * 32, timestamp_ms=1_700_000_000_000, key_id="ab12",
                      signature=b"\x02" * 64)
    assert parse_heads(head.to_json() + "\n\n" + head.to_json()) == [head, head]
    assert head.message() == head_message(tree_size=7, root_hash=b"\x01" * 32, timestamp_ms=1_700_000_000_000)
    assert head.message() != head_message(tree_size=8, root_hash=b"\x01" * 32, timestamp_ms=1_700_000_000_000)
