"""Security parameters of the FRI PCS as named constants.

The security they give is computed term by term in ``stark/protocol/soundness.py`` (``zkrv info
--json``, ``docs/stark.md``, "Soundness: the proven figure"): in the Johnson-bound regime (proven),
in the unique-decoding regime, and under the ethSTARK capacity conjecture for comparison only
(proximity gaps up to capacity were disproved in general in 2025).

rho, the rate of the committed codewords, is degree bound / LDE domain size. Without zk the bound
is the matrix height n and rho = 2^-LOG_BLOWUP. With zk a matrix of height n may hold polynomials
of degree < n (1 + 2^-ZK_LOG_HEADROOM) (the *relaxed degree bound*, room for the masking
polynomial without doubling the height, see ``stark/air/zk.py``), so
rho = (1 + 2^-ZK_LOG_HEADROOM) / 2^LOG_BLOWUP.

Choice of defaults (``soundness.parameter_study``, docs/stark.md): at least TARGET_SECURITY_BITS
proven bits on every term at the largest shapes the zkVM accepts (tables of 2^MAX_LOG_HEIGHT
rows, LDE 2^25). That needs the quintic challenge field (``field.EXT_DEGREE``: over BabyBear^4
the batching, commit-round and DEEP terms stay below 100 bits whatever the query count) and,
at blowup 8 with 17 grinding bits, 60 queries (Johnson bound with multiplicity m = 7: query
phase 100.4 bits, FRI batching by powers 101.1). Blowup 8 rather than 16 (45 queries) keeps the
prover's hashing, its largest cost, at half; FRI folds by 8 per layer (fewer layers, fewer
paths) down to a final polynomial of 2^6 (+ 1 under zk) coefficients. Merkle trees are binary:
60 queries make proofs Merkle-path heavy, and a binary path costs 32 bytes per index bit against
48 for arity 4 (zkVM sort receipt at 2^16 cycles: 562 KiB against 669 KiB, within the 600 KiB
budget), for about 9% more prover time (more, smaller node hashes: 25.3 s against 23.3 s).
Hashing is modelled as a random oracle: Poseidon over BN254 (collision resistance ~126.8 bits)
or, with ``hash = "poseidon2-babybear"`` (zkVM receipts and other proofs meant to be verified
inside a BabyBear recursion STARK), Poseidon2 over BabyBear with 8-element digests (~123.6
bits); the soundness report carries the family's bound as a term (``hash_scheme.HashSecurity``,
``soundness.HASH_TERM``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from zkrv_prover.stark.field.profile import DEFAULT_PROFILE, PROFILE

#: log2 of the LDE blowup factor (rate 2^-LOG_BLOWUP).
LOG_BLOWUP = 3
#: Number of FRI queries (60: 100.4 proven bits for the query phase with POW_BITS, module doc).
NUM_QUERIES = 60
#: Proof-of-work bits ground by the prover before the queries are drawn (one more bit costs
#: ~1 s natively and saves about 0.7 query).
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
#: Arity bound of the Merkle trees (commitments and FRI layers; binary: module doc).
MERKLE_ARITY = 2
#: log2 of the Merkle cap size: the top levels of every tree are sent once per proof (at most
#: 64 digests per tree) instead of once per query.
LOG_MERKLE_CAP = 6
#: BabyBear salt values per committed row (hiding commitments; 8 * 31 = 248 bits).
SALT_LEN = 8
#: Security target the defaults are chosen to reach.
TARGET_SECURITY_BITS = 100
#: Hash family of commitments and the transcript (``hash_scheme.HASH_NAMES``; the BN254 one is
#: what the Groth16 wrap verifies).
HASH = "poseidon-bn254"
#: Largest log2 table height the STARK verifier accepts (2^22 rows: the zkVM's tallest tables).
#: A proof claiming a taller table is refused by the native verifier (``verifier.check_shape``),
#: the proof decoder and the prover; the wrap circuit has constant heights (checked natively
#: first) or a range ``height_range=(lo, hi)`` that must lie below it (``verifier.height_offset``),
#: the height being one-hot bounded to [lo, hi] in-circuit.
MAX_LOG_HEIGHT = 22


#: ``as_ints`` code of each hash family (the order of ``hash_scheme.HASH_NAMES``).
_HASH_CODES = {"poseidon-bn254": 0, "poseidon2-babybear": 1}


@dataclass(frozen=True)
class PcsParams:
    """All knobs of the PCS. ``zk`` adds the hiding machinery (salted leaves, a random FRI
    codeword); ``backend`` picks the hashing backend (``"reference"`` only for small tests);
    ``hash`` the hash family of commitments and transcript (``hash_scheme.py``)."""

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
    hash: Literal["poseidon-bn254", "poseidon2-babybear"] = "poseidon-bn254"

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
        if self.hash not in _HASH_CODES:
            raise ValueError(f"hash must be one of {tuple(_HASH_CODES)}")
        if self.hash == "poseidon2-babybear":
            if self.merkle_arity != 2:
                raise ValueError("hash 'poseidon2-babybear' requires merkle_arity == 2")
            if self.pow_bits > 27:
                raise ValueError("hash 'poseidon2-babybear' grinds at most 27 bits")

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
        """The parameters as integers, in a fixed order (for transcripts, proof headers and image
        IDs). Outside the default security profile the profile's challenge-field degree and
        Poseidon2 digest size follow, so its proofs and image IDs never match the default's."""
        extra = [] if PROFILE.name == DEFAULT_PROFILE else [PROFILE.ext_degree, PROFILE.p2_digest]
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
            _HASH_CODES[self.hash],
            *extra,
        ]
