"""One place turns a principal and a resource into the region filter every listing uses."""

from __future__ import annotations

import pytest

from authz import default_authorizer
from domain.access import Access, OfficerRole, Principal, PrincipalKind
from domain.errors import Forbidden


def _officer(region: str) -> Access:
    return Access(principal=Principal(kind=PrincipalKind.OFFICER, id=f"{region}-officer", region_code=region,
                                      role=OfficerRole.OFFICER), authorizer=default_authorizer())


def test_a_city_officer_reads_its_city_by_prefix_and_a_county_of_it_by_equality() -> None:
    hefei = _officer("340100")
    city = hefei.region_scope("record")
    assert (city.clause("r.region_code", 1), city.argument) == ("r.region_code LIKE $1", "3401%")
    county = hefei.region_scope("record", region_code="340102")
    assert (county.clause("r.region_code", 3), county.argument) == ("r.region_code = $3", "340102")


def test_narrowing_to_a_region_outside_the_subtree_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        _officer("340100").region_scope("record", region_code="500237")


def test_a_municipality_reads_its_whole_territory() -> None:
    assert _officer("500000").region_scope("subject").argument == "50%"
