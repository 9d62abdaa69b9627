//! Poseidon2 over BabyBear, width 16 (Plonky3's `default_babybear_poseidon2_16`): the
//! permutation and the constructions the prover batches over it (row sponge, 2-to-1
//! compression, proof-of-work grinding). The Python reference is
//! `zkrv_prover.stark.field.poseidon2`; both must agree bit for bit.
//!
//! Layout: the kernels permute `LANES` states at once, stored transposed (element `i` of all
//! states is one vector, `poseidon2_packed`), so every step is one vector operation on `LANES`
//! independent states and the permutation needs no shuffles. Inside a block values are in
//! Montgomery form (`x * 2^32 mod p`): a product then costs three 32x32 multiplications and no
//! division. Each public kernel is compiled for AVX-512, AVX2 and plain code and picks the
//! best the CPU runs at run time (`isa`), because the crate is built for generic x86-64.

use std::sync::OnceLock;

use crate::poseidon2_constants::{DIAG, EXTERNAL_FINAL, EXTERNAL_INITIAL, INTERNAL};
use crate::poseidon2_packed::{mont_mul, Packed, Scalar, MU};
#[cfg(target_arch = "x86_64")]
use crate::poseidon2_packed::{Avx2, Avx512};
pub use crate::poseidon2_packed::{LANES, P};

/// State width, sponge rate and digest length, in field elements.
pub const WIDTH: usize = 16;
pub const RATE: usize = 8;
pub const DIGEST: usize = 8;

type Lanes = [u32; LANES];
/// `LANES` states, transposed: element `i` of every state is `block[i]` (Montgomery form).
type Block<V> = [V; WIDTH];

/// R^2 mod p: Montgomery-multiplying a canonical value by it gives its Montgomery form.
const R2: u32 = ((1u128 << 64) % P as u128) as u32;

/// Canonical value to Montgomery form.
#[inline(always)]
pub const fn to_mont(x: u32) -> u32 {
    mont_mul(x, R2)
}

/// Montgomery form to canonical value.
#[inline(always)]
pub const fn from_mont(x: u32) -> u32 {
    mont_mul(x, 1)
}

const fn mont_rows<const N: usize>(rows: [[u32; WIDTH]; N]) -> [[u32; WIDTH]; N] {
    let mut out = rows;
    let mut r = 0;
    while r < N {
        out[r] = mont_row(rows[r]);
        r += 1;
    }
    out
}

const fn mont_row<const N: usize>(row: [u32; N]) -> [u32; N] {
    let mut out = row;
    let mut i = 0;
    while i < N {
        out[i] = to_mont(row[i]);
        i += 1;
    }
    out
}

const RC_INITIAL: [[u32; WIDTH]; 4] = mont_rows(EXTERNAL_INITIAL);
const RC_FINAL: [[u32; WIDTH]; 4] = mont_rows(EXTERNAL_FINAL);
const RC_PARTIAL: [u32; 13] = mont_row(INTERNAL);

// ------------------------------------------------------------------------------------------
// The permutation on a block (everything `inline(always)`, so that it is compiled inside each
// target-feature kernel below)
// ------------------------------------------------------------------------------------------

/// (x + c)^7 for x, c < p. x + c - p is in (-p, p), the input range of `mul_lazy`, so the
/// constant costs one addition (c - p is precomputed); the intermediate products stay in
/// (-p, p) and only the result is corrected to [0, p). x^7 = x^4 * x^3 is three products deep
/// instead of four (x^2, x^3, x^6, x^7): in the partial rounds the S-box of x0 is one long
/// dependency chain.
#[inline(always)]
fn sbox_rc<V: Packed>(x: V, c: u32, mu: V) -> V {
    let x = x.wrapping_add(V::splat(c.wrapping_sub(P)));
    let x2 = x.mul_lazy(x, mu);
    let x3 = x2.mul_lazy(x, mu);
    let x4 = x2.mul_lazy(x2, mu);
    x4.mul_lazy(x3, mu).canonical()
}

