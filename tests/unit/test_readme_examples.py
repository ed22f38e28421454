"""Every GraphQL example in the README is valid against the schema the code builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from schema.root import build_schema

README = Path(__file__).resolve().parents[2] / "README.md"


def _operations() -> list[str]:
    """The top-level operations of every ```graphql block, split by brace depth, comments dropped."""
    ops: list[str] = []
    for block in re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        text = "\n".join(line.split("#", 1)[0] for line in block.splitlines())
        depth, start = 0, 0
        for i, ch in enumerate(text):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    ops.append(text[start : i + 1].strip())
                    start = i + 1
    return ops


OPERATIONS = _operations()


def test_the_readme_has_examples() -> None:
    assert len(OPERATIONS) >= 15


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.split("{")[0][:40] or op[:40] for op in OPERATIONS])
def test_readme_example_is_valid_graphql_for_this_schema(operation: str) -> None:
    schema = build_schema()._schema
    errors = validate(schema, parse(operation))
    assert errors == [], f"{operation}\n{errors}"
