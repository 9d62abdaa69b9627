//! Coset low-degree extension over BabyBear, the prover's hottest numpy stage moved here: the
//! contract of `stark/field/ntt.py::lde_bitrev` (that module keeps the reference).
//!
//! Coefficients (m, w) row-major, canonical; output (B n, w) row-major: block t (n rows) holds
//! the columns' polynomials on the coset `c_t H_n` in bit-reversed order, `c_t` given by the
//! caller (`shift * omega_{nB}^{rev_B(t)}`). Coefficients past n fold into the first ones
//! (`x^n = c_t^n` on the coset). Per coset and block of columns: gather the block's columns
//! into contiguous buffers (scaling by `c_t^i`), run a radix-2 decimation-in-frequency NTT on
//! each (natural order in, bit-reversed order out: exactly the coset's rows), and write the
//! rows back. Cosets run in parallel (rayon), each on its own disjoint block of output rows.
//!
//! Arithmetic: data stays canonical; twiddles and scale factors are stored in Montgomery form
//! (`x * 2^32 mod p`), so one Montgomery product `x * t / 2^32` multiplies by the plain value.
//! Butterflies of half-size >= 16 run on the Poseidon2 kernels' 16-lane vector types (AVX-512,
//! AVX2 or plain arrays, chosen at run time like theirs).

use rayon::prelude::*;

use crate::poseidon2::{isa, Isa};
use crate::poseidon2_packed::{add, mont_mul, sub, Packed, Scalar, LANES, P};
#[cfg(target_arch = "x86_64")]
use crate::poseidon2_packed::{Avx2, Avx512};

/// 2^64 mod p: `mont_mul(x, R2)` is x in Montgomery form.
const R2: u32 = ((1u128 << 64) % P as u128) as u32;
/// Columns gathered and transformed together (one 64-byte row chunk on the way back).
const COLS: usize = 16;

#[inline(always)]
fn to_mont(x: u32) -> u32 {
    mont_mul(x, R2)
}

/// `b^e mod p` (canonical).
fn pow(b: u32, mut e: u64) -> u32 {
    let (mut acc, mut b) = (1u64, b as u64);
    while e > 0 {
        if e & 1 == 1 {
            acc = acc * b % P as u64;
        }
        b = b * b % P as u64;
        e >>= 1;
    }
    acc as u32
}

/// `[mont(x^0), mont(x^1), ..]`, `len` values.
fn mont_powers(x: u32, len: usize) -> Vec<u32> {
    let xm = to_mont(x);
    let mut out = Vec::with_capacity(len);
    let mut cur = to_mont(1);
    for _ in 0..len {
        out.push(cur);
        cur = mont_mul(cur, xm);
    }
    out
}

/// DIF twiddles of a size-2^log_n transform with root `omega` (order 2^log_n): stage s, of
/// half-size h = 2^(log_n - s - 1), uses `omega_{2h}^j` for j < h, Montgomery form.
fn stage_twiddles(log_n: u32, omega: u32) -> Vec<Vec<u32>> {
    (0..log_n)
        .map(|s| {
            let h = 1usize << (log_n - s - 1);
            mont_powers(pow(omega, 1u64 << s), h)
        })
        .collect()
}

#[inline(always)]
fn dif_generic<V: Packed>(x: &mut [u32], tw: &[Vec<u32>]) {
    let n = x.len();
    for (s, t) in tw.iter().enumerate() {
        let h = n >> (s + 1);
        for blk in x.chunks_exact_mut(2 * h) {
            let (lo, hi) = blk.split_at_mut(h);
            if h >= LANES {
                let it = lo.chunks_exact_mut(LANES).zip(hi.chunks_exact_mut(LANES));
                for ((l, r), w) in it.zip(t.chunks_exact(LANES)) {
                    let l: &mut [u32; LANES] = l.try_into().expect("lane chunk");
                    let r: &mut [u32; LANES] = r.try_into().expect("lane chunk");
                    let a = V::load(l);
                    let b = V::load(r);
                    let w = V::load(w.try_into().expect("lane chunk"));
                    *l = a.add(b).store();
                    *r = a.sub(b).mul(w).store();
                }
            } else {
                for ((l, r), &w) in lo.iter_mut().zip(hi.iter_mut()).zip(t) {
                    let (a, b) = (*l, *r);
                    *l = add(a, b);
                    *r = mont_mul(sub(a, b), w);
                }
            }
        }
    }
}

