"""Verify an individual without disclosing anything: an exact ID and name in, one yes/no out.

The caller must already know both the full resident ID number and the full name; the answer says only whether
that person is under a current sanction. Anything that could turn the check into a search (wildcards, partial
or short IDs, loose names) is refused, so the endpoint cannot be used to enumerate people.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from domain.errors import InvalidInput
from domain.rules.identifiers import resident_id_problem

MAX_NAME_LENGTH = 30  # long transliterated minority names ('阿依古丽·买买提·吐尔逊') stay well below this
RESIDENT_ID_LENGTH = 18

# ASCII and full-width wildcards, and the ellipsis people type for "the rest".
_WILDCARDS = ("*", "%", "_", "?", "…", "＊", "％", "＿", "？")
# Variants of the middle dot that separates parts of transliterated names; ID cards use U+00B7.
_DOT_VARIANTS = str.maketrans(dict.fromkeys("•・‧∙⋅", "·"))


@dataclass(frozen=True, slots=True)
class VerificationRequest:
    """A normalized verification request: a checked 18-character resident ID and a full name."""

    resident_id: str
    name: str


@dataclass(frozen=True, slots=True)
class VerificationAnswer:
    """The whole answer to a verification: whether the person has a current sanction, nothing more."""

    has_current_sanction: bool


def normalize_verification_request(*, resident_id: str, name: str) -> VerificationRequest:
    """Check and normalize an exact ID-and-name verification request, refusing anything search-like."""
    return VerificationRequest(resident_id=_normalize_resident_id(resident_id), name=_normalize_name(name))


_FIELD_ZH = {"resident_id": "居民身份证号码", "name": "姓名"}


def _refuse_wildcards(value: str, *, field: str) -> None:
    found = sorted({w for w in _WILDCARDS if w in value})
    if found or "..." in value:
        raise InvalidInput(
            f"{_FIELD_ZH.get(field, field)}须完整填写，不接受通配符。",
            en=f"The {field.replace('_', ' ')} must be given in full; wildcards are not accepted.",
            field=field,
            wildcards=found or ["..."],
        )


def _normalize_resident_id(resident_id: str) -> str:
    # Details name the field and the reason only: echoing the ID back would put it in logs and error reports.
    text = resident_id.strip().upper()
    _refuse_wildcards(text, field="resident_id")
    if not text:
        raise InvalidInput("居民身份证号码不能为空。", en="The resident ID number must not be empty.",
            field="resident_id")
    if len(text) != RESIDENT_ID_LENGTH:
        raise InvalidInput(
            f"居民身份证号码须为 {RESIDENT_ID_LENGTH} 位；收到 {len(text)} 位。不接受部分号码和旧的 15 位号码。",
            en=f"The resident ID number must have exactly {RESIDENT_ID_LENGTH} characters; "
            f"got {len(text)}. Partial and old 15-digit numbers are not accepted.",
            field="resident_id",
            length=len(text),
        )
    # The same test registration uses (domain.rules.identifiers), so every registered ID can be verified.
    problem = resident_id_problem(text)
    if problem == "characters":
        raise InvalidInput("居民身份证号码应为17位数字加1位数字或X。",
                           en="The resident ID number must be 17 digits followed by a digit or X.",
                           field="resident_id", reason="characters")
    if problem == "check_character":
        raise InvalidInput("居民身份证号码的校验位不对，可能有一位输错了。",
                           en="The resident ID number's check digit is wrong.", field="resident_id",
                           reason="checksum")
    if problem is not None:
        raise InvalidInput("居民身份证号码第7–14位应为1900年以来的真实出生日期。",
                           en="Digits 7-14 of the resident ID number must be a real birth date since 1900.",
                           field="resident_id", reason="component")
    return text


def _normalize_name(name: str) -> str:
    # NFC only: canonically equivalent spellings are the same name; anything looser would be a fuzzy match.
    text = unicodedata.normalize("NFC", name.strip()).translate(_DOT_VARIANTS)
    _refuse_wildcards(text, field="name")
    if not text:
        raise InvalidInput("姓名不能为空。", en="The name must not be empty.", field="name")
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"姓名最多 {MAX_NAME_LENGTH} 个字；收到 {len(text)} 个。",
            en=f"The name must have at most {MAX_NAME_LENGTH} characters; got {len(text)}.",
            field="name",
            length=len(text),
            max_length=MAX_NAME_LENGTH,
        )
    if not all(_is_han(ch) or ch == "·" for ch in text):
        raise InvalidInput(
            "姓名须与身份证一致，用汉字书写（音译姓名各部分用 · 分隔）。",
            en="The name must be written in Chinese characters as on the ID card "
            "(parts of a transliterated name separated by ·).",
            field="name",
        )
    if text.startswith("·") or text.endswith("·") or "··" in text:
        raise InvalidInput("分隔符 · 须位于姓名的两部分之间。",
            en="The separator · must stand between two parts of the name.", field="name")
    return text


def _is_han(ch: str) -> bool:
    """Whether ``ch`` is a CJK ideograph, rare ones (extensions B and later, compatibility forms) included."""
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))
