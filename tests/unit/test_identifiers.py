from __future__ import annotations

import datetime

import pytest
from stdnum.cn import ric, uscc

from domain.errors import InvalidInput
from domain.rules.identifiers import (
    resident_id_birth_date,
    resident_id_region_code,
    uscc_region_code,
    validate_resident_id,
    validate_uscc,
)

PUBLISHED_USCC = "91110000600037341L"  # the example of python-stdnum's documentation
PUBLISHED_RESIDENT_ID = "360426199101010071"


def make_uscc(first17: str) -> str:
    """A valid code: the 17 given characters and their check character."""
    return first17 + uscc.calc_check_digit(first17)


def make_resident_id(region: str, birth: str, sequence: str) -> str:
    """A valid resident ID number: region, birth date YYYYMMDD, 3-digit sequence and the check digit."""
    body = region + birth + sequence
    return body + ric.calc_check_digit(body + "0")


def resident_id_ending_in_x() -> str:
    for n in range(1000):
        number = make_resident_id("500237", "19850615", f"{n:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives X")


def wrong_check(number: str, alphabet: str) -> str:
    return next(c for c in alphabet if c != number[-1])


# Unified social credit code


def test_a_published_uscc_is_valid() -> None:
    assert validate_uscc(PUBLISHED_USCC) == PUBLISHED_USCC


def test_a_public_hospital_code_registered_in_hefei_is_valid() -> None:
    code = make_uscc("12340100485000946")
    assert validate_uscc(code) == code
    assert uscc_region_code(code) == "340100"


def test_a_code_whose_registration_authority_is_a_letter_is_valid() -> None:
    # GB 32100 gives letters to some authorities, e.g. N for rural collective organisations.
    code = make_uscc("N2500237MA5U7J0Q1")
    assert validate_uscc(code) == code


def test_a_uscc_is_normalized_by_removing_spaces_and_upper_casing() -> None:
    assert validate_uscc(" 91 110000 600037341l ") == PUBLISHED_USCC
    assert validate_uscc("91110000\u3000600037341L") == PUBLISHED_USCC


def test_the_uscc_region_code_is_characters_3_to_8() -> None:
    assert uscc_region_code(PUBLISHED_USCC) == "110000"


@pytest.mark.parametrize("code", ["9111000060003734", "91110000600037341LL", ""])
def test_a_uscc_of_the_wrong_length_is_refused(code: str) -> None:
    with pytest.raises(InvalidInput, match=f"has 18 characters; '{code}' has {len(code)}") as raised:
        validate_uscc(code)
    assert raised.value.details == {"field": "uscc", "check": "length"}


@pytest.mark.parametrize(
    ("code", "char", "position"), [("9111000060003734IL", "I", 17), ("9111000060003O341L", "O", 14)]
)
def test_a_uscc_with_a_letter_outside_the_charset_is_refused(code: str, char: str, position: int) -> None:
    with pytest.raises(InvalidInput, match=f"has '{char}' at position {position}") as raised:
        validate_uscc(code)
    assert raised.value.details["check"] == "characters"


def test_a_uscc_with_punctuation_is_refused() -> None:
    with pytest.raises(InvalidInput, match="only digits and the capital letters"):
        validate_uscc("91110000-60003734L")


def test_a_uscc_whose_division_code_is_not_digits_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"Characters 3–8 .* must be digits; .* has '1100A0'") as raised:
        validate_uscc(make_uscc("911100A0600037341"))
    assert raised.value.details["check"] == "characters"


def test_a_uscc_with_a_wrong_check_character_names_the_right_one() -> None:
    code = PUBLISHED_USCC[:-1] + "M"
    with pytest.raises(InvalidInput, match="should be 'L', not 'M'") as raised:
        validate_uscc(code)
    assert raised.value.details == {"field": "uscc", "check": "check_character", "expected": "L"}


