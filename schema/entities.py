"""Apollo Federation ``_entities`` as partner agencies' gateways need it: one answer or one error per representation.

strawberry's own resolver turns a representation without ``__typename``, of an unknown type or missing its key
into an ``INTERNAL_SERVER_ERROR``; here each of them is a ``BAD_USER_INPUT`` error at its own index
(``_entities.3``) and the others still resolve. A lookup that finds nothing is ``NOT_FOUND``, one the caller may
not make is ``FORBIDDEN`` (raised before any SQL, so row-level security never sees it); both leave ``null`` at
that index. Refusals are expected, so they are summarised in one log line, never a traceback.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.utils.str_converters import to_snake_case

from domain import subjects
from domain.errors import DomainError, Forbidden, NotFound
from domain.exchange import entities
from domain.publication_views import PublicItem
from domain.rules.redaction import PublicInstitution
from domain.session import Session
from domain.subjects import SubjectRow

if TYPE_CHECKING:
    from schema.context import Context

log = logging.getLogger("yibao.federation")


class BadRepresentation(DomainError):
    """A representation the gateway sent that names no entity of this subgraph or lacks its key."""

    code = "BAD_USER_INPUT"


def _keys(definition: StrawberryObjectDefinition) -> list[tuple[str, ...]]:
    """The entity's keys as tuples of GraphQL field names (simple keys only: that is all this schema declares)."""
    return [tuple(str(d.fields).split()) for d in definition.directives or () if isinstance(d, Key)]


class EntityResolution:
    """Mixed into the federation schema: replaces strawberry's ``entities_resolver``."""

    schema_converter: Any

    async def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        pending: dict[int, Any] = {}
        results: list[Any] = [None] * len(representations)
        for index, rep in enumerate(representations):
            try:
                value = self._resolve_one(info, index, rep)
            except DomainError as exc:
                results[index] = exc
                continue
            if inspect.isawaitable(value):
                pending[index] = value
            else:
                results[index] = value
        if pending:
            done = await asyncio.gather(*pending.values(), return_exceptions=True)
            for index, value in zip(pending, done, strict=True):
                results[index] = value
        refused = Counter(r.code for r in results if isinstance(r, DomainError))
        if refused:
            actor = info.context.access.principal.actor
            log.info("_entities for %s: %s of %d representations answered with errors (%s)", actor,
                     sum(refused.values()), len(representations),
                     ", ".join(f"{code} {n}" for code, n in sorted(refused.items())))
        return results

    def _resolve_one(self, info: Info, index: int, rep: object) -> Any:
        if not isinstance(rep, Mapping):
            raise BadRepresentation(f"第 {index + 1} 个 representation 不是对象。", index=index)
        type_name = rep.get("__typename")
        type_ = self.schema_converter.type_map.get(type_name) if isinstance(type_name, str) else None
        definition = getattr(type_, "definition", None) if type_ is not None else None
        keys = _keys(definition) if isinstance(definition, StrawberryObjectDefinition) else []
        if not keys:
            raise BadRepresentation(f"第 {index + 1} 个 representation 的 __typename {type_name!r} "
                                    "不是本子图的实体类型。", index=index)
        definition = cast(StrawberryObjectDefinition, definition)
        key = next((k for k in keys if all(isinstance(rep.get(f), str | int) for f in k)), None)
        if key is None:
            wanted = " 或 ".join("+".join(k) for k in keys)
            raise BadRepresentation(f"第 {index + 1} 个 representation（{type_name}）缺少键字段 {wanted}。",
                                    index=index)
        resolve = definition.origin.resolve_reference
        kwargs: dict[str, Any] = {to_snake_case(f): str(rep[f]) for f in key}
        if "info" in inspect.signature(resolve).parameters:
            kwargs["info"] = info
        return resolve(**kwargs)


async def _by_ids(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, SubjectRow]:
    return await subjects.subjects_by_ids(session=session, ids=ids)


async def _by_codes(session: Session, codes: list[str]) -> dict[str, SubjectRow]:
    return await entities.subjects_by_codes(session=session, codes=codes)


async def subject_reference(ctx: Context, *, id: str | None, code: str | None) -> SubjectRow:
    """The subject a representation names by ``id`` or ``code``, within the caller's scope, or an error."""
    if not ctx.access.allows("subject", "read"):
        # Checked before any SQL: the public and federation clients have no grant on the archive at all.
        raise Forbidden("信用主体的档案只对医保部门和主体本人开放；"
                        "公开信息请按统一社会信用代码查询 PublicInstitution。", resource="subject", action="read")
    row: SubjectRow | None
    if id is not None:
        try:
            key = uuid.UUID(id)
        except ValueError as exc:
            raise BadRepresentation(f"Subject 的 id {id!r} 不是本系统发出的 id。") from exc
        row = await ctx.loader("subjects", _by_ids).load(key)
    else:
        row = await ctx.loader("subjects_by_code", _by_codes).load(str(code))
    if row is None:
        raise NotFound("没有这个信用主体，或它不在您可查看的范围内。", resource="Subject")
    return row


async def public_institution_reference(ctx: Context, code: str) -> PublicInstitution:
    """An institution with published information by unified social credit code, or ``NOT_FOUND``."""
    async def load(session: Session, codes: list[str]) -> dict[str, PublicInstitution]:
        return await entities.public_institutions_by_codes(session=session, access=ctx.access, codes=codes)

    found = await ctx.loader("public_institutions", load).load(code)
    if found is None:
        raise NotFound("没有以此统一社会信用代码公开信息的机构。", resource="PublicInstitution")
    return found


async def public_item_reference(ctx: Context, id: str, *, result: bool) -> PublicItem:
    """A published item by its id (a record, or with ``result`` an evaluation result), or ``NOT_FOUND``."""
    try:
        key = uuid.UUID(id)
    except ValueError as exc:
        raise BadRepresentation(f"公开事项的 id {id!r} 不是本系统发出的 id。") from exc

    async def load(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, PublicItem]:
        return await entities.public_items_by_ids(session=session, access=ctx.access, ids=ids)

    found = await ctx.loader("public_items", load).load(key)
    if found is None or (found.result is not None) != result:
        raise NotFound("没有这个公开事项，或它已不在公示期内。", resource="PublicRecord")
    return found
