"""Security parameters of the FRI PCS as named constants, and the conjectured-security formula.

Conjectured security (ethSTARK-style, as in ethSTARK/Plonky3/RISC Zero; see docs/stark-pcs.md):

    bits = min(NUM_QUERIES * log2(1 / rho) + POW_BITS,  ext_field_bits - log2(max LDE size))

- rho is the rate of the committed codewords: degree bound / LDE domain size. Without zk the
  bound is the matrix height n and rho = 2^-LOG_BLOWUP. With zk a matrix of height n may hold
  polynomials of degree < n (1 + 2^-ZK_LOG_HEADROOM) (the *relaxed degree bound*, room for the
  masking polynomial without doubling the height, see ``stark/zk.py``), so
  rho = (1 + 2^-ZK_LOG_HEADROOM) / 2^LOG_BLOWUP and each query is worth slightly fewer bits.
- The query term is the conjectured FRI soundness: each query catches a cheating prover except
  with probability about rho (the "toy problem" conjecture, up to the list-decoding radius);
  grinding adds POW_BITS of work per attempt.
- The field term bounds the algebraic errors that depend on the extension field: the
  out-of-domain (DEEP) check, the random batching (alpha) and folding (beta) challenges each fail
  with probability about deg / |F_ext| <= N_max / p^EXT_DEGREE, where N_max is the largest LDE
  domain.
- Caveat: this is a conjecture, not a proof, and proximity gaps up to capacity were disproved
  in general in 2025. The proven figures, term by term (Johnson bound, unique decoding), come
  from ``stark/soundness.py``. Hashing is assumed to be a random oracle (Poseidon over BN254,
  collision resistance ~127 bits).

Choice of defaults (measured, see docs/stark-pcs.md): the wrap circuit pays per query for one
Merkle path per commitment plus the FRI layers, so fewer queries matter; the prover pays for
hashing N = n * 2^LOG_BLOWUP rows per commitment. Blowup 8 with 17 grinding bits needs 28 queries
for 100 bits under zk (28 * 2.978 + 17 = 100.4); FRI folds by 8 per layer (fewer layers, fewer
paths) down to a final polynomial of 2^6 (+ 1 under zk) coefficients; Merkle trees have arity 4
(the cheapest Poseidon cost per index bit natively and close to the cheapest in-circuit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from zkrv_prover.stark.field import EXT_DEGREE, P

#: log2 of the LDE blowup factor (rate 2^-LOG_BLOWUP).
LOG_BLOWUP = 3
#: Number of FRI queries.
NUM_QUERIES = 28
#: Proof-of-work bits ground by the prover before the queries are drawn (17: 100.4 conjectured
#: bits with 28 queries at the zk rate; one more bit of grinding costs ~1 s natively, a 29th
#: query ~3% more proof and wrap circuit).
POW_BITS = 17
#: log2 of the largest FRI folding arity (layers fold by up to 8).
LOG_FOLDING_ARITY = 3
#: log2 of the number of coefficients of the final FRI polynomial sent in the clear (plus
#: 2^(LOG_FINAL_POLY_LEN - ZK_LOG_HEADROOM) under zk). With zk keep it >= ZK_LOG_HEADROOM: then
#: the relaxed bound folds exactly and every FRI layer has the rate of the security formula
#: (below, ``fri.final_poly_len`` rounds the bound up and the last layers' rate grows). A
#: larger final polynomial also means fewer FRI layers.
LOG_FINAL_POLY_LEN = 6
#: With zk, a committed matrix of height 2^h may hold polynomials of degree
#: < 2^h + 2^(h - ZK_LOG_HEADROOM): the relaxed degree bound (see ``PcsParams.degree_bound``).
ZK_LOG_HEADROOM = 6
#: Arity bound of the Merkle trees (commitments and FRI layers).
MERKLE_ARITY = 4
#: log2 of the Merkle cap size: the top levels of every tree are sent once per proof (at most
#: 64 digests per tree) instead of once per query.
LOG_MERKLE_CAP = 6
#: BabyBear salt values per committed row (hiding commitments; 8 * 31 = 248 bits).
SALT_LEN = 8
#: The extension degree of the challenge field.
EXTENSION_DEGREE = EXT_DEGREE
#: Security target the defaults are chosen to reach.
TARGET_SECURITY_BITS = 100
#: Largest LDE domain the security figure is quoted for (2^22 rows: a 2^19-row table at blowup 8).
REFERENCE_LOG_LDE = 22
#: Largest log2 table height the STARK verifier accepts (2^22 rows: the zkVM's tallest tables).
#: A proof claiming a taller table is refused by the native verifier (``verifier.check_shape``),
#: the proof decoder and the prover; the wrap circuit has constant heights (checked natively
#: first) or a range ``height_range=(lo, hi)`` that must lie below it (``verifier.height_offset``),
#: the height being one-hot bounded to [lo, hi] in-circuit.
MAX_LOG_HEIGHT = 22


@dataclass(frozen=True)
class PcsParams:
    """All knobs of the PCS. ``zk`` adds the hiding machinery (salted leaves, a random FRI
    codeword); ``backend`` picks the hashing backend (``"reference"`` only for small tests)."""

    log_blowup: int = LOG_BLOWUP
    num_queries: int = NUM_QUERIES
    pow_bits: int = POW_BITS
    log_folding_arity: int = LOG_FOLDING_ARITY
    log_final_poly_len: int = LOG_FINAL_POLY_LEN
    merkle_arity: int = MERKLE_ARITY
    log_cap: int = LOG_MERKLE_CAP
    zk: bool = True
    salt_len: int = SALT_LEN
    backend: Literal["native", "reference"] = "native"

    def __post_init__(self) -> None:
        if not 1 <= self.log_blowup <= 8:
            raise ValueError("log_blowup must be in 1..8")
        if not 1 <= self.num_queries <= 512:
            raise ValueError("num_queries must be in 1..512")
        if not 0 <= self.pow_bits <= 32:
            raise ValueError("pow_bits must be in 0..32")
        if not 1 <= self.log_folding_arity <= 4:
            raise ValueError("log_folding_arity must be in 1..4")
        if not 0 <= self.log_final_poly_len <= 10:
            raise ValueError("log_final_poly_len must be in 0..10")
        if self.merkle_arity not in (2, 4, 8, 16):
            raise ValueError("merkle_arity must be 2, 4, 8 or 16")
        if not 0 <= self.log_cap <= 12:
            raise ValueError("log_cap must be in 0..12")
        if self.zk and self.salt_len < 1:
            raise ValueError("zero knowledge needs salted (hiding) commitments")

    @property
    def log_final_lde(self) -> int:
        """log2 of the domain the final polynomial is checked on."""
        return self.log_final_poly_len + self.log_blowup

    def degree_bound(self, log_height: int) -> int:
        """Number of coefficients a committed column of height 2^log_height may have: exactly
        2^log_height without zk; with zk the relaxed bound 2^h + 2^(h - ZK_LOG_HEADROOM)
        (rounded down, so heights below 2^ZK_LOG_HEADROOM keep the exact bound). FRI proves this
        bound (``fri.final_poly_len``); the LDE domain stays 2^h * blowup."""
        n = 1 << log_height
        return n + (n >> ZK_LOG_HEADROOM) if self.zk else n

    @property
    def log_inv_rate(self) -> float:
        """log2(1 / rho) of the committed codewords (module doc)."""
        if self.zk:
            return self.log_blowup - math.log2(1 + 2.0**-ZK_LOG_HEADROOM)
        return float(self.log_blowup)

    @property
    def commit_salt_len(self) -> int:
        """Salt values per row of input commitments (0 when not hiding)."""
        return self.salt_len if self.zk else 0

    def as_ints(self) -> list[int]:
        """The parameters as integers, in a fixed order (for transcripts and proof headers)."""
        return [
            self.log_blowup,
            self.num_queries,
            self.pow_bits,
            self.log_folding_arity,
            self.log_final_poly_len,
            self.merkle_arity,
            int(self.zk),
            self.commit_salt_len,
            self.log_cap,
        ]


def ext_field_bits() -> float:
    """log2 |F_ext| = EXT_DEGREE log2 p."""
    return EXTENSION_DEGREE * math.log2(P)


def conjectured_security_bits(
    params: PcsParams | None = None, log_max_lde: int = REFERENCE_LOG_LDE
) -> float:
    """min(queries * log2(1 / rho) + pow_bits, log2|F_ext| - log_max_lde) (module docstring):
    the conjectured figure only; ``soundness.security_summary`` gives the proven ones."""
    p = params or PcsParams()
    query_bits = p.num_queries * p.log_inv_rate + p.pow_bits
    field_bits = ext_field_bits() - log_max_lde
    return float(min(query_bits, field_bits))
