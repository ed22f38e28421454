"""Verify an individual without disclosing anything."""

from __future__ import annotations

from dataclasses import fields

import pytest

from domain.errors import InvalidInput
from domain.rules.verification import (
    MAX_NAME_LENGTH,
    VerificationAnswer,
    VerificationRequest,
    normalize_verification_request,
)

VALID_ID = "340104199003071235"
VALID_ID_X = "11010519491231002X"


def test_exact_id_and_name_are_accepted() -> None:
    request = normalize_verification_request(resident_id=VALID_ID, name="张三")
    assert request == VerificationRequest(resident_id=VALID_ID, name="张三")


def test_lower_case_x_and_surrounding_spaces_are_normalized() -> None:
    request = normalize_verification_request(resident_id=" 11010519491231002x ", name=" 欧阳娜娜 ")
    assert request == VerificationRequest(resident_id=VALID_ID_X, name="欧阳娜娜")


def test_transliterated_name_with_a_middle_dot_is_accepted_and_dot_variants_unified() -> None:
    request = normalize_verification_request(resident_id=VALID_ID, name="阿依古丽•买买提")
    assert request.name == "阿依古丽·买买提"


def test_single_character_name_is_accepted() -> None:
    assert normalize_verification_request(resident_id=VALID_ID, name="张").name == "张"


@pytest.mark.parametrize("wildcard", ["*", "%", "_", "?", "…", "＊", "？"])
def test_wildcards_in_the_id_are_refused(wildcard: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id="34010419900307" + wildcard, name="张三")
    assert "wildcards" in caught.value.en
    assert caught.value.details["field"] == "resident_id"


@pytest.mark.parametrize("name", ["张*", "张%", "张_", "张?", "张…", "张..."])
def test_wildcards_in_the_name_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id=VALID_ID, name=name)
    assert "wildcards" in caught.value.en
    assert caught.value.details["field"] == "name"


def test_masked_id_copied_from_a_public_page_is_refused() -> None:
    with pytest.raises(InvalidInput):
        normalize_verification_request(resident_id="340104********1235", name="张三")


@pytest.mark.parametrize("resident_id", ["340104", "3401041990030712", "34010419900307123"])
def test_partial_or_short_ids_are_refused(resident_id: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id=resident_id, name="张三")
    assert "exactly 18 characters" in caught.value.en
    assert caught.value.details["length"] == len(resident_id)


def test_old_fifteen_digit_ids_are_refused() -> None:
    with pytest.raises(InvalidInput):
        normalize_verification_request(resident_id="340104900307123", name="张三")


def test_over_long_ids_are_refused() -> None:
    with pytest.raises(InvalidInput):
        normalize_verification_request(resident_id=VALID_ID + "0", name="张三")


def test_empty_id_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id="  ", name="张三")
    assert "empty" in caught.value.en


def test_id_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id="340104199003071234", name="张三")
    assert "校验位" in caught.value.message
    assert "check digit" in caught.value.en
    assert caught.value.details["reason"] == "checksum"


def test_id_with_letters_inside_is_refused() -> None:
    with pytest.raises(InvalidInput):
        normalize_verification_request(resident_id="3401041990O3071235", name="张三")


def test_id_with_an_impossible_birth_date_is_refused() -> None:
    from stdnum.cn import ric

    base = "34010419901332123"  # month 13
    bad = base + ric.calc_check_digit(base + "0")
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id=bad, name="张三")
    assert caught.value.details["reason"] == "component"


def test_refusals_do_not_echo_the_id_back() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id="340104199003071234", name="张三")
    assert "340104199003071234" not in caught.value.en
    assert "340104199003071234" not in str(caught.value.details)


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id=VALID_ID, name=name)
    assert "empty" in caught.value.en


def test_name_at_the_maximum_length_is_accepted_and_one_more_is_refused() -> None:
    assert normalize_verification_request(resident_id=VALID_ID, name="张" * MAX_NAME_LENGTH)
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id=VALID_ID, name="张" * (MAX_NAME_LENGTH + 1))
    assert caught.value.details["max_length"] == MAX_NAME_LENGTH


@pytest.mark.parametrize("name", ["Zhang San", "张3", "张 三", "张三!", "张三@x", "<script>"])
def test_names_with_non_name_characters_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_verification_request(resident_id=VALID_ID, name=name)
    assert caught.value.details["field"] == "name"


@pytest.mark.parametrize("name", ["·买买提", "阿依古丽·", "阿依古丽··买买提"])
def test_middle_dot_must_stand_between_two_parts(name: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_verification_request(resident_id=VALID_ID, name=name)


def test_rare_characters_from_extension_b_are_accepted() -> None:
    assert normalize_verification_request(resident_id=VALID_ID, name="王\U00020000").name == "王\U00020000"


def test_answer_carries_only_whether_there_is_a_current_sanction() -> None:
    assert [f.name for f in fields(VerificationAnswer)] == ["has_current_sanction"]
    assert VerificationAnswer(has_current_sanction=True).has_current_sanction


def test_every_resident_id_registration_accepts_can_be_verified() -> None:
    import random

    from domain.rules.identifiers import validate_resident_id
    from domain.synthetic import make_resident_id

    rng = random.Random(2026)
    for county in ("340102", "340104", "500237", "500101"):
        for _ in range(50):
            rid = make_resident_id(rng, county)
            assert validate_resident_id(rid) == rid
            assert normalize_verification_request(resident_id=rid, name="张三").resident_id == rid


def test_an_id_registration_refuses_is_refused_by_verification_too() -> None:
    from domain.rules.identifiers import resident_id_problem

    for bad in ("340104199003071234", "340104209903071235", "3401041990O3071235"):
        assert resident_id_problem(bad) is not None
        with pytest.raises(InvalidInput):
            normalize_verification_request(resident_id=bad, name="张三")
