"""Query cost limit: refuse, before execution, an operation that could make the server produce too many objects.

Each object costs 1 for every time it can appear (scalar fields are bounded by their object and the token
limit): an object under a paged list (an argument ``first``) appears up to ``first`` times per parent, so
``subjects(first: 100) { edges { node { records(first: 100) { id } } } }`` costs 100 + 100 + 100 + 100 × 100.
Page sizes given as variables count at their value (the check runs right after validation, when the variables
are known); one left out counts as the argument's default. Fragments are followed once per spread (cycles are
already invalid); fragments on different concrete types are alternatives, so the costliest one counts.

Lists without ``first`` count by their real maximum; in the GB/T 2260 tree: ``regions`` by what it can
return (34 provinces, the children of one node, or 50 name matches); ``Region.children`` of a set of k
distinct regions by the sum of the k largest child counts at those levels (the provinces' children are 450
regions, not 34 × 38), of regions that may repeat by the widest node's count; ``Region.ancestors`` by 3;
the ``edges`` of a connection by 1 (its ``first`` already multiplied); federation ``_entities`` by the
number of representations sent; any other list by ``UNPAGED_LIST_MAX``. Aliases count as the separate fields they
are. The walk is linear in the document's size, so a hostile query is refused in well under a millisecond.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from tenants import region_tree

PAGE_ARGUMENT = "first"
# A list that takes no page size and has no bound in the schema (versions, history, report lines ...) counts as
# this many items: what a record or a result typically has; pages are what bound a response, not these lists.
UNPAGED_LIST_MAX = 10
# How many regions ``regions(nameContains:)`` returns at most (schema/reference_data.py asks the tree for 50).
REGION_SEARCH_LIMIT = 50


MAX_ANCESTORS = 3


@dataclass(frozen=True)
class RegionSet:
    """What the walker knows of a list of regions: the levels they can be at, and whether none repeats."""

    levels: frozenset[str]
    distinct: bool


@dataclass(frozen=True)
class RegionCounts:
    """Child counts of the region tree, per level, largest first; built once."""

    provinces: int
    widest: int
    child_counts: dict[str, tuple[int, ...]]
    child_levels: dict[str, frozenset[str]]
    # For every set of levels: [0, largest, largest + second, ...], the most children k distinct regions have.
    prefix_sums: dict[frozenset[str], tuple[int, ...]]

    @classmethod
    @functools.cache
    def of_tree(cls) -> RegionCounts:
        tree = region_tree()
        counts: dict[str, list[int]] = {}
        below: dict[str, set[str]] = {}
        for r in tree:
            children = tree.children(r.code)
            counts.setdefault(str(r.level), []).append(len(children))
            below.setdefault(str(r.level), set()).update(str(c.level) for c in children)
        sums: dict[frozenset[str], tuple[int, ...]] = {}
        for size in range(len(counts) + 1):
            for levels in itertools.combinations(counts, size):
                running = [0]
                for n in sorted((n for lv in levels for n in counts[lv]), reverse=True):
                    running.append(running[-1] + n)
                sums[frozenset(levels)] = tuple(running)
        return cls(provinces=sum(1 for r in tree if r.parent_code is None),
                   widest=max(max(c) for c in counts.values()),
                   child_counts={lv: tuple(sorted(c, reverse=True)) for lv, c in counts.items()},
                   child_levels={lv: frozenset(b) for lv, b in below.items()},
                   prefix_sums=sums)

    def children(self, regions: RegionSet, count: int) -> tuple[int, RegionSet]:
        """At most how many children ``count`` regions of ``regions`` have in all, and what they are."""
        levels = frozenset().union(*(self.child_levels.get(lv, frozenset()) for lv in regions.levels))
        if not regions.distinct:
            return count * max((self.child_counts[lv][0] for lv in regions.levels), default=0), RegionSet(levels, False)
        sums = self.prefix_sums[regions.levels]
        return sums[min(count, len(sums) - 1)], RegionSet(levels, True)




ALL_LEVELS = frozenset({"province", "city", "county"})


def _is_list(graphql_type: Any) -> bool:
    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    return isinstance(inner, GraphQLList)

ENTITIES_FIELD, REPRESENTATIONS = "_entities", "representations"  # each representation resolves one entity


def operation_cost(*, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                   variables: Mapping[str, Any] | None, max_page: int) -> int:
    """How many objects the operation could return at most (0 when it names no operation of the document)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                  and (operation_name is None or (d.name is not None and d.name.value == operation_name))]
    walker = _Walker(schema=schema, fragments=fragments, variables=variables or {}, max_page=max_page)
    roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
    return max((walker.cost(op.selection_set, roots[op.operation.value], 1, frozenset(), None)
                for op in operations), default=0)


