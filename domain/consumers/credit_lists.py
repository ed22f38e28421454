"""红黑名单公示: publish and remove the red and black list entries that follow a published grade (issue 9)."""

from __future__ import annotations

from domain.consumers.bus import Consumer
from domain.exchange import list_entries

CONSUMER = Consumer(name="credit_lists", types=list_entries.TYPES, handle=list_entries.handle)
