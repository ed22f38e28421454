"""Builders shared by the evaluation tests."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from domain.rules.catalog import RecordKind, ServiceScope, SubjectClass
from domain.rules.evaluation import Evaluation, RecordFact, RuleSet, SubjectFacts, evaluate
from domain.rules.evaluation.ruleset import AgreementEndReason

_ids = itertools.count(1)


def rec(
    kind: RecordKind,
    *,
    on: date = date(2023, 6, 1),
    amount: str | None = None,
    points: str | None = None,
    score: str | None = None,
    usable_until: date | None = None,
    rid: str | None = None,
) -> RecordFact:
    """A record with a fresh id."""
    return RecordFact(
        record_id=rid or f"r{next(_ids)}",
        kind=kind,
        occurred_on=on,
        amount=None if amount is None else Decimal(amount),
        points=None if points is None else Decimal(points),
        score=None if score is None else Decimal(score),
        usable_until=usable_until,
    )


def subject(
    cls: SubjectClass,
    *records: RecordFact,
    scope: ServiceScope | None = None,
    ended: AgreementEndReason | None = None,
    months: int = 12,
    sid: str = "s1",
) -> SubjectFacts:
    """A subject with the given records."""
    return SubjectFacts(
        subject_id=sid,
        subject_class=cls,
        service_scope=scope,
        agreement_end_reason=ended,
        months_in_business=months,
        records=records,
    )


def run(ruleset: RuleSet, facts: SubjectFacts, as_of: date) -> Evaluation:
    """Evaluate and check that the report adds up, as every evaluation must."""
    ev = evaluate(ruleset=ruleset, facts=facts, as_of=as_of)
    assert_adds_up(ev)
    return ev


def assert_adds_up(ev: Evaluation) -> None:
    """base + sum(line points) == score for every graded evaluation."""
    if ev.score is None:
        assert ev.grade is None and ev.excluded_reason is not None
        return
    assert ev.base + sum((ln.points for ln in ev.lines), Decimal(0)) == ev.score, ev.lines
