"""Who is asking, and what they may do where: the one place a principal becomes decisions and a scope.

The API builds a ``Principal`` from the request's token; everything after that asks its ``Access``.
Casbin decides per (role, resource, action, relation of the target to the principal's node); the
principal's region subtree becomes the SQL prefix that both the queries and row-level security use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from domain.db_scope import FEDERATION_ROLE, PUBLIC_ROLE, DbScope
from domain.errors import Forbidden, unknown_region
from domain.rules.labels import label_of, permission_label
from tenants import RegionLevel, UnknownRegion, region_tree


class PrincipalKind(StrEnum):
    OFFICER = "officer"
    SUBJECT = "subject"
    PUBLIC = "public"
    FEDERATION = "federation"


class OfficerRole(StrEnum):
    """What an officer does at its bureau (or for it, as a delegate)."""

    OFFICER = "officer"  # 录入, runs evaluations, prepares and (city) publishes
    REVIEWER = "reviewer"  # 审核、确认
    AGENCY = "agency"  # 经办机构: entry delegated by the bureau
    EVALUATOR = "evaluator"  # 第三方信用评价机构: evaluation delegated by the bureau


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated party of a request."""

    kind: PrincipalKind
    id: str = ""  # officer id, subject id or federation client id
    region_code: str = ""  # the bureau's node (officers), the subject's region (subjects)
    role: OfficerRole | None = None
    name: str = ""
    department: str = ""  # the producing department named on what this principal records

    @classmethod
    def public(cls) -> Principal:
        return cls(kind=PrincipalKind.PUBLIC, id="anonymous")

    @property
    def level(self) -> str:
        """The bureau's level for authorization. A municipality (北京, 天津, 上海, 重庆) is its own city level:
        it reads its whole territory like a province and publishes like a city bureau (001 art.22)."""
        if not self.region_code:
            return ""
        region = region_tree().get(self.region_code)
        return "city" if region.is_municipality else str(region.level)

    @property
    def casbin_subject(self) -> str:
        if self.kind is PrincipalKind.OFFICER:
            return f"{self.level}:{self.role}"
        return str(self.kind)

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class FederationScope:
    """What a federation client's sharing agreement gives it (001 art.33): the published items of one region
    subtree, plus the public-plus fields named in ``fields`` for institutions (never for individuals)."""

    client_id: str
    region_code: str
    fields: frozenset[str] = frozenset()
    name: str = ""
    kind: str = "department"  # or "bank" (issue 9: consent-based access only)
    department: str = ""  # the department a department client speaks for (joint punishment, issue 9)


@dataclass(frozen=True, slots=True)
class RegionScope:
    """A region subtree as a SQL filter. A whole county code is matched by equality, so an index that starts
    with the region code returns rows in order; a shorter prefix by LIKE ('' for a subject: row-level security
    confines it to its own rows)."""

    prefix: str

    def clause(self, column: str, param: int) -> str:
        """The filter on ``column``, with its argument as ``$param``."""
        return f"{column} = ${param}" if len(self.prefix) == 6 else f"{column} LIKE ${param}"

    @property
    def argument(self) -> str:
        """The argument of ``clause``."""
        return self.prefix if len(self.prefix) == 6 else self.prefix + "%"


class Authorizer(Protocol):
    def allows(self, sub: str, obj: str, act: str, rel: str) -> bool: ...


# Any of these lets an officer's transactions write rows in its subtree (row-level security's write scope).
_WRITING_ACTIONS = (
    ("record", "write"),
    ("record", "review"),
    ("evaluation", "run"),
    ("ruleset", "write"),
    ("ruleset", "activate"),
    ("inspection", "plan"),
    ("publication", "prepare"),
    ("publication", "publish"),
)


