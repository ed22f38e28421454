"""告知: what a subject is told when something about it becomes, or stops being, public (002 art.23).

Plain wording over plain values; the notification consumer stores it, the tests read it without a database.
"""

from __future__ import annotations

from datetime import datetime

from domain.rules.catalog import RecordCategory

CATEGORY_NAMES: dict[str, str] = {
    RecordCategory.BASIC: "基本信息",
    RecordCategory.TRUST: "守信信息",
    RecordCategory.DISHONESTY: "失信信息",
    RecordCategory.COMMITMENT: "信用承诺",
}


def _what(*, category: str | None, grade: str | None, cycle_year: int | None) -> str:
    if grade is not None and cycle_year is not None:
        return f"{cycle_year}年度信用评价结果（等级{grade}）"
    return CATEGORY_NAMES.get(category or "", "信用信息")


def published_message(*, category: str | None, grade: str | None, cycle_year: int | None, publisher_name: str,
                      public_until: datetime | None) -> str:
    """The notice that an item about the subject was published, with its window."""
    until = public_until.date().isoformat() if public_until else "长期"
    return (f"您的{_what(category=category, grade=grade, cycle_year=cycle_year)}已由{publisher_name}医疗保障局公开，"
            f"公开期限至{until}。如有异议，可向作出认定的部门提出。")


def withdrawn_message(*, category: str | None, grade: str | None, cycle_year: int | None, reason: str) -> str:
    """The notice that a published item about the subject was taken down, and why."""
    return f"您已公开的{_what(category=category, grade=grade, cycle_year=cycle_year)}已撤下公示。原因：{reason}"
