"""双公示 of the red and black lists: a list entry in the list layout, field by field, individuals masked as the
public views mask them (domain/rules/redaction.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.rules.catalog import Grade, RecordKind
from domain.rules.double_publicity import (
    LIST_FIELDS,
    ListEntryFacts,
    ListKind,
    PenaltyFacts,
    list_take_down,
    missing_list_fields,
    to_double_publicity,
    to_list_row,
)
from domain.rules.lists import ListReason
from domain.rules.redaction import mask_name, mask_resident_id

BLACK = ListEntryFacts(
    subject_name="瑶海区康泰大药房", is_institution=True, subject_code="91340102MA2N1XXX1X", list_kind=ListKind.BLACK,
    reasons=(ListReason.SERIOUS_DISHONESTY, ListReason.POOR_GRADE), serious_dishonesty_kinds=(RecordKind.FRAUD,),
    grade=Grade.D, cycle_year=2025, decided_on=date(2026, 3, 2), valid_until=date(2027, 3, 2),
    authority="合肥市医疗保障局", authority_code="11340100MB7654321Y", source_unit="合肥市医疗保障局",
    source_unit_code="11340100MB7654321Y")


def test_a_black_listed_institution_maps_to_every_field_of_the_list_layout() -> None:
    row = to_list_row(BLACK)
    assert tuple(row) == LIST_FIELDS
    assert row == {
        "MD_XDR_MC": "瑶海区康泰大药房",
        "MD_XDR_LB": "法人及非法人组织",
        "MD_XDR_SHXYM": "91340102MA2N1XXX1X",
        "MD_XDR_ZJLX": "",
        "MD_XDR_ZJHM": "",
        "MD_MDLX": "医疗保障信用黑名单",
        "MD_LRYY": "存在未修复的严重失信行为；信用评价等级为差",
        "MD_LRYJ": "《关于推进医疗保障信用体系建设的意见》三（五）；2025年度医保信用评价结果D级；严重失信信息种类：欺诈骗保",
        "MD_RDJG": "合肥市医疗保障局",
        "MD_RDJGDM": "11340100MB7654321Y",
        "MD_RDRQ": "2026/03/02",
        "MD_YXQ_Q": "2026/03/02",
        "MD_YXQ_Z": "2027/03/02",
        "MD_SJLY": "合肥市医疗保障局",
        "MD_SJLYDM": "11340100MB7654321Y",
        "BZ": "",
    }
    assert missing_list_fields(row) == []


def test_a_red_listed_institution_names_the_red_list_and_its_three_reasons_and_no_serious_kinds() -> None:
    red = replace(BLACK, list_kind=ListKind.RED, grade=Grade.A, serious_dishonesty_kinds=(), valid_until=None,
                  reasons=(ListReason.TOP_GRADE, ListReason.NO_DISHONESTY_IN_CYCLE, ListReason.TRUST_RECORD))
    row = to_list_row(red)
    assert row["MD_MDLX"] == "医疗保障信用红名单"
    assert row["MD_LRYY"] == "信用评价等级为最高等级；评价年度内无失信信息；评价年度内有守信信息"
    assert row["MD_LRYJ"].endswith("2025年度医保信用评价结果A级") and "严重失信" not in row["MD_LRYJ"]
    assert row["MD_YXQ_Z"] == "2099/12/31"


def test_an_individual_on_a_list_is_masked_exactly_as_the_public_views_mask_and_nothing_else_is_personal() -> None:
    person = replace(BLACK, subject_name="欧阳娜娜", is_institution=False, subject_code="340102198001011234")
    row = to_list_row(person)
    assert row["MD_XDR_MC"] == mask_name("欧阳娜娜") == "欧***"
    assert row["MD_XDR_ZJHM"] == mask_resident_id("340102198001011234") == "340102********1234"
    assert row["MD_XDR_LB"] == "自然人" and row["MD_XDR_ZJLX"] == "身份证" and row["MD_XDR_SHXYM"] == ""
    text = "".join(row.values())
    assert "198001011234" not in text and "娜娜" not in text
    assert missing_list_fields(row) == []


def test_a_one_character_name_is_masked_entirely_in_both_layouts() -> None:
    person = replace(BLACK, subject_name="张", is_institution=False, subject_code="340102198001011234")
    assert to_list_row(person)["MD_XDR_MC"] == "*"
    penalty = PenaltyFacts(
        subject_name="张", is_institution=False, subject_code="340102198001011234", decision_number="罚〔2026〕1号",
        violation_type="串换药品", facts=None, legal_basis="条例", penalty="警告", penalty_category="警告", amount=None,
        decided_on=date(2026, 1, 1), penalty_until=None, public_until=None, authority="局", authority_code="1",
        source_unit="局", source_unit_code="1")
    assert to_double_publicity(penalty)["CF_XDR_MC"] == "*"


def test_a_malformed_resident_id_is_masked_entirely_rather_than_sent() -> None:
    row = to_list_row(replace(BLACK, subject_name="张三", is_institution=False, subject_code="3401021980"))
    assert row["MD_XDR_ZJHM"] == "**********"


def test_missing_authority_codes_are_named_and_an_institution_needs_its_code() -> None:
    row = to_list_row(replace(BLACK, authority_code="", source_unit_code="", subject_code=""))
    assert missing_list_fields(row) == ["MD_RDJGDM", "MD_SJLYDM", "MD_XDR_SHXYM"]


def test_a_take_down_names_the_entry_and_the_reason_only() -> None:
    body = list_take_down(to_list_row(BLACK), reason="信用修复已获准，移出名单")
    assert body == {"MD_XDR_MC": "瑶海区康泰大药房", "MD_XDR_SHXYM": "91340102MA2N1XXX1X", "MD_XDR_ZJHM": "",
                    "MD_MDLX": "医疗保障信用黑名单", "MD_RDRQ": "2026/03/02", "CXYY": "信用修复已获准，移出名单"}
