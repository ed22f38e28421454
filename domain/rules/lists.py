"""红黑名单: whether a subject belongs on the red list or the black list (004 §三(五)).

Reading of the seeds:

- 004 §三(五) puts on the black list "institutions and individuals that violate laws or regulations or
  seriously breach their agreement" (违法违规、严重违反协议规定) and ties it to joint punishment; 001 art.22
  has the city publish the serious-dishonesty list (严重失信名单) and the poor-grade list. We read the black
  list as the union: an unrepaired serious dishonesty record, or the worst grade(s) (D; E too in five-level
  schemes).
- Serious dishonesty is a determination about a record; the kinds that can carry it are
  SERIOUS_DISHONESTY_KINDS: fraud under art.40 of the fund-use regulation and referred (criminal,
  discipline, police, court) cases, which are 违法; administrative penalties, also 违法; and agreement
  suspension, our closest kind to 严重违反协议. Which records are serious is the caller's determination.
- Repair (信用修复, 001 art.19, 004 §三(六)) stops the public display, so repaired serious dishonesty alone
  no longer keeps a subject on the black list.
- 004 names the red list for "trustworthy institutions and individuals" without criteria; we require the
  best grade (A), no dishonesty record in the evaluation cycle and at least one trust record (表彰, verified
  whistleblowing ...) in the cycle. The black list wins over the red list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidInput
from domain.rules.catalog import Grade, RecordKind

SERIOUS_DISHONESTY_KINDS: frozenset[RecordKind] = frozenset(
    {
        RecordKind.FRAUD,
        RecordKind.REFERRED_CASE,
        RecordKind.ADMINISTRATIVE_PENALTY,
        RecordKind.AGREEMENT_SUSPENDED,
    }
)
DEFAULT_BLACK_LIST_GRADES: frozenset[Grade] = frozenset({Grade.D, Grade.E})
RED_LIST_GRADE = Grade.A
# 001 art.22's poor-grade list (信用等级差名单) as published: the grades below "basically trustworthy" in every
# shipped scheme (C and D of four levels, C to E of five).
POOR_GRADE_LIST_GRADES: frozenset[Grade] = frozenset({Grade.C, Grade.D, Grade.E})


class ListKind(StrEnum):
    """Which list."""

    RED = "red"  # 红名单
    BLACK = "black"  # 黑名单


class ListReason(StrEnum):
    """Why a subject is on a list."""

    SERIOUS_DISHONESTY = "serious_dishonesty"  # unrepaired 严重失信
    POOR_GRADE = "poor_grade"  # 信用等级为差
    TOP_GRADE = "top_grade"
    NO_DISHONESTY_IN_CYCLE = "no_dishonesty_in_cycle"
    TRUST_RECORD = "trust_record"


@dataclass(frozen=True, slots=True)
class ListMembership:
    """A subject's place on the red or black list, with reasons and (black list) the serious kinds."""

    list_kind: ListKind
    reasons: tuple[ListReason, ...]
    serious_dishonesty_kinds: tuple[RecordKind, ...] = ()


def list_membership(
    *,
    grade: Grade | None,
    serious_dishonesty_kinds_present: Sequence[RecordKind],
    has_unrepaired_serious_dishonesty: bool,
    has_dishonesty_in_cycle: bool,
    trust_records_in_cycle: int,
    black_list_grades: frozenset[Grade] = DEFAULT_BLACK_LIST_GRADES,
) -> ListMembership | None:
    """The red or black list membership of a subject, or None when it belongs on neither.

    ``serious_dishonesty_kinds_present`` are the kinds of the serious dishonesty records still within
    their disclosure window (001 art.24); ``has_unrepaired_serious_dishonesty`` says whether any of them
    is unrepaired.
    """
    not_serious = sorted(
        {str(k) for k in serious_dishonesty_kinds_present if k not in SERIOUS_DISHONESTY_KINDS}
    )
    if not_serious:
        raise InvalidInput(
            "这些信息种类不能认定为严重失信。", en="These record kinds cannot be serious dishonesty.",
            kinds=not_serious,
            serious_kinds=sorted(str(k) for k in SERIOUS_DISHONESTY_KINDS),
        )
    if has_unrepaired_serious_dishonesty and not serious_dishonesty_kinds_present:
        raise InvalidInput(
            "报告了未修复的严重失信，但没有给出严重失信的种类。",
            en="Unrepaired serious dishonesty was reported but no serious dishonesty kind was given.",
            has_unrepaired_serious_dishonesty=True,
        )
    if trust_records_in_cycle < 0:
        raise InvalidInput(
            "守信信息的数量不能为负数。",
            en="The number of trust records cannot be negative.", trust_records_in_cycle=trust_records_in_cycle
        )

    black: list[ListReason] = []
    if has_unrepaired_serious_dishonesty:
        black.append(ListReason.SERIOUS_DISHONESTY)
    if grade is not None and grade in black_list_grades:
        black.append(ListReason.POOR_GRADE)
    if black:
        kinds = tuple(k for k in RecordKind if k in set(serious_dishonesty_kinds_present))
        return ListMembership(
            list_kind=ListKind.BLACK,
            reasons=tuple(black),
            serious_dishonesty_kinds=kinds if has_unrepaired_serious_dishonesty else (),
        )

    if grade is RED_LIST_GRADE and not has_dishonesty_in_cycle and trust_records_in_cycle >= 1:
        return ListMembership(
            list_kind=ListKind.RED,
            reasons=(ListReason.TOP_GRADE, ListReason.NO_DISHONESTY_IN_CYCLE, ListReason.TRUST_RECORD),
        )
    return None
