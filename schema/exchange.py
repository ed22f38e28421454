"""Exchange with other systems (issue 9): the provincial platform's push log, joint punishment for department
clients, consent-based bank access, and the province's oversight of its bureaus. Each resolver is one domain call."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.exchange import joint, push
from schema.context import Context

Info = strawberry.Info[Context, None]


@strawberry.type(description="One publication's copy on the provincial public credit platform (省信用平台).")
class PlatformPushLine:
    publication_id: strawberry.ID
    subject_id: strawberry.ID
    region_code: str
    decision_number: str = strawberry.field(description="行政处罚决定书文号 as pushed.")
    published_status: str | None = strawberry.field(description="pending, sent, acknowledged or failed.")
    published_attempts: int
    taken_down_status: str | None = strawberry.field(description="The take-down's status; null: none needed.")
    last_error: str | None

    @classmethod
    def of(cls, line: push.PushLine) -> PlatformPushLine:
        return cls(publication_id=strawberry.ID(str(line.publication_id)),
                   subject_id=strawberry.ID(str(line.subject_id)), region_code=line.region_code,
                   decision_number=line.decision_number, published_status=line.published_status,
                   published_attempts=line.published_attempts, taken_down_status=line.taken_down_status,
                   last_error=line.last_error)


@strawberry.type(description="对账: what was pushed to the provincial platform, acknowledged, failed, taken down.")
class PlatformReconciliation:
    sent: int
    acknowledged: int
    failed: int
    pending: int
    taken_down: int
    lines: list[PlatformPushLine]


@strawberry.type(description="A joint measure (联合惩戒措施) and the departments it binds.")
class JointMeasure:
    code: str
    description: str
    departments: list[str]
    basis: str
    starts_on: date
    ends_on: date | None = strawberry.field(description="Null: until the list entry is taken down.")


@strawberry.type(description="A subject under active joint measures (一处违规，处处受限); individuals are masked.")
class JointPunishedSubject:
    subject_id: strawberry.ID | None = strawberry.field(description="Bureaus only; department clients get null.")
    subject_kind: str
    name: str
    code: str = strawberry.field(description="Unified social credit code; an individual's ID masked.")
    region_code: str
    measures: list[JointMeasure]

    @classmethod
    def of(cls, s: joint.JointSubject) -> JointPunishedSubject:
        return cls(subject_id=strawberry.ID(str(s.subject_id)) if s.subject_id else None,
                   subject_kind=s.subject_kind, name=s.name, code=s.code, region_code=s.region_code,
                   measures=[JointMeasure(code=m.code, description=m.description, departments=list(m.departments),
                                          basis=m.basis, starts_on=m.starts_on, ends_on=m.ends_on)
                             for m in s.measures])


@strawberry.type
class ExchangeQuery:
    @strawberry.field(description="The provincial platform push reconciliation for your subtree (001 art.5).")
    async def platform_reconciliation(self, info: Info, region_code: str | None = None) -> PlatformReconciliation:
        ctx = info.context
        r = await push.push_reconciliation(session=await ctx.session(), access=ctx.access, region_code=region_code)
        return PlatformReconciliation(sent=r.sent, acknowledged=r.acknowledged, failed=r.failed, pending=r.pending,
                                      taken_down=r.taken_down, lines=[PlatformPushLine.of(x) for x in r.lines])

    @strawberry.field(description="Subjects under active joint measures (004 §三(五)): a department client sees those "
                                  "binding its department in its agreed region; a bureau all in its subtree.")
    async def joint_measures(self, info: Info, region_code: str | None = None,
                             first: int = 100) -> list[JointPunishedSubject]:
        ctx = info.context
        found = await joint.joint_measures(session=await ctx.session(), access=ctx.access, region_code=region_code,
                                           limit=max(1, min(first, ctx.max_page_size)))
        return [JointPunishedSubject.of(s) for s in found]
