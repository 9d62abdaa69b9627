"""Where the bits of a serialized STARK proof go: a read-only size breakdown by category.

:func:`proof_size_breakdown` walks a :class:`~zkrv_prover.stark.protocol.prover.StarkProof` the way
``proof.encode_proof`` / ``pcs.write_proof`` lay it out and charges every encoded value's bits
(``codec.py``: the encoding is bit-packed) to one category (the matrices of empty tables, which
the encoding leaves out, cost nothing); the categories sum to the encoded bit length, so
:func:`total_bytes` of the breakdown is ``len(encode_proof(vk, proof))`` (a test checks that, so
a format change that this module does not know about shows up as a mismatch, never as a silent
"other").

Categories (``<r>`` is a commitment round: ``preprocessed``, ``boundary`` (machines with
global buses), ``main``, ``aux``, ``quotient``, then ``zk_random`` for a separate
random-codeword tree):

- ``header``: magic, version, table count, log heights, zero-matrix mask.
- ``roots``: preprocessed (lifted proofs)/boundary/main/aux/quotient roots, the
  random-codeword root, FRI layer roots.
- ``logup_sums``: the per-table LogUp sums.
- ``global_sums``: the boundary tables' global sums (machines with global buses).
- ``opened/<r>``: out-of-domain claimed values (ext elements) of round r.
- ``query_rows/<r>``: the leaf rows of round r's tree opened at the FRI query positions (base
  elements; a masked round's random-codeword columns are counted as ``query_rows/zk_random``).
- ``salts/<r>``: hiding salts of round r's opened leaves.
- ``siblings/<r>``: Merkle authentication paths of round r's tree (below the cap).
- ``caps/<r>``, ``caps/fri``: Merkle caps of the input trees and of the FRI layers.
- ``fri_rows``: the folding cosets opened in each FRI layer (ext elements).
- ``fri_siblings``: the FRI layers' Merkle paths.
- ``fri_final_poly``: the final polynomial's coefficients.
- ``pow``: the proof-of-work nonce.
"""

from __future__ import annotations

from collections.abc import Mapping

from zkrv_prover.stark.commit.pcs import digest_kind
from zkrv_prover.stark.field.codec import BASE_BITS, digest_bits
from zkrv_prover.stark.field.field import EXT_DEGREE
from zkrv_prover.stark.protocol.proof import zero_matrices
from zkrv_prover.stark.protocol.prover import StarkProof, VerifyingKey

#: Encoded bits (``codec.py``): base element, extension element, PoW nonce.
BASE, EXT, NONCE = BASE_BITS, BASE_BITS * EXT_DEGREE, 64
#: Fixed header bits before the heights: magic (8 bytes), version (u16), table count (u8).
HEADER_FIXED = 8 * (8 + 2 + 1)


def round_names(vk: VerifyingKey) -> list[str]:
    """The proof's commitment rounds in order (as ``StarkProof.opened`` indexes them)."""
    names = ["preprocessed"] if vk.pre_tables else []
    if vk.has_global:
        names.append("boundary")
    names.append("main")
    if vk.logup_tables:
        names.append("aux")
    names.append("quotient")
    return names


def proof_size_breakdown(vk: VerifyingKey, proof: StarkProof) -> dict[str, int]:
    """Bits per category (see the module docstring) of ``encode_proof(vk, proof)``, in
    encoding order; categories that are empty for this proof are left out."""
    out: dict[str, int] = {}
    digest = digest_bits(digest_kind(vk.params))

    def add(cat: str, n: int) -> None:
        if n:
            out[cat] = out.get(cat, 0) + n

    pp = proof.pcs_proof
    rounds = round_names(vk)
    if len(proof.opened) != len(rounds):
        raise ValueError(f"proof has {len(proof.opened)} opened rounds, the key {len(rounds)}")
    zero = zero_matrices(proof)
    n_mats = sum(len(rnd) for rnd in proof.opened)
    add("header", HEADER_FIXED + 8 * len(proof.log_heights) + 8 * ((n_mats + 7) // 8))
    n_roots = 2 + (proof.aux_root is not None) + (pp.zk_root is not None) + len(pp.fri_roots)
    # a lifted proof's preprocessed root, the boundary root (machines with global buses)
    n_roots += (proof.pre_root is not None) + (proof.boundary_root is not None)
    add("roots", digest * n_roots)
    add("logup_sums", EXT * len(proof.cumsums))
    add("global_sums", EXT * len(proof.global_sums))
    for ri, (name, rnd) in enumerate(zip(rounds, proof.opened, strict=True)):
        kept = [mat for i, mat in enumerate(rnd) if (ri, i) not in zero]
        add(f"opened/{name}", EXT * sum(len(vals) for mat in kept for vals in mat))
    add("fri_final_poly", EXT * len(pp.final_poly))
    if vk.params.pow_bits:
        add("pow", NONCE)
    trees = rounds + ["zk_random"] * (len(pp.input_caps) - len(rounds))
    for name, cap in zip(trees, pp.input_caps, strict=True):
        add(f"caps/{name}", digest * len(cap))
    add("caps/fri", digest * sum(len(cap) for cap in pp.fri_caps))
    for qp in pp.queries:
        for t, (name, op) in enumerate(zip(trees, qp.inputs, strict=True)):
            # a round's matrices are its tables; a further matrix is the masked random codeword
            n_tables = len(proof.opened[t]) if t < len(rounds) else len(op.rows)
            rows = [r for i, r in enumerate(op.rows[:n_tables]) if (t, i) not in zero]
            add(f"query_rows/{name}", BASE * sum(len(r) for r in rows))
            add("query_rows/zk_random", BASE * sum(len(r) for r in op.rows[n_tables:]))
            add(f"salts/{name}", BASE * sum(len(s) for s in op.salts))
            add(f"siblings/{name}", digest * sum(len(lvl) for lvl in op.siblings))
        for lo in qp.fri:
            add("fri_rows", EXT * len(lo.row))
            add("fri_siblings", digest * sum(len(lvl) for lvl in lo.siblings))
    return out


def total_bytes(breakdown: Mapping[str, int]) -> int:
    """The encoded length in bytes of a proof with this breakdown (bits, padded to a byte)."""
    return (sum(breakdown.values()) + 7) // 8


def group_totals(breakdown: Mapping[str, int]) -> dict[str, int]:
    """Sums over the part before ``/`` (e.g. all ``siblings/*``), in first-seen order."""
    out: dict[str, int] = {}
    for cat, n in breakdown.items():
        key = cat.split("/", 1)[0]
        out[key] = out.get(key, 0) + n
    return out


def format_table(breakdown: Mapping[str, int]) -> str:
    """A Markdown table of a breakdown (bits): category, KiB, share of the total, by size."""
    total = sum(breakdown.values())
    lines = ["| category | KiB | share |", "|---|---|---|"]
    for cat, n in sorted(breakdown.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {cat} | {n / 8192:.1f} | {100 * n / total:.1f}% |")
    lines.append(f"| **total** | **{total / 8192:.1f}** | 100% |")
    return "\n".join(lines)
