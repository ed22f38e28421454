"""The `yibao` command: tokens for demo officers verify as the API expects, and unknown officers are refused."""

from __future__ import annotations

import pytest

from api.cli import main
from api.identity import principal_from_headers
from api.settings import load_settings
from domain.access import OfficerRole, PrincipalKind


def test_a_minted_demo_officer_token_authenticates_as_that_officer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "500237-reviewer"]) == 0
    token = capsys.readouterr().out.strip()
    settings = load_settings()
    principal = principal_from_headers({"authorization": f"Bearer {token}"}, secret=settings.jwt_secret,
                                       issuer=settings.jwt_issuer)
    assert (principal.kind, principal.id, principal.region_code, principal.role) == (
        PrincipalKind.OFFICER, "500237-reviewer", "500237", OfficerRole.REVIEWER)
    assert principal.department == "重庆市巫山县医疗保障局"


def test_an_unknown_demo_officer_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "nobody"]) == 2
    assert "unknown demo officer" in capsys.readouterr().err


def test_the_officer_list_covers_every_role() -> None:
    from api.demo import DEMO_OFFICERS

    assert {role for *_, role, _ in DEMO_OFFICERS} == set(OfficerRole)
