"""The rule sets shipped with the code as JSON data under ``domain/rulesets/``."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from domain.errors import NotFound
from domain.rules.evaluation.ruleset import RuleSet
from domain.rules.evaluation.ruleset_parser import parse_ruleset


def shipped_rulesets() -> list[RuleSet]:
    """Every shipped rule set, parsed and validated, ordered by code and version."""
    return list(_load())


def shipped_ruleset(code: str, version: int | None = None) -> RuleSet:
    """The shipped rule set ``code`` (its highest version unless ``version`` is given)."""
    found = [rs for rs in _load() if rs.code == code and (version is None or rs.version == version)]
    if not found:
        raise NotFound(f"no shipped rule set {code}" + ("" if version is None else f" v{version}"))
    return found[-1]


@cache
def _load() -> tuple[RuleSet, ...]:
    # 'domain' is a regular package; 'rulesets' is a plain data folder inside it (package-data **/*.json)
    folder = files("domain").joinpath("rulesets")
    out = [
        parse_ruleset(json.loads(entry.read_text(encoding="utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return tuple(sorted(out, key=lambda rs: (rs.code, rs.version)))
