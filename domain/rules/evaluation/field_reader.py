"""Reading a JSON document field by field, collecting every problem instead of stopping at the first.

The rule-set parser reads through it so that one refusal names everything wrong with a document.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from domain.rules.evaluation.measures import parse_decimal

_E = TypeVar("_E", bound=StrEnum)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_ZERO = Decimal(0)


class FieldReader:
    """Reads a JSON object, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def obj(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.problem(f"{path}: must be an object")
            return {}
        return raw

    def lst(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> list[Any]:
        raw = d.get(key)
        if raw is None:
            if required:
                self.problem(f"{path}.{key}: missing")
            return []
        if not isinstance(raw, list):
            self.problem(f"{path}.{key}: must be a list")
            return []
        return raw

    def text(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
        raw = d.get(key)
        if raw is None:
            if required:
                self.problem(f"{path}.{key}: missing")
            return ""
        if not isinstance(raw, str) or (required and not raw.strip()):
            self.problem(f"{path}.{key}: must be a non-empty string")
            return ""
        return raw

    def opt_text(self, d: dict[str, Any], key: str, path: str) -> str | None:
        return self.text(d, key, path, required=False) if d.get(key) is not None else None

    def code(self, d: dict[str, Any], key: str, path: str) -> str:
        value = self.text(d, key, path)
        if value and not _CODE.match(value):
            self.problem(f"{path}.{key}: '{value}' is not a stable code (letters, digits, _ . -)")
        return value

    def dec(self, d: dict[str, Any], key: str, path: str) -> Decimal:
        value = self.opt_dec(d, key, path)
        if value is None:
            if key not in d or d[key] is None:
                self.problem(f"{path}.{key}: missing")
            return _ZERO
        return value

    def opt_dec(self, d: dict[str, Any], key: str, path: str) -> Decimal | None:
        raw = d.get(key)
        if raw is None:
            return None
        value = parse_decimal(raw)
        if value is None:
            self.problem(f"{path}.{key}: '{raw}' is not a number")
        return value

    def flag(self, d: dict[str, Any], key: str, path: str, default: bool) -> bool:
        raw = d.get(key, default)
        if not isinstance(raw, bool):
            self.problem(f"{path}.{key}: must be true or false")
            return default
        return raw

    def integer(self, d: dict[str, Any], key: str, path: str, *, lo: int, hi: int) -> int:
        raw = d.get(key)
        if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
            self.problem(f"{path}.{key}: must be a whole number from {lo} to {hi}")
            return lo
        return raw

    def day(self, d: dict[str, Any], key: str, path: str, *, required: bool = True) -> date | None:
        raw = d.get(key)
        if raw is None:
            if required:
                self.problem(f"{path}.{key}: missing")
            return None
        try:
            if not isinstance(raw, str):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.problem(f"{path}.{key}: '{raw}' is not a date (YYYY-MM-DD)")
            return None

    def enum(self, cls: type[_E], raw: Any, path: str, what: str) -> _E | None:
        try:
            return cls(raw)
        except ValueError:
            known = ", ".join(m.value for m in cls)
            self.problem(f"{path}: unknown {what} '{raw}' (known: {known})")
            return None

    def enums(self, cls: type[_E], raws: list[Any], path: str, what: str) -> tuple[_E, ...]:
        out: list[_E] = []
        for i, raw in enumerate(raws):
            member = self.enum(cls, raw, f"{path}[{i}]", what)
            if member is not None:
                out.append(member)
        return tuple(out)
