"""联合惩戒: impose and lift the joint measures that follow a serious-dishonesty entry (issue 9)."""

from __future__ import annotations

from domain.consumers.bus import Consumer
from domain.exchange import joint

CONSUMER = Consumer(name="joint_punishment", types=joint.TYPES, handle=joint.handle)
