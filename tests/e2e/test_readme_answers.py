"""Every README query that names its token and needs no id answers something on the demo data.

The README's tour promises that each example names the token it needs and answers something on the demo data
(`./dev serve`). This runs each such query through the real app, as the principal its comment names (an officer
of the demo, or nobody), against the demo data loaded through the real services, and checks that it answers
without an error and with at least one value. Examples that need an id found first (a ``$variable`` or a ``…``
placeholder), mutations and subscriptions are left out: they are checked for validity by the unit test."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from api.demo import DEMO_OFFICERS, seed_demo
from api.settings import Settings
from domain.access import Principal, PrincipalKind
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL

README = Path(__file__).resolve().parents[2] / "README.md"
OFFICERS = {oid: (region, role, name, dept) for oid, name, region, role, dept in DEMO_OFFICERS}
_TOKEN = re.compile(r"#\s*(?:token\s+([0-9]{6}-[a-z]+)|(no token)|as\s+([0-9]{6}-[a-z]+))")


@dataclass(frozen=True)
class Example:
    operation: str
    who: str | None  # an officer id, or None for no token


def _examples() -> list[Example]:
    """Top-level query operations with their token: from a ``# token X`` / ``# no token`` line just above, or
    a trailing ``# no token`` / ``# as X`` comment on the operation's own lines."""
    out: list[Example] = []
    for block in re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        pending: tuple[str | None] | None = None  # the token named by the last comment line, if any
        depth, current, comments = 0, [], []
        for line in block.splitlines():
            code, _, comment = line.partition("#")
            if not code.strip() and depth == 0:
                found = _TOKEN.search(line)
                pending = (found.group(1) or found.group(3),) if found and (found.group(1) or found.group(2)
                                                                              or found.group(3)) else None
                if found and found.group(2):
                    pending = (None,)
                continue
            current.append(code)
            if comment:
                comments.append("#" + comment)
            depth += code.count("{") - code.count("}")
            if depth == 0 and "".join(current).strip():
                operation = "\n".join(current).strip()
                trailing = _TOKEN.search(" ".join(comments))
                who: tuple[str | None] | None = pending
                if trailing:
                    who = (None,) if trailing.group(2) else (trailing.group(1) or trailing.group(3),)
                if who is not None and operation.startswith("{") and "$" not in operation and "…" not in operation:
                    out.append(Example(operation=operation, who=who[0]))
                current, comments, pending = [], [], None
    return out


EXAMPLES = _examples()


def _principal(who: str | None) -> Principal | None:
    if who is None:
        return None
    region, role, name, dept = OFFICERS[who]
    return Principal(kind=PrincipalKind.OFFICER, id=who, region_code=region, role=role, name=name, department=dept)


def _something(value: Any) -> bool:
    """At least one value: a non-empty string, a number, a boolean, or a list or object holding one."""
    if isinstance(value, dict):
        return any(_something(v) for v in value.values())
    if isinstance(value, list):
        return any(_something(v) for v in value)
    return value is not None and value != ""


def test_the_readme_has_runnable_examples() -> None:
    assert len(EXAMPLES) >= 12, [e.operation[:60] for e in EXAMPLES]


@pytest.fixture
async def demo(db: SingleConnectionDatabase, conn: asyncpg.Connection) -> SingleConnectionDatabase:
    await seed_demo(db, subjects_per_county=30)
    return db


async def test_every_readme_query_with_a_token_answers_something_on_the_demo_data(
        demo: SingleConnectionDatabase, client: httpx.AsyncClient, settings: Settings) -> None:
    gql = GraphQL(client, settings)
    empty: list[str] = []
    for example in EXAMPLES:
        body = await gql(example.operation, as_=_principal(example.who))
        assert "errors" not in body, (example.who, example.operation, body["errors"])
        if not _something(body.get("data")):
            empty.append(f"{example.who}: {example.operation[:80]}")
    assert empty == []