/// M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]] on one quarter, with 10 additions
/// (Plonky3's addition chain) instead of 12 additions and 8 doublings.
#[inline(always)]
fn mat4<V: Packed>(s: &mut Block<V>, q: usize) {
    let [x0, x1, x2, x3] = [s[q], s[q + 1], s[q + 2], s[q + 3]];
    let t01 = x0.add(x1);
    let t23 = x2.add(x3);
    let t0123 = t01.add(t23);
    let t01123 = t0123.add(x1);
    let t01233 = t0123.add(x3);
    s[q] = t01123.add(t01); // 2 x0 + 3 x1 + x2 + x3
    s[q + 1] = t01123.add(x2.add(x2)); // x0 + 2 x1 + 3 x2 + x3
    s[q + 2] = t01233.add(t23); // x0 + x1 + 2 x2 + 3 x3
    s[q + 3] = t01233.add(x0.add(x0)); // 3 x0 + x1 + x2 + 2 x3
}

/// circ(2 M4, M4, M4, M4): M4 on each quarter, then each element adds the sum of its
/// position over the four quarters.
#[inline(always)]
fn external<V: Packed>(s: &mut Block<V>) {
    for q in (0..WIDTH).step_by(4) {
        mat4(s, q);
    }
    for i in 0..4 {
        let sum = s[i].add(s[i + 4]).add(s[i + 8].add(s[i + 12]));
        for q in (0..WIDTH).step_by(4) {
            s[q + i] = s[q + i].add(sum);
        }
    }
}

/// x * 2^-k mod p (0 < k <= 27), without a product. p = 15 * 2^27 + 1 makes 2^-27 = -15, so
/// 2^-k = -15 * 2^(27 - k); splitting x = hi * 2^k + lo gives x * 2^-k = hi - lo * 15 * 2^(27 - k),
/// where both terms are below p. Montgomery form is linear, so this applies to it unchanged.
#[inline(always)]
fn div_2exp<V: Packed>(x: V, k: u32) -> V {
    let hi = x.shr(k);
    let lo = x.and(V::splat((1 << k) - 1));
    // lo * 15 * 2^(27 - k) = lo * 2^(31 - k) - lo * 2^(27 - k), no overflow as lo < 2^k.
    let t = lo.shl(31 - k).wrapping_sub(lo.shl(27 - k));
    hi.sub(t)
}

/// `DIAG[i]` as numerator / 2^k, the form `partial_round` hard-codes.
const DIAG_FAST: [(i64, u32); WIDTH] = [
    (-2, 0),
    (1, 0),
    (2, 0),
    (1, 1),
    (3, 0),
    (4, 0),
    (-1, 1),
    (-3, 0),
    (-4, 0),
    (1, 8),
    (1, 2),
    (1, 3),
    (1, 27),
    (-1, 8),
    (-1, 4),
    (-1, 27),
];

// Compile-time check that `partial_round` multiplies by the diagonal of the constants file.
const _: () = {
    let mut i = 0;
    while i < WIDTH {
        let (num, k) = DIAG_FAST[i];
        let lhs = ((DIAG[i] as u64) << k) % P as u64;
        let rhs = num.rem_euclid(P as i64) as u64;
        assert!(lhs == rhs, "partial_round disagrees with DIAG");
        i += 1;
    }
};

/// A partial round: x0 <- (x0 + c)^7, then x_i <- sum(x) + DIAG[i] * x_i. DIAG = [-2, 1, 2,
/// 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/4, 1/8, 1/2^27, -1/2^8, -1/16, -1/2^27] (`DIAG`), so every
/// product is a few additions or a `div_2exp` instead of a Montgomery product. The sum of
/// x1..x15 does not depend on the S-box, so it is a tree computed alongside it.
#[inline(always)]
fn partial_round<V: Packed>(s: &mut Block<V>, c: u32, mu: V) {
    let x0 = sbox_rc(s[0], c, mu);
    let [_, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15] = *s;
    let q1 = x1.add(x2).add(x3.add(x4));
    let q2 = x5.add(x6).add(x7.add(x8));
    let q3 = x9.add(x10).add(x11.add(x12));
    let q4 = x13.add(x14).add(x15);
    let sum = q1.add(q2).add(q3.add(q4)).add(x0);
    let (x2_2, x4_2, x5_2) = (x2.add(x2), x4.add(x4), x5.add(x5));
    let (x7_2, x8_2) = (x7.add(x7), x8.add(x8));
    *s = [
        sum.sub(x0.add(x0)),
        sum.add(x1),
        sum.add(x2_2),
        sum.add(div_2exp(x3, 1)),
        sum.add(x4_2.add(x4)),
        sum.add(x5_2.add(x5_2)),
        sum.sub(div_2exp(x6, 1)),
        sum.sub(x7_2.add(x7)),
        sum.sub(x8_2.add(x8_2)),
        sum.add(div_2exp(x9, 8)),
        sum.add(div_2exp(x10, 2)),
        sum.add(div_2exp(x11, 3)),
        sum.add(div_2exp(x12, 27)),
        sum.sub(div_2exp(x13, 8)),
        sum.sub(div_2exp(x14, 4)),
        sum.sub(div_2exp(x15, 27)),
    ];
}

