"""The GB/T 2260 region tree (行政区划) that bureaus sit on, loaded once from the shipped CSV."""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

# Municipalities directly under the central government: their districts and counties hang directly under
# the municipality, which plays the role of the city there.
MUNICIPALITY_PREFIXES = frozenset({"11", "12", "31", "50"})


class UnknownRegion(LookupError):
    """A region code that is malformed (not six digits) or not in the region tree."""

    def __init__(self, region_code: str, reason: str | None = None) -> None:
        self.region_code = region_code
        if reason is None:
            reason = (
                f"Region code {region_code!r} must be six digits"
                if not _well_formed(region_code)
                else f"There is no region with code {region_code} in GB/T 2260"
            )
        super().__init__(reason)


class RegionLevel(StrEnum):
    """The level of a node: province PP0000, city (prefecture) PPCC00, county or district PPCCDD."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


@dataclass(frozen=True, slots=True)
class Region:
    """One node of the tree; ``parent_code`` is None for provinces."""

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None

    @property
    def is_municipality(self) -> bool:
        """Whether this is a municipality (直辖市) node: Beijing, Tianjin, Shanghai or Chongqing."""
        return self.level is RegionLevel.PROVINCE and self.code[:2] in MUNICIPALITY_PREFIXES


class Relation(StrEnum):
    """Where a target region lies as seen from an actor's region."""

    SELF = "self"
    DESCENDANT = "descendant"  # inside the actor's subtree
    ANCESTOR = "ancestor"  # above the actor
    SIBLING = "sibling"  # same province, neither above nor below
    OTHER_PROVINCE = "other_province"


def _well_formed(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


class RegionTree:
    """The region hierarchy with lookups by code, subtree tests and name search."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self._by_code: dict[str, Region] = {r.code: r for r in regions}
        children: dict[str, list[Region]] = {}
        for region in self._by_code.values():
            if region.parent_code is not None:
                if region.parent_code not in self._by_code:
                    raise ValueError(f"region {region.code} names a missing parent {region.parent_code}")
                children.setdefault(region.parent_code, []).append(region)
        self._children = {code: tuple(sorted(kids, key=lambda r: r.code)) for code, kids in children.items()}

    @classmethod
    def from_csv(cls, lines: Iterable[str]) -> RegionTree:
        """Build the tree from ``code,name,level,parent_code`` rows; lines starting with # are comments."""
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        return cls(
            Region(
                code=row["code"],
                name=row["name"],
                level=RegionLevel(row["level"]),
                parent_code=row["parent_code"] or None,
            )
            for row in rows
        )

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def find(self, code: str) -> Region | None:
        """The region with this code, or None."""
        return self._by_code.get(code)

    def get(self, code: str) -> Region:
        """The region with this code; raises UnknownRegion for a malformed or unknown code."""
        region = self._by_code.get(code)
        if region is None:
            raise UnknownRegion(code)
        return region

    def children(self, code: str) -> tuple[Region, ...]:
        """The direct children of a node, by code."""
        return self._children.get(self.get(code).code, ())

    def ancestors(self, code: str) -> tuple[Region, ...]:
        """The nodes above this one, nearest first (a county's city, then its province)."""
        chain: list[Region] = []
        parent = self.get(code).parent_code
        while parent is not None:
            region = self._by_code[parent]
            chain.append(region)
            parent = region.parent_code
        return tuple(chain)

    def is_within(self, code: str, ancestor_code: str) -> bool:
        """Whether ``code`` lies in the subtree of ``ancestor_code``; a node is within itself."""
        self.get(ancestor_code)
        return code == ancestor_code or any(r.code == ancestor_code for r in self.ancestors(code))

    def subtree_prefix(self, code: str) -> str:
        """The SQL LIKE prefix of the node's subtree: '34' for 340000, '3401' for 340100, '340102' itself."""
        region = self.get(code)
        if region.level is RegionLevel.PROVINCE:
            return code[:2]
        if region.level is RegionLevel.CITY:
            return code[:4]
        return code

    def province_of(self, code: str) -> Region:
        """The province (or municipality) a node belongs to; a province is its own."""
        region = self.get(code)
        return self.ancestors(code)[-1] if region.parent_code is not None else region

    def relation(self, actor_code: str, target_code: str) -> Relation:
        """Where ``target_code`` lies seen from ``actor_code``: self, descendant, ancestor, sibling, other."""
        if actor_code == target_code:
            self.get(actor_code)
            return Relation.SELF
        if self.is_within(target_code, actor_code):
            return Relation.DESCENDANT
        if self.is_within(actor_code, target_code):
            return Relation.ANCESTOR
        if self.province_of(actor_code).code == self.province_of(target_code).code:
            return Relation.SIBLING
        return Relation.OTHER_PROVINCE

    def publishing_node(self, code: str) -> Region:
        """The city-level bureau that publishes results for this node (设区市, 001 art.22)."""
        region = self.get(code)
        if region.level is RegionLevel.PROVINCE:
            if region.is_municipality:
                return region
            raise ValueError(f"{region.name} ({code}) is a province: results are published at city level")
        if region.level is RegionLevel.CITY:
            return region
        parent = self.get(region.parent_code or "")
        if parent.level is RegionLevel.CITY or parent.is_municipality:
            return parent
        # A county-level city administered directly by the province (e.g. 429004 仙桃市) publishes itself.
        return region

    def search(self, name_fragment: str, *, limit: int = 20) -> list[Region]:
        """Regions whose name contains the fragment: exact names, then prefixes, then by level and code."""
        fragment = name_fragment.strip()
        if not fragment or limit <= 0:
            return []
        levels = list(RegionLevel)
        hits = [r for r in self._by_code.values() if fragment in r.name]
        hits.sort(
            key=lambda r: (r.name != fragment, not r.name.startswith(fragment), levels.index(r.level), r.code)
        )
        return hits[:limit]


@functools.cache
def region_tree() -> RegionTree:
    """The tree from the shipped ``tenants/data/gb2260.csv``, built once per process."""
    data = resources.files("tenants").joinpath("data", "gb2260.csv")
    with data.open("r", encoding="utf-8") as f:
        return RegionTree.from_csv(f)
