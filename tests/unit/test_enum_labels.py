"""Every enum value a client can receive has a Chinese label: in the SDL and through enumLabels."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLEnumType, build_schema, graphql_sync

from domain.rules.catalog import Grade, RecordCategory, RecordKind, SubjectClass
from domain.rules.labels import LABELS, label_of
from schema.root import build_schema as build_our_schema

SDL = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _our_enums() -> list[GraphQLEnumType]:
    schema = build_schema(SDL.read_text(encoding="utf-8"), assume_valid_sdl=True)  # federation directives
    # Federation's own enums (link__Purpose) are the gateway's vocabulary, not ours.
    return [t for name, t in schema.type_map.items()
            if isinstance(t, GraphQLEnumType) and not name.startswith("__") and "__" not in name]


def test_every_enum_value_in_the_exported_sdl_has_a_chinese_description() -> None:
    enums = _our_enums()
    assert len(enums) >= 14
    missing = [f"{e.name}.{v}" for e in enums for v, value in e.values.items()
               if not value.description or not CHINESE.search(value.description)]
    assert missing == []


def test_the_sdl_description_is_the_label_from_the_one_table() -> None:
    by_name = {e.name: e for e in _our_enums()}
    assert by_name["RecordKind"].values["RECOVERED_FUNDS"].description == label_of(RecordKind.RECOVERED_FUNDS)
    assert by_name["SubjectClass"].values["RETAIL_PHARMACY"].description == "定点零售药店"


def test_every_catalog_member_has_a_label() -> None:
    for enum in (SubjectClass, RecordCategory, RecordKind, Grade):
        assert set(LABELS[enum.__name__]) == {m.name for m in enum}


def test_enum_labels_answers_every_value_of_a_named_enum() -> None:
    result = graphql_sync(build_our_schema()._schema,
                          '{ enumLabels(names: ["RecordKind", "NoSuchEnum"]) { name values { value label } } }')
    assert result.errors is None
    [kinds] = result.data["enumLabels"]  # an unknown name is simply absent
    assert kinds["name"] == "RecordKind"
    assert {"value": "FRAUD", "label": "欺诈骗保"} in kinds["values"]
    assert len(kinds["values"]) == len(RecordKind)


def test_enum_labels_without_names_covers_every_enum_of_the_schema() -> None:
    result = graphql_sync(build_our_schema()._schema, "{ enumLabels { name } }")
    assert result.errors is None
    assert {e["name"] for e in result.data["enumLabels"]} == {e.name for e in _our_enums()}