#[inline(always)]
fn full_round<V: Packed>(s: &mut Block<V>, rc: &[u32; WIDTH], mu: V) {
    for (x, &c) in s.iter_mut().zip(rc) {
        *x = sbox_rc(*x, c, mu);
    }
    external(s);
}

/// The permutation of every state of a block (Montgomery form in and out).
#[inline(always)]
fn permute_block<V: Packed>(s: &mut Block<V>) {
    // MU, opaque to the optimiser (see `Packed::mul_lazy`); costs one store and load a block.
    let mu = std::hint::black_box(V::splat(MU));
    external(s);
    for rc in &RC_INITIAL {
        full_round(s, rc, mu);
    }
    for &c in &RC_PARTIAL {
        partial_round(s, c, mu);
    }
    for rc in &RC_FINAL {
        full_round(s, rc, mu);
    }
}

/// Canonical lanes into Montgomery form, vectorised.
#[inline(always)]
fn load_mont<V: Packed>(x: &Lanes) -> V {
    V::load(x).mul(V::splat(R2))
}

/// Montgomery form out to canonical lanes, vectorised.
#[inline(always)]
fn store_canonical<V: Packed>(x: V) -> Lanes {
    x.mul(V::splat(1)).store()
}

// ------------------------------------------------------------------------------------------
// Kernels on up to LANES row-major states (generic bodies; dispatched below)
// ------------------------------------------------------------------------------------------

/// Element `i` of each row of `rows` (rows of width `w`, at most LANES; missing lanes zero),
/// canonical in, Montgomery form out.
#[inline(always)]
fn column<V: Packed>(rows: &[u32], w: usize, i: usize) -> V {
    if rows.len() == LANES * w {
        return V::gather(rows, w, i).mul(V::splat(R2));
    }
    let mut col = [0u32; LANES];
    for (c, row) in col.iter_mut().zip(rows.chunks_exact(w)) {
        *c = row[i];
    }
    load_mont(&col)
}

/// Writes the first `keep` elements of each state of `s` (canonical) to the rows of `dst`.
/// The loop runs over all of `s` with constant indices (and skips the rest): a slice
/// `s[..keep]` would index the state dynamically and keep it in memory instead of registers.
#[inline(always)]
fn write_rows<V: Packed>(s: &Block<V>, dst: &mut [u32], keep: usize) {
    for (i, &x) in s.iter().enumerate() {
        if i < keep {
            let col = store_canonical(x);
            for (row, &v) in dst.chunks_exact_mut(keep).zip(&col) {
                row[i] = v;
            }
        }
    }
}

/// Permutes the `src.len() / 16` (<= LANES) states of `src` and writes the first `keep`
/// elements of each result to `dst` (row-major, `keep` per state).
#[inline(always)]
fn permute_rows_generic<V: Packed>(src: &[u32], dst: &mut [u32], keep: usize) {
    let mut s: Block<V> = std::array::from_fn(|i| column(src, WIDTH, i));
    permute_block(&mut s);
    write_rows(&s, dst, keep);
}

/// The sponge digests (`DIGEST` each, into `dst`) of the `src.len() / w` (<= LANES) rows of
/// width `w` in `src`: capacity element 8 starts at `w`, each chunk of up to `RATE` values
/// overwrites the front of the rate, then the state is permuted.
#[inline(always)]
fn hash_rows_generic<V: Packed>(src: &[u32], w: usize, dst: &mut [u32]) {
    let mut s: Block<V> = [V::splat(0); WIDTH];
    s[RATE] = V::splat(to_mont((w % P as usize) as u32));
    // Constant indices into `s` only (see `write_rows`): full chunks, then the short one.
    for c in (0..w - w % RATE).step_by(RATE) {
        for (i, x) in s[..RATE].iter_mut().enumerate() {
            *x = column(src, w, c + i);
        }
        permute_block(&mut s);
    }
    let (c, rest) = (w - w % RATE, w % RATE);
    if rest > 0 {
        for (i, x) in s[..RATE].iter_mut().enumerate() {
            if i < rest {
                *x = column(src, w, c + i);
            }
        }
        permute_block(&mut s);
    }
    write_rows(&s, dst, DIGEST);
}

