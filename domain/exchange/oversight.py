"""省级监督: how fast each lower bureau enters and confirms credit information, and who is late (001 art.30).

For every bureau below the province (the region a record belongs to), over the records decided in a period: the
average and longest days from decision to entry and from decision to confirmation, and how many entries and
confirmations came (or, still missing, are) later than the province's deadlines (``oversight_deadline``, else the
defaults of domain/rules/double_publicity.py, compared in SQL with the same numbers). The report names the late
bureaus and words a notice (通报) the province can publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.access import Access, PrincipalKind
from domain.errors import Forbidden, InvalidInput
from domain.rules.double_publicity import DEFAULT_CONFIRMATION_DAYS, DEFAULT_ENTRY_DAYS
from domain.session import Session
from tenants import region_tree

# Dates on the bureaus' calendar (Beijing). Entry: the record's creation; confirmation: its first 'confirm' step.
_REPORT = """
WITH timed AS (
    SELECT r.region_code, v.decided_on,
           (r.entered_at AT TIME ZONE 'Asia/Shanghai')::date AS entered_on,
           (SELECT min(e.at) FROM record_event e WHERE e.record_id = r.id AND e.action = 'confirm') AS confirmed_at
    FROM credit_record r
    JOIN credit_record_version v ON v.record_id = r.id AND v.version = 1
    WHERE r.region_code LIKE $1 || '%' AND r.region_code <> $2 AND v.decided_on BETWEEN $3 AND $4
      AND v.author_kind = 'officer'
), dated AS (
    SELECT region_code, decided_on, entered_on, (confirmed_at AT TIME ZONE 'Asia/Shanghai')::date AS confirmed_on
    FROM timed
)
SELECT region_code, count(*) AS records,
       round(avg(entered_on - decided_on), 1) AS avg_days_to_entry, max(entered_on - decided_on) AS max_days_to_entry,
       round(avg(confirmed_on - decided_on), 1) AS avg_days_to_confirmation,
       max(confirmed_on - decided_on) AS max_days_to_confirmation,
       count(*) FILTER (WHERE confirmed_on IS NULL) AS unconfirmed,
       count(*) FILTER (WHERE entered_on - decided_on > $5) AS late_entries,
       count(*) FILTER (WHERE coalesce(confirmed_on, $7) - entered_on > $6) AS late_confirmations
FROM dated GROUP BY region_code ORDER BY region_code"""


@dataclass(frozen=True)
class BureauTimeliness:
    """One lower bureau's timeliness over the period."""

    region_code: str
    bureau: str
    records: int
    avg_days_to_entry: Decimal | None
    max_days_to_entry: int | None
    avg_days_to_confirmation: Decimal | None
    max_days_to_confirmation: int | None
    unconfirmed: int
    late_entries: int
    late_confirmations: int

    @property
    def late(self) -> bool:
        return self.late_entries > 0 or self.late_confirmations > 0


@dataclass(frozen=True)
class OversightReport:
    """The province's report: deadlines, every bureau's timeliness, the late ones named, and a notice to publish."""

    province_code: str
    since: date
    until: date
    entry_days: int
    confirmation_days: int
    bureaus: list[BureauTimeliness]
    late_bureaus: list[str]
    notice: str


def _bureau_name(code: str, registered: dict[str, str]) -> str:
    if code in registered:
        return registered[code]
    tree = region_tree()
    chain = [r.name for r in reversed(tree.ancestors(code))][1:]  # without the province
    return "".join([*chain, tree.get(code).name]) + "医疗保障局"


async def oversight_report(*, session: Session, access: Access, province_code: str, since: date, until: date,
                           today: date) -> OversightReport:
    """信息报送监督: each lower bureau's time from decision to entry and to confirmation, and who is late."""
    tree = region_tree()
    province = tree.find(province_code)
    if province is None or str(province.level) != "province":
        raise InvalidInput(f"{province_code!r} 不是省级行政区划代码。", field="provinceCode")
    if since > until:
        raise InvalidInput("起始日期不能晚于截止日期。", field="since")
    p = access.principal
    if p.kind is not PrincipalKind.OFFICER or p.region_code != province_code:
        raise Forbidden("信息报送监督报告由省级医疗保障行政部门查阅。", resource="oversight", action="read",
                        region=province_code)
    access.require("oversight", "read", region_code=province_code)
    deadline = await session.fetchrow(
        "SELECT entry_days, confirmation_days FROM oversight_deadline WHERE province_code = $1", province_code)
    entry_days = deadline["entry_days"] if deadline else DEFAULT_ENTRY_DAYS
    confirmation_days = deadline["confirmation_days"] if deadline else DEFAULT_CONFIRMATION_DAYS
    rows = await session.fetch(_REPORT, tree.subtree_prefix(province_code), province_code, since, until, entry_days,
                               confirmation_days, today)
    registered = {r["region_code"]: r["name"] for r in await session.fetch(
        "SELECT region_code, name FROM exchange_bureau WHERE region_code = ANY($1)", [r["region_code"] for r in rows])}
    bureaus = [BureauTimeliness(
        region_code=r["region_code"], bureau=_bureau_name(r["region_code"], registered), records=r["records"],
        avg_days_to_entry=r["avg_days_to_entry"], max_days_to_entry=r["max_days_to_entry"],
        avg_days_to_confirmation=r["avg_days_to_confirmation"], max_days_to_confirmation=r["max_days_to_confirmation"],
        unconfirmed=r["unconfirmed"], late_entries=r["late_entries"], late_confirmations=r["late_confirmations"])
        for r in rows]
    late = [b for b in bureaus if b.late]
    if late:
        parts = "；".join(f"{b.bureau}（录入超期 {b.late_entries} 条，确认超期 {b.late_confirmations} 条）"
                         for b in late)
        notice = (f"{since.isoformat()} 至 {until.isoformat()} 作出的信用信息中，以下医疗保障部门未在规定时限"
                  f"（决定后 {entry_days} 日内录入、录入后 {confirmation_days} 日内确认）内报送：{parts}。"
                  "请限期整改。")
    else:
        notice = f"{since.isoformat()} 至 {until.isoformat()} 作出的信用信息均已按时录入和确认。"
    return OversightReport(province_code=province_code, since=since, until=until, entry_days=entry_days,
                           confirmation_days=confirmation_days, bureaus=bureaus,
                           late_bureaus=[b.bureau for b in late], notice=notice)
