"""`yibao import FILE --officer ID --source SYSTEM`: import a CSV or XLSX file of credit records as one batch.

The file is checked whole before anything is written; the report of rejected rows (line, column, reason) is
printed as a rich table and written as CSV next to the file (``--report`` to choose). The import runs as the named
officer (``--officer``, looked up in the officer table, or ``--token``, a bearer token), under that officer's
row-level security, in one transaction: kill it and nothing is written; run it again and it finishes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.commands.refusals import output_file
from api.settings import Settings

if TYPE_CHECKING:
    from domain.imports.service import ImportOutcome


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``import`` subcommand to the ``yibao`` parser."""
    p = sub.add_parser("import", help="import a CSV or XLSX file of credit records (docs/IMPORT.md)")
    p.add_argument("file", type=Path, help="the .csv or .xlsx file (layout: yibao import --template, docs/IMPORT.md)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--officer", help="the importing officer's id (an active officer in the officer table)")
    who.add_argument("--token", help="the importing officer's bearer token")
    p.add_argument("--source", required=True, help="the source system, e.g. 现场检查系统 (source ids are unique in it)")
    p.add_argument("--cycle", type=int, default=None, help="the cycle (year) the records' dates fall in; default: now")
    p.add_argument("--strict", action="store_true", help="write nothing if any row is rejected")
    p.add_argument("--report", type=output_file, default=None,
                   help="where to write the CSV report (default FILE.report.csv)")
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Run the import: exit 0 when every row was accepted (or already there), 1 when rows were rejected, 2 when
    the file or the officer was refused (the officer through ``run_command``)."""
    from rich.console import Console

    from domain.imports.reader import ImportFileRefused
    from domain.imports.report import report_csv

    path: Path = args.file
    if path.is_dir():
        print(f"import: {path} 是目录，不是文件：请给出要导入的 .csv 或 .xlsx 文件", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"import: 找不到文件 {path}", file=sys.stderr)
        return 2
    report_path: Path = args.report or path.with_name(path.name + ".report.csv")
    console = Console(stderr=True)
    try:
        outcome = asyncio.run(_run(args, settings, console=console, size=path.stat().st_size))
    except ImportFileRefused as exc:
        report_path.write_text(report_csv([exc.problem]), encoding="utf-8")
        print(f"import: {exc.message}（未写入任何记录；报告：{report_path}）", file=sys.stderr)
        return 2
    report_path.write_text(report_csv(outcome.problems), encoding="utf-8")
    _print_report(console, outcome)
    encoding = f"，编码 {outcome.encoding}" if outcome.encoding else ""
    written = (f"批次 {outcome.batch_id}：写入 {outcome.accepted:,} 条（已录入，待审核）" if outcome.batch_id
               else "没有写入任何记录")
    print(f"import: {outcome.file_format.upper()}{encoding}；读取 {outcome.rows_read:,} 行，拒绝 {outcome.rejected:,}"
          f" 行，此前已导入 {outcome.already_imported:,} 行；{written}。报告：{report_path}")
    return 1 if outcome.problems else 0


async def _principal(args: argparse.Namespace, settings: Settings, url: str):  # type: ignore[no-untyped-def]
    """The importing officer: from the officer table by id, or a verified token whose officer is there too."""
    import asyncpg

    from api.identity import principal_from_headers
    from domain.access import OfficerRole, Principal, PrincipalKind
    from domain.errors import Forbidden

    claimed = None
    if args.token:
        claimed = principal_from_headers({"authorization": f"Bearer {args.token}"}, secret=settings.jwt_secret,
                                         issuer=settings.jwt_issuer, max_lifetime_s=settings.jwt_max_lifetime_s)
    officer_id = claimed.id if claimed is not None else args.officer
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow("SELECT * FROM officer WHERE id = $1", officer_id)
    finally:
        await conn.close()
    if row is None or not row["active"]:
        raise Forbidden(f"没有在职的工作人员 {officer_id!r}（见 officer 表）。", en="No such active officer.")
    if claimed is not None and (claimed.region_code, str(claimed.role)) != (row["region_code"], row["role"]):
        raise Forbidden("令牌中的单位或角色与该工作人员的登记不符。",
                        en="The token's bureau or role is not the officer's.")
    return Principal(kind=PrincipalKind.OFFICER, id=row["id"], region_code=row["region_code"],
                     role=OfficerRole(row["role"]), name=row["name"], department=row["department"])


async def _run(args: argparse.Namespace, settings: Settings, *, console: Any, size: int) -> ImportOutcome:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from api.cli import _database_url
    from api.postgres import migrate
    from authz.authorizer import default_authorizer
    from domain.access import Access
    from domain.db import Database
    from domain.imports.service import import_records

    url = await _database_url(settings)
    await migrate(url)
    access = Access(principal=await _principal(args, settings, url), authorizer=default_authorizer())
    today = date.today()
    db = await Database.connect(url, min_size=1, max_size=1)
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                      console=console) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                names = {"read": "读取并校验", "check": "核对信用主体", "known": "跳过已导入", "write": "写入批次"}
                if phase not in tasks:
                    tasks[phase] = bar.add_task(names.get(phase, phase), total=total)
                bar.update(tasks[phase], completed=done, total=total)

            with open(args.file, "rb") as stream:  # noqa: ASYNC230 (read by the synchronous csv/openpyxl readers)
                async with db.session(access.db_scope()) as s:
                    return await import_records(
                        session=s, access=access, source=args.source, file_name=args.file.name, stream=stream,
                        size=size, cycle_year=args.cycle or today.year, today=today,
                        max_bytes=settings.import_max_bytes, strict=args.strict, progress=progress)
    finally:
        await db.close()


def _print_report(console, outcome) -> None:  # type: ignore[no-untyped-def]
    """The rejected rows as a rich table (the first 200; the CSV report has them all)."""
    from rich.table import Table

    if not outcome.problems:
        return
    table = Table(title=f"被拒绝的行（{outcome.rejected:,} 行，{len(outcome.problems):,} 处问题）")
    for heading in ("行号", "列", "原因"):
        table.add_column(heading)
    for p in outcome.problems[:200]:
        table.add_row(str(p.line), f"{p.column} {p.column_name}".strip() if p.column else "", p.reason)
    console.print(table)
    if len(outcome.problems) > 200:
        console.print(f"……其余 {len(outcome.problems) - 200:,} 处见 CSV 报告。")
