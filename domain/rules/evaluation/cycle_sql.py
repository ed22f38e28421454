"""Compile a rule set into one set-based SQL evaluation of a whole region's cycle (no loop per subject).

``compile_cycle`` returns a SELECT that yields one row per subject the rule set applies to in a region:
its base, score, grade, exclusion and, for every possible report line, whether the line is present, its
record ids, points and explanation. It mirrors ``engine.evaluate`` exactly (same lines, same order, same
text), each item becoming an aggregate with a FILTER over the subject's usable records of the cycle:
``per_occurrence`` a count, ``amount_tiers`` a sum looked up in a CASE, ``record_points`` a sum.
``lines_sql`` turns the wide rows (stored in a table first) into numbered report lines. Which records are
usable comes from ``record_usability_sql``, each item's line from ``item_sql``, and the measures of the graded
rows from ``measures_sql``.

Rule-set constants are inlined as quoted SQL literals (the rule set is validated data); the region prefix,
cycle bounds and as-of date are parameters: $1 LIKE pattern, $2 cycle start, $3 cycle end, $4 as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.rules.catalog import RecordCategory, SubjectClass
from domain.rules.evaluation.item_sql import item_line_sql, kinds_filter, points_text, within_sql
from domain.rules.evaluation.record_usability_sql import (
    confirmed_usable_sql,
    published_sql,
    repaired_on_sql,
    usable_sql,
)
from domain.rules.evaluation.ruleset import Band, Indicator, Item, ItemMode, RuleSet, ScoreSource
from domain.rules.evaluation.sql_literals import sql_numeric, sql_text


@dataclass(frozen=True)
class LineSlot:
    """One possible report line: the columns of the wide row that hold it."""

    slot: int
    item_code: str
    clause: str
    indicator_code: str | None


@dataclass(frozen=True)
class CycleSql:
    """The compiled evaluation: the SELECT, its arguments and the line slots it fills."""

    select: str
    args: tuple[object, ...]
    slots: tuple[LineSlot, ...]

    def lines_sql(self, table: str) -> str:
        """SELECT (result_id, subject_id, region_code, line_no, item_code, clause, indicator_code, record_ids,
        points, explanation) from the wide rows stored in ``table`` (which has a ``result_id`` column)."""
        values = ",\n    ".join(
            f"({s.slot}, {sql_text(s.item_code)}, {sql_text(s.clause)}, {sql_text(s.indicator_code)}, c.has_{s.slot}, "
            f"c.ids_{s.slot}, c.pts_{s.slot}, c.txt_{s.slot})"
            for s in self.slots
        )
        return f"""SELECT c.result_id, c.subject_id, c.region_code,
       row_number() OVER (PARTITION BY c.result_id ORDER BY l.slot)::int AS line_no,
       l.item_code, l.clause, l.indicator_code, coalesce(l.ids, '{{}}'::uuid[]) AS record_ids, l.points,
       l.explanation
