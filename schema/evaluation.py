"""Queries and mutations of evaluation: rule sets, results with their reports, cycles, what-if, measures,
inspection plans, lists, warnings and grade distributions for dashboards (bureau audience)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain import evaluation, evaluation_lists
from domain.errors import InvalidInput
from domain.evaluation import (
    ListEntry,
    StoredLine,
    StoredMeasure,
    StoredPlan,
    StoredResult,
    StoredRuleSet,
    StoredWarning,
)
from domain.paging import Page, page_size, sort_key
from domain.rules.catalog import Grade as _Grade
from domain.rules.catalog import RecordKind as _RecordKind
from domain.rules.catalog import SubjectClass as _SubjectClass
from domain.rules.evaluation.measures import measure_params_to_dict
from domain.rules.lists import ListKind as _ListKind
from domain.rules.warnings import WarningKind as _WarningKind
from domain.session import Session
from schema.context import Context, parse_uuid
from schema.enums import (
    EvaluationOrder,
    Grade,
    GradeBreakdownDimension,
    ListKind,
    ListOrder,
    ListReason,
    RecordKind,
    SubjectClass,
    WarningKind,
    WarningOrder,
)
from schema.public import PublicSubject, public_subject_of
from schema.types import CountedPage, PageInfo, Region, SubjectType, _subjects, region_of

Info = strawberry.Info[Context, None]


@strawberry.type(name="RuleSet", description="信用评价规则集: a versioned rule set of a jurisdiction, as data.")
class RuleSetType:
    stored: strawberry.Private[StoredRuleSet]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.stored.id))

    @strawberry.field
    def code(self) -> str:
        return self.stored.code

    @strawberry.field
    def version(self) -> int:
        return self.stored.version

    @strawberry.field
    def name(self) -> str:
        return self.stored.name

    @strawberry.field(description="draft, active or retired.")
    def status(self) -> str:
        return self.stored.status

    @strawberry.field(description="The bureau whose rule set it is.")
    def jurisdiction(self) -> Region:
        return region_of(self.stored.jurisdiction)

    @strawberry.field(description="What the rule set says, and which reading of its source it took.")
    def description(self) -> str:
        return str(self.stored.body.get("description", ""))

    @strawberry.field
    def effective_from(self) -> date:
        return self.stored.effective_from

    @strawberry.field
    def effective_to(self) -> date | None:
        return self.stored.effective_to

    @strawberry.field
    def created_by(self) -> str:
        return self.stored.created_by

    @strawberry.field
    def activated_by(self) -> str | None:
        return self.stored.activated_by

    @strawberry.field
    def activated_at(self) -> datetime | None:
        return self.stored.activated_at

    @strawberry.field(description="The rule set as JSON (the form draftRuleSet takes).")
    def body(self) -> JSON:
        return self.stored.body


@strawberry.type(description="Whether a rule set's JSON is valid, and every problem when it is not.")
class RuleSetValidation:
    valid: bool
    problems: list[str]


@strawberry.type(description="One line of a credit report: which records, from which clause, for how many points.")
class CreditReportLine:
    line_no: int
    item_code: str
    clause: str
    indicator_code: str | None
    record_ids: list[strawberry.ID]
    points: Decimal = strawberry.field(description="Signed: what the line adds to the score.")
    explanation: str

    @classmethod
    def from_line(cls, ln: StoredLine) -> CreditReportLine:
        return cls(line_no=ln.line_no, item_code=ln.item_code, clause=ln.clause, indicator_code=ln.indicator_code,
                   record_ids=[strawberry.ID(str(r)) for r in ln.record_ids], points=ln.points,
                   explanation=ln.explanation)


@strawberry.type(description="结果应用: a measure that follows from a result, and the year it applies in.")
class CreditMeasure:
    code: str
    grade: Grade
    description: str
    clause: str
    params: JSON
    discretionary: bool = strawberry.field(description="The source says the bureau may (可), not shall.")
    condition: str | None
    applies_in_year: int

    @classmethod
    def from_measure(cls, m: StoredMeasure) -> CreditMeasure:
        return cls(code=m.code, grade=m.grade, description=m.description, clause=m.clause, params=m.params,
                   discretionary=m.discretionary, condition=m.condition, applies_in_year=m.applies_in_year)


async def _lines(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StoredLine]]:
    return await evaluation.lines_of(session=session, result_ids=ids)


async def _measures(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[StoredMeasure]]:
    return await evaluation.measures_of(session=session, result_ids=ids)


@strawberry.type(description="信用评价结果: score, grade and the credit report; immutable, superseded by a "
                             "re-evaluation.")
class CreditResult:
    result: strawberry.Private[StoredResult]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.result.id))

    @strawberry.field
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.result.subject_id))

    @strawberry.field
    def region(self) -> Region:
        return region_of(self.result.region_code)

    @strawberry.field
    def rule_set_code(self) -> str:
        return self.result.ruleset_code

    @strawberry.field
    def rule_set_version(self) -> int:
        return self.result.ruleset_version

    @strawberry.field(description="The calendar year evaluated.")
    def cycle_year(self) -> int:
        return self.result.cycle_year

    @strawberry.field(description="The date the records were considered as known on.")
    def as_of(self) -> date:
        return self.result.as_of

    @strawberry.field(description="cycle or realtime.")
    def trigger(self) -> str:
        return self.result.trigger

    @strawberry.field
    def base(self) -> Decimal:
        return self.result.base

    @strawberry.field(description="None when the subject is not evaluated (see excludedReason).")
    def score(self) -> Decimal | None:
        return self.result.score

    @strawberry.field
    def grade(self) -> Grade | None:
        return self.result.grade

    @strawberry.field
    def excluded_reason(self) -> str | None:
        return self.result.excluded_reason

    @strawberry.field
    def evaluated_by(self) -> str:
        return self.result.evaluated_by

    @strawberry.field
    def evaluated_at(self) -> datetime:
        return self.result.evaluated_at

    @strawberry.field
    def superseded_at(self) -> datetime | None:
        return self.result.superseded_at

    @strawberry.field
    def superseded_by(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.result.superseded_by)) if self.result.superseded_by else None

    @strawberry.field(description="The report: base + the sum of the lines' points is the score.")
    async def lines(self, info: Info) -> list[CreditReportLine]:
        found = await info.context.loader("evaluation.lines", _lines, list).load(self.result.id)
        return [CreditReportLine.from_line(ln) for ln in found]

    @strawberry.field(description="The measures that follow from the grade.")
    async def measures(self, info: Info) -> list[CreditMeasure]:
        found = await info.context.loader("evaluation.measures", _measures, list).load(self.result.id)
        return [CreditMeasure.from_measure(m) for m in found]


@strawberry.type(description="How many subjects got a grade (grade null: not evaluated, excluded).")
class GradeCount:
    grade: Grade | None
    count: int


def _counts(dist: dict[_Grade | None, int]) -> list[GradeCount]:
    order = {g: i for i, g in enumerate([*_Grade, None])}
    return [GradeCount(grade=g, count=n) for g, n in sorted(dist.items(), key=lambda x: order[x[0]])]


@strawberry.type(description="What a region's cycle stored.")
class CycleRun:
    region: Region
    cycle_year: int
    rule_set_code: str
    rule_set_version: int
    evaluated: int
    distribution: list[GradeCount]


@strawberry.type(description="A draft rule set's grades over a region beside the current ones; nothing stored.")
class WhatIfResult:
    region: Region
    cycle_year: int
    draft: list[GradeCount]
    current: list[GradeCount]


@strawberry.type(description="Current grades in one child region, for dashboards.")
class RegionGradeCount:
    region: Region
    grade: Grade | None
    count: int


@strawberry.type(description="监测预警: an early warning for the subject's bureau.")
class CreditWarning:
    id: strawberry.ID
    subject_id: strawberry.ID
    region: Region
    kind: str = strawberry.field(deprecation_reason="Use warningKind (an enum with Chinese labels).")
    message: str
    record_kind: str | None = strawberry.field(deprecation_reason="Use repeatedRecordKind (an enum).")
    result_id: strawberry.ID | None
    raised_at: datetime
    warning_kind: WarningKind = strawberry.field(description="Why the warning was raised.")
    repeated_record_kind: RecordKind | None = strawberry.field(
        description="For a repeated violation: the kind of record that recurred.")

    @strawberry.field(description="The subject warned about (batched across a page: one statement, not one per row).")
    async def subject(self, info: Info) -> SubjectType | None:
        row = await info.context.loader("subjects", _subjects).load(uuid.UUID(str(self.subject_id)))
        return SubjectType.of(row) if row else None

    @classmethod
    def of(cls, w: StoredWarning) -> CreditWarning:
        return cls(id=strawberry.ID(str(w.id)), subject_id=strawberry.ID(str(w.subject_id)),
                   region=region_of(w.region_code), kind=w.kind, message=w.message, record_kind=w.record_kind,
                   result_id=strawberry.ID(str(w.result_id)) if w.result_id else None, raised_at=w.raised_at,
                   warning_kind=_WarningKind(w.kind),
                   repeated_record_kind=_RecordKind(w.record_kind) if w.record_kind else None)


@strawberry.type(description="One drawn subject and its inspectors.")
class InspectionAssignment:
    subject_id: strawberry.ID
    grade: Grade | None
    inspectors: list[str]


@strawberry.type(description="双随机抽查计划: drawn reproducibly from its recorded seed.")
class InspectionPlan:
    id: strawberry.ID
    region: Region
    year: int
    seed: str = strawberry.field(description="The seed (a 62-bit integer, as text); the same seed gives the same plan.")
    ratios: JSON
    inspectors: list[str]
    team_size: int
    created_by: str
    created_at: datetime
    published_at: datetime | None = strawberry.field(description="When a city-level bureau made it public.")
    published_by: str | None
    assignments: list[InspectionAssignment]

    @classmethod
    def from_plan(cls, p: StoredPlan) -> InspectionPlan:
        return cls(id=strawberry.ID(str(p.id)), region=region_of(p.region_code), year=p.year, seed=str(p.seed),
                   ratios=p.ratios, inspectors=list(p.inspectors), team_size=p.team_size, created_by=p.created_by,
                   created_at=p.created_at, published_at=p.published_at, published_by=p.published_by,
                   assignments=[InspectionAssignment(subject_id=strawberry.ID(str(s)), grade=g, inspectors=list(i))
                                for s, g, i in p.assignments])


@strawberry.type(description="A drawn subject of a published plan, as the public sees it, and its inspectors.")
class PublicPlanSubject:
    subject: PublicSubject
    inspectors: list[str] = strawberry.field(description="The inspector team's ids.")


@strawberry.type(description="一公开: a published random inspection plan, for anyone.")
class PublicInspectionPlan:
    id: strawberry.ID
    region: Region
    year: int
    published_at: datetime
    subjects: list[PublicPlanSubject]

    @classmethod
    def from_plan(cls, p: evaluation.PublicPlan) -> PublicInspectionPlan:
        return cls(id=strawberry.ID(str(p.id)), region=region_of(p.region_code), year=p.year,
                   published_at=p.published_at,
                   subjects=[PublicPlanSubject(subject=public_subject_of(s.subject), inspectors=list(s.inspectors))
                             for s in p.subjects])


@strawberry.type(description="A measure a rule set defines (结果应用目录).")
class MeasureDefinition:
    code: str
    description: str
    clause: str
    params: JSON
    discretionary: bool
    condition: str | None
    subject_classes: list[SubjectClass] | None = strawberry.field(description="None: every class it covers.")
    service_scopes: list[str] | None


@strawberry.type(description="The measures a rule set defines for one grade.")
class GradeMeasures:
    grade: Grade
    measures: list[MeasureDefinition]


@strawberry.type(description="红黑名单: a subject on the red or black list, with the reasons.")
class CreditListEntry:
    subject_id: strawberry.ID
    region: Region
    grade: Grade | None
    list_kind: str = strawberry.field(deprecation_reason="Use kind (an enum with Chinese labels).")
    reasons: list[str] = strawberry.field(deprecation_reason="Use reasonCodes (enums with Chinese labels).")
    serious_dishonesty_kinds: list[str] = strawberry.field(deprecation_reason="Use seriousDishonestyRecordKinds.")
    kind: ListKind = strawberry.field(description="The red or the black list.")
    reason_codes: list[ListReason]
    serious_dishonesty_record_kinds: list[RecordKind]
    subject: SubjectType | None = strawberry.field(description="The listed subject (loaded with the list itself).")

    @classmethod
    def of(cls, e: ListEntry) -> CreditListEntry:
        m = e.membership
        return cls(subject_id=strawberry.ID(str(e.subject_id)), region=region_of(e.region_code), grade=e.grade,
                   list_kind=str(m.list_kind), reasons=[str(r) for r in m.reasons],
                   serious_dishonesty_kinds=[str(k) for k in m.serious_dishonesty_kinds], kind=m.list_kind,
                   reason_codes=list(m.reasons), serious_dishonesty_record_kinds=list(m.serious_dishonesty_kinds),
                   subject=SubjectType.of(e.subject) if e.subject else None)


@strawberry.type
class CreditResultEdge:
    cursor: str
    node: CreditResult


@strawberry.type(description="A page of a subject's results; totalCount counts all of them.")
class CreditResultConnection(CountedPage):
    edges: list[CreditResultEdge]


@strawberry.type
class CreditWarningEdge:
    cursor: str
    node: CreditWarning


@strawberry.type(description="A page of early warnings; totalCount counts every match.")
class CreditWarningConnection(CountedPage):
    edges: list[CreditWarningEdge]


@strawberry.type
class CreditListEdge:
    cursor: str
    node: CreditListEntry


@strawberry.type(description="A page of the red and black lists; totalCount counts the whole (filtered) list.")
class CreditListConnection(CountedPage):
    edges: list[CreditListEdge]


@strawberry.type(description="Current grades counted by one dimension: the subject class or the rule set (the other "
                             "is null).")
class GradeBreakdownRow:
    subject_class: SubjectClass | None
    rule_set_code: str | None
    grade: Grade | None
    count: int


def _page_info(page: Page[Any]) -> PageInfo:
    return PageInfo(has_next_page=page.has_next, end_cursor=page.keys[-1] if page.keys else None)


@strawberry.input(description="What a random inspection plan is drawn from.")
class DrawInspectionPlanInput:
    region_code: strawberry.ID
    year: int
    inspectors: list[str]
    team_size: int = 2
    seed: str | None = strawberry.field(default=None, description="Re-draw a published plan; a fresh one if none.")


def _seed(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise InvalidInput("随机种子须为整数。", en="The seed is a whole number.", field="seed") from exc


@strawberry.type
class EvaluationQuery:
    @strawberry.field(description="Rule sets, newest version first within each code.")
    async def rule_sets(self, info: Info, status: str | None = None,
                        jurisdiction: strawberry.ID | None = None) -> list[RuleSetType]:
        ctx = info.context
        found = await evaluation.list_rulesets(session=await ctx.session(), access=ctx.access, status=status,
                                               jurisdiction=str(jurisdiction) if jurisdiction else None)
        return [RuleSetType(stored=s) for s in found]

    @strawberry.field(description="One rule set (its highest version unless one is given).")
    async def rule_set(self, info: Info, code: str, version: int | None = None) -> RuleSetType:
        ctx = info.context
        return RuleSetType(stored=await evaluation.get_ruleset(session=await ctx.session(), access=ctx.access,
                                                               code=code, version=version))

    @strawberry.field(description="Check a rule set's JSON without storing it.")
    def validate_rule_set(self, rule_set: JSON) -> RuleSetValidation:
        try:
            evaluation.validate_ruleset(data=rule_set)
        except InvalidInput as exc:
            return RuleSetValidation(valid=False, problems=[exc.message])
        return RuleSetValidation(valid=True, problems=[])

    @strawberry.field(description="A subject's result as it stood at an instant (now by default).")
    async def credit_result(self, info: Info, subject_id: strawberry.ID, as_of: datetime | None = None,
                            cycle_year: int | None = None) -> CreditResult | None:
        ctx = info.context
        found = await evaluation.result_as_of(session=await ctx.session(), access=ctx.access,
                                              subject_id=parse_uuid(subject_id, field="subjectId"),
                                              at=as_of or ctx.now(), cycle_year=cycle_year)
        return CreditResult(result=found) if found else None

    @strawberry.field(description="Every result of a subject, superseded ones included, newest first.",
                      deprecation_reason="Use evaluationsPage: paging, totalCount and orderBy.")
    async def evaluations(self, info: Info, subject_id: strawberry.ID) -> list[CreditResult]:
        ctx = info.context
        found = await evaluation.results_of(session=await ctx.session(), access=ctx.access,
                                            subject_id=parse_uuid(subject_id, field="subjectId"))
        return [CreditResult(result=r) for r in found]

    @strawberry.field(description="Run a draft rule set over a region and compare with the current grades; "
                                  "nothing is stored.")
    async def what_if(self, info: Info, region_code: strawberry.ID, rule_set: JSON,
                      cycle_year: int | None = None) -> WhatIfResult:
        ctx = info.context
        w = await evaluation.what_if(session=await ctx.session(), access=ctx.access, region_code=str(region_code),
                                     data=rule_set, today=ctx.today(), cycle_year=cycle_year)
        return WhatIfResult(region=region_of(w.region_code), cycle_year=w.cycle_year, draft=_counts(w.draft),
                            current=_counts(w.current))

    @strawberry.field(description="Current grades per child region (of your node by default), for dashboards.")
    async def grade_distribution(self, info: Info, cycle_year: int,
                                 parent_code: strawberry.ID | None = None) -> list[RegionGradeCount]:
        ctx = info.context
        rows = await evaluation.grades_by_region(session=await ctx.session(), access=ctx.access,
                                                 parent_code=str(parent_code) if parent_code else None,
                                                 cycle_year=cycle_year)
        return [RegionGradeCount(region=region_of(c), grade=g, count=n) for c, g, n in rows]

    @strawberry.field(description="Every result of a subject, superseded ones included, a page at a time "
                                  "(newest evaluated first unless orderBy says otherwise).")
    async def evaluations_page(self, info: Info, subject_id: strawberry.ID, first: int = 20,
                               after: str | None = None,
                               order_by: EvaluationOrder = EvaluationOrder.EVALUATED_AT_DESC,  # type: ignore[attr-defined]
                               ) -> CreditResultConnection:
        ctx = info.context
        session = await ctx.session()
        sid = parse_uuid(subject_id, field="subjectId")
        order = sort_key(evaluation_lists.EVALUATION_ORDERS, order_by.value, "EVALUATED_AT_DESC")
        page = await evaluation_lists.results_page(session=session, access=ctx.access, subject_id=sid,
                                                   first=page_size(first, maximum=ctx.max_page_size), after=after,
                                                   order=order)

        async def count() -> int:
            return await evaluation_lists.count_results(session=session, access=ctx.access, subject_id=sid)

        return CreditResultConnection(
            edges=[CreditResultEdge(cursor=k, node=CreditResult(result=r))
                   for r, k in zip(page.items, page.keys, strict=True)],
            page_info=_page_info(page), count=count)

    @strawberry.field(description="The newest early warnings in your subtree.",
                      deprecation_reason="Use creditWarningsPage: paging, totalCount, filters, orderBy, subject.")
    async def credit_warnings(self, info: Info, region_code: strawberry.ID | None = None,
                              first: int = 50) -> list[CreditWarning]:
        ctx = info.context
        found = await evaluation.list_warnings(session=await ctx.session(), access=ctx.access,
                                               region_code=str(region_code) if region_code else None,
                                               first=min(max(first, 1), ctx.max_page_size))
        return [CreditWarning.of(w) for w in found]

    @strawberry.field(description="监测预警 in your subtree, a page at a time, by region, subject and kind "
                                  "(newest first unless orderBy says otherwise), each with its subject.")
    async def credit_warnings_page(self, info: Info, region_code: strawberry.ID | None = None,
                                   subject_id: strawberry.ID | None = None, kind: WarningKind | None = None,
                                   first: int = 20, after: str | None = None,
                                   order_by: WarningOrder = WarningOrder.RAISED_AT_DESC,  # type: ignore[attr-defined]
                                   ) -> CreditWarningConnection:
        ctx = info.context
        session = await ctx.session()
        flt = evaluation_lists.WarningFilter(
            region_code=str(region_code) if region_code else None,
            subject_id=parse_uuid(subject_id, field="subjectId") if subject_id else None,
            kind=_WarningKind(kind) if kind else None)
        order = sort_key(evaluation_lists.WARNING_ORDERS, order_by.value, "RAISED_AT_DESC")
        page = await evaluation_lists.warnings_page(session=session, access=ctx.access, flt=flt,
                                                    first=page_size(first, maximum=ctx.max_page_size), after=after,
                                                    order=order)

        async def count() -> int:
            return await evaluation_lists.count_warnings(session=session, access=ctx.access, flt=flt)

        return CreditWarningConnection(
            edges=[CreditWarningEdge(cursor=k, node=CreditWarning.of(w))
                   for w, k in zip(page.items, page.keys, strict=True)],
            page_info=_page_info(page), count=count)

    @strawberry.field(description="Current grades of a region's subtree for a cycle, counted per subject class or "
                                  "per rule set, for dashboards.")
    async def grade_breakdown(self, info: Info, cycle_year: int, by: GradeBreakdownDimension,  # type: ignore[valid-type]
                              region_code: strawberry.ID | None = None) -> list[GradeBreakdownRow]:
        ctx = info.context
        rows = await evaluation_lists.grade_breakdown(session=await ctx.session(), access=ctx.access,
                                                     region_code=str(region_code) if region_code else None,
                                                     cycle_year=cycle_year, by=by.value)
        by_class = by.value == "SUBJECT_CLASS"
        return [GradeBreakdownRow(subject_class=_SubjectClass(d) if by_class else None,
                                  rule_set_code=None if by_class else d, grade=g, count=n) for d, g, n in rows]

    @strawberry.field(description="One stored inspection plan.")
    async def inspection_plan(self, info: Info, id: strawberry.ID) -> InspectionPlan:
        ctx = info.context
        plan = await evaluation.get_inspection_plan(session=await ctx.session(), access=ctx.access,
                                                    id=parse_uuid(id, field="id"))
        return InspectionPlan.from_plan(plan)

    @strawberry.field(description="Published inspection plans (双随机、一公开), newest first; no token needed.")
    async def public_inspection_plans(self, info: Info, region_code: strawberry.ID | None = None,
                                      year: int | None = None) -> list[PublicInspectionPlan]:
        ctx = info.context
        found = await evaluation.public_inspection_plans(session=await ctx.session(),
                                                         region_code=str(region_code) if region_code else None,
                                                         year=year)
        return [PublicInspectionPlan.from_plan(p) for p in found]

    @strawberry.field(description="The measures a rule set defines, per grade (its highest version unless one "
                                  "is given), for dashboards.")
    async def measures_catalog(self, info: Info, rule_set_code: str, version: int | None = None) -> list[GradeMeasures]:
        ctx = info.context
        found = await evaluation.measures_catalog(session=await ctx.session(), access=ctx.access,
                                                  code=rule_set_code, version=version)
        return [GradeMeasures(grade=g, measures=[MeasureDefinition(
            code=m.code, description=m.description, clause=m.clause, params=measure_params_to_dict(m.params),
            discretionary=m.discretionary, condition=m.condition,
            subject_classes=list(m.subject_classes) if m.subject_classes is not None else None,
            service_scopes=[str(x) for x in m.service_scopes] if m.service_scopes is not None else None)
            for m in ms]) for g, ms in found]

    @strawberry.field(description="The red and black lists of a region for a cycle, with reasons.",
                      deprecation_reason="Use creditListsPage: paging, totalCount, listKind, orderBy, subject.")
    async def credit_lists(self, info: Info, region_code: strawberry.ID, cycle_year: int) -> list[CreditListEntry]:
        ctx = info.context
        found = await evaluation.credit_lists(session=await ctx.session(), access=ctx.access,
                                              region_code=str(region_code), cycle_year=cycle_year, today=ctx.today())
        return [CreditListEntry.of(e) for e in found]

    @strawberry.field(description="红黑名单 of a region for a cycle, a page at a time, each entry with its subject "
                                  "and reasons (by list kind unless orderBy says otherwise).")
    async def credit_lists_page(self, info: Info, region_code: strawberry.ID, cycle_year: int,
                                list_kind: ListKind | None = None, first: int = 20, after: str | None = None,
                                order_by: ListOrder = ListOrder.LIST_KIND_ASC,  # type: ignore[attr-defined]
                                ) -> CreditListConnection:
        ctx = info.context
        order = sort_key(evaluation_lists.LIST_ORDERS, order_by.value, "LIST_KIND_ASC")
        found = await evaluation_lists.credit_lists_page(
            session=await ctx.session(), access=ctx.access, region_code=str(region_code), cycle_year=cycle_year,
            today=ctx.today(), list_kind=_ListKind(list_kind) if list_kind else None,
            first=page_size(first, maximum=ctx.max_page_size), after=after, order=order)

        async def count() -> int:
            return found.total

        return CreditListConnection(
            edges=[CreditListEdge(cursor=k, node=CreditListEntry.of(e))
                   for e, k in zip(found.page.items, found.page.keys, strict=True)],
            page_info=_page_info(found.page), count=count)


@strawberry.type
class EvaluationMutation:
    @strawberry.mutation(description="Store a validated rule set as a draft of its jurisdiction.")
    async def draft_rule_set(self, info: Info, rule_set: JSON) -> RuleSetType:
        ctx = info.context
        return RuleSetType(stored=await evaluation.draft_ruleset(session=await ctx.session(), access=ctx.access,
                                                                 data=rule_set))

    @strawberry.mutation(description="Bring a draft into force (not by its author); the earlier version retires.")
    async def activate_rule_set(self, info: Info, code: str, version: int) -> RuleSetType:
        ctx = info.context
        return RuleSetType(stored=await evaluation.activate_ruleset(session=await ctx.session(), access=ctx.access,
                                                                    code=code, version=version))

    @strawberry.mutation(description="Evaluate one subject now; the result supersedes the previous one.")
    async def evaluate_subject(self, info: Info, subject_id: strawberry.ID,
                               cycle_year: int | None = None) -> CreditResult:
        ctx = info.context
        r = await evaluation.evaluate_subject(session=await ctx.session(), access=ctx.access,
                                              subject_id=parse_uuid(subject_id, field="subjectId"),
                                              today=ctx.today(), cycle_year=cycle_year)
        return CreditResult(result=r)

    @strawberry.mutation(description="Evaluate a region's cycle under an active rule set, set-based.")
    async def run_cycle(self, info: Info, region_code: strawberry.ID, cycle_year: int, rule_set_code: str,
                        rule_set_version: int | None = None) -> CycleRun:
        ctx = info.context
        run = await evaluation.run_cycle(session=await ctx.session(), access=ctx.access,
                                         region_code=str(region_code), cycle_year=cycle_year,
                                         ruleset_code=rule_set_code, ruleset_version=rule_set_version,
                                         today=ctx.today())
        return CycleRun(region=region_of(run.region_code), cycle_year=run.cycle_year,
                        rule_set_code=run.ruleset_code, rule_set_version=run.ruleset_version,
                        evaluated=run.evaluated, distribution=_counts(run.distribution))

    @strawberry.mutation(description="一公开: publish a drawn inspection plan (city-level bureaus only), once.")
    async def publish_inspection_plan(self, info: Info, id: strawberry.ID) -> InspectionPlan:
        ctx = info.context
        plan = await evaluation.publish_inspection_plan(session=await ctx.session(), access=ctx.access,
                                                        id=parse_uuid(id, field="id"))
        return InspectionPlan.from_plan(plan)

    @strawberry.mutation(description="双随机: draw and store an inspection plan from a recorded seed.")
    async def draw_inspection_plan(self, info: Info, input: DrawInspectionPlanInput) -> InspectionPlan:
        ctx = info.context
        plan = await evaluation.draw_inspection_plan(
            session=await ctx.session(), access=ctx.access, region_code=str(input.region_code), year=input.year,
            inspectors=input.inspectors, team_size=input.team_size, seed=_seed(input.seed))
        return InspectionPlan.from_plan(plan)
