from __future__ import annotations

import pytest

from tenants import Region, RegionLevel, RegionTree, Relation, UnknownRegion, region_tree


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return region_tree()


def test_the_shipped_tree_holds_every_province_city_and_county(tree: RegionTree) -> None:
    levels = [r.level for r in tree]
    assert len(tree) > 3000
    assert levels.count(RegionLevel.PROVINCE) == 34
    assert levels.count(RegionLevel.CITY) > 300


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        ("340000", "安徽省", RegionLevel.PROVINCE),
        ("340100", "合肥市", RegionLevel.CITY),
        ("440300", "深圳市", RegionLevel.CITY),
        ("511600", "广安市", RegionLevel.CITY),
        ("320800", "淮安市", RegionLevel.CITY),
        ("500000", "重庆市", RegionLevel.PROVINCE),
        ("500237", "巫山县", RegionLevel.COUNTY),
    ],
)
def test_the_regions_of_the_seed_documents_are_present(
    tree: RegionTree, code: str, name: str, level: RegionLevel
) -> None:
    region = tree.get(code)
    assert (region.name, region.level) == (name, level)


def test_the_tree_is_built_once_per_process() -> None:
    assert region_tree() is region_tree()


def test_every_parent_is_in_the_tree_and_a_level_above(tree: RegionTree) -> None:
    for region in tree:
        if region.level is RegionLevel.PROVINCE:
            assert region.parent_code is None
        else:
            assert region.parent_code is not None
            assert tree.get(region.parent_code).level is not RegionLevel.COUNTY


def test_wushan_county_hangs_directly_under_chongqing(tree: RegionTree) -> None:
    assert tree.get("500237").parent_code == "500000"
    assert [r.code for r in tree.ancestors("500237")] == ["500000"]


def test_a_hefei_district_has_hefei_then_anhui_as_ancestors(tree: RegionTree) -> None:
    assert [r.code for r in tree.ancestors("340102")] == ["340100", "340000"]


def test_a_province_has_no_ancestors(tree: RegionTree) -> None:
    assert tree.ancestors("340000") == ()


@pytest.mark.parametrize(("code", "province"), [("419001", "410000"), ("429004", "420000")])
def test_a_province_administered_county_level_city_hangs_under_its_province(
    tree: RegionTree, code: str, province: str
) -> None:
    assert tree.get(code).parent_code == province


def test_children_of_anhui_are_its_cities_in_code_order(tree: RegionTree) -> None:
    children = tree.children("340000")
    assert children[0].code == "340100"
    assert all(c.level is RegionLevel.CITY for c in children)
    assert [c.code for c in children] == sorted(c.code for c in children)


def test_a_county_has_no_children(tree: RegionTree) -> None:
    assert tree.children("500237") == ()


@pytest.mark.parametrize("code", ["999999", "340199"])
def test_get_raises_unknown_region_naming_an_unknown_code(tree: RegionTree, code: str) -> None:
    with pytest.raises(UnknownRegion, match=f"no region with code {code}") as raised:
        tree.get(code)
    assert raised.value.region_code == code


@pytest.mark.parametrize("code", ["34000", "3400000", "34000a", "", "３４００００"])
def test_get_raises_unknown_region_for_a_code_that_is_not_six_digits(tree: RegionTree, code: str) -> None:
    with pytest.raises(UnknownRegion, match="must be six digits"):
        tree.get(code)


def test_unknown_region_is_a_lookup_error() -> None:
    assert issubclass(UnknownRegion, LookupError)


def test_find_returns_none_for_an_unknown_code(tree: RegionTree) -> None:
    assert tree.find("999999") is None
    assert tree.find("340100") == Region("340100", "合肥市", RegionLevel.CITY, "340000")


def test_a_node_is_within_itself_and_its_ancestors(tree: RegionTree) -> None:
    assert tree.is_within("340102", "340102")
    assert tree.is_within("340102", "340100")
    assert tree.is_within("340102", "340000")
    assert tree.is_within("500237", "500000")


def test_a_node_is_not_within_a_sibling_or_a_descendant(tree: RegionTree) -> None:
    assert not tree.is_within("340102", "341100")
    assert not tree.is_within("340000", "340100")
    assert not tree.is_within("340102", "500000")


