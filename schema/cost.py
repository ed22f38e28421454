"""Query cost limit: refuse, before execution, an operation that could make the server produce too many objects.

Each field costs 1 for every time it can appear: a field under a paged list (an argument ``first``) appears up
to ``first`` times per parent, so ``subjects(first: 100) { records(first: 100) { id } }`` costs
100 + 100 × 100 + 100 × 100 × 1. Page sizes given as variables count at their value (the check runs right
after validation, when the variables are known); one left out counts as the argument's default. Fragments are
followed once per spread (cycles are already invalid).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
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
from strawberry.extensions import SchemaExtension

PAGE_ARGUMENT = "first"
ENTITIES_FIELD, REPRESENTATIONS = "_entities", "representations"  # each representation resolves one entity


def operation_cost(*, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                   variables: Mapping[str, Any] | None, max_page: int) -> int:
    """How many objects the operation could return at most (0 when it names no operation of the document)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                  and (operation_name is None or (d.name is not None and d.name.value == operation_name))]
    walker = _Walker(schema=schema, fragments=fragments, variables=variables or {}, max_page=max_page)
    roots = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
    return max((walker.cost(op.selection_set, roots[op.operation.value], 1, frozenset()) for op in operations),
               default=0)


class _Walker:
    def __init__(self, *, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode],
                 variables: Mapping[str, Any], max_page: int) -> None:
        self.schema, self.fragments, self.variables, self.max_page = schema, fragments, variables, max_page

    def cost(self, selections: SelectionSetNode | None, parent: GraphQLNamedType | None, multiplier: int,
             seen: frozenset[str]) -> int:
        if selections is None:
            return 0
        total = 0
        for sel in selections.selections:
            if isinstance(sel, FieldNode):
                total += multiplier
                field = self._field(parent, sel.name.value)
                if sel.selection_set is not None and field is not None:
                    inner = multiplier * self._page(sel, field)
                    total += self.cost(sel.selection_set, get_named_type(field.type), inner, seen)
            elif isinstance(sel, InlineFragmentNode):
                target = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += self.cost(sel.selection_set, target, multiplier, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                fragment = self.fragments.get(sel.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.cost(fragment.selection_set, target, multiplier, seen | {sel.name.value})
        return total

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
        return 1


def query_cost_limiter(*, max_cost: int, max_page: int) -> type[SchemaExtension]:
    """A strawberry extension refusing, between validation and execution, operations costing more than allowed."""

    class QueryCostLimiter(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            # Runs after the ValidationCache extension has validated (it comes later in the list) and before
            # strawberry decides whether to execute, which it does inside this same validation step.
            ctx = self.execution_context
            if not ctx.pre_execution_errors and ctx.graphql_document is not None:
                cost = operation_cost(schema=ctx.schema._schema, document=ctx.graphql_document,
                                      operation_name=ctx.operation_name, variables=ctx.variables, max_page=max_page)
                if cost > max_cost:
                    ctx.pre_execution_errors = [GraphQLError(
                        f"The query could return about {cost} objects, more than the {max_cost} allowed: "
                        "ask for smaller pages or fewer nested lists.")]
            yield

    return QueryCostLimiter