def test_a_uscc_error_carries_the_callers_field_name() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_uscc("123", field="socialCreditCode")
    assert raised.value.details["field"] == "socialCreditCode"
    assert raised.value.code == "INVALID_INPUT"


def test_uscc_region_code_refuses_an_invalid_code() -> None:
    with pytest.raises(InvalidInput):
        uscc_region_code(PUBLISHED_USCC[:-1] + "M")


# Resident ID number


def test_a_published_resident_id_is_valid() -> None:
    assert validate_resident_id(PUBLISHED_RESIDENT_ID) == PUBLISHED_RESIDENT_ID


def test_a_resident_id_born_on_a_leap_day_is_valid() -> None:
    number = make_resident_id("340102", "19800229", "123")
    assert validate_resident_id(number) == number
    assert resident_id_birth_date(number) == datetime.date(1980, 2, 29)


def test_a_final_lower_case_x_is_upper_cased() -> None:
    number = resident_id_ending_in_x()
    assert validate_resident_id(number.lower()) == number
    assert validate_resident_id(f" {number[:6]} {number[6:14]} {number[14:].lower()}") == number


def test_the_resident_id_region_code_is_the_first_6_digits() -> None:
    assert resident_id_region_code(make_resident_id("500237", "19700101", "001")) == "500237"


def test_the_birth_date_is_read_from_digits_7_to_14() -> None:
    assert resident_id_birth_date(PUBLISHED_RESIDENT_ID) == datetime.date(1991, 1, 1)


@pytest.mark.parametrize("number", ["36042619910101007", "3604261991010100711", "360426910101007"])
def test_a_resident_id_of_the_wrong_length_is_refused(number: str) -> None:
    with pytest.raises(InvalidInput, match=f"has 18 characters; '{number}' has {len(number)}") as raised:
        validate_resident_id(number)
    assert raised.value.details == {"field": "resident_id", "check": "length"}


@pytest.mark.parametrize("number", ["36042619910101007A", "3604261991O1010071", "36042619910101007-"])
def test_a_resident_id_with_a_letter_other_than_a_final_x_is_refused(number: str) -> None:
    with pytest.raises(InvalidInput, match="17 digits followed by a digit or X") as raised:
        validate_resident_id(number)
    assert raised.value.details["check"] == "characters"


@pytest.mark.parametrize("birth", ["19810229", "19911301", "19910132", "18991231", "20991231"])
def test_a_resident_id_with_an_impossible_birth_date_is_refused(birth: str) -> None:
    number = make_resident_id("360426", birth, "007")
    with pytest.raises(InvalidInput, match=f"must be a birth date .* '{birth}' is not") as raised:
        validate_resident_id(number, today=datetime.date(2025, 6, 1))
    assert raised.value.details["check"] == "birth_date"


def test_a_resident_id_born_today_is_valid() -> None:
    number = make_resident_id("360426", "20250601", "007")
    assert validate_resident_id(number, today=datetime.date(2025, 6, 1)) == number


def test_a_resident_id_with_a_wrong_check_digit_names_the_right_one() -> None:
    number = PUBLISHED_RESIDENT_ID[:-1] + "2"
    with pytest.raises(InvalidInput, match="should be '1', not '2'") as raised:
        validate_resident_id(number)
    assert raised.value.details == {"field": "resident_id", "check": "check_character", "expected": "1"}


def test_a_resident_id_whose_check_should_be_x_says_so() -> None:
    number = resident_id_ending_in_x()
    with pytest.raises(InvalidInput, match="should be 'X', not '0'"):
        validate_resident_id(number[:-1] + "0")


def test_a_resident_id_error_carries_the_callers_field_name() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_resident_id("1", field="idNumber")
    assert raised.value.details["field"] == "idNumber"


def test_the_birth_date_of_an_invalid_number_is_refused() -> None:
    with pytest.raises(InvalidInput):
        resident_id_birth_date(PUBLISHED_RESIDENT_ID[:-1] + "2")
