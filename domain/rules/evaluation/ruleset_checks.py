"""评价规则集校验: the consistency checks across a rule set's parts, reported to a ``FieldReader``.

Grade bands must cover the score range without gap or overlap, amount tiers must join up, weighted
indicators must add up to the declared total, and codes must be unique within their kind.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from domain.rules.catalog import Grade
from domain.rules.evaluation.field_reader import FieldReader
from domain.rules.evaluation.measures import Measure
from domain.rules.evaluation.ruleset import Band, Exclusion, Indicator, Item, ScoreRange, Tier

_ZERO = Decimal(0)


def is_empty_interval(lo: Decimal | None, hi: Decimal | None, lo_inc: bool, hi_inc: bool) -> bool:
    """Whether the interval with these bounds holds no number at all."""
    if lo is None or hi is None:
        return False
    return lo > hi or (lo == hi and not (lo_inc and hi_inc))


def interval_text(lo: Decimal | None, hi: Decimal | None, lo_inc: bool, hi_inc: bool) -> str:
    """The interval as a person reads it, e.g. ``[60, 80)``; a ``None`` bound is infinite."""
    left = "(-∞" if lo is None else ("[" if lo_inc else "(") + str(lo)
    right = "+∞)" if hi is None else str(hi) + ("]" if hi_inc else ")")
    return f"{left}, {right}"


# A span: its name (Chinese, English), lower and upper bound, and whether each bound is included.
_Span = tuple[tuple[str, str], Decimal | None, Decimal | None, bool, bool]


def _check_contiguous(r: FieldReader, spans: list[_Span], what: str) -> None:
    """Report overlaps and gaps between consecutive spans sorted by lower bound."""

    def key(s: _Span) -> tuple[int, Decimal, bool]:
        return (0, _ZERO, False) if s[1] is None else (1, s[1], not s[3])

    ordered = sorted(spans, key=key)
    for prev, nxt in pairwise(ordered):
        (p_zh, p_en), _, p_hi, _, p_hi_inc = prev
        (n_zh, n_en), n_lo, _, n_lo_inc, _ = nxt
        if p_hi is None or n_lo is None or n_lo < p_hi:
            r.problem(what, f"{p_zh} 与 {n_zh} 重叠", f"{p_en} and {n_en} overlap")
        elif n_lo > p_hi:
            hole = interval_text(p_hi, n_lo, not p_hi_inc, not n_lo_inc)
            r.problem(what, f"{p_zh} 与 {n_zh} 之间有空缺：{hole} 不在任何一个区间内",
                      f"gap between {p_en} and {n_en}: {hole} falls in neither")
        elif p_hi_inc and n_lo_inc:
            r.problem(what, f"{p_zh} 与 {n_zh} 在 {p_hi} 处重叠（两者都包含 {p_hi}）",
                      f"{p_en} and {n_en} overlap at {p_hi} (both include it)")
        elif not p_hi_inc and not n_lo_inc:
            r.problem(what, f"{p_zh} 与 {n_zh} 之间有空缺：{p_hi} 不在任何一个区间内",
                      f"gap between {p_en} and {n_en}: {p_hi} falls in neither")


def check_bands(r: FieldReader, bands: tuple[Band, ...], rng: ScoreRange) -> None:
    """Report repeated grades, gaps and overlaps between bands, and scores of the range in no band."""
    if not bands:
        r.problem("ruleset.bands", "规则集至少需要一个等级区间", "a rule set needs at least one grade band")
        return
    seen: set[Grade] = set()
    for b in bands:
        if b.grade in seen:
            r.problem("ruleset.bands", f"{b.grade} 级有不止一个区间", f"grade {b.grade} has more than one band")
        seen.add(b.grade)
    spans: list[_Span] = [
        ((f"{b.grade} 级区间 {interval_text(b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)}",
          f"band {b.grade} {interval_text(b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)}"),
         b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)
        for b in bands
        if not is_empty_interval(b.lower, b.upper, b.lower_inclusive, b.upper_inclusive)
    ]
    _check_contiguous(r, spans, "ruleset.bands")
    if not spans:
        return
    lowest = min(spans, key=lambda s: (s[1] is not None, s[1] or _ZERO))
    highest = max(spans, key=lambda s: (s[2] is None, s[2] or _ZERO))
    _, lo, _, lo_inc, _ = lowest
    _, _, hi, _, hi_inc = highest
    # the bands must cover the whole score range, or some score would have no grade
    if lo is not None and (rng.lower is None or lo > rng.lower or (lo == rng.lower and not lo_inc)):
        start = "-∞" if rng.lower is None else str(rng.lower)
        r.problem("ruleset.bands", f"{start} 至 {lo} 之间的分数不属于任何等级区间",
                  f"scores from {start} up to {lo} fall in no band")
    if hi is not None and (rng.upper is None or hi < rng.upper or (hi == rng.upper and not hi_inc)):
        end = "+∞" if rng.upper is None else str(rng.upper)
        r.problem("ruleset.bands", f"{hi} 至 {end} 之间的分数不属于任何等级区间",
                  f"scores from {hi} up to {end} fall in no band")


def check_tiers(r: FieldReader, tiers: tuple[Tier, ...], path: str) -> None:
    """Report an amount_tiers item without tiers, and gaps or overlaps between its tiers."""
    if not tiers:
        r.problem(f"{path}.tiers", "按金额分档（amount_tiers）的项目至少需要一个档次",
                  "an amount_tiers item needs at least one tier")
        return
    spans: list[_Span] = [
        ((f"档次 {interval_text(t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)}",
          f"tier {interval_text(t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)}"),
         t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)
        for t in tiers
        if not is_empty_interval(t.lower, t.upper, t.lower_inclusive, t.upper_inclusive)
    ]
    # amounts below the first tier score nothing (e.g. no recovered funds at all), so only the joins count
    _check_contiguous(r, spans, f"{path}.tiers")


def check_weights(r: FieldReader, indicators: tuple[Indicator, ...], total: Decimal | None) -> None:
    """Report a weighted rule set without indicators, or whose weights do not sum to its total_weight."""
    if not indicators:
        r.problem("ruleset.indicators", "加权规则集至少需要一个指标",
                  "a weighted rule set needs at least one indicator")
        return
    if total is None:
        r.problem("ruleset.total_weight", "加权规则集须声明总权重",
                  "a weighted rule set declares its total weight")
        return
    actual = sum((i.weight for i in indicators), _ZERO)
    if actual != total:
        r.problem("ruleset.indicators", f"各指标权重之和为 {actual}，但声明的总权重（total_weight）为 {total}",
                  f"weights sum to {actual}, but total_weight declares {total}")


def check_codes(
    r: FieldReader,
    deductions: tuple[Item, ...],
    bonuses: tuple[Item, ...],
    indicators: tuple[Indicator, ...],
    exclusions: tuple[Exclusion, ...],
    measures: tuple[Measure, ...],
) -> None:
    """Report item, indicator, exclusion or measure codes used more than once."""
    items = [*deductions, *bonuses, *(it for ind in indicators for it in (*ind.deductions, *ind.bonuses))]
    groups: list[tuple[tuple[str, str], list[str]]] = [
        (("评分项", "item"), [i.code for i in items]),
        (("指标", "indicator"), [i.code for i in indicators]),
        (("排除情形", "exclusion"), [e.code for e in exclusions]),
        (("结果应用措施", "measure"), [m.code for m in measures]),
    ]
    for (zh, en), codes in groups:
        seen: set[str] = set()
        for c in codes:
            if c and c in seen:
                r.problem("ruleset", f"{zh}编码 '{c}' 重复使用", f"{en} code '{c}' is used more than once")
            seen.add(c)
