"""Inclusion proofs over HTTP: checked with the pure RFC 9162 verifier and the bureau's public key alone."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.protection import ProtectionSettings
from api.settings import Settings
from domain.rules.chain import entry_fields, entry_hash
from domain.rules.merkle import leaf_hash, verify_consistency, verify_inclusion
from domain.rules.tree_head import SignedHead
from domain.single_connection_db import SingleConnectionDatabase
from tests.support.factories import GraphQL, error_codes, officer, subject_principal
from tests.support.integrity import Archive, build_archive
from tests.support.publication import publish_record

PROOF = """query($r: ID, $res: ID, $p: ID) { integrityProof(recordId: $r, resultId: $res, publicationId: $p) {
  table rowKey subjectSeq operation fields previousHash entryHash leafIndex treeSize rootHash auditPath
  signedHead { treeSize rootHash timestamp keyId signature } } }"""


@pytest.fixture
async def gql(db: SingleConnectionDatabase, settings: Settings) -> AsyncIterator[GraphQL]:
    app = create_app(settings=settings, database=db, protection=ProtectionSettings(cache_ttl_seconds=0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQL(http, settings)


@pytest.fixture
async def archive(conn: asyncpg.Connection, tmp_path: Path) -> Archive:
    return await build_archive(conn, tmp_path)


def checks_out(proof: dict[str, Any], archive: Archive, *, hashes_only: bool = False) -> bool:
    """What a holder of the proof does: recompute the entry (unless given hashes only), the leaf, the path and the
    signature, with nothing but SHA-256 and the bureau's public key."""
    entry = bytes.fromhex(proof["entryHash"])
    if not hashes_only:
        fields = entry_fields(table=proof["table"], key=proof["rowKey"], op=proof["operation"],
                              columns=proof["fields"])
        if entry_hash(bytes.fromhex(proof["previousHash"]), fields) != entry:
            return False
    head = proof["signedHead"]
    signed = SignedHead(tree_size=head["treeSize"], root_hash=bytes.fromhex(head["rootHash"]),
                        timestamp_ms=int(head["timestamp"]), key_id=head["keyId"],
                        signature=base64.b64decode(head["signature"]))
    return (archive.signer.verifier.valid(signed) and signed.tree_size == proof["treeSize"]
            and verify_inclusion(leaf=leaf_hash(entry), index=proof["leafIndex"], tree_size=proof["treeSize"],
                                 path=[bytes.fromhex(h) for h in proof["auditPath"]], root=signed.root_hash))


async def test_an_officer_gets_a_proof_for_an_untouched_record_that_the_pure_verifier_accepts(
    gql: GraphQL, archive: Archive,
) -> None:
    body = await gql(PROOF, {"r": str(archive.record)}, as_=officer("340102"))
    assert "errors" not in body, body
    proof = body["data"]["integrityProof"]
    assert proof["table"] == "credit_record_version" and proof["rowKey"] == f"{archive.record}:1"
    assert "60000.00" in proof["fields"]
    assert checks_out(proof, archive)
    forged = dict(proof, fields=[("1.00" if f == "60000.00" else f) for f in proof["fields"]])
    assert not checks_out(forged, archive)


async def test_a_subject_gets_proofs_for_its_own_record_and_result_and_not_for_anothers(
    gql: GraphQL, archive: Archive,
) -> None:
    own = await gql(PROOF, {"res": str(archive.result)}, as_=subject_principal(archive.second))
    assert "errors" not in own, own
    assert checks_out(own["data"]["integrityProof"], archive)
    other = await gql(PROOF, {"r": str(archive.record)}, as_=subject_principal(archive.second))
    assert error_codes(other) in (["NOT_FOUND"], ["FORBIDDEN"])


async def test_an_officer_of_another_region_gets_no_proof(gql: GraphQL, archive: Archive) -> None:
    body = await gql(PROOF, {"r": str(archive.record)}, as_=officer("341100"))
    assert error_codes(body) == ["NOT_FOUND"]


async def test_the_public_gets_hashes_only_proofs_for_published_items_and_nothing_else(
    gql: GraphQL, archive: Archive,
) -> None:
    assert error_codes(await gql(PROOF, {"r": str(archive.record)})) == ["FORBIDDEN"]
    pub = await publish_record(gql, archive.record)
    await archive.sign()
    body = await gql(PROOF, {"p": pub})
    assert "errors" not in body, body
    proof = body["data"]["integrityProof"]
    assert proof["fields"] is None and proof["operation"] is None and proof["table"] == "publication"
    assert checks_out(proof, archive, hashes_only=True)
    officers = await gql(PROOF, {"p": pub}, as_=officer("340100"))
    assert checks_out(officers["data"]["integrityProof"], archive)
    assert officers["data"]["integrityProof"]["entryHash"] == proof["entryHash"]


async def test_a_proof_needs_exactly_one_id(gql: GraphQL, archive: Archive) -> None:
    body = await gql(PROOF, {"r": str(archive.record), "res": str(archive.result)}, as_=officer("340100"))
    assert error_codes(body) == ["INVALID_INPUT"]
    assert error_codes(await gql(PROOF, {}, as_=officer("340100"))) == ["INVALID_INPUT"]


async def test_anyone_reads_the_signed_heads_and_they_match_the_exported_file(gql: GraphQL, archive: Archive) -> None:
    body = await gql("{ signedTreeHeads { treeSize rootHash timestamp keyId signature } }")
    assert "errors" not in body, body
    exported = [SignedHead.from_json(line) for line in archive.heads.read_text().splitlines()]
    served = body["data"]["signedTreeHeads"]
    assert [(h["treeSize"], h["rootHash"], int(h["timestamp"]), h["signature"]) for h in served] == [
        (h.tree_size, h.root_hash.hex(), h.timestamp_ms, base64.b64encode(h.signature).decode()) for h in exported]


async def test_anyone_gets_a_consistency_proof_between_two_signed_heads(gql: GraphQL, archive: Archive) -> None:
    first, second = [SignedHead.from_json(line) for line in archive.heads.read_text().splitlines()]
    body = await gql("query($a: Int!, $b: Int!) { integrityConsistency(firstSize: $a, secondSize: $b) { path } }",
                     {"a": first.tree_size, "b": second.tree_size})
    assert "errors" not in body, body
    path = [bytes.fromhex(h) for h in body["data"]["integrityConsistency"]["path"]]
    assert verify_consistency(first=first.tree_size, second=second.tree_size, first_root=first.root_hash,
                              second_root=second.root_hash, proof=path)
    too_big = await gql("{ integrityConsistency(firstSize: 1, secondSize: 100000) { path } }")
    assert error_codes(too_big) == ["INVALID_INPUT"]
