"""parse_ruleset refuses broken rule sets, naming every problem; shipped rule sets round-trip."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.rules.catalog import Grade
from domain.rules.evaluation import parse_ruleset, ruleset_to_dict, shipped_ruleset, shipped_rulesets


def band(
    grade: str, lower: str | None, upper: str | None, li: bool = True, ui: bool = False
) -> dict[str, Any]:
    return {"grade": grade, "lower": lower, "upper": upper, "lower_inclusive": li, "upper_inclusive": ui}


def valid() -> dict[str, Any]:
    return {
        "code": "test-set",
        "version": 1,
        "name": "test",
        "description": "a small valid rule set",
        "jurisdiction": "500237",
        "subject_classes": ["retail_pharmacy"],
        "effective_from": "2023-01-01",
        "effective_to": None,
        "cycle": {"period": "calendar_year", "evaluate_offset_years": 1, "apply_offset_years": 1},
        "score_source": "deductions",
        "base_score": "100",
        "score_range": {"lower": "0", "upper": "100"},
        "bands": [band("A", "90", "100", True, True), band("B", "60", "90"), band("D", "0", "60")],
        "deductions": [
            {"code": "amt", "name": "amounts", "clause": "x", "kinds": ["recovered_funds"],
             "mode": "amount_tiers",
             "tiers": [{"lower": "0", "upper": "10000", "lower_inclusive": False, "points": "2"},
                       {"lower": "10000", "upper": None, "points": "5"}]},
            {"code": "int", "name": "interviews", "clause": "x", "kinds": ["interview"],
             "mode": "per_occurrence", "points_each": "5"},
        ],
    }


def refusal(data: dict[str, Any]) -> list[dict[str, str]]:
    """The problems of a refused rule set, each (path, Chinese ``message``, ``en``) as the client gets them."""
    with pytest.raises(InvalidInput) as caught:
        parse_ruleset(data)
    found: list[dict[str, str]] = caught.value.details["problems"]
    assert found and all(p["message"] in caught.value.message and p["en"] in caught.value.en for p in found)
    return found


def problems(data: dict[str, Any]) -> list[str]:
    """The problems' English texts (each starts with its JSON path)."""
    return [p["en"] for p in refusal(data)]


def problems_zh(data: dict[str, Any]) -> list[str]:
    """The problems' Chinese texts (each starts with its JSON path)."""
    return [p["message"] for p in refusal(data)]


def test_the_small_valid_rule_set_parses() -> None:
    rs = parse_ruleset(valid())
    assert [b.grade for b in rs.bands] == [Grade.A, Grade.B, Grade.D]


def test_overlapping_bands_are_refused_with_both_bands_named() -> None:
    data = valid()
    data["bands"][1] = band("B", "60", "91")
    (p,) = problems(data)
    assert "overlap" in p and "band B [60, 91)" in p and "band A [90, 100]" in p
    (zh,) = problems_zh(data)
    assert zh == "ruleset.bands：B 级区间 [60, 91) 与 A 级区间 [90, 100] 重叠"


def test_a_gap_between_bands_is_refused() -> None:
    data = valid()
    data["bands"][1] = band("B", "65", "90")
    (p,) = problems(data)
    assert "gap between band D [0, 60) and band B [65, 90)" in p
    (zh,) = problems_zh(data)
    assert zh == "ruleset.bands：D 级区间 [0, 60) 与 B 级区间 [65, 90) 之间有空缺：[60, 65) 不在任何一个区间内"


def test_a_shared_edge_excluded_by_both_bands_is_a_gap() -> None:
    data = valid()
    data["bands"][0] = band("A", "90", "100", False, True)
    (p,) = problems(data)
    assert "gap" in p and "90 falls in neither" in p


def test_a_shared_edge_included_by_both_bands_is_an_overlap() -> None:
    data = valid()
    data["bands"][1] = band("B", "60", "90", True, True)
    (p,) = problems(data)
    assert "overlap at 90" in p


def test_bands_that_stop_short_of_the_score_range_are_refused() -> None:
    data = valid()
    data["bands"][0] = band("A", "90", "100")  # 100 itself has no grade
    (p,) = problems(data)
    assert "fall in no band" in p


def test_a_rule_set_without_bands_is_refused() -> None:
    data = valid()
    data["bands"] = []
    assert any("at least one grade band" in p for p in problems(data))


def test_an_empty_band_is_refused() -> None:
    data = valid()
    data["bands"].append(band("C", "60", "60"))
    assert any("band C [60, 60) is empty" in p for p in problems(data))


def test_overlapping_tiers_are_refused() -> None:
    data = valid()
    data["deductions"][0]["tiers"][1]["lower"] = "9000"
    (p,) = problems(data)
    assert p.startswith("ruleset.deductions[0].tiers") and "overlap" in p


