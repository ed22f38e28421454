"""Who is asking: the principal the request's token names, with a subject's registered region."""

from __future__ import annotations

import uuid

import strawberry

from domain.access import PrincipalKind as _PrincipalKind
from schema.context import Context
from schema.enums import OfficerRole, PrincipalKind
from schema.types import Region, _subjects, region_of

Info = strawberry.Info[Context, None]


@strawberry.type(description="Who the request's token says is asking.")
class Me:
    kind: PrincipalKind
    id: str
    role: OfficerRole | None
    name: str
    region: Region | None


@strawberry.type
class MeQuery:
    @strawberry.field(description="The principal of this request; a subject's region is where it is registered.")
    async def me(self, info: Info) -> Me:
        ctx = info.context
        p = ctx.principal
        region_code, name = p.region_code, p.name
        if p.kind is _PrincipalKind.SUBJECT:
            row = await ctx.loader("subjects", _subjects).load(uuid.UUID(p.id))
            region_code = region_code or (row.region_code if row else None)
            name = name or (row.name if row else "")
        region = region_of(region_code) if region_code else None
        return Me(kind=p.kind, id=p.id, role=p.role, name=name, region=region)
