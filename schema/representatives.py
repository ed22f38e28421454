"""代理人: an institution's named representatives, for the institution itself and the bureaus of its subtree."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from domain import representatives as service
from domain.representatives import Representative
from domain.representatives import RepresentativeRole as _RepresentativeRole
from domain.rules.redaction import mask_resident_id
from schema.context import Context, parse_uuid
from schema.enums import labelled

RepresentativeRole = labelled(_RepresentativeRole, name="RepresentativeRole",
                              description="代理人职责: what a representative does for the institution.")


@strawberry.type(description="代理人: a person an institution named to act for it; revoked ones stay listed.")
class RepresentativeType:
    id: strawberry.ID
    name: str
    masked_resident_id: str = strawberry.field(description="First 6 and last 4 digits; the full number is kept.")
    role: RepresentativeRole  # type: ignore[valid-type]
    appointed_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, r: Representative) -> RepresentativeType:
        return cls(id=strawberry.ID(str(r.id)), name=r.name, masked_resident_id=mask_resident_id(r.resident_id),
                   role=r.role, appointed_at=r.appointed_at, revoked_at=r.revoked_at)


@strawberry.type
class RepresentativeQuery:
    @strawberry.field(description="An institution's representatives, current and revoked (the institution itself: "
                                  "leave subjectId out; officers: within their subtree).")
    async def representatives(self, info: Info[Context, None], subject_id: strawberry.ID | None = None,
                              ) -> list[RepresentativeType]:
        ctx = info.context
        sid = parse_uuid(subject_id, field="subjectId") if subject_id else parse_uuid(ctx.principal.id,
                                                                                     field="subjectId")
        found = await service.representatives_of(session=await ctx.session(), access=ctx.access, subject_id=sid)
        return [RepresentativeType.of(r) for r in found]


@strawberry.type
class RepresentativeMutation:
    @strawberry.mutation(description="指定代理人: as the institution, name a person who acts for it.")
    async def name_representative(self, info: Info[Context, None], name: str, resident_id: str,
                                  role: RepresentativeRole) -> RepresentativeType:  # type: ignore[valid-type]
        ctx = info.context
        rep = await service.name_representative(session=await ctx.session(), access=ctx.access, name=name,
                                                resident_id=resident_id, role=_RepresentativeRole(role))
        return RepresentativeType.of(rep)

    @strawberry.mutation(description="撤销代理人: as the institution, end a representative's authority.")
    async def revoke_representative(self, info: Info[Context, None], id: strawberry.ID) -> RepresentativeType:
        ctx = info.context
        rep = await service.revoke_representative(session=await ctx.session(), access=ctx.access,
                                                  id=parse_uuid(id, field="id"))
        return RepresentativeType.of(rep)