/// The overwrite-mode sponge of `hash_rows_generic` with a runtime shape (the 128-bit security
/// profile's 9-element digests at rate 7, and its node compression): capacity element `rate`
/// starts at `tag` (< p), each chunk of up to `rate` values overwrites the front of the state,
/// then the state is permuted; the first `digest` elements of each row's final state go to
/// `dst`. Callers check `1 <= rate < WIDTH` and `1 <= digest <= WIDTH`. Every access to `s`
/// is a constant-index loop with a condition (see `write_rows`).
#[inline(always)]
fn sponge_rows_generic<V: Packed>(
    src: &[u32],
    w: usize,
    rate: usize,
    tag: u32,
    digest: usize,
    dst: &mut [u32],
) {
    let mut s: Block<V> = [V::splat(0); WIDTH];
    for (i, x) in s.iter_mut().enumerate() {
        if i == rate {
            *x = V::splat(to_mont(tag));
        }
    }
    let mut c = 0;
    while c < w {
        let len = (w - c).min(rate);
        for (i, x) in s.iter_mut().enumerate() {
            if i < len {
                *x = column(src, w, c + i);
            }
        }
        permute_block(&mut s);
        c += len;
    }
    write_rows(&s, dst, digest);
}

/// The smallest nonce `first + l` (l < LANES, nonce < p) whose permuted state has
/// `s[7] & mask == 0`, if any. `base` is the Montgomery-form state with the pending values
/// written; the nonce goes to `slot`.
#[inline(always)]
fn grind_generic<V: Packed>(
    base: &[u32; WIDTH],
    slot: usize,
    first: u32,
    mask: u32,
) -> Option<u32> {
    let mut s: Block<V> = std::array::from_fn(|i| V::splat(base[i]));
    // Lanes past p - 1 get nonce 0 (a valid state); their hits are ignored below.
    let nonces: Lanes = std::array::from_fn(|l| first.wrapping_add(l as u32));
    s[slot] = load_mont(&nonces.map(|n| if n < P { n } else { 0 }));
    permute_block(&mut s);
    let out = store_canonical(s[7]);
    (0..LANES)
        .find(|&l| out[l] & mask == 0 && nonces[l] < P && nonces[l] >= first)
        .map(|l| nonces[l])
}

// ------------------------------------------------------------------------------------------
// Run-time dispatch
// ------------------------------------------------------------------------------------------

/// Instruction sets the kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    Avx512,
    Avx2,
    Baseline,
}

/// The best instruction set this CPU runs. `ZKRV_NATIVE_P2_ISA=avx2|baseline` lowers it, so
/// tests can check every kernel variant on one machine (a request above what the CPU has is
/// ignored).
pub fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        let best = detect();
        match std::env::var("ZKRV_NATIVE_P2_ISA").as_deref() {
            Ok("baseline") => Isa::Baseline,
            Ok("avx2") if best == Isa::Avx512 => Isa::Avx2,
            _ => best,
        }
    })
}

fn detect() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw") {
            return Isa::Avx512;
        }
        if is_x86_feature_detected!("avx2") {
            return Isa::Avx2;
        }
    }
    Isa::Baseline
}

/// Defines `pub fn $name` running `$generic` compiled for the instruction set `isa()` picks.
macro_rules! dispatch {
    ($(#[$doc:meta])* pub fn $name:ident($($a:ident: $t:ty),*) $(-> $r:ty)? = $generic:ident) => {
        $(#[$doc])*
        pub fn $name($($a: $t),*) $(-> $r)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2")]
                fn avx512($($a: $t),*) $(-> $r)? {
                    $generic::<Avx512>($($a),*)
                }
                #[target_feature(enable = "avx2")]
                fn avx2($($a: $t),*) $(-> $r)? {
                    $generic::<Avx2>($($a),*)
                }
                match isa() {
                    // SAFETY: isa() returns these only when the CPU supports the features.
                    Isa::Avx512 => return unsafe { avx512($($a),*) },
                    Isa::Avx2 => return unsafe { avx2($($a),*) },
                    Isa::Baseline => {}
                }
            }
            $generic::<Scalar>($($a),*)
        }
    };
}

dispatch! {
    /// Permutes up to LANES row-major states (`src`, 16 values each, canonical) and writes the
    /// first `keep` elements of each result to `dst` (`keep` values per state).
    pub fn permute_rows(src: &[u32], dst: &mut [u32], keep: usize) = permute_rows_generic
}

