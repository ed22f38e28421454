"""Reference data a client fetches once and caches, served without the database: the Chinese labels of
every enum and the GB/T 2260 region tree."""

from __future__ import annotations

import strawberry

from domain.rules.labels import labels_for
from schema.enums import LABELLED, RegionLevel
from schema.types import EnumLabel, EnumLabels, Region
from tenants import region_tree


@strawberry.type
class ReferenceDataQuery:
    @strawberry.field(
        description="中文标签: the Chinese label of every value of the named enums (all of them when none is "
        "named). A client fetches this once and caches it: one small answer covers every enum-valued field, "
        "filter and drop-down, instead of a label field beside each value on every row."
    )
    def enum_labels(self, names: list[str] | None = None) -> list[EnumLabels]:
        chosen = sorted(LABELLED) if names is None else [n for n in names if n in LABELLED]
        out = []
        for name in chosen:
            table = labels_for(LABELLED[name].__name__)
            out.append(EnumLabels(name=name, values=[EnumLabel(value=k, label=v) for k, v in table.items()]))
        return out

    @strawberry.field(description="One division by its six-digit code.")
    def region(self, code: strawberry.ID) -> Region | None:
        found = region_tree().find(str(code))
        return Region.from_data(found) if found else None

    @strawberry.field(description="Divisions below a parent (provinces when none is given), or by name.")
    def regions(
        self,
        parent_code: strawberry.ID | None = None,
        name_contains: str | None = None,
        level: RegionLevel | None = None,
    ) -> list[Region]:
        tree = region_tree()
        if name_contains:
            found = tree.search(name_contains, limit=50)
        elif parent_code:
            found = list(tree.children(str(parent_code)))
        else:
            found = [r for r in tree if r.parent_code is None]
        return [Region.from_data(r) for r in found if level is None or r.level == level]
