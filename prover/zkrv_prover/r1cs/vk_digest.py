"""A STARK verifying key's digest: the image ID of claims proven by wrapped STARK proofs.

``stark_vk_digest(vk)`` is SHA-256 over a canonical, versioned byte encoding of everything the
verifier's behaviour depends on: the proof format version and transcript label, the PCS
parameters (``PcsParams.as_ints``), the number of public values, and per table its widths, degree
and every constraint as an expression DAG (the AIR's own and the generated LogUp constraints, in
order), plus the preprocessed commitment root. Names (of tables and constraints) and the hashing
backend are excluded: they do not change which proofs verify. Two keys with the same digest
accept the same proofs.

Encoding (all integers unsigned big-endian)::

    "zkrv-stark-vk-v1" | u32 version | u32 len(label) | label | u32 n_params | u32 params...
    | u32 n_public | u32 n_tables | table... | pre_root (0x00, or 0x01 || 32 bytes)
    table = u32 main_width | u32 pre_width | u32 aux_width | u32 degree | u32 n_nodes | node...
            | u32 n_roots | u32 root node index...
    node  = u8 op | u8 nxt | u32 index | u32 value | u32 a | u32 b   (a, b: node index or
            0xFFFFFFFF; nodes are in children-first order over all of the table's constraints)
"""

from __future__ import annotations

import hashlib
import struct

from zkrv_prover.stark.air.air import Expr, TableLayout, topo_order
from zkrv_prover.stark.protocol.prover import LABEL, PROOF_VERSION, VerifyingKey

_MAGIC = b"zkrv-stark-vk-v1"
_NONE = 0xFFFFFFFF


def _u32s(*xs: int) -> bytes:
    return struct.pack(f">{len(xs)}I", *xs)


def _table_bytes(lay: TableLayout) -> bytes:
    roots = [c.expr for c in lay.constraints]
    nodes = topo_order(roots)
    pos = {id(n): i for i, n in enumerate(nodes)}

    def ref(x: Expr | None) -> int:
        return _NONE if x is None else pos[id(x)]

    out = [_u32s(lay.main_width, lay.pre_width, lay.aux_width, lay.degree, len(nodes))]
    for n in nodes:
        out.append(struct.pack(">BB", int(n.op), int(n.nxt)))
        out.append(_u32s(n.index, n.value, ref(n.a), ref(n.b)))
    out.append(_u32s(len(roots), *(pos[id(r)] for r in roots)))
    return b"".join(out)


def encode_vk(vk: VerifyingKey) -> bytes:
    """The canonical encoding described in the module docstring."""
    params = vk.params.as_ints()
    label = LABEL.encode("ascii")
    parts = [
        _MAGIC,
        _u32s(PROOF_VERSION, len(label)),
        label,
        _u32s(len(params), *params),
        _u32s(vk.machine.num_public_values, len(vk.layouts)),
    ]
    parts += [_table_bytes(lay) for lay in vk.layouts]
    parts.append(b"\x00" if vk.pre_root is None else b"\x01" + vk.pre_root.to_bytes(32, "big"))
    return b"".join(parts)


def stark_vk_digest(vk: VerifyingKey) -> bytes:
    """SHA-256 of :func:`encode_vk`: the image ID of a wrapped STARK's claim."""
    return hashlib.sha256(encode_vk(vk)).digest()