/// In-place DIF NTT of `x` (natural order in, bit-reversed out) on the CPU's best kernels.
fn dif(x: &mut [u32], tw: &[Vec<u32>]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2")]
        fn avx512(x: &mut [u32], tw: &[Vec<u32>]) {
            dif_generic::<Avx512>(x, tw)
        }
        #[target_feature(enable = "avx2")]
        fn avx2(x: &mut [u32], tw: &[Vec<u32>]) {
            dif_generic::<Avx2>(x, tw)
        }
        match isa() {
            // SAFETY: isa() returns these only when the CPU supports the features.
            Isa::Avx512 => return unsafe { avx512(x, tw) },
            Isa::Avx2 => return unsafe { avx2(x, tw) },
            Isa::Baseline => {}
        }
    }
    dif_generic::<Scalar>(x, tw)
}

/// The extension (module doc): `coeffs` is (m, w) row-major with 1 <= m <= 2n, `shifts` the B
/// coset shifts, `omega_n` a root of order n = 2^log_n; returns (B n, w) row-major. Inputs
/// must be canonical (checked by the caller).
pub fn lde_bitrev(
    coeffs: &[u32],
    m: usize,
    w: usize,
    log_n: u32,
    omega_n: u32,
    shifts: &[u32],
) -> Vec<u32> {
    let n = 1usize << log_n;
    debug_assert!(coeffs.len() == m * w && (1..=2 * n).contains(&m));
    let tw = stage_twiddles(log_n, omega_n);
    let mut out = vec![0u32; shifts.len() * n * w];
    out.par_chunks_mut(n * w)
        .zip(shifts.par_iter())
        .for_each(|(dst, &c)| {
            let pw = mont_powers(c, n);
            let cn = to_mont(pow(c, n as u64));
            let low = m.min(n);
            let mut bufs = vec![0u32; COLS * n];
            for c0 in (0..w).step_by(COLS) {
                let cols = COLS.min(w - c0);
                let bufs = &mut bufs[..cols * n];
                for i in 0..low {
                    let row = &coeffs[i * w + c0..i * w + c0 + cols];
                    for (k, &v) in row.iter().enumerate() {
                        bufs[k * n + i] = v;
                    }
                }
                for i in low..n {
                    for k in 0..cols {
                        bufs[k * n + i] = 0;
                    }
                }
                for i in 0..m - low {
                    let row = &coeffs[(n + i) * w + c0..(n + i) * w + c0 + cols];
                    for (k, &v) in row.iter().enumerate() {
                        bufs[k * n + i] = add(bufs[k * n + i], mont_mul(v, cn));
                    }
                }
                for buf in bufs.chunks_exact_mut(n) {
                    for (x, &p) in buf.iter_mut().zip(&pw) {
                        *x = mont_mul(*x, p);
                    }
                    dif(buf, &tw);
                }
                for (j, row) in dst.chunks_exact_mut(w).enumerate() {
                    for (k, v) in row[c0..c0 + cols].iter_mut().enumerate() {
                        *v = bufs[k * n + j];
                    }
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generator of the 2^27-th roots of unity of BabyBear (31^((p - 1) / 2^27)).
    fn root(log_n: u32) -> u32 {
        pow(pow(31, ((P - 1) >> 27) as u64), 1u64 << (27 - log_n))
    }

    #[test]
    fn dif_is_bit_reversed_dft() {
        let log_n = 6;
        let n = 1usize << log_n;
        let om = root(log_n);
        let a: Vec<u32> = (0..n as u32).map(|i| (i * 7919 + 13) % P).collect();
        let mut x = a.clone();
        dif(&mut x, &stage_twiddles(log_n, om));
        for (j, &got) in x.iter().enumerate() {
            let k = j.reverse_bits() >> (usize::BITS - log_n);
            let mut want = 0u64;
            for (i, &v) in a.iter().enumerate() {
                want = (want + v as u64 * pow(om, (i * k) as u64) as u64) % P as u64;
            }
            assert_eq!(got as u64, want, "row {j}");
        }
    }
}
