"""批量导入: the column layout of an import file and the checks of one row, plain functions over plain values.

One row is one credit record from another system (on-site inspection, online audit, agreement management,
complaint handling; 002 art.11). The layout is versioned data here, and the template, the README and
docs/IMPORT.md are built from or checked against it (a test compares them), so they cannot drift.

Everything a row can be refused for without the database is decided here: the subject's identifier (check
character included, by ``domain.rules.identifiers``), the kind, exact money, dates inside the cycle, and the
content rules of ``domain.rules.records.check_content`` (the same as ``enterRecord``). What needs the database
(the subject exists, lies in the importer's subtree, the source id is new) is decided by ``domain.imports``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput
from domain.rules.catalog import RecordKind
from domain.rules.identifiers import resident_id_problem, validate_resident_id, validate_uscc
from domain.rules.labels import labels_for
from domain.rules.records import MAX_AMOUNT, RecordContent, check_content

LAYOUT_VERSION = 1


@dataclass(frozen=True)
class ImportColumn:
    """One column of the import file."""

    key: str  # the English header
    heading: str  # the Chinese header (either header row is accepted)
    required: bool
    meaning: str  # what goes in it (Chinese; README and docs/IMPORT.md show it)
    example: str


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("source_id", "来源记录号", True,
                 "来源系统中该条记录自己的编号（同一来源内唯一，重复导入不会重复写入）", "JC-2025-000123"),
    ImportColumn("subject_code", "主体代码", True, "机构的统一社会信用代码，或个人的居民身份证号码（18 位，含校验码）",
                 "91500237MA5U8XQ00J"),
    ImportColumn("kind", "记录种类", True, "记录种类：英文代码（如 recovered_funds）或中文名称（如 追回医保基金）",
                 "recovered_funds"),
    ImportColumn("title", "标题", True, "记录标题，1 到 200 个字符", "追回违规使用医保基金"),
    ImportColumn("facts", "查明事实", False, "查明的事实（失信信息必填）", "串换药品收费"),
    ImportColumn("amount", "金额（元）", False,
                 "金额，单位元，最多两位小数，不用千分位和科学计数法（追回基金、审核扣减必填）", "60000.00"),
    ImportColumn("occurred_on", "发生日期", False, "行为发生日期 YYYY-MM-DD，须在导入的评价年度内（失信信息必填）",
                 "2025-04-02"),
    ImportColumn("decided_on", "决定日期", False, "处理决定日期 YYYY-MM-DD，不早于发生日期", "2025-05-10"),
    ImportColumn("legal_basis", "法律依据", False, "法律依据（失信信息必填）",
                 "《医疗保障基金使用监督管理条例》第三十八条"),
    ImportColumn("penalty", "处罚内容", False, "处罚内容", "追回基金并处罚款"),
)
KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
HEADINGS: tuple[str, ...] = tuple(c.heading for c in COLUMNS)
_KINDS_BY_LABEL: dict[str, RecordKind] = {label: RecordKind[name] for name, label in labels_for("RecordKind").items()}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONEY = re.compile(r"^\d+(\.\d+)?$")
MAX_SOURCE_ID = 100
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class RowProblem:
    """Why one cell (or the whole row, column 0) is refused; ``line`` counts from 1 with the header as line 1."""

    line: int
    column: int  # 1-based; 0: the row as a whole
    reason: str

    @property
    def column_name(self) -> str:
        return COLUMNS[self.column - 1].heading if 1 <= self.column <= len(COLUMNS) else ""


@dataclass(frozen=True)
class ImportRow:
    """A row that passed every check that needs no database."""

    line: int
    source_id: str
    subject_code: str
    kind: RecordKind
    content: RecordContent


def column_number(key: str) -> int:
    """The 1-based position of a column in the layout."""
    return KEYS.index(key) + 1


def header_problem(cells: Sequence[object]) -> RowProblem | None:
    """Why the header row is not this layout (English keys or Chinese headings, in order), or None."""
    values = [_text(c) for c in cells]
    while values and not values[-1]:
        values.pop()
    for names in (KEYS, HEADINGS):
        if tuple(v.lower() if names is KEYS else v for v in values) == names:
            return None
    for i, expected in enumerate(HEADINGS):
        got = values[i] if i < len(values) else ""
        if got not in (expected, KEYS[i]):
            return RowProblem(1, i + 1, f"表头第 {i + 1} 列应为“{expected}”（或 {KEYS[i]}），而不是“{got}”；"
                                        "请使用导入模板（GET /import/template.csv 或 .xlsx）。")
    return RowProblem(1, len(HEADINGS) + 1, f"表头只应有 {len(HEADINGS)} 列，第 {len(HEADINGS) + 1} 列起多出了"
                                            f"“{values[len(HEADINGS)]}”。")


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _money(value: object) -> Decimal | str:
    """The amount, or why it is not exact money."""
    if isinstance(value, bool):
        return "金额须为数字。"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A spreadsheet's number cell is binary floating point: 0.1 + 0.2 is not an amount of fen.
        text = repr(value)
        if "e" in text or "E" in text or not _MONEY.match(text.lstrip("-")):
            return f"金额 {text} 不是精确到分的金额；请把金额列设为文本，或最多保留两位小数。"
    else:
        text = _text(value)
        if not _MONEY.match(text.lstrip("-")):
            return f"金额“{text}”不是数字：只写数字和小数点，不要千分位、货币符号或科学计数法。"
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return f"金额“{text}”不是数字。"
    if amount != amount.quantize(Decimal("0.01")):
        return f"金额 {text} 超过两位小数：金额以元为单位，精确到分。"
    if amount < 0 or amount > MAX_AMOUNT:
        return f"金额 {text} 须在 0 到 999,999,999,999.99 元之间。"
    return amount


def _date(value: object) -> date | str:
    """The date, or why it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    m = _DATE.match(text)
    if m is None:
        return f"日期“{text}”应写成 YYYY-MM-DD（如 2025-04-02）。"
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return f"“{text}”不是存在的日期。"