@dataclass
class Access:
    """A principal's rights for one request."""

    principal: Principal
    authorizer: Authorizer
    # A federation client's configured scope, looked up once per request by the API (None: not configured).
    federation: FederationScope | None = None
    _db_scope: DbScope | None = field(default=None, init=False)

    def relation_to(self, region_code: str) -> str:
        """How ``region_code`` stands to the principal's node (self, descendant, sibling ...)."""
        if self.principal.kind is not PrincipalKind.OFFICER:
            return "any"
        try:
            return str(region_tree().relation(self.principal.region_code, region_code))
        except UnknownRegion as exc:
            raise unknown_region(exc.region_code) from exc

    def allows(self, obj: str, act: str, *, region_code: str | None = None, subject_id: str | None = None) -> bool:
        """Whether the principal may ``act`` on ``obj`` at a region (default: its own node)."""
        p = self.principal
        if p.kind is PrincipalKind.SUBJECT:
            rel = "own" if subject_id in (None, p.id) else "other"
        elif p.kind is PrincipalKind.OFFICER:
            rel = self.relation_to(region_code) if region_code else "self"
        else:
            rel = "any"
        return self.authorizer.allows(p.casbin_subject, obj, act, rel)

    def require(self, obj: str, act: str, *, region_code: str | None = None, subject_id: str | None = None) -> None:
        """Raise ``Forbidden`` with a reason a person understands unless ``allows``."""
        if self.allows(obj, act, region_code=region_code, subject_id=subject_id):
            return
        p = self.principal
        if p.kind is PrincipalKind.PUBLIC:
            raise Forbidden("请先登录：此操作需要医保部门工作人员或信用主体的令牌。",
                en="Sign in: this needs a bureau officer's or a subject's token.", resource=obj, action=act)
        where = f" in region {region_code}" if region_code else ""
        where_zh = f"（行政区划 {region_code}）" if region_code else ""
        who = f"a {p.level} {p.role}" if p.kind is PrincipalKind.OFFICER else f"a {p.kind}"
        officer = p.kind is PrincipalKind.OFFICER and p.level and p.role
        who_zh = f"{label_of(RegionLevel(p.level))}{label_of(p.role)}" if officer else label_of(p.kind)
        what_zh = permission_label(obj, act)
        raise Forbidden(f"您的身份（{who_zh}）无权{what_zh}{where_zh}。",
                        en=f"As {who} you may not {act} {obj}{where}.", resource=obj, action=act, region=region_code)

    @property
    def region_prefix(self) -> str:
        """The SQL LIKE prefix of the principal's region subtree ('' for none)."""
        if self.principal.kind is PrincipalKind.OFFICER:
            return region_tree().subtree_prefix(self.principal.region_code)
        return ""

    def region_scope(self, obj: str, *, region_code: str | None = None) -> RegionScope:
        """The one place a principal and a resource become a region filter: the principal's subtree for reading
        ``obj``, narrowed to ``region_code`` when given (which it must be allowed to read there)."""
        prefix = self.read_prefix(obj)
        if region_code:
            self.require(obj, "read", region_code=region_code)
            prefix = region_tree().subtree_prefix(region_code)
        return RegionScope(prefix)

    def read_prefix(self, obj: str) -> str:
        """The region prefix the principal may read ``obj`` in; ``Forbidden`` when none."""
        self.require(obj, "read")
        return self.region_prefix

    def public_prefix(self) -> str | None:
        """The region prefix public reads are confined to: None for everyone but federation clients, whose
        configured subtree it is; a federation client without a configured scope gets ``Forbidden``."""
        if self.principal.kind is not PrincipalKind.FEDERATION:
            return None
        if self.federation is None or self.federation.client_id != self.principal.id:
            raise Forbidden(f"共享部门 {self.principal.id!r} 未配置共享范围。",
                en=f"Federation client {self.principal.id!r} has no configured sharing scope.",
                            resource="published", action="read")
        return region_tree().subtree_prefix(self.federation.region_code)

    def shared_fields(self) -> frozenset[str]:
        """The public-plus fields the principal's sharing agreement gives it (empty for everyone else)."""
        if self.principal.kind is not PrincipalKind.FEDERATION or self.federation is None:
            return frozenset()
        return self.federation.fields

    def db_scope(self) -> DbScope:
        """The row-level security scope of this principal's transactions."""
        if self._db_scope is None:
            p = self.principal
            if p.kind is PrincipalKind.OFFICER:
                prefix = self.region_prefix
                writes = any(self.allows(obj, act) for obj, act in _WRITING_ACTIONS)
                self._db_scope = DbScope(read_prefix=prefix, write_prefix=prefix if writes else "", actor=p.actor)
            elif p.kind is PrincipalKind.SUBJECT:
                self._db_scope = DbScope(subject_id=p.id, actor=p.actor)
            elif p.kind is PrincipalKind.FEDERATION:
                self._db_scope = DbScope(role=FEDERATION_ROLE, actor=p.actor)
            else:
                self._db_scope = DbScope(role=PUBLIC_ROLE, actor=p.actor)
        return self._db_scope
