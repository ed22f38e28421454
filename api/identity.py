"""The one place a request becomes a principal: a signed bearer token, or nobody (the public)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from domain.access import OfficerRole, Principal, PrincipalKind
from domain.db import Database
from domain.db_scope import DbScope
from domain.errors import Unauthenticated
from tenants import region_tree

ALGORITHM = "HS256"
DEFAULT_TTL_SECONDS = 8 * 3600


def mint_token(
    *,
    secret: str,
    issuer: str,
    kind: PrincipalKind,
    id: str,
    region_code: str = "",
    role: OfficerRole | None = None,
    name: str = "",
    department: str = "",
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> str:
    """A signed token for an officer, a subject or a federation client."""
    now = int(time.time())
    claims: dict[str, Any] = {"iss": issuer, "sub": id, "kind": str(kind), "iat": now, "exp": now + ttl_seconds}
    if region_code:
        claims["region"] = region_code
    if role is not None:
        claims["role"] = str(role)
    if name:
        claims["name"] = name
    if department:
        claims["dept"] = department
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def principal_from_headers(
    headers: Mapping[str, str], *, secret: str, issuer: str, max_lifetime_s: int | None = None
) -> Principal:
    """The request's principal: no Authorization header is the public; a bad token is an error.

    With ``max_lifetime_s`` a token that expires further ahead than that (or was issued for longer) is
    refused: a leaked token with ``exp`` a century away must not work for a century."""
    header = headers.get("authorization")
    if not header:
        return Principal.public()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization 请求头须为 'Bearer <令牌>'。",
            en="The Authorization header must be 'Bearer <token>'.")
    try:
        claims = jwt.decode(
            token.strip(), secret, algorithms=[ALGORITHM], issuer=issuer, options={"require": ["exp", "sub", "kind"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("令牌已过期，请重新申请。", en="The token has expired; ask for a new one.") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(_what_is_wrong(exc), en=f"The token could not be verified ({exc}).") from exc
    if max_lifetime_s is not None:
        _check_lifetime(claims, max_lifetime_s)
    return _principal(claims)


def _what_is_wrong(exc: jwt.InvalidTokenError) -> str:
    """What is wrong with a token, in Chinese (PyJWT's reason is English and names its internals)."""
    # Most specific first: several of these subclass DecodeError or InvalidTokenError.
    if isinstance(exc, jwt.InvalidSignatureError):
        return "令牌签名无效：它不是本服务签发的，或签发后被改动过。请重新申请令牌。"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "令牌的签名算法不受支持，请使用本服务签发的令牌。"
    if isinstance(exc, jwt.DecodeError):
        return ("令牌格式不正确：应为以两个点分隔的三段文字（JWT）。请完整复制令牌，"
                "请求头写作 Authorization: Bearer <令牌>。")
    if isinstance(exc, jwt.InvalidIssuerError):
        return "令牌的签发方不是本服务，请使用本服务签发的令牌。"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"令牌缺少必需的声明 {exc.claim}，请重新申请令牌。"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "令牌尚未生效（签发时间或生效时间在将来），请检查时钟或稍后再试。"
    return "令牌无法验证，请重新申请令牌。"


# Clock skew allowed between the token issuer and us.
LEEWAY_S = 60


def _check_lifetime(claims: Mapping[str, Any], max_lifetime_s: int) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    too_long = (isinstance(exp, int | float) and exp - time.time() > max_lifetime_s + LEEWAY_S) or (
        isinstance(exp, int | float) and isinstance(iat, int | float) and exp - iat > max_lifetime_s + LEEWAY_S)
    if too_long:
        hours = max_lifetime_s / 3600
        raise Unauthenticated(f"令牌有效期超过上限（{hours:g} 小时），请重新申请令牌。")


@dataclass(frozen=True)
class OfficerStanding:
    """What the officer table says of an officer: bureau node, role, and whether the account is active."""

    region_code: str
    role: str
    active: bool


class OfficerDirectory:
    """Checks that the officer a token names exists, is active and holds the token's bureau and role.

    Answers are cached per process for ``ttl_s`` seconds (default 30), so deactivating an officer
    (``yibao officer deactivate``) takes effect within that time without a query per request.
    """

    def __init__(self, *, ttl_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, OfficerStanding | None]] = {}

    async def standing(self, db: Database, officer_id: str) -> OfficerStanding | None:
        """The officer's row (cached), or None when there is no such officer."""
        now = self._clock()
        cached = self._cache.get(officer_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with db.session(DbScope()) as s:
            row = await s.fetchrow("SELECT region_code, role, active FROM officer WHERE id = $1", officer_id)
        found = None if row is None else OfficerStanding(row["region_code"], row["role"], row["active"])
        if len(self._cache) > 10_000:
            self._cache.clear()  # bounded: a flood of made-up ids cannot grow it without end
        self._cache[officer_id] = (now + self.ttl_s, found)
        return found

    async def verify(self, db: Database, principal: Principal) -> None:
        """Raise ``Unauthenticated`` unless an officer principal is a known, active officer as its token says."""
        if principal.kind is not PrincipalKind.OFFICER:
            return
        found = await self.standing(db, principal.id)
        if found is None:
            raise Unauthenticated("令牌中的工作人员不存在。")
        if not found.active:
            raise Unauthenticated("该工作人员账号已停用，令牌不再有效。")
        if found.region_code != principal.region_code or found.role != str(principal.role):
            raise Unauthenticated("令牌中的单位或角色与工作人员登记的不符，请重新申请令牌。")


def _principal(claims: Mapping[str, Any]) -> Principal:
    try:
        kind = PrincipalKind(claims["kind"])
    except ValueError as exc:
        raise Unauthenticated(f"令牌中的身份类型 {claims['kind']!r} 未知。",
            en=f"Unknown principal kind {claims['kind']!r} in token.") from exc
    region = str(claims.get("region", ""))
    if kind is PrincipalKind.OFFICER:
        if region_tree().find(region) is None:
            raise Unauthenticated("令牌中没有已知的医保部门辖区。", en="The token names no known bureau region.")
        try:
            role = OfficerRole(claims.get("role", ""))
        except ValueError as exc:
            raise Unauthenticated(f"令牌中的岗位 {claims.get('role')!r} 未知。",
                en=f"Unknown officer role {claims.get('role')!r} in token.") from exc
        return Principal(
            kind=kind,
            id=str(claims["sub"]),
            region_code=region,
            role=role,
            name=str(claims.get("name", "")),
            department=str(claims.get("dept", "")),
        )
    if kind is PrincipalKind.PUBLIC:
        return Principal.public()
    return Principal(kind=kind, id=str(claims["sub"]), region_code=region, name=str(claims.get("name", "")))
