"""A refusal names what was refused in one natural phrase for every permission of authz/policy.csv."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from authz.authorizer import Authorizer
from domain.access import Access, OfficerRole, Principal, PrincipalKind
from domain.errors import Forbidden
from domain.rules.labels import PERMISSION_LABELS

POLICY = Path(__file__).resolve().parents[2] / "authz" / "policy.csv"


def _policy_permissions() -> list[tuple[str, str]]:
    pairs = set()
    for line in POLICY.read_text(encoding="utf-8").splitlines():
        fields = [f.strip() for f in line.split(",")]
        if fields[0] == "p":
            pairs.add((fields[2], fields[3]))
    return sorted(pairs)


def _refusal(tmp_path: Path, obj: str, act: str) -> str:
    empty = tmp_path / "nothing.csv"
    empty.write_text("", encoding="utf-8")
    county = Principal(kind=PrincipalKind.OFFICER, id="o1", region_code="340102", role=OfficerRole.OFFICER)
    access = Access(principal=county, authorizer=Authorizer(policy_path=empty))  # real Casbin, granting nothing
    with pytest.raises(Forbidden) as refused:
        access.require(obj, act, region_code="340102")
    return refused.value.message


def _repeated_words(phrase: str) -> set[str]:
    cjk = re.sub(r"[^\u4e00-\u9fff]", " ", phrase)
    words = [w[i:i + 2] for w in cjk.split() for i in range(len(w) - 1)]
    return {w for w in words if words.count(w) > 1}


def test_the_policy_has_permissions_to_check() -> None:
    assert ("publication", "publish") in _policy_permissions()
    assert len(_policy_permissions()) > 30


@pytest.mark.parametrize(("obj", "act"), _policy_permissions())
def test_every_refusal_names_the_permission_in_one_phrase_without_repeating_a_word(
        tmp_path: Path, obj: str, act: str) -> None:
    phrase = PERMISSION_LABELS.get((obj, act))
    assert phrase, f"authz/policy.csv grants {obj}/{act} but domain/rules/labels.py has no phrase for it"
    assert not _repeated_words(phrase), phrase
    assert _refusal(tmp_path, obj, act) == f"您的身份（县级经办人员）无权{phrase}（行政区划 340102）。"


def test_a_county_officer_is_told_it_may_not_publish_without_the_label_doubled(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "publication", "publish")
    assert message == "您的身份（县级经办人员）无权公开信息（行政区划 340102）。"
    assert "公开信息公开" not in message