class _Walker:
    def __init__(self, *, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode],
                 variables: Mapping[str, Any], max_page: int) -> None:
        self.schema, self.fragments, self.variables, self.max_page = schema, fragments, variables, max_page
        self.regions = RegionCounts.of_tree()

    def cost(self, selections: SelectionSetNode | None, parent: GraphQLNamedType | None, multiplier: int,
             seen: frozenset[str], regions: RegionSet | None) -> int:
        if selections is None:
            return 0
        total = 0
        # An object has one concrete type: fragments on different types are alternatives, so the most costly
        # type counts, not their sum.
        by_type: dict[str, int] = {}
        for sel in selections.selections:
            if isinstance(sel, FieldNode):
                field = self._field(parent, sel.name.value)
                if sel.selection_set is not None and field is not None:
                    # Objects are what is counted: a scalar field is bounded by its object and the token limit.
                    inner, inner_regions = self._region_list(sel, parent, multiplier, regions)
                    if inner < 0:
                        inner, inner_regions = multiplier * self._page(sel, field), None
                    total += inner + self.cost(sel.selection_set, get_named_type(field.type), inner, seen,
                                               inner_regions)
            elif isinstance(sel, InlineFragmentNode):
                target = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                branch = self.cost(sel.selection_set, target, multiplier, seen, regions)
                if sel.type_condition is None or target is parent:
                    total += branch
                else:
                    by_type[sel.type_condition.name.value] = by_type.get(sel.type_condition.name.value, 0) + branch
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                fragment = self.fragments.get(sel.name.value)
                if fragment is not None:
                    name = fragment.type_condition.name.value
                    target = self.schema.get_type(name)
                    branch = self.cost(fragment.selection_set, target, multiplier, seen | {sel.name.value}, regions)
                    if target is parent:
                        total += branch
                    else:
                        by_type[name] = by_type.get(name, 0) + branch
        return total + max(by_type.values(), default=0)

    def _region_list(self, node: FieldNode, parent: GraphQLNamedType | None, multiplier: int,
                     regions: RegionSet | None) -> tuple[int, RegionSet | None]:
        """The count and kind of a region list (``regions``, ``children``, ``ancestors``); -1 for other fields."""
        name, owner = node.name.value, parent.name if parent is not None else ""
        if owner == "Query" and name == "regions":
            given = {a.name.value for a in node.arguments or ()}
            if "nameContains" in given:
                return multiplier * REGION_SEARCH_LIMIT, RegionSet(ALL_LEVELS, multiplier == 1)
            if "parentCode" in given:
                return multiplier * self.regions.widest, RegionSet(ALL_LEVELS - {"province"}, multiplier == 1)
            return multiplier * self.regions.provinces, RegionSet(frozenset({"province"}), multiplier == 1)
        if owner != "Region" or name not in ("children", "ancestors"):
            return -1, None
        known = regions or RegionSet(ALL_LEVELS, False)
        if name == "ancestors":
            return multiplier * MAX_ANCESTORS, RegionSet(ALL_LEVELS - {"county"}, False)
        return self.regions.children(known, multiplier)

    @staticmethod
    def _field(parent: GraphQLNamedType | None, name: str) -> Any:
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return parent.fields.get(name)
        return None

    def _representations(self, node: FieldNode) -> int | None:
        """How many entities a federation ``_entities`` selection resolves: one per representation."""
        if node.name.value != ENTITIES_FIELD:
            return None
        for arg in node.arguments or ():
            if arg.name.value == REPRESENTATIONS:
                value: Any = arg.value
                if isinstance(value, VariableNode):
                    given = self.variables.get(value.name.value)
                    return max(1, len(given)) if isinstance(given, list) else 1
                return max(1, len(value.values)) if isinstance(value, ListValueNode) else 1
        return 1

    def _page(self, node: FieldNode, field: Any) -> int:
        """How many times the field's selection can appear per parent object."""
        name = node.name.value
        entities = self._representations(node)
        if entities is not None:
            return entities
        for arg in node.arguments or ():
            if arg.name.value == PAGE_ARGUMENT:
                value: Any = None
                if isinstance(arg.value, IntValueNode):
                    value = int(arg.value.value)
                elif isinstance(arg.value, VariableNode):
                    value = self.variables.get(arg.value.name.value)
                return max(1, min(value, self.max_page)) if isinstance(value, int) else self.max_page
        declared = field.args.get(PAGE_ARGUMENT)
        if declared is not None and isinstance(declared.default_value, int):
            return max(1, declared.default_value)
        if not _is_list(field.type) or name == "edges":
            return 1
        return UNPAGED_LIST_MAX
