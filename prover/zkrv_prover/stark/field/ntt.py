"""Batched radix-2 NTT / inverse NTT and coset low-degree extension over BabyBear.

All transforms act on the columns of a (n, w) matrix at once (n a power of two), in natural
order unless the name says ``bitrev``:

- ``ntt(c)[i, k] = sum_j c[j, k] * omega_n^(i j)`` with ``omega_n = two_adic_generator(log n)``.
- ``intt`` is its inverse; ``coset_ntt``/``coset_intt`` evaluate on / interpolate from the coset
  ``shift * H_n``.
- ``lde_bitrev`` evaluates degree < n column polynomials on ``shift * H_{n 2^b}`` and returns the
  rows in bit-reversed order (the order the commitment scheme and FRI use, see docs/stark-pcs.md).

Implementation (why it is fast in numpy): the matrix is transposed to (w, n) and each column is
split four-step style, n = n1 * n2, so every Stockham stage works on contiguous runs of at least
n2 (resp. n1) elements with a per-row twiddle broadcast along them; numpy then runs long SIMD inner
loops instead of many tiny ones. Butterflies keep values canonical in uint64 and multiply by
twiddles with Shoup's method (precomputed floor(w 2^32 / p)), which needs only multiplications,
a shift and a conditional subtraction instead of a 64-bit ``%``. The four-step twiddles and
per-stage twiddles are cached per size. Work is blocked over the batch axis so each block stays
in the L2 cache.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from zkrv_prover.stark.field import parallel
from zkrv_prover.stark.field.field import P, inv_int, mod_p, powers, two_adic_generator

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

_P64 = np.uint64(P)
_S32 = np.uint64(32)
#: Below this size a single Stockham pass is used (the four-step split is not worth it).
_FOUR_STEP_MIN_LOG = 8
#: Target elements per cache block (uint64): about 1 MiB of data per block.
_BLOCK_ELEMS = 1 << 17


def _shoup(w: U64) -> U64:
    """floor(w * 2^32 / p) for canonical w (w < 2^31, so w * 2^32 < 2^63 fits in uint64)."""
    return (w.astype(np.uint64) << _S32) // _P64


@lru_cache(maxsize=64)
def _stage_twiddles(log_m: int, inverse: bool) -> tuple[tuple[U64, U64], ...]:
    """Per Stockham stage s (sub-size M_s = 2^(log_m - s)): omega_{M_s}^j for j < M_s / 2 and
    their Shoup quotients, shaped (M_s / 2, 1) for broadcasting over a (rows, run) view."""
    out = []
    for s in range(log_m):
        log_ms = log_m - s
        root = two_adic_generator(log_ms)
        if inverse:
            root = inv_int(root)
        w = powers(root, 1 << (log_ms - 1)).astype(np.uint64)
        out.append((w.reshape(-1, 1), _shoup(w).reshape(-1, 1)))
    return tuple(out)


@lru_cache(maxsize=16)
def _four_step_twiddles(log_n1: int, log_n2: int, inverse: bool) -> tuple[U64, U64]:
    """omega_n^(k1 i2) (times 1/n for the inverse) as an (n1, n2) matrix, with Shoup quotients."""
    log_n = log_n1 + log_n2
    root = two_adic_generator(log_n)
    if inverse:
        root = inv_int(root)
    table = powers(root, 1 << log_n).astype(np.uint64)
    k1 = np.arange(1 << log_n1, dtype=np.int64)[:, None]
    i2 = np.arange(1 << log_n2, dtype=np.int64)[None, :]
    w = table[(k1 * i2) & ((1 << log_n) - 1)]
    if inverse:
        w = (w * np.uint64(inv_int(1 << log_n))) % _P64
    return w, _shoup(w.ravel()).reshape(w.shape)


def _mul_shoup(x: U64, w: U64, wq: U64, out: U64, tmp: U64) -> None:
    """out = x * w mod p (canonical) for x < 2^32; ``tmp`` is scratch of x's shape."""
    np.multiply(x, wq, out=tmp)
    np.right_shift(tmp, _S32, out=tmp)
    np.multiply(tmp, _P64, out=tmp)
    np.multiply(x, w, out=out)
    np.subtract(out, tmp, out=out)  # in [0, 2p)
    np.subtract(out, _P64, out=tmp)
    np.minimum(out, tmp, out=out)  # unsigned wrap makes tmp huge when out < p


