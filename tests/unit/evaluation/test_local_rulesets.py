"""001 art.16: each level may add local rules, unless the rule set above it says it may not."""

from __future__ import annotations

import copy
from typing import Any

from domain.rules.evaluation import parse_ruleset, ruleset_to_dict, shipped_ruleset
from domain.rules.evaluation.ruleset import local_ruleset_refusal


def _variant(code: str, jurisdiction: str, *, allow: bool | None = None, classes: list[str] | None = None):  # type: ignore[no-untyped-def]
    body: dict[str, Any] = copy.deepcopy(ruleset_to_dict(shipped_ruleset("ah-institutions")))
    body.update(code=code, jurisdiction=jurisdiction)
    if allow is not None:
        body["allow_local_rulesets"] = allow
    if classes is not None:
        body["subject_classes"] = classes
    return parse_ruleset(body)


def test_local_rule_sets_are_allowed_unless_a_higher_one_says_otherwise() -> None:
    province = _variant("ah", "340000")
    assert province.allow_local_rulesets is True
    assert local_ruleset_refusal(local=_variant("hf", "340100"), higher=[province]) is None


def test_a_province_that_forbids_local_rules_refuses_a_city_rule_set_for_the_same_classes() -> None:
    province = _variant("ah", "340000", allow=False)
    refusal = local_ruleset_refusal(local=_variant("hf", "340100"), higher=[province])
    assert refusal is not None and "ah" in refusal and "340000" in refusal


def test_the_ban_covers_only_the_classes_the_higher_rule_set_evaluates() -> None:
    province = _variant("ah", "340000", allow=False, classes=["retail_pharmacy"])
    city = _variant("hf", "340100", classes=["medical_institution"])
    assert local_ruleset_refusal(local=city, higher=[province]) is None


def test_the_flag_survives_the_json_round_trip() -> None:
    forbidding = _variant("ah", "340000", allow=False)
    assert parse_ruleset(ruleset_to_dict(forbidding)).allow_local_rulesets is False
