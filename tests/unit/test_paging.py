"""Cursors are opaque, round-trip exactly, and refuse anything this API did not hand out."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.paging import decode_cursor, decode_time_cursor, encode_cursor, encode_time_cursor, page_size


def test_a_time_cursor_round_trips() -> None:
    at, id = datetime(2026, 3, 1, 8, 30, tzinfo=UTC), uuid.uuid4()
    assert decode_time_cursor(encode_time_cursor(at, id)) == (at, id)


@pytest.mark.parametrize("cursor", ["%%%", base64.urlsafe_b64encode(b"not ours").decode(),
                                    encode_cursor("yesterday|not-a-uuid")])
def test_a_cursor_not_handed_out_by_the_api_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInput, match="cursor"):
        decode_time_cursor(cursor)


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None) is None and decode_time_cursor(None) is None


@pytest.mark.parametrize("first", [0, -1, 101])
def test_page_sizes_outside_1_to_100_are_refused(first: int) -> None:
    with pytest.raises(InvalidInput):
        page_size(first)


def test_names_sort_by_pinyin_for_common_characters_digits_and_latin_first() -> None:
    from domain.rules.name_order import name_order_key

    names = ["张三药房", "安康诊所", "A 药店", "1 号门诊", "李四医院"]
    assert sorted(names, key=name_order_key) == ["1 号门诊", "A 药店", "安康诊所", "李四医院", "张三药房"]
