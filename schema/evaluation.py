"""Queries and mutations of evaluation: rule sets, results with their reports, cycles, what-if, measures,
inspection plans, lists, warnings and grade distributions for dashboards (bureau audience). Their types live
in rule_sets, credit_results, grade_counts, credit_warnings, credit_lists and inspection_plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain import evaluation, evaluation_lists
from domain.errors import InvalidInput
from domain.paging import Page, page_size, sort_key
from domain.rules.catalog import SubjectClass as _SubjectClass
from domain.rules.evaluation.measures import measure_params_to_dict
from domain.rules.lists import ListKind as _ListKind
from domain.rules.warnings import WarningKind as _WarningKind
from schema.context import Context, parse_uuid
from schema.credit_lists import CreditListConnection, CreditListEdge, CreditListEntry
from schema.credit_results import CreditResult, CreditResultConnection, CreditResultEdge
from schema.credit_warnings import CreditWarning, CreditWarningConnection, CreditWarningEdge
from schema.enums import EvaluationOrder, GradeBreakdownDimension, ListKind, ListOrder, WarningKind, WarningOrder
from schema.grade_counts import CycleRun, GradeBreakdownRow, RegionGradeCount, WhatIfResult, _counts
from schema.inspection_plans import DrawInspectionPlanInput, InspectionPlan, PublicInspectionPlan
from schema.rule_sets import GradeMeasures, MeasureDefinition, RuleSetType, RuleSetValidation
from schema.types import PageInfo, region_of

Info = strawberry.Info[Context, None]


def _page_info(page: Page[Any]) -> PageInfo:
    return PageInfo(has_next_page=page.has_next, end_cursor=page.keys[-1] if page.keys else None)


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
            return RuleSetValidation.refused(exc.message, exc.message_in("en"), exc.details.get("problems"))
        return RuleSetValidation(valid=True, problems=[], problem_details=[])

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