dispatch! {
    /// Sponge digests of up to LANES canonical rows of width `w` (see `hash_rows_generic`).
    pub fn hash_rows(src: &[u32], w: usize, dst: &mut [u32]) = hash_rows_generic
}

dispatch! {
    /// Sponge digests of up to LANES canonical rows of width `w` with a runtime rate, capacity
    /// tag and digest size (see `sponge_rows_generic`).
    pub fn sponge_rows(src: &[u32], w: usize, rate: usize, tag: u32, digest: usize, dst: &mut [u32])
        = sponge_rows_generic
}

dispatch! {
    /// The smallest hit among nonces `first .. first + LANES` (see `grind_generic`).
    pub fn grind_lanes(base: &[u32; WIDTH], slot: usize, first: u32, mask: u32) -> Option<u32>
        = grind_generic
}

/// The permutation of one canonical state (a convenience for tests and small callers).
pub fn permute(state: &[u32; WIDTH]) -> [u32; WIDTH] {
    let mut out = [0; WIDTH];
    permute_rows(state, &mut out, WIDTH);
    out
}

/// Montgomery form of a canonical state (the `base` argument of `grind_lanes`).
pub fn to_mont_state(state: &[u32; WIDTH]) -> [u32; WIDTH] {
    state.map(to_mont)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Plonky3 baby-bear/src/poseidon2.rs, test_default_babybear_poseidon2_width_16.
    const IN: [u32; 16] = [
        894848333, 1437655012, 1200606629, 1690012884, 71131202, 1749206695, 1717947831, 120589055,
        19776022, 42382981, 1831865506, 724844064, 171220207, 1299207443, 227047920, 1783754913,
    ];
    const OUT: [u32; 16] = [
        516096821, 90309867, 1101817252, 1660784290, 360715097, 1789519026, 1788910906, 563338433,
        319524748, 1741414159, 1650859320, 894311162, 1121347488, 1692793758, 1052633829,
        1344246938,
    ];

    #[test]
    fn montgomery_round_trip() {
        assert_eq!(P.wrapping_mul(crate::poseidon2_packed::MU), 1);
        for x in [0, 1, 2, P - 1, P / 2, 123_456_789] {
            assert_eq!(from_mont(to_mont(x)), x);
            assert_eq!(
                from_mont(mont_mul(to_mont(x), to_mont(x))) as u64,
                (x as u64).pow(2) % P as u64
            );
        }
    }

    /// The partial round against its definition: S-box, then general Montgomery products by
    /// `DIAG` (the fast path replaces those products with additions and shifts).
    #[test]
    fn partial_round_matches_diag_products() {
        let mut x = 0x1234_5678u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x % P
        };
        for round in 0..64 {
            // Edge values first: 0, 1, p - 1 and values with all low bits set.
            let lanes: [[u32; WIDTH]; LANES] = std::array::from_fn(|l| {
                std::array::from_fn(|i| match (round, l) {
                    (0, 0) => 0,
                    (0, 1) => 1,
                    (0, 2) => P - 1,
                    (0, 3) => (1 << 27) - 1 + (i as u32),
                    _ => next(),
                })
            });
            let c = next();
            let mut s: Block<Scalar> =
                std::array::from_fn(|i| Scalar::load(&std::array::from_fn(|l| lanes[l][i])));
            partial_round(&mut s, c, Scalar::splat(MU));
            for (l, lane) in lanes.iter().enumerate() {
                let mut v = *lane;
                v[0] = (0..7).fold(to_mont(1), |acc, _| {
                    mont_mul(acc, crate::poseidon2_packed::add(v[0], c))
                });
                let sum = v.iter().fold(0, |a, &b| crate::poseidon2_packed::add(a, b));
                for (i, vi) in v.iter_mut().enumerate() {
                    *vi = crate::poseidon2_packed::add(sum, mont_mul(*vi, to_mont(DIAG[i])));
                }
                for i in 0..WIDTH {
                    assert_eq!(s[i].store()[l], v[i], "round {round} lane {l} element {i}");
                }
            }
        }
    }

    #[test]
    fn plonky3_vector() {
        assert_eq!(permute(&IN), OUT);
        let mut out = [0; WIDTH];
        permute_rows_generic::<Scalar>(&IN, &mut out, WIDTH);
        assert_eq!(out, OUT);
    }
}