def test_is_within_rejects_an_unknown_ancestor(tree: RegionTree) -> None:
    with pytest.raises(UnknownRegion):
        tree.is_within("340102", "349900")


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("340000", "34"), ("340100", "3401"), ("340102", "340102"), ("500000", "50"), ("429004", "429004")],
)
def test_subtree_prefix_is_the_like_prefix_of_everything_below(
    tree: RegionTree, code: str, prefix: str
) -> None:
    assert tree.subtree_prefix(code) == prefix
    below = {r.code for r in tree if tree.is_within(r.code, code)}
    assert below == {r.code for r in tree if r.code.startswith(prefix)}


@pytest.mark.parametrize(
    ("code", "province"), [("500237", "500000"), ("340102", "340000"), ("340000", "340000")]
)
def test_province_of_finds_the_province_a_node_belongs_to(tree: RegionTree, code: str, province: str) -> None:
    assert tree.province_of(code).code == province


@pytest.mark.parametrize(
    ("actor", "target", "relation"),
    [
        ("340100", "340100", Relation.SELF),
        ("340000", "340102", Relation.DESCENDANT),
        ("340100", "340102", Relation.DESCENDANT),
        ("500000", "500237", Relation.DESCENDANT),
        ("340102", "340100", Relation.ANCESTOR),
        ("340102", "340000", Relation.ANCESTOR),
        ("340100", "341100", Relation.SIBLING),
        ("340102", "341102", Relation.SIBLING),
        ("340100", "500237", Relation.OTHER_PROVINCE),
        ("440300", "340000", Relation.OTHER_PROVINCE),
    ],
)
def test_relation_tells_where_the_target_lies_from_the_actor(
    tree: RegionTree, actor: str, target: str, relation: Relation
) -> None:
    assert tree.relation(actor, target) == relation
    assert tree.relation(actor, target) == relation.value


def test_relation_rejects_unknown_codes(tree: RegionTree) -> None:
    with pytest.raises(UnknownRegion):
        tree.relation("340100", "349999")
    with pytest.raises(UnknownRegion):
        tree.relation("349999", "349999")


@pytest.mark.parametrize(
    ("code", "publisher"),
    [
        ("340100", "340100"),  # a city publishes for itself
        ("340102", "340100"),  # a district's results come from its city
        ("441900", "441900"),  # Dongguan: a city without counties
        ("500237", "500000"),  # Wushan: Chongqing publishes
        ("500000", "500000"),  # a municipality publishes for itself
        ("110101", "110000"),
        ("429004", "429004"),  # Xiantao: province-administered, publishes itself
        ("419001", "419001"),
    ],
)
def test_publishing_node_is_the_city_level_bureau(tree: RegionTree, code: str, publisher: str) -> None:
    assert tree.publishing_node(code).code == publisher


def test_a_province_has_no_publishing_node(tree: RegionTree) -> None:
    with pytest.raises(ValueError, match="is a province"):
        tree.publishing_node("340000")


def test_search_puts_the_exact_name_first(tree: RegionTree) -> None:
    results = tree.search("淮安市", limit=5)
    assert results[0].code == "320800"


def test_search_finds_a_name_fragment_and_respects_the_limit(tree: RegionTree) -> None:
    results = tree.search("安", limit=3)
    assert len(results) == 3
    assert all("安" in r.name for r in results)
    assert results[0].code == "340000"  # prefix matches first, provinces before cities


def test_search_for_an_empty_fragment_finds_nothing(tree: RegionTree) -> None:
    assert tree.search("  ", limit=10) == []


def test_a_tree_can_be_built_from_csv_lines_with_comments() -> None:
    lines = ["# a comment, with a comma\n", "code,name,level,parent_code\n", "340000,安徽省,province,\n"]
    lines += ["340100,合肥市,city,340000\n"]
    small = RegionTree.from_csv(lines)
    assert len(small) == 2
    assert "340100" in small
    assert small.children("340000")[0].name == "合肥市"


def test_a_tree_with_a_missing_parent_is_refused() -> None:
    with pytest.raises(ValueError, match="missing parent 340000"):
        RegionTree.from_csv(["code,name,level,parent_code\n", "340100,合肥市,city,340000\n"])


def test_tenants_imports_nothing_else_of_the_project() -> None:
    import ast
    from pathlib import Path

    import tenants

    ours = {"api", "schema", "domain", "authz", "migrations"}
    for path in Path(tenants.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {n.split(".")[0] for n in names} & ours, path