def _stockham(x: U64, log_m: int, inverse: bool) -> U64:
    """Natural-order NTT of size M = 2^log_m along axis 1 of a contiguous (B, M, K) array, for
    every (batch, k). Returns a new array (B, M, K); ``x`` is used as scratch."""
    b_sz, m, k = x.shape
    if log_m == 0:
        return x
    tw = _stage_twiddles(log_m, inverse)
    src, dst = x, np.empty_like(x)
    half = b_sz * m * k // 2
    t1_buf = np.empty(half, dtype=np.uint64)
    t2_buf = np.empty(half, dtype=np.uint64)
    ms, s = m, 1
    for stage in range(log_m):
        h = ms // 2
        run = s * k
        v = src.reshape(b_sz, ms, run)
        a, b = v[:, :h], v[:, h:]
        d = dst.reshape(b_sz, h, 2, run)
        out_u, out_v = d[:, :, 0], d[:, :, 1]
        t1 = t1_buf.reshape(b_sz, h, run)
        t2 = t2_buf.reshape(b_sz, h, run)
        # u = a + b (canonical)
        np.add(a, b, out=out_u)
        np.subtract(out_u, _P64, out=t1)
        np.minimum(out_u, t1, out=out_u)
        # v = (a - b) * omega^j, with a - b + p in (0, 2p) < 2^32 as Shoup input
        np.add(a, _P64, out=t1)
        np.subtract(t1, b, out=t1)
        w, wq = tw[stage]
        if h == 1:  # the only twiddle is 1: just reduce
            np.subtract(t1, _P64, out=t2)
            np.minimum(t1, t2, out=out_v)
        else:
            _mul_shoup(t1, w, wq, out_v, t2)
        src, dst = dst, src
        ms, s = h, s * 2
    return src.reshape(b_sz, m, k)


