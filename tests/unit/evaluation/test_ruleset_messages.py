"""Every family of rule-set problem reads in Chinese (the default), keeps its English, and names its JSON path."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from domain.errors import InvalidInput
from domain.rules.evaluation import parse_ruleset
from domain.rules.evaluation.problem import Problem
from tests.unit.evaluation.test_ruleset_validation import band, valid

_QUOTED = re.compile(r"'[^']*'")
_JSON_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a field's own name, e.g. total_weight, is shown as it is spelt
_WORD = re.compile(r"[A-Za-z]{2,}")


def _missing_name(d: dict[str, Any]) -> None:
    del d["name"]


def _bands_not_a_list(d: dict[str, Any]) -> None:
    d["bands"] = "A B D"


def _base_score_not_a_number(d: dict[str, Any]) -> None:
    d["base_score"] = "one hundred"


def _band_gap(d: dict[str, Any]) -> None:
    d["bands"][1] = band("B", "65", "90")


def _band_overlap(d: dict[str, Any]) -> None:
    d["bands"][1] = band("B", "60", "91")


def _band_overlap_at_an_edge(d: dict[str, Any]) -> None:
    d["bands"][1] = band("B", "60", "90", True, True)


def _weights_not_summing(d: dict[str, Any]) -> None:
    items = d.pop("deductions")
    d.update(score_source="weighted", total_weight="100", indicators=[
        {"code": "a", "name": "a", "weight": "60", "deductions": items[:1]},
        {"code": "b", "name": "b", "weight": "30", "deductions": items[1:]},
    ])


def _duplicate_codes(d: dict[str, Any]) -> None:
    d["deductions"][1]["code"] = "amt"


def _tiers_with_a_gap(d: dict[str, Any]) -> None:
    d["deductions"][0]["tiers"][1]["lower"] = "10000.01"


def _tiers_overlapping(d: dict[str, Any]) -> None:
    d["deductions"][0]["tiers"][1]["lower"] = "9000"


FAMILIES: dict[str, tuple[Callable[[dict[str, Any]], None], str, str, str]] = {
    # family: (break the rule set, path, a Chinese phrase, an English phrase)
    "missing field": (_missing_name, "ruleset.name", "缺少此字段", "missing"),
    "not a list": (_bands_not_a_list, "ruleset.bands", "应为列表", "must be a list"),
    "not a number": (_base_score_not_a_number, "ruleset.base_score", "应为数字", "is not a number"),
    "gap between bands": (_band_gap, "ruleset.bands", "之间有空缺", "gap between"),
    "overlapping bands": (_band_overlap, "ruleset.bands", "重叠", "overlap"),
    "bands sharing an edge": (_band_overlap_at_an_edge, "ruleset.bands", "两者都包含", "both include it"),
    "weights not summing": (_weights_not_summing, "ruleset.indicators", "权重之和", "weights sum to"),
    "duplicate codes": (_duplicate_codes, "ruleset", "重复使用", "used more than once"),
    "tiers with a gap": (_tiers_with_a_gap, "ruleset.deductions[0].tiers", "档次", "gap between tier"),
    "overlapping tiers": (_tiers_overlapping, "ruleset.deductions[0].tiers", "档次", "overlap"),
}


def _refused(family: str) -> tuple[InvalidInput, dict[str, str]]:
    data = valid()
    FAMILIES[family][0](data)
    with pytest.raises(InvalidInput) as caught:
        parse_ruleset(data)
    problems: list[dict[str, str]] = caught.value.details["problems"]
    matching = [p for p in problems if p["path"] == FAMILIES[family][1]]
    assert matching, problems
    return caught.value, matching[0]


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_of_problem_reads_in_chinese_without_english_words(family: str) -> None:
    error, problem = _refused(family)
    path, zh, _ = FAMILIES[family][1:]
    assert problem["message"].startswith(f"{path}：") and zh in problem["message"]
    text = problem["message"].removeprefix(f"{path}：")
    leftover = _WORD.findall(_JSON_KEY.sub("", _QUOTED.sub("", text)))
    assert leftover == [], f"English words in {problem['message']!r}"
    assert problem["message"] in error.message_in("zh")


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_of_problem_keeps_its_english_text_at_the_same_path(family: str) -> None:
    error, problem = _refused(family)
    path, _, en = FAMILIES[family][1:]
    assert problem["en"].startswith(f"{path}: ") and en in problem["en"]
    assert problem["en"] in error.message_in("en")


def test_the_refusal_is_chinese_by_default_and_counts_the_problems_in_either_language() -> None:
    error, _ = _refused("gap between bands")
    assert error.message_in("zh").startswith("规则集 'test-set' 无效（1 个问题）：ruleset.bands：D 级区间 [0, 60)")
    assert error.message_in("en").startswith("rule set 'test-set' is invalid (1 problem): ruleset.bands: gap between")


def test_a_problem_shows_its_path_unchanged_in_both_languages() -> None:
    p = Problem("ruleset.bands[2].lower", "'x' 应为数字", "'x' is not a number")
    assert p.text_in("zh") == "ruleset.bands[2].lower：'x' 应为数字"
    assert p.text_in("en") == "ruleset.bands[2].lower: 'x' is not a number"
    assert p.as_detail() == {"path": "ruleset.bands[2].lower", "message": p.text_in("zh"), "en": p.text_in("en")}
