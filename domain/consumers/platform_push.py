"""推送省信用平台: log each published or withdrawn penalty for delivery to the provincial platform (issue 9)."""

from __future__ import annotations

from domain.consumers.bus import Consumer
from domain.exchange import push

CONSUMER = Consumer(name="platform_push", types=push.TYPES, handle=push.handle)