def _ntt_cols(xt: U64, inverse: bool) -> U64:
    """NTT (or inverse, including 1/n) of each row of a contiguous (w, n) uint64 array; natural
    order in and out. Transforms in place when ``xt`` is C-contiguous (the result is written back
    into it, block by block) and returns it; otherwise works on a contiguous copy.

    Rows are processed in cache-sized blocks; blocks are independent and run on the
    :mod:`~zkrv_prover.stark.field.parallel` workers (each block reads and writes only its own
    rows)."""
    if not xt.flags.c_contiguous:
        xt = np.ascontiguousarray(xt)
    w, n = xt.shape
    log_n = n.bit_length() - 1
    if log_n < _FOUR_STEP_MIN_LOG:
        out = _stockham(xt.reshape(w, n, 1), log_n, inverse).reshape(w, n)
        if inverse and n > 1:
            scale = np.uint64(inv_int(n))
            np.multiply(out, scale, out=out)
            mod_p(out, out=out)
        if out is not xt:
            xt[...] = out
        return xt
    log_n1 = (log_n + 1) // 2
    log_n2 = log_n - log_n1
    n1, n2 = 1 << log_n1, 1 << log_n2
    tw, twq = _four_step_twiddles(log_n1, log_n2, inverse)

    def block(rng: tuple[int, int]) -> None:
        c0, c1 = rng
        blk = xt[c0:c1].reshape(c1 - c0, n1, n2)  # a view: xt is contiguous
        # Step 1: size-n1 transforms down the columns of each (n1, n2) matrix (blk is scratch).
        y = _stockham(blk, log_n1, inverse)
        # Step 2: twiddle y[k1, i2] by omega_n^(k1 i2).
        tmp = np.empty_like(y)
        _mul_shoup(y, tw, twq, y, tmp)
        # Step 3: transpose to (n2, n1) and transform down its columns; the result is X[k1 + n1 k2]
        # stored at [k2, k1], i.e. natural order once flattened.
        np.copyto(tmp.reshape(c1 - c0, n2, n1), y.transpose(0, 2, 1))
        xt[c0:c1] = _stockham(tmp.reshape(c1 - c0, n2, n1), log_n2, inverse).reshape(c1 - c0, n)

    # Blocks of about _BLOCK_ELEMS elements keep a block's working set cache-sized.
    parallel.map_blocks(block, parallel.split(w, max(1, _BLOCK_ELEMS // n)))
    return xt


def _as_matrix(a: npt.NDArray[np.integer]) -> tuple[U64, bool]:
    """(w, n) uint64 transposed copy of a (n,) or (n, w) array, and whether it was 1-D. Always a
    fresh array: the transforms work in place."""
    if a.ndim == 1:
        return a.astype(np.uint64).reshape(1, -1), True
    if a.ndim != 2:
        raise ValueError(f"NTT input must be (n,) or (n, w), got shape {a.shape}")
    return np.array(a.T, dtype=np.uint64, order="C", copy=True), False


def _check_len(n: int) -> int:
    if n < 1 or n & (n - 1):
        raise ValueError(f"NTT length must be a power of two, got {n}")
    log_n = n.bit_length() - 1
    if log_n > 27:
        raise ValueError(f"NTT length 2^{log_n} exceeds BabyBear's two-adicity 27")
    return log_n


def _from_matrix(xt: U64, one_d: bool) -> U32:
    """(n, w) uint32 from the (w, n) uint64 working matrix: one transposing, narrowing copy in
    row chunks (no full-size uint64 transposed temporary)."""
    if one_d:
        return xt.reshape(-1).astype(np.uint32)
    w, n = xt.shape
    out = np.empty((n, w), dtype=np.uint32)
    step = max(1, _BLOCK_ELEMS // max(1, w))
    for r0 in range(0, n, step):
        out[r0 : r0 + step] = xt[:, r0 : r0 + step].T
    return out


def ntt(coeffs: npt.NDArray[np.integer]) -> U32:
    """Evaluations on H_n (natural order) of the column polynomials with the given coefficients."""
    _check_len(coeffs.shape[0])
    xt, one_d = _as_matrix(coeffs)
    return _from_matrix(_ntt_cols(xt, inverse=False), one_d)


def intt(evals: npt.NDArray[np.integer]) -> U32:
    """Coefficients of the column polynomials with the given evaluations on H_n (natural order)."""
    _check_len(evals.shape[0])
    xt, one_d = _as_matrix(evals)
    return _from_matrix(_ntt_cols(xt, inverse=True), one_d)


def _scale_rows(xt: U64, factors: U32) -> None:
    """xt[:, j] *= factors[j] mod p, in place (xt is (w, n))."""
    f = factors.astype(np.uint64)
    np.multiply(xt, f, out=xt)
    mod_p(xt, out=xt)


def coset_ntt(coeffs: npt.NDArray[np.integer], shift: int) -> U32:
    """Evaluations on shift * H_n (natural order): the NTT of c_j * shift^j."""
    n = coeffs.shape[0]
    _check_len(n)
    xt, one_d = _as_matrix(coeffs)
    _scale_rows(xt, powers(shift, n))
    return _from_matrix(_ntt_cols(xt, inverse=False), one_d)


def coset_intt(evals: npt.NDArray[np.integer], shift: int) -> U32:
    """Coefficients from evaluations on shift * H_n (natural order)."""
    n = evals.shape[0]
    _check_len(n)
    xt, one_d = _as_matrix(evals)
    out = _ntt_cols(xt, inverse=True)
    _scale_rows(out, powers(inv_int(shift), n))
    return _from_matrix(out, one_d)


@lru_cache(maxsize=32)
def bit_reverse_indices(log_n: int) -> npt.NDArray[np.int64]:
    """rev[i] = i with its log_n low bits reversed (an involution), as an int64 array."""
    idx = np.zeros(1 << log_n, dtype=np.int64)
    for b in range(log_n):  # loop over bits, not rows
        idx |= ((np.arange(1 << log_n, dtype=np.int64) >> b) & 1) << (log_n - 1 - b)
    idx.setflags(write=False)
    return idx


def bit_reverse_rows(a: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    """Rows permuted to bit-reversed order (a copy); the permutation is its own inverse."""
    return a[bit_reverse_indices(_check_len(a.shape[0]))]


def _bitrev_transpose(ev: U64, out: U32) -> None:
    """out[j, c] = ev[c, rev_n(j)] for a (w, n) uint64 ``ev`` and an (n, w) uint32 ``out``.

    A direct gather ev[:, rev_n] touches a new cache line (and often page) per element. With
    n = n1 n2 and j = a n2 + b (a < n1, b < n2), rev_n(j) = rev_n2(b) n1 + rev_n1(a): seen as
    (w, n2, n1), ev is read row by row (n1 contiguous elements) for a chunk of a values at a
    time, about 3 times faster."""
    w, n = ev.shape
    log_n = n.bit_length() - 1
    log_n1 = (log_n + 1) // 2
    log_n2 = log_n - log_n1
    n1, n2 = 1 << log_n1, 1 << log_n2
    r1, r2 = bit_reverse_indices(log_n1), bit_reverse_indices(log_n2)
    y = ev.reshape(w, n2, n1)
    o = out.reshape(n1, n2, w)
    step = max(1, min(n1, (1 << 19) // (n2 * w)))
    for a0 in range(0, n1, step):
        # y[c, rev_n2(b), rev_n1(a)] as (w, n2, A), stored at o[a, b, c]
        o[a0 : a0 + step] = y[:, r2[:, None], r1[None, a0 : a0 + step]].transpose(2, 1, 0)


def _native_lde() -> Any | None:
    """The native engine's ``bb_lde_bitrev`` (``prover/native/src/ntt.rs``), if built."""
    try:
        import zkrv_prover._native as nat
    except ImportError:
        return None
    return getattr(nat, "bb_lde_bitrev", None)


def lde_bitrev(
    coeffs: npt.NDArray[np.integer],
    log_blowup: int,
    shift: int,
    log_height: int | None = None,
    native: bool = True,
) -> U32:
    """Evaluations of column polynomials (coefficients (m, w), natural order) on the coset
    shift * H_{n 2^log_blowup}, rows in bit-reversed order, where n = 2^log_height (default: m,
    which must then be a power of two). m may differ from n: fewer coefficients are zero-padded,
    and up to n more (m <= 2 n, the relaxed degree bound of zk commitments) are *folded*.

    In bit-reversed order the N = n B rows split into B blocks of n: block t is the coset
    ``c_t H_n`` (c_t = shift * omega_N^rev_B(t)) in bit-reversed order. So the extension is B
    size-n coset NTTs, batched as one (n, B w) transform, with no zero padding. Overflow
    coefficients a_{n+i} fold into the first ones because x^n = c_t^n on the whole coset:
    ``f(c_t h) = NTT_n((a_i + c_t^n a_{n+i}) c_t^i)``, so degree >= n costs no extra NTT.

    ``native``: run the native engine's transform (the same contract, radix-2 DIF NTTs on
    16-lane vectors, ``prover/native/src/ntt.rs``) when it is built; this module's numpy code is
    the reference the tests compare it with."""
    m = coeffs.shape[0]
    if log_height is None:
        log_n = _check_len(m)
    else:
        log_n = _check_len(1 << log_height)
        if not 1 <= m <= 2 << log_n:
            raise ValueError(f"{m} coefficients do not fit height 2^{log_n} (at most twice)")
    n = 1 << log_n
    _check_len(n << log_blowup)
    b = 1 << log_blowup
    # block t's coset shift c_t = shift * omega_N^rev_B(t)
    om = two_adic_generator(log_n + log_blowup)
    rev_b = bit_reverse_indices(log_blowup)
    shifts = [shift * pow(om, int(rev_b[t]), P) % P for t in range(b)]
    fn = _native_lde() if native else None
    if fn is not None and coeffs.ndim in (1, 2):
        mat = np.ascontiguousarray(coeffs.reshape(m, -1), dtype=np.uint32)
        res: U32 = fn(mat, log_n, two_adic_generator(log_n), shifts)
        return res.reshape(-1) if coeffs.ndim == 1 else res
    xt, one_d = _as_matrix(coeffs)
    w = xt.shape[0]
    low, over = xt[:, : min(m, n)], xt[:, n:]
    k_low, k_over = low.shape[1], over.shape[1]
    out = np.empty((b, n, w), dtype=np.uint32)

    def coset(t: int) -> None:
        # One coset at a time (on the parallel workers): a (w, n) uint64 buffer per worker
        # instead of a (B, w, n) batch, and the bit-reversed transpose written straight into
        # the uint32 output in row chunks.
        shift_t = shifts[t]
        buf = (np.empty if k_low == n else np.zeros)((w, n), dtype=np.uint64)
        dst = buf[:, :k_low]
        np.multiply(low, powers(shift_t, k_low).astype(np.uint64), out=dst)
        mod_p(dst, out=dst)
        if k_over:
            # a_{n+i} (c^n c^i): both factors < p, so the product and the sum stay < 2^63
            start = pow(shift_t, n, P)
            tw = powers(shift_t, k_over, start=start).astype(np.uint64)
            dst = buf[:, :k_over]
            dst += (over * tw) % _P64
            mod_p(dst, out=dst)
        _bitrev_transpose(_ntt_cols(buf, inverse=False), out[t])

    parallel.map_blocks(coset, range(b))  # loop over the blowup factor (<= 256), not rows
    flat: U32 = out.reshape(b * n, w)
    return flat.reshape(-1) if one_d else flat
