"""Checks of the identifiers of credit subjects: the unified social credit code and the resident ID number."""

from __future__ import annotations

import datetime
import re

from stdnum.cn import ric, uscc

from domain.errors import InvalidInput

# GB 32100 code characters: digits and capital letters without I, O, S, V, Z (stdnum's own alphabet).
_USCC_CHARS = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
_WHITESPACE = re.compile(r"\s+")
_EARLIEST_BIRTH_YEAR = 1900


def _normalize(value: str) -> str:
    # People paste codes with spaces (including full-width ones) and lower-case letters.
    return _WHITESPACE.sub("", value).upper()


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    """The normalized unified social credit code (统一社会信用代码, GB 32100), or InvalidInput."""
    number = _normalize(code)
    if len(number) != 18:
        raise InvalidInput(
            f"统一社会信用代码为 18 位；{number!r} 有 {len(number)} 位。",
            en=f"A unified social credit code has 18 characters; {number!r} has {len(number)}.",
            field=field,
            check="length",
        )
    bad = [(i + 1, c) for i, c in enumerate(number) if c not in _USCC_CHARS]
    if bad:
        position, char = bad[0]
        raise InvalidInput(
            f"统一社会信用代码只由数字和除 I、O、S、V、Z 以外的大写字母组成；"
            f"{number!r} 第 {position} 位是 {char!r}。",
            en=f"A unified social credit code uses only digits and the capital letters A–Y except I, O, S, V "
            f"and Z; {number!r} has {char!r} at position {position}.",
            field=field,
            check="characters",
        )
    # Not stdnum's validate(): it demands digits in positions 1-2, but GB 32100 gives letters there too
    # (registration authority N 农业, Y 其他 ...). Positions 3-8 are the division code and are digits.
    if not number[2:8].isdigit():
        raise InvalidInput(
            f"统一社会信用代码第 3–8 位是登记管理机关行政区划码，须为数字；" f"{number!r} 此处为 {number[2:8]!r}。",
            en=f"Characters 3–8 of a unified social credit code are the registration authority's division code "
            f"and must be digits; {number!r} has {number[2:8]!r}.",
            field=field,
            check="characters",
        )
    expected = uscc.calc_check_digit(number[:17])
    if number[17] != expected:
        raise InvalidInput(
            f"统一社会信用代码 {number!r} 的校验码应为 {expected!r}，" f"而不是 {number[17]!r}：可能有字符输错。",
            en=f"The check character of unified social credit code {number!r} should be {expected!r}, "
            f"not {number[17]!r}: a character was probably mistyped.",
            field=field,
            check="check_character",
            expected=expected,
        )
    return number


def uscc_region_code(code: str) -> str:
    """The registration authority's division code: characters 3–8 of a valid unified social credit code."""
    return validate_uscc(code)[2:8]


def resident_id_problem(value: str, *, today: datetime.date | None = None) -> str | None:
    """What is wrong with a normalized resident ID number (``length``, ``characters``, ``birth_date``,
    ``check_character``), or None when it is valid: the one test registration and verification share."""
    if len(value) != 18:
        return "length"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "characters"
    birth = _birth_date(value)
    latest = today or datetime.date.today()
    if birth is None or not (datetime.date(_EARLIEST_BIRTH_YEAR, 1, 1) <= birth <= latest):
        return "birth_date"
    # The region code is not checked against a list: stdnum's list of birth-place codes is incomplete and
    # dated, and an ID issued under a division since renamed stays valid for life.
    if value[17] != ric.calc_check_digit(value):
        return "check_character"
    return None


def validate_resident_id(
    number: str, *, field: str = "resident_id", today: datetime.date | None = None
) -> str:
    """The normalized resident ID number (居民身份证号码, GB 11643), or InvalidInput."""
    value = _normalize(number)
    problem = resident_id_problem(value, today=today)
    if problem == "length":
        raise InvalidInput(
            f"居民身份证号码为 18 位；{value!r} 有 {len(value)} 位。",
            en=f"A resident ID number has 18 characters; {value!r} has {len(value)}.",
            field=field,
            check="length",
        )
    if problem == "characters":
        raise InvalidInput(
            f"居民身份证号码由 17 位数字加 1 位数字或 X 组成；{value!r} 不符合。",
            en=f"A resident ID number is 17 digits followed by a digit or X; {value!r} is not.",
            field=field,
            check="characters",
        )
    if problem == "birth_date":
        raise InvalidInput(
            f"居民身份证号码 {value!r} 第 7–14 位须为 {_EARLIEST_BIRTH_YEAR} 年至今的出生日期（YYYYMMDD）；"
            f"{value[6:14]!r} 不是。",
            en=f"Characters 7–14 of resident ID number {value!r} must be a birth date (YYYYMMDD) between "
            f"{_EARLIEST_BIRTH_YEAR} and today; {value[6:14]!r} is not.",
            field=field,
            check="birth_date",
        )
    if problem == "check_character":
        expected = ric.calc_check_digit(value)
        raise InvalidInput(
            f"居民身份证号码 {value!r} 的校验码应为 {expected!r}，而不是 {value[17]!r}：" f"可能有数字输错。",
            en=f"The check digit of resident ID number {value!r} should be {expected!r}, not {value[17]!r}: "
            f"a digit was probably mistyped.",
            field=field,
            check="check_character",
            expected=expected,
        )
    return value


def resident_id_region_code(number: str) -> str:
    """The division code of the issuing place: the first 6 digits of a valid resident ID number."""
    return validate_resident_id(number)[:6]


def resident_id_birth_date(number: str) -> datetime.date:
    """The birth date encoded in a valid resident ID number."""
    birth = _birth_date(validate_resident_id(number))
    assert birth is not None  # validate_resident_id has checked it
    return birth


def _birth_date(value: str) -> datetime.date | None:
    try:
        return ric.get_birth_date(value)
    except ValueError:  # stdnum's InvalidComponent is a ValueError
        return None
