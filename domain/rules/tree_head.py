"""Signed tree heads: what the bureau signs about its Merkle log, and the JSON line that carries it."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from domain.rules.chain import canonical

HEAD_CONTEXT = "yibao-credit signed tree head v1"


@dataclass(frozen=True, slots=True)
class SignedHead:
    """A tree head (size and root at a moment) and the bureau's Ed25519 signature over ``head_message``."""

    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        return head_message(tree_size=self.tree_size, root_hash=self.root_hash, timestamp_ms=self.timestamp_ms)

    def to_json(self) -> str:
        """One line of the exported file (JSON Lines), hashes in hex and the signature in base64."""
        return json.dumps({"treeSize": self.tree_size, "rootHash": self.root_hash.hex(),
                           "timestamp": self.timestamp_ms, "keyId": self.key_id,
                           "signature": base64.b64encode(self.signature).decode("ascii")},
                          sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> SignedHead:
        d: dict[str, Any] = json.loads(line)
        return cls(tree_size=int(d["treeSize"]), root_hash=bytes.fromhex(d["rootHash"]),
                   timestamp_ms=int(d["timestamp"]), key_id=str(d["keyId"]),
                   signature=base64.b64decode(d["signature"]))


def head_message(*, tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The bytes signed for a tree head: a context string, the size, the root and the time, canonically encoded."""
    return canonical([HEAD_CONTEXT, str(tree_size), root_hash.hex(), str(timestamp_ms)])


def key_id(public_key_raw: bytes) -> str:
    """A short name of a public key: the first 16 hex digits of SHA-256 over its 32 raw bytes."""
    return hashlib.sha256(public_key_raw).hexdigest()[:16]


def parse_heads(text: str) -> list[SignedHead]:
    """The heads of an exported file, oldest first (blank lines ignored)."""
    return [SignedHead.from_json(line) for line in text.splitlines() if line.strip()]