FROM {table} c CROSS JOIN LATERAL (VALUES
    {values}
) AS l(slot, item_code, clause, indicator_code, has, ids, points, explanation)
WHERE l.has"""


def cycle_args(*, region_prefix: str, cycle_year: int, as_of: date) -> tuple[object, ...]:
    """The parameters $1..$4 of a compiled cycle."""
    return (region_prefix + "%", date(cycle_year, 1, 1), date(cycle_year, 12, 31), as_of)


def compile_cycle(ruleset: RuleSet, *, region_prefix: str, cycle_year: int, as_of: date) -> CycleSql:
    """The set-based evaluation of every subject of the region under ``ruleset`` for ``cycle_year``."""
    return _Compiler(ruleset, cycle_year).build(cycle_args(region_prefix=region_prefix, cycle_year=cycle_year,
                                                           as_of=as_of))


class _Compiler:
    def __init__(self, ruleset: RuleSet, cycle_year: int) -> None:
        self.rs = ruleset
        self.year = cycle_year
        self.aggs: list[tuple[str, str, str | None]] = []  # per-subject aggregates: (expr, name, when no records)
        self.slots: list[LineSlot] = []
        self.line_cols: list[str] = []  # has_/ids_/pts_/txt_ expressions over the aggregate row
        self.pre_points: list[str] = []  # pp_ columns: each pre-clamp line's points, computed once
        self.lasts: list[tuple[str, str]] = []  # (array column, name of its last element)
        self.n = 0

    # -- items

    def _agg_item(self, item: Item) -> str:
        """Add the aggregates of ``item``; return their column prefix."""
        self.n += 1
        key = f"i{self.n}"
        flt = f"FILTER (WHERE {kinds_filter(item.kinds)})"
        self.aggs.append((f"count(rec.record_id) {flt}", f"{key}_n", "0"))
        self.aggs.append((f"array_agg(rec.record_id ORDER BY rec.occurred_on, rec.record_id) {flt}", f"{key}_ids",
                          None))
        if item.mode is ItemMode.AMOUNT_TIERS:
            self.aggs.append((f"coalesce(sum(rec.amount) {flt}, 0)", f"{key}_total", "0"))
        elif item.mode is ItemMode.RECORD_POINTS:
            self.aggs.append((f"coalesce(sum(rec.points) {flt}, 0)", f"{key}_sum", "0"))
        return key

    def _slot(self, item_code: str, clause: str, indicator: str | None, has: str, ids: str, pts: str,
              txt: str) -> str:
        """Register a line slot; return its points column name."""
        s = len(self.slots) + 1
        self.slots.append(LineSlot(s, item_code, clause, indicator))
        # the explanation is only built for a line the subject has (most subjects have few)
        self.line_cols += [f"({has}) AS has_{s}", f"{ids} AS ids_{s}", f"{pts} AS pts_{s}",
                           f"CASE WHEN {has} THEN {txt} END AS txt_{s}"]
        return f"pts_{s}"

    # -- whole rule set

    def build(self, args: tuple[object, ...]) -> CycleSql:
        rs = self.rs
        src = rs.score_source
        pre: list[tuple[str, str, str | None, str, str, str, str]] = []  # lines before floor/ceiling
        if src is ScoreSource.WEIGHTED:
            total_w = rs.total_weight or Decimal(100)
            base = sum(((i.base * i.weight / total_w).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                        for i in rs.indicators), Decimal(0))
            base_sql = sql_numeric(base)
            for ind in rs.indicators:
                pre.extend(self._indicator(ind, total_w))
        else:
            base_sql = sql_numeric(rs.base_score)
            if src is ScoreSource.ASSESSMENT:
                # the latest assessment counts: the last of the ascending arrays (see _sql)
                self.aggs.append(("array_agg(rec.score ORDER BY rec.occurred_on, rec.record_id) "
                                  "FILTER (WHERE rec.kind = 'annual_assessment')", "asmt_scores", None))
                self.aggs.append(("array_agg(rec.record_id ORDER BY rec.occurred_on, rec.record_id) "
                                  "FILTER (WHERE rec.kind = 'annual_assessment')", "asmt_ids", None))
                self.lasts += [("asmt_scores", "asmt_score"), ("asmt_ids", "asmt_id")]
                pre.append(("ASSESSMENT", "年度考核得分", None, "a.asmt_id IS NOT NULL",
                            "ARRAY[a.asmt_id]", "coalesce(a.asmt_score, 0::numeric)",
                            f"'年度考核得分 ' || {points_text('a.asmt_score')} || ' 分'"))
            penalty_sign = 1 if src is ScoreSource.POINTS else -1
            verbs = ("记", "减记") if src is ScoreSource.POINTS else ("扣", "加")
            for item in rs.deductions:
                key = self._agg_item(item)
                has, pts, txt = item_line_sql(item, key, penalty_sign, verbs[0])
                pre.append((item.code, item.clause, None, has, f"a.{key}_ids", pts, txt))
            for item in rs.bonuses:
                key = self._agg_item(item)
                has, pts, txt = item_line_sql(item, key, -penalty_sign, verbs[1])
                pre.append((item.code, item.clause, None, has, f"a.{key}_ids", pts, txt))

        # each line's points once (pp_), their sum once (raw0), the floor once (s1): later layers refer to them
        for k, p in enumerate(pre, 1):
            self.pre_points.append(f"(CASE WHEN {p[3]} THEN {p[5]} ELSE 0::numeric END) AS pp_{k}")
        raw_score = "(" + " + ".join([base_sql, *(f"a.pp_{k}" for k in range(1, len(pre) + 1))]) + ")"
        s1 = "a.raw0"
        post: list[tuple[str, str, str | None, str, str, str, str]] = []
        if rs.floor is not None:
            f = sql_numeric(rs.floor)
            post.append(("FLOOR", "", None, f"a.raw0 < {f}", "NULL::uuid[]", f"({f} - a.raw0)",
                         f"'得分 ' || {points_text('a.raw0')} || ' 低于下限，按 ' || {points_text(f)} || ' 分计'"))
            s1 = f"GREATEST(a.raw0, {f})"
        score = "a.s1"
        if rs.ceiling is not None:
            c = sql_numeric(rs.ceiling)
            post.append(("CEILING", "", None, f"a.s1 > {c}", "NULL::uuid[]", f"({c} - a.s1)",
                         f"'得分 ' || {points_text('a.s1')} || ' 高于上限，按 ' || {points_text(c)} || ' 分计'"))
            score = f"LEAST(a.s1, {c})"

        excluded = self._excluded()
        # an excluded subject gets exactly one line, saying why; no other line of the rule set
        for ex_code, ex_clause, ex_text, _ in excluded:
            self._slot(ex_code, ex_clause, None, f"a.excluded_reason = {sql_text(ex_code)}", "NULL::uuid[]",
                       "0::numeric", sql_text(f"不参与信用评价：{ex_text}"))
        if src is ScoreSource.ASSESSMENT:
            self._slot("NO_ASSESSMENT", "", None, "a.excluded_reason = 'no_assessment'", "NULL::uuid[]",
                       "0::numeric", sql_text(f"{self.year} 年度无可用的年度考核得分，无法评定等级"))
        for k, (code, clause, indicator_code, has, ids, _, txt) in enumerate(pre, 1):
            self._slot(code, clause, indicator_code, f"a.excluded_reason IS NULL AND ({has})", ids, f"a.pp_{k}", txt)
        for code, clause, indicator_code, has, ids, pts, txt in post:
            self._slot(code, clause, indicator_code, f"a.excluded_reason IS NULL AND ({has})", ids,
                       f"(CASE WHEN {has} THEN {pts} ELSE 0::numeric END)", txt)

        exclusion_case = "CASE " + " ".join(f"WHEN {cond} THEN {sql_text(code)}" for code, _, _, cond in excluded)
        if src is ScoreSource.ASSESSMENT:
            exclusion_case += " WHEN a.asmt_id IS NULL THEN 'no_assessment'"
        exclusion_case = "NULL::text" if exclusion_case == "CASE " else exclusion_case + " ELSE NULL END"
        grade = "CASE " + " ".join(f"WHEN {self._band(b, 'a.score0')} THEN {sql_text(str(b.grade))}"
                                   for b in rs.bands) + " END"
        return CycleSql(select=self._sql(base_sql, raw_score, s1, score, exclusion_case, grade), args=args,
                        slots=tuple(self.slots))

    def _indicator(self, ind: Indicator, total_w: Decimal) -> list[tuple[str, str, str | None, str, str, str, str]]:
        raw: list[tuple[str, str, str, str, str, str]] = []  # code, clause, has, ids, signed points, text
        for items, sign, verb in ((ind.deductions, -1, "扣"), (ind.bonuses, 1, "加")):
            for item in items:
                key = self._agg_item(item)
                has, pts, txt = item_line_sql(item, key, sign, verb)
                raw.append((item.code, item.clause, has, f"a.{key}_ids", pts, txt))
        unclamped = "(" + " + ".join([sql_numeric(ind.base), *(r[4] for r in raw)]) + ")"
        clamped = f"LEAST(GREATEST({unclamped}, 0::numeric), 100::numeric)"
        raw.append((f"{ind.code}.CLAMP", ind.clause or "", f"{clamped} <> {unclamped}", "NULL::uuid[]",
                    f"({clamped} - {unclamped})",
                    f"'指标得分 ' || {points_text(unclamped)} || ' 超出 0–100，按 ' || {points_text(clamped)} "
                    "|| ' 分计'"))
        head = f"[{ind.name}，权重 {_py_pts(ind.weight)}/{_py_pts(total_w)}] "
        out: list[tuple[str, str, str | None, str, str, str, str]] = []
        for code, clause, has, ids, pts, txt in raw:
            weighted = f"round({pts} * {sql_numeric(ind.weight)} / {sql_numeric(total_w)}, 2)"
            text = (f"{sql_text(head)} || {txt} || '（指标内 ' || {points_text(pts)} || ' 分，折合 ' "
                    f"|| {points_text(weighted)} || ' 分）'")
            out.append((code, clause, ind.code, has, ids, weighted, text))
        return out

    @staticmethod
    def _band(b: Band, expr: str) -> str:
        return within_sql(expr, b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)

    def _excluded(self) -> list[tuple[str, str, str, str]]:
        out = []
        for ex in self.rs.exclusions:
            if ex.agreement_end_reason is not None:
                cond = f"a.end_reason = {sql_text(str(ex.agreement_end_reason))}"
            else:
                # "不足6个月" excludes; exactly 6 months is evaluated (002 art.26)
                cond = f"a.months < {ex.min_business_months}"
            out.append((ex.code, ex.clause, ex.description, cond))
        return out

    def _scope_filter(self) -> str:
        rs = self.rs
        classes = "s.subject_class IN (" + ", ".join(sql_text(str(c)) for c in rs.subject_classes) + ")"
        if rs.service_scopes is None:
            return classes
        # RuleSet.applies_to: the scope filter only speaks to medical institutions
        scopes = ", ".join(sql_text(str(s)) for s in rs.service_scopes)
        mi = sql_text(str(SubjectClass.MEDICAL_INSTITUTION))
        return (f"{classes} AND (s.service_scope IN ({scopes}) OR "
                f"(s.service_scope IS NULL AND s.subject_class <> {mi}))")

    def _sql(self, base: str, raw: str, s1: str, score: str, exclusion_case: str, grade: str) -> str:
        dishonesty = sql_text(str(RecordCategory.DISHONESTY))
        aggs = "".join(f",\n               {expr} AS {name}" for expr, name, _ in self.aggs)
        outer = "".join(f", g.{name}" if default is None else f", coalesce(g.{name}, {default}) AS {name}"
                        for _, name, default in self.aggs)
        lasts = "".join(f", {col}[cardinality({col})] AS {name}" for col, name in self.lasts)
        pre_points = "".join(f",\n           {p}" for p in self.pre_points)
        cols = ",\n       ".join(self.line_cols)
        scope = self._scope_filter()
        # engine.evaluate: where the rule set says so, a record stops counting the day its repair is approved
        repaired = ("" if self.rs.repaired_records_count
                    else f"AND NOT coalesce({repaired_on_sql('r')} <= $4::date, false)")
        # One pass over the records: the usable records of the cycle of the covered subjects are joined and
        # grouped by subject once (in parallel workers as far as PostgreSQL can), every ordered aggregate sorts
        # by (occurred_on, record_id) so one sort serves them all ("the latest" is the last element), and
        # subjects without records join the aggregate afterwards. The few negative records whose usability only
        # their confirmation instant decides are looked up after the workers (ORDER BY … OFFSET 0 keeps the
        # sorted scan a subquery of its own): a subquery inside the scan's filter would keep it in one process.
        # OFFSET 0 keeps each later layer a subquery too, so the points, the raw score and the score are
        # computed once per subject instead of inlined wherever a later layer names them.
        return f"""WITH a AS (
    SELECT s.id AS subject_id, s.region_code, s.subject_class, s.service_scope, g.end_reasons,
           g.months_all{outer}
    FROM subject s LEFT JOIN (
        SELECT rec.subject_id,
               array_agg(rec.details ->> 'agreement_end_reason' ORDER BY rec.occurred_on, rec.record_id)
                  FILTER (WHERE rec.kind = 'agreement_event' AND rec.details ? 'agreement_end_reason')
                  AS end_reasons,
               array_agg(rec.details ->> 'months_in_business' ORDER BY rec.occurred_on, rec.record_id)
                  FILTER (WHERE rec.category = 'basic' AND rec.details ? 'months_in_business') AS months_all{aggs}
        FROM (
            SELECT r.subject_id, r.id AS record_id, r.kind, r.category, v.amount, v.points, v.score, v.details,
                   coalesce(v.occurred_on, v.decided_on) AS occurred_on, r.effective_version,
                   r.category = {dishonesty} AND {usable_sql('r', 'v', '$4::date', 'pub.public_until')} IS NULL
                   AS doubtful
            FROM credit_record r JOIN credit_record_version v ON v.record_id = r.id AND v.version = r.effective_version
            JOIN subject s ON s.id = r.subject_id AND s.region_code LIKE $1 AND {scope}
            LEFT JOIN ({published_sql()}) pub ON pub.item_id = r.id
            WHERE r.effective_version IS NOT NULL AND r.status <> 'withdrawn'
              AND coalesce(v.occurred_on, v.decided_on) BETWEEN $2::date AND $3::date
              AND coalesce(v.occurred_on, v.decided_on) <= $4::date
              AND (r.category <> {dishonesty} OR {usable_sql('r', 'v', '$4::date', 'pub.public_until')} IS NOT FALSE)
              {repaired}
            ORDER BY r.subject_id, coalesce(v.occurred_on, v.decided_on), r.id OFFSET 0
        ) rec WHERE NOT rec.doubtful OR {confirmed_usable_sql('rec', '$4::date')}
        GROUP BY rec.subject_id
    ) g ON g.subject_id = s.id
    WHERE s.region_code LIKE $1 AND {scope}
), l AS (
    SELECT a.*, end_reasons[cardinality(end_reasons)] AS end_reason,
           coalesce(months_all[cardinality(months_all)]::int, 12) AS months{lasts} FROM a
), x AS (
    SELECT a.*, {exclusion_case} AS excluded_reason{pre_points} FROM l AS a OFFSET 0
), y AS (
    SELECT a.*, {raw} AS raw0 FROM x AS a OFFSET 0
), z AS (
    SELECT a.*, {s1} AS s1 FROM y AS a OFFSET 0
), w AS (
    SELECT a.*, {score} AS score0 FROM z AS a OFFSET 0
)
SELECT a.subject_id, a.region_code, a.subject_class, a.service_scope,
       CASE WHEN a.excluded_reason IS NULL THEN {base} ELSE 0::numeric END AS base,
       CASE WHEN a.excluded_reason IS NULL THEN a.score0 END AS score,
       CASE WHEN a.excluded_reason IS NULL THEN {grade} END AS grade,
       a.excluded_reason,
       {cols}
FROM w AS a"""


def _py_pts(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")

