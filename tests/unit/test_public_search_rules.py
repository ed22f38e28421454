"""How a public search is read: bounded, normalized, code or name, wildcards escaped."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.rules.search import MAX_SEARCH_LENGTH, escape_like, parse_public_search
from domain.rules.search_sql import name_bigrams


def test_a_name_is_read_as_a_name_with_whitespace_and_full_width_forms_normalized() -> None:
    parsed = parse_public_search(" 瑶海区　益康 大药房 ")
    assert (parsed.text, parsed.by_code) == ("瑶海区益康大药房", False)


def test_a_code_or_its_start_is_read_as_a_code_in_capitals() -> None:
    assert parse_public_search("91340102158813992x").by_code
    parsed = parse_public_search("９１３４０１０２")
    assert (parsed.text, parsed.by_code) == ("91340102", True)


def test_a_short_run_of_digits_is_not_a_code() -> None:
    assert not parse_public_search("12345").by_code


@pytest.mark.parametrize("q", ["", "  ", "益", "\u3000益\u3000"])
def test_fewer_than_two_characters_are_refused(q: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_public_search(q)
    assert caught.value.details["field"] == "search"


@pytest.mark.parametrize("size", [MAX_SEARCH_LENGTH + 1, 10_000, 1_000_000])
def test_long_searches_are_refused_whatever_their_size(size: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_public_search("益" * size)
    assert "最多" in caught.value.message


def test_like_wildcards_and_the_escape_character_are_escaped() -> None:
    assert escape_like("5%_\\x") == "5\\%\\_\\\\x"
    assert parse_public_search("%益_").like == "\\%益\\_"


def test_a_name_is_searched_as_its_overlapping_character_pairs() -> None:
    assert name_bigrams("益康大药店") == "益康 康大 大药 药店"
    assert name_bigrams("益") == "" and name_bigrams("%益%") == ""
    assert name_bigrams("第一医院（东院）") == "第一 一医 医院 东院"