def subject_code_problem(code: str, *, today: date) -> str | None:
    """Why a subject code is neither a valid unified social credit code nor a valid resident ID, or None."""
    id_problem = resident_id_problem(code, today=today)
    if id_problem is None:
        return None
    try:
        validate_uscc(code)
        return None
    except InvalidInput as uscc_error:
        # 18 digits pass every USCC check but the last, so only an ID whose birth date is real reads as an ID
        if id_problem == "check_character":
            try:
                validate_resident_id(code, today=today)
            except InvalidInput as id_error:
                return id_error.message
        return uscc_error.message


_FIELD_COLUMN = {"title": "title", "facts": "facts", "amount": "amount", "occurredOn": "occurred_on",
                 "decidedOn": "decided_on", "legalBasis": "legal_basis", "penalty": "penalty"}


def check_row(cells: Sequence[object], *, line: int, cycle_year: int, today: date,
              codes: dict[str, str | None] | None = None) -> ImportRow | list[RowProblem]:
    """One data row checked against the layout and the content rules of ``enterRecord``: the row, or every
    problem found in it (all of them, so one pass over the file tells the officer everything). ``codes`` is the
    caller's memo of subject codes already checked (a file names the same subjects again and again)."""
    problems: list[RowProblem] = []

    def bad(key: str, reason: str) -> None:
        problems.append(RowProblem(line, column_number(key), reason))

    values = list(cells[: len(COLUMNS)]) + [None] * (len(COLUMNS) - len(cells))
    if any(_text(v) for v in cells[len(COLUMNS):]):
        problems.append(RowProblem(line, len(COLUMNS) + 1, f"该行多出了表头以外的列（表头只有 {len(COLUMNS)} 列）。"))
    cell = dict(zip(KEYS, values, strict=True))
    text = {k: _text(v) for k, v in cell.items()}
    for column in COLUMNS:
        if column.required and not text[column.key]:
            bad(column.key, f"“{column.heading}”为必填项。")
    source_id = text["source_id"]
    if len(source_id) > MAX_SOURCE_ID:
        bad("source_id", f"来源记录号最长 {MAX_SOURCE_ID} 个字符。")
    code = _SPACES.sub("", text["subject_code"]).upper()
    if code:
        if codes is None or code not in codes:
            known = subject_code_problem(code, today=today)
            if codes is not None:
                codes[code] = known
        else:
            known = codes[code]
        if known:
            bad("subject_code", known)
    kind_text = text["kind"]
    kind = _KINDS_BY_LABEL.get(kind_text)
    if kind is None and kind_text:
        try:
            kind = RecordKind(kind_text.lower())
        except ValueError:
            bad("kind", f"未知的记录种类“{kind_text}”；可用的种类见导入说明（如 recovered_funds / 追回医保基金）。")
    amount: Decimal | None = None
    if text["amount"]:
        parsed = _money(cell["amount"])
        if isinstance(parsed, str):
            bad("amount", parsed)
        else:
            amount = parsed
    dates: dict[str, date | None] = {}
    for key in ("occurred_on", "decided_on"):
        dates[key] = None
        if text[key]:
            day = _date(cell[key])
            if isinstance(day, str):
                bad(key, day)
            elif day.year != cycle_year:
                bad(key, f"日期 {day.isoformat()} 不在导入的评价年度 {cycle_year} 年内（其他年度的记录请另行导入，"
                         "并指定评价年度：yibao import --cycle，或 importRecords 的 cycleYear）。")
            else:
                dates[key] = day
    if problems or kind is None:
        return problems
    content = RecordContent(title=text["title"], facts=text["facts"] or None, amount=amount,
                            occurred_on=dates["occurred_on"], decided_on=dates["decided_on"],
                            legal_basis=text["legal_basis"] or None, penalty=text["penalty"] or None)
    try:
        content = check_content(kind=kind, content=content, today=today)
    except InvalidInput as exc:
        for p in exc.details.get("problems", []):
            target = _FIELD_COLUMN.get(str(p["field"]))
            if target is not None:
                bad(target, str(p["message"]))
            else:  # points and scores are not columns of this layout: the kind needs another way in
                problems.append(RowProblem(line, column_number("kind"), str(p["message"])))
        return problems
    return ImportRow(line=line, source_id=source_id, subject_code=code, kind=kind, content=content)
