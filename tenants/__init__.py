"""Tenancy: the GB/T 2260 region tree that every bureau sits on. Imports nothing else of the project."""

from __future__ import annotations

from tenants.regions import (
    MUNICIPALITY_PREFIXES,
    Region,
    RegionLevel,
    RegionTree,
    Relation,
    UnknownRegion,
    region_tree,
)

__all__ = [
    "MUNICIPALITY_PREFIXES",
    "Region",
    "RegionLevel",
    "RegionTree",
    "Relation",
    "UnknownRegion",
    "region_tree",
]
