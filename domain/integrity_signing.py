"""The bureau's signing key for tree heads (Ed25519), and the append-only file the signed heads are exported to.

Ed25519 through PyCA ``cryptography``: a maintained, OpenSSL-backed library that every Python security tool
already trusts; Ed25519 has small keys and signatures, deterministic signing (no nonce to get wrong) and is what
certificate-transparency-style logs and sigstore use. The standard library has no public-key signatures.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.rules.tree_head import SignedHead, key_id, parse_heads

log = logging.getLogger("yibao.integrity")


@dataclass(frozen=True)
class HeadVerifier:
    """A public key that checks signed heads (the bureau's, obtained independently of the database)."""

    public_key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return key_id(self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    def valid(self, head: SignedHead) -> bool:
        """Whether ``head`` was signed by this key."""
        if head.key_id != self.key_id:
            return False
        try:
            self.public_key.verify(head.signature, head.message())
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_pem(cls, pem: bytes) -> HeadVerifier:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the integrity public key must be an Ed25519 key")
        return cls(key)


@dataclass(frozen=True)
class HeadSigner:
    """The bureau's private key: signs tree heads."""

    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> HeadVerifier:
        return HeadVerifier(self.private_key.public_key())

    def sign(self, *, tree_size: int, root_hash: bytes, timestamp_ms: int) -> SignedHead:
        """A signed head for the tree of ``tree_size`` with ``root_hash`` at ``timestamp_ms``."""
        unsigned = SignedHead(tree_size=tree_size, root_hash=root_hash, timestamp_ms=timestamp_ms,
                              key_id=self.verifier.key_id, signature=b"")
        return SignedHead(tree_size=tree_size, root_hash=root_hash, timestamp_ms=timestamp_ms,
                          key_id=unsigned.key_id, signature=self.private_key.sign(unsigned.message()))

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo)

    @classmethod
    def generate(cls) -> HeadSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path, *, create: bool = False) -> HeadSigner:
        """The key in the PEM file ``path``; with ``create``, a new key is written there (mode 0600) if missing."""
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"no integrity signing key at {path}")
            signer = cls.generate()
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = signer.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption())
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
            path.with_suffix(".pub.pem").write_bytes(signer.public_pem())
            log.warning("created a new integrity signing key at %s: keep it (and its .pub.pem) safe", path)
            return signer
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key)


def append_head(path: Path, head: SignedHead) -> None:
    """Append ``head`` as one JSON line to the export file, flushed to disk before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every write lands at the end, whoever else has the file open; nothing here ever seeks or truncates.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (head.to_json() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_heads(path: Path) -> list[SignedHead]:
    """The heads exported to ``path``, oldest first (none if the file does not exist yet)."""
    if not path.exists():
        return []
    return parse_heads(path.read_text(encoding="ascii"))
