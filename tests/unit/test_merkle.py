"""The RFC 9162 Merkle log: tree heads, inclusion and consistency proofs, for every size up to 40."""

from __future__ import annotations

import hashlib

import pytest

from domain.rules.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    node_hash,
    tree_head,
    verify_consistency,
    verify_inclusion,
)

# The reference leaves and roots of the certificate-transparency test vectors (RFC 6962/9162 tree shape).
REFERENCE_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
REFERENCE_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
MAX = 40
LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(MAX)]


def mth_by_the_rfc(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 2.1.1 writes it (recursive split at the largest power of two below n)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth_by_the_rfc(leaves[:k]), mth_by_the_rfc(leaves[k:]))


def test_leaf_and_node_hashes_carry_the_domain_separation_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


def test_the_empty_tree_head_is_sha256_of_nothing() -> None:
    assert tree_head([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(1, len(REFERENCE_ROOTS) + 1))
def test_tree_heads_match_the_certificate_transparency_reference_vectors(size: int) -> None:
    leaves = [leaf_hash(d) for d in REFERENCE_LEAVES[:size]]
    assert tree_head(leaves).hex() == REFERENCE_ROOTS[size - 1]


def test_the_level_by_level_tree_head_equals_the_rfcs_recursive_definition_for_sizes_1_to_40() -> None:
    for n in range(1, MAX + 1):
        assert tree_head(LEAVES[:n]) == mth_by_the_rfc(LEAVES[:n]), n


def test_every_leaf_of_every_tree_size_up_to_40_has_a_verifiable_inclusion_proof() -> None:
    for n in range(1, MAX + 1):
        root = tree_head(LEAVES[:n])
        for m in range(n):
            path = inclusion_path(m, LEAVES[:n])
            assert verify_inclusion(leaf=LEAVES[m], index=m, tree_size=n, path=path, root=root), (m, n)


def test_a_single_leaf_tree_has_an_empty_path_and_its_leaf_is_the_root() -> None:
    assert inclusion_path(0, LEAVES[:1]) == []
    assert verify_inclusion(leaf=LEAVES[0], index=0, tree_size=1, path=[], root=LEAVES[0])


def test_an_inclusion_proof_fails_for_another_leaf_index_size_root_or_a_changed_path_element() -> None:
    n, m = 13, 6
    root = tree_head(LEAVES[:n])
    path = inclusion_path(m, LEAVES[:n])
    assert not verify_inclusion(leaf=LEAVES[m + 1], index=m, tree_size=n, path=path, root=root)
    assert not verify_inclusion(leaf=LEAVES[m], index=m + 1, tree_size=n, path=path, root=root)
    # (The size is bound through the root: the same path under the root of a larger tree fails.)
    assert not verify_inclusion(leaf=LEAVES[m], index=m, tree_size=n + 1, path=path, root=tree_head(LEAVES[:n + 1]))
    assert not verify_inclusion(leaf=LEAVES[12], index=12, tree_size=14, path=inclusion_path(12, LEAVES[:n]),
                                root=root)
    assert not verify_inclusion(leaf=LEAVES[m], index=m, tree_size=n, path=path, root=LEAVES[0])
    assert not verify_inclusion(leaf=LEAVES[m], index=n, tree_size=n, path=path, root=root)
    for i in range(len(path)):
        bad = list(path)
        bad[i] = bytes(32)
        assert not verify_inclusion(leaf=LEAVES[m], index=m, tree_size=n, path=bad, root=root)
    assert not verify_inclusion(leaf=LEAVES[m], index=m, tree_size=n, path=path[:-1], root=root)
    assert not verify_inclusion(leaf=LEAVES[m], index=m, tree_size=n, path=[*path, bytes(32)], root=root)


def test_a_leaf_outside_the_tree_has_no_path() -> None:
    with pytest.raises(ValueError):
        inclusion_path(5, LEAVES[:5])


def test_every_prefix_of_every_tree_up_to_40_is_proved_consistent() -> None:
    for n in range(1, MAX + 1):
        second = tree_head(LEAVES[:n])
        for m in range(0, n + 1):
            proof = consistency_proof(m, LEAVES[:n])
            first = tree_head(LEAVES[:m])
            assert verify_consistency(first=m, second=n, first_root=first, second_root=second, proof=proof), (m, n)


def test_a_consistency_proof_fails_when_the_old_tree_was_rewritten_or_a_proof_element_changed() -> None:
    for m, n in ((1, 2), (3, 7), (4, 8), (6, 13), (8, 9), (16, 40)):
        proof = consistency_proof(m, LEAVES[:n])
        rewritten = list(LEAVES[:n])
        rewritten[m - 1] = leaf_hash(b"forged")
        fake_first = tree_head(rewritten[:m])
        second = tree_head(LEAVES[:n])
        assert not verify_consistency(first=m, second=n, first_root=fake_first, second_root=second, proof=proof)
        assert not verify_consistency(first=m, second=n, first_root=tree_head(LEAVES[:m]),
                                      second_root=tree_head(rewritten), proof=proof)
        for i in range(len(proof)):
            bad = list(proof)
            bad[i] = bytes(32)
            assert not verify_consistency(first=m, second=n, first_root=tree_head(LEAVES[:m]),
                                          second_root=second, proof=bad), (m, n, i)


def test_equal_sizes_need_an_empty_proof_and_equal_roots() -> None:
    root = tree_head(LEAVES[:5])
    assert verify_consistency(first=5, second=5, first_root=root, second_root=root, proof=[])
    assert not verify_consistency(first=5, second=5, first_root=root, second_root=LEAVES[0], proof=[])
    assert not verify_consistency(first=6, second=5, first_root=root, second_root=root, proof=[])
    assert not verify_consistency(first=3, second=5, first_root=tree_head(LEAVES[:3]), second_root=root, proof=[])
