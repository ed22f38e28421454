"""The one place a request becomes a principal: a signed bearer token, or nobody (the public)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt

from domain.access import OfficerRole, Principal, PrincipalKind
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


def principal_from_headers(headers: Mapping[str, str], *, secret: str, issuer: str) -> Principal:
    """The request's principal: no Authorization header is the public; a bad token is an error."""
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
        raise Unauthenticated(f"令牌无法验证（{exc}）。", en=f"The token could not be verified ({exc}).") from exc
    return _principal(claims)


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
