"""信用修复 in scoring: a repaired record stops counting from its approval only where the rule set says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.rules.catalog import RecordKind, SubjectClass
from domain.rules.evaluation import RecordFact, SubjectFacts, evaluate, shipped_ruleset

GD = shipped_ruleset("gd-institutions-dynamic-points")


def _pharmacy(repaired_on: date | None) -> SubjectFacts:
    return SubjectFacts(subject_id="s", subject_class=SubjectClass.RETAIL_PHARMACY, records=(
        RecordFact(record_id="fraud", kind=RecordKind.FRAUD, occurred_on=date(2024, 3, 1), repaired_on=repaired_on),))


def test_guangdong_reads_its_seed_as_repaired_records_no_longer_counting() -> None:
    assert GD.repaired_records_count is False
    before = evaluate(ruleset=GD, facts=_pharmacy(None), as_of=date(2024, 12, 31), cycle_year=2024)
    after = evaluate(ruleset=GD, facts=_pharmacy(date(2024, 9, 1)), as_of=date(2024, 12, 31), cycle_year=2024)
    assert before.score is not None and after.score is not None and after.score > before.score
    assert [u.reason for u in after.unused_records] == ["repaired"]


def test_a_repair_approved_after_the_as_of_day_does_not_count_yet() -> None:
    ev = evaluate(ruleset=GD, facts=_pharmacy(date(2025, 1, 1)), as_of=date(2024, 12, 31), cycle_year=2024)
    assert ev.unused_records == ()


def test_by_default_a_repaired_record_still_counts_only_its_display_ends() -> None:
    counting = replace(GD, repaired_records_count=True)
    ev = evaluate(ruleset=counting, facts=_pharmacy(date(2024, 9, 1)), as_of=date(2024, 12, 31), cycle_year=2024)
    assert ev.unused_records == () and any("fraud" in ln.record_ids for ln in ev.lines)
