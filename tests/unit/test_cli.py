"""The `yibao` command: tokens for demo officers verify as the API expects, unknown officers, lifetimes beyond the
server's limit and unusable paths are refused with a message (exit 2), and producing a PDF logs no font chatter."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from api.cli import configure_logging, main
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


@pytest.mark.parametrize("hours", ["100", "13", "0", "-1"])
def test_a_token_outside_the_servers_lifetime_limit_is_refused_naming_the_allowed_range(
        hours: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "340100-officer", "--hours", hours]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "1 到 12 小时" in err and hours in err


def test_the_token_limit_is_the_one_the_server_is_configured_with(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("YIBAO_JWT_MAX_LIFETIME", str(2 * 3600))
    assert main(["token", "340100-officer", "--hours", "3"]) == 2
    assert "1 到 2 小时" in capsys.readouterr().err


def test_a_token_of_the_longest_allowed_lifetime_is_accepted_by_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings()
    hours = settings.jwt_max_lifetime_s // 3600
    assert main(["token", "340100-officer", "--hours", str(hours)]) == 0
    token = capsys.readouterr().out.strip()
    principal = principal_from_headers({"authorization": f"Bearer {token}"}, secret=settings.jwt_secret,
                                       issuer=settings.jwt_issuer, max_lifetime_s=settings.jwt_max_lifetime_s)
    assert principal.id == "340100-officer"


def test_exporting_into_a_folder_that_does_not_exist_is_refused_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["export", "--region", "340100", "--out", str(tmp_path / "missing" / "x.csv")])
    assert exited.value.code == 2
    assert f"目录 {tmp_path / 'missing'} 不存在" in capsys.readouterr().err


def test_exporting_onto_a_directory_is_refused_saying_it_is_a_directory(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["export", "--region", "340100", "--out", str(tmp_path)])
    assert exited.value.code == 2
    assert f"{tmp_path} 是目录，不是文件" in capsys.readouterr().err


def test_importing_a_directory_says_it_is_a_directory_not_a_missing_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path), "--officer", "340102-officer", "--source", "X"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} 是目录，不是文件" in err and "找不到" not in err


def test_producing_a_pdf_logs_no_fonttools_info_lines(caplog: pytest.LogCaptureFixture) -> None:
    from domain.documents.layout import OfficialDocument, render

    configure_logging()
    caplog.set_level(logging.INFO)
    pdf = render(OfficialDocument(issuer="合肥市医疗保障局", number="合医保〔2025〕1号", title="信用评价结果告知书",
                                  dated=date(2025, 3, 1), paragraphs=("经评价，你单位信用等级为 A 级。",)))
    assert pdf.startswith(b"%PDF")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("fontTools")] == []
