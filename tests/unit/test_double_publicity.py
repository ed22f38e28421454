"""双公示: a published penalty in the national administrative-penalty layout, field by field."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.rules.double_publicity import FIELDS, ListKind, PenaltyFacts, missing_fields, to_double_publicity

PENALTY = PenaltyFacts(
    subject_name="瑶海区康泰大药房", is_institution=True, subject_code="91340102MA2N1XXX1X",
    decision_number="合瑶医保罚〔2026〕12号", violation_type="串换药品收费",
    facts="2026年3月至5月将非医保药品串换为医保药品收费，经办人电话13912345678，身份证340102198001011234。",
    legal_basis="《医疗保障基金使用监督管理条例》第三十八条", penalty="罚款人民币60000元",
    penalty_category=None, amount=Decimal("60000.00"), decided_on=date(2026, 6, 3), penalty_until=date(2027, 6, 2),
    public_until=date(2029, 6, 3), authority="合肥市瑶海区医疗保障局", authority_code="11340102MB1234567X",
    source_unit="合肥市医疗保障局", source_unit_code="11340100MB7654321Y")


def test_a_fined_institution_maps_to_every_field_of_the_national_layout() -> None:
    row = to_double_publicity(PENALTY)
    assert tuple(row) == FIELDS
    assert row == {
        "CF_XDR_MC": "瑶海区康泰大药房",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": "91340102MA2N1XXX1X",
        "CF_XDR_ZJLX": "",
        "CF_XDR_ZJHM": "",
        "CF_WSH": "合瑶医保罚〔2026〕12号",
        "CF_WFXW": "串换药品收费",
        "CF_SY": "2026年3月至5月将非医保药品串换为医保药品收费，经办人电话139****5678，身份证340102********1234。",
        "CF_YJ": "《医疗保障基金使用监督管理条例》第三十八条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款人民币60000元",
        "CF_NR_FK": "6.000000",
        "CF_JDRQ": "2026/06/03",
        "CF_YXQ": "2027/06/02",
        "CF_GSJZQ": "2029/06/03",
        "CF_CFJG": "合肥市瑶海区医疗保障局",
        "CF_CFJGDM": "11340102MB1234567X",
        "CF_SJLY": "合肥市医疗保障局",
        "CF_SJLYDM": "11340100MB7654321Y",
        "BZ": "",
    }
    assert missing_fields(row) == []


def test_an_individual_on_the_serious_dishonesty_list_is_masked_and_the_list_is_named() -> None:
    person = replace(PENALTY, subject_name="张三丰", is_institution=False, subject_code="340102198001011234",
                     amount=None, penalty_category="警告", penalty_until=None, public_until=None,
                     list_kind=ListKind.SERIOUS_DISHONESTY)
    row = to_double_publicity(person)
    assert row["CF_XDR_MC"] == "张**" and row["CF_XDR_LB"] == "自然人" and row["CF_XDR_SHXYM"] == ""
    assert row["CF_XDR_ZJLX"] == "身份证" and row["CF_XDR_ZJHM"] == "340102********1234"
    assert row["CF_CFLB"] == "警告" and row["CF_NR_FK"] == ""
    assert row["CF_YXQ"] == "2099/12/31" and row["CF_GSJZQ"] == "2099/12/31"
    assert row["BZ"] == "列入医疗保障领域严重失信名单"


def test_a_category_outside_the_standard_falls_back_and_missing_codes_are_named() -> None:
    row = to_double_publicity(replace(PENALTY, penalty_category="自创类别", amount=None, authority_code=""))
    assert row["CF_CFLB"] == "其他"
    assert missing_fields(row) == ["CF_CFJGDM"]


def test_entry_on_the_seventh_day_is_in_time_and_on_the_eighth_late() -> None:
    from domain.rules.double_publicity import entry_late

    assert not entry_late(decided_on=date(2026, 6, 1), entered_on=date(2026, 6, 8))
    assert entry_late(decided_on=date(2026, 6, 1), entered_on=date(2026, 6, 9))


def test_an_unconfirmed_record_becomes_late_as_days_pass() -> None:
    from domain.rules.double_publicity import confirmation_late

    assert not confirmation_late(entered_on=date(2026, 6, 1), confirmed_on=None, today=date(2026, 6, 8))
    assert confirmation_late(entered_on=date(2026, 6, 1), confirmed_on=None, today=date(2026, 6, 9))
    assert confirmation_late(entered_on=date(2026, 6, 1), confirmed_on=date(2026, 6, 20), today=date(2026, 6, 20),
                             confirmation_days=10)
