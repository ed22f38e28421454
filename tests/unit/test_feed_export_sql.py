"""The bulk export's SQL writes events as the GraphQL feed does: type names and timestamps derive from one source."""

from __future__ import annotations

import base64

import pytest

from api.feed_export import event_types, export_limit
from domain import feed
from domain.errors import InvalidInput
from domain.events import Audience, EventType
from domain.feed import FeedScope
from domain.rules.disclosure import CHINA_TIME_ZONE
from schema.clock import CHINA


def test_every_event_types_graphql_name_is_its_value_in_capitals_as_the_export_sql_writes_it() -> None:
    # export_sql writes upper(translate(type, '.', '_')); a new type breaking that rule must fail here.
    assert all(t.name == t.value.upper().replace(".", "_") for t in EventType)


def test_the_export_writes_times_in_the_zone_the_api_writes_them() -> None:
    assert CHINA.key == CHINA_TIME_ZONE  # what feed.export and the open-data export set as TimeZone


def test_the_public_export_reads_the_public_view_and_an_officers_the_outbox_within_its_prefix() -> None:
    public, _ = feed.export_sql(scope=FeedScope(audience=Audience.PUBLIC), after=0, types=None, limit=10)
    officer, args = feed.export_sql(scope=FeedScope(audience=Audience.BUREAU, region_prefix="3401"), after=0,
                                    types=None, limit=10)
    assert "FROM public_event" in public and "domain_event" not in public
    assert "FROM domain_event" in officer and args[3:] == ["bureau", "3401"]


def test_types_are_read_by_graphql_or_stored_name_and_an_unknown_one_is_refused_by_name() -> None:
    assert event_types("RECORD_ENTERED, publication.published") == [EventType.RECORD_ENTERED,
                                                                     EventType.PUBLICATION_PUBLISHED]
    assert event_types("") is None
    with pytest.raises(InvalidInput, match="RECORD_EATEN"):
        event_types("RECORD_EATEN")


@pytest.mark.parametrize("text", ["0", "-1", "abc", "1000001"])
def test_a_limit_outside_one_to_the_ceiling_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        export_limit(text, maximum=1_000_000)
    assert export_limit(None, maximum=5) == 5


@pytest.mark.parametrize("position", [0, 1, 9, 62, 63, 999, 123_456_789, 2**62, 9_223_372_036_854_775_807])
def test_a_cursor_in_plain_base64_is_already_base64url_as_the_export_sql_assumes(position: int) -> None:
    plain = base64.b64encode(f"evt:{position}".encode()).decode()
    assert "+" not in plain and "/" not in plain and len(plain) <= 76
    assert plain == feed.encode_position(position)