def test_a_gap_between_tiers_is_refused() -> None:
    data = valid()
    data["deductions"][0]["tiers"][1]["lower"] = "10000.01"
    (p,) = problems(data)
    assert "gap" in p and "[10000, 10000.01) falls in neither" in p  # 10000 itself too
    (zh,) = problems_zh(data)
    assert zh.startswith("ruleset.deductions[0].tiers：档次 (0, 10000) 与 档次 [10000.01, +∞) 之间有空缺")
    assert "[10000, 10000.01) 不在任何一个区间内" in zh


def test_weights_that_do_not_sum_to_the_declared_total_are_refused() -> None:
    data = valid()
    data["score_source"] = "weighted"
    items = data.pop("deductions")
    data["total_weight"] = "100"
    data["indicators"] = [
        {"code": "a", "name": "a", "weight": "60", "deductions": items[:1]},
        {"code": "b", "name": "b", "weight": "30", "deductions": items[1:]},
    ]
    (p,) = problems(data)
    assert "weights sum to 90, but total_weight declares 100" in p
    (zh,) = problems_zh(data)
    assert zh == "ruleset.indicators：各指标权重之和为 90，但声明的总权重（total_weight）为 100"


def test_an_unknown_subject_class_is_refused_by_name() -> None:
    data = valid()
    data["subject_classes"] = ["retail_pharmacy", "hospital"]
    (p,) = problems(data)
    assert "unknown subject class 'hospital'" in p and "subject_classes[1]" in p


def test_an_unknown_record_kind_is_refused_by_name() -> None:
    data = valid()
    data["deductions"][1]["kinds"] = ["telling_off"]
    (p,) = problems(data)
    assert "unknown record kind 'telling_off'" in p


def test_bad_dates_are_refused() -> None:
    data = valid()
    data["effective_to"] = "2022-12-31"
    (p,) = problems(data)
    assert "before effective_from" in p
    data["effective_from"] = "2023-02-30"
    assert any("is not a date" in p for p in problems(data))


def test_every_problem_is_listed_not_just_the_first() -> None:
    data = valid()
    data["jurisdiction"] = "50023"
    data["subject_classes"] = ["hospital"]
    data["bands"][1] = band("B", "65", "90")
    data["deductions"][1]["points_each"] = "0"
    found = problems(data)
    assert len(found) == 4
    with pytest.raises(InvalidInput, match="4 problems") as caught:
        parse_ruleset(data)
    assert caught.value.message.startswith("规则集 'test-set' 无效（4 个问题）：ruleset.jurisdiction：")
    assert caught.value.message_in("en").startswith("rule set 'test-set' is invalid (4 problems): ruleset.jurisdiction: ")


def test_a_measure_for_a_grade_without_a_band_is_refused() -> None:
    data = valid()
    data["measures"] = [{"code": "m", "grades": ["C"], "clause": "x", "description": "y", "params": {}}]
    (p,) = problems(data)
    assert "grade C has no band" in p


def test_an_unknown_measure_parameter_is_refused() -> None:
    data = valid()
    data["measures"] = [{"code": "m", "grades": ["A"], "clause": "x", "description": "y",
                         "params": {"free_lunch": True}}]
    (p,) = problems(data)
    assert "unknown measure parameter" in p


def test_duplicate_item_codes_are_refused() -> None:
    data = valid()
    data["deductions"][1]["code"] = "amt"
    (p,) = problems(data)
    assert "item code 'amt' is used more than once" in p
    (zh,) = problems_zh(data)
    assert zh == "ruleset：评分项编码 'amt' 重复使用"


def test_json_floats_from_jsonb_are_read_as_exact_decimals() -> None:
    data = valid()
    data["bands"] = [band("A", "89.99", "100", True, True), band("D", "0", "89.99")]
    data["bands"][0]["lower"] = 89.99
    rs = parse_ruleset(data)
    assert str(rs.bands[0].lower) == "89.99"


@pytest.mark.parametrize("rs", shipped_rulesets(), ids=lambda rs: rs.code)
def test_shipped_rule_set_round_trips_through_json(rs: object) -> None:
    as_json = json.loads(json.dumps(ruleset_to_dict(rs)))  # type: ignore[arg-type]
    assert parse_ruleset(as_json) == rs


def test_parsing_does_not_modify_its_input() -> None:
    data = valid()
    before = copy.deepcopy(data)
    parse_ruleset(data)
    assert data == before


def test_shipped_rule_sets_cover_the_briefed_jurisdictions() -> None:
    assert {rs.jurisdiction for rs in shipped_rulesets()} == {"500237", "440000", "510000", "340000"}
    assert shipped_ruleset("cq-wushan-outpatient-pharmacy").version == 1
