"""The import layout's row checks, without a database: identifiers, kinds, exact money, dates in the cycle."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from domain.rules.catalog import RecordKind
from domain.rules.import_layout import COLUMNS, HEADINGS, KEYS, ImportRow, RowProblem, check_row, header_problem

TODAY = date(2026, 3, 1)
USCC = "91500237MA5U8XQ00" + uscc.calc_check_digit("91500237MA5U8XQ00")
PERSON = "34010219800101001" + ric.calc_check_digit("34010219800101001X")
PROJECT = Path(__file__).resolve().parents[2]


def cells(**overrides: object) -> list[object]:
    base: dict[str, object] = {"source_id": "S-1", "subject_code": USCC, "kind": "recovered_funds", "title": "追回基金",
                               "facts": "串换药品", "amount": "60000.00", "occurred_on": "2025-04-02", "decided_on": "",
                               "legal_basis": "条例第三十八条", "penalty": ""}
    base.update(overrides)
    return [base[k] for k in KEYS]


def problems(**overrides: object) -> list[tuple[str, str]]:
    out = check_row(cells(**overrides), line=7, cycle_year=2025, today=TODAY)
    assert isinstance(out, list)
    return [(p.column_name, p.reason) for p in out]


def test_a_good_row_becomes_a_record_content_with_exact_money() -> None:
    row = check_row(cells(amount="1200.5"), line=2, cycle_year=2025, today=TODAY)
    assert isinstance(row, ImportRow) and row.content.amount == Decimal("1200.5") and row.kind is RecordKind.RECOVERED_FUNDS


def test_a_kind_may_be_given_by_its_chinese_name_and_a_resident_id_identifies_a_person() -> None:
    row = check_row(cells(kind="约谈", subject_code=PERSON.lower(), amount=""), line=2, cycle_year=2025, today=TODAY)
    assert isinstance(row, ImportRow) and row.kind is RecordKind.INTERVIEW and row.subject_code == PERSON


def test_a_wrong_check_character_names_the_expected_one() -> None:
    wrong = USCC[:17] + ("0" if USCC[17] != "0" else "1")
    [(column, reason)] = problems(subject_code=wrong)
    assert column == "主体代码" and f"应为 '{USCC[17]}'" in reason


def test_a_resident_id_with_a_wrong_check_digit_says_so() -> None:
    wrong = PERSON[:17] + ("0" if PERSON[17] != "0" else "1")
    [(column, reason)] = problems(subject_code=wrong)
    assert column == "主体代码" and "居民身份证号码" in reason and f"校验码应为 '{PERSON[17]}'" in reason


@pytest.mark.parametrize("amount", ["12.345", "1,000", "¥100", "1e3", "-5", 0.125, True])
def test_an_amount_that_is_not_exact_money_is_refused(amount: object) -> None:
    [(column, _)] = problems(amount=amount)
    assert column == "金额（元）"


def test_dates_outside_the_cycle_and_impossible_dates_are_refused_each_in_its_column() -> None:
    found = problems(occurred_on="2024-12-31", decided_on="2025-02-30")
    assert [c for c, _ in found] == ["发生日期", "决定日期"]
    assert "2025 年内" in found[0][1] and "不是存在的日期" in found[1][1]


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    found = problems(source_id="", kind="unknown", amount="abc")
    assert [c for c, _ in found] == ["来源记录号", "记录种类", "金额（元）"]


def test_the_content_rules_of_enter_record_apply_to_imported_rows() -> None:
    found = problems(facts="", legal_basis="")
    assert [c for c, _ in found] == ["查明事实", "法律依据"]


def test_a_header_in_english_keys_or_chinese_headings_is_accepted_and_another_is_refused_by_column() -> None:
    assert header_problem(list(KEYS)) is None and header_problem([*HEADINGS, None, ""]) is None
    problem = header_problem(["来源记录号", "代码"])
    assert isinstance(problem, RowProblem) and problem.column == 2 and "主体代码" in problem.reason


def test_the_documented_layout_is_the_one_the_code_reads() -> None:
    doc = (PROJECT / "docs" / "IMPORT.md").read_text(encoding="utf-8")
    for c in COLUMNS:
        assert f"| `{c.key}` | {c.heading} | {'是' if c.required else '否'} | {c.meaning} |" in doc


def test_an_all_digit_credit_code_with_a_wrong_check_character_is_told_as_a_credit_code() -> None:
    base = "91340102901469287"  # 18 digits read as an ID too, but characters 7–14 are no birth date
    right = uscc.calc_check_digit(base)
    [(column, reason)] = problems(subject_code=base + ("0" if right != "0" else "1"))
    assert column == "主体代码" and "统一社会信用代码" in reason and f"应为 '{right}'" in reason
