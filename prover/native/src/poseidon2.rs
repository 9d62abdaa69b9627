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
use crate::poseidon2_packed::{mont_mul, Packed, Scalar};
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
const DIAG_MONT: [u32; WIDTH] = mont_row(DIAG);

// ------------------------------------------------------------------------------------------
// The permutation on a block (everything `inline(always)`, so that it is compiled inside each
// target-feature kernel below)
// ------------------------------------------------------------------------------------------

#[inline(always)]
fn sbox<V: Packed>(x: V) -> V {
    let x2 = x.mul(x);
    let x3 = x2.mul(x);
    let x6 = x3.mul(x3);
    x6.mul(x)
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

/// x_i <- sum(x) + DIAG[i] * x_i.
#[inline(always)]
fn internal<V: Packed>(s: &mut Block<V>) {
    let mut sum = s[0];
    for &x in &s[1..] {
        sum = sum.add(x);
    }
    for (x, &d) in s.iter_mut().zip(&DIAG_MONT) {
        *x = x.mul(V::splat(d)).add(sum);
    }
}

#[inline(always)]
fn full_round<V: Packed>(s: &mut Block<V>, rc: &[u32; WIDTH]) {
    for (x, &c) in s.iter_mut().zip(rc) {
        *x = sbox(x.add(V::splat(c)));
    }
    external(s);
}

/// The permutation of every state of a block (Montgomery form in and out).
#[inline(always)]
fn permute_block<V: Packed>(s: &mut Block<V>) {
    external(s);
    for rc in &RC_INITIAL {
        full_round(s, rc);
    }
    for &c in &RC_PARTIAL {
        s[0] = sbox(s[0].add(V::splat(c)));
        internal(s);
    }
    for rc in &RC_FINAL {
        full_round(s, rc);
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
    let mut col = [0u32; LANES];
    for (c, row) in col.iter_mut().zip(rows.chunks_exact(w)) {
        *c = row[i];
    }
    load_mont(&col)
}

/// Writes the first `keep` elements of each state of `s` (canonical) to the rows of `dst`.
#[inline(always)]
fn write_rows<V: Packed>(s: &Block<V>, dst: &mut [u32], keep: usize) {
    for (i, &x) in s[..keep].iter().enumerate() {
        let col = store_canonical(x);
        for (row, &v) in dst.chunks_exact_mut(keep).zip(&col) {
            row[i] = v;
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
    for c in (0..w).step_by(RATE) {
        for (i, x) in s[..RATE.min(w - c)].iter_mut().enumerate() {
            *x = column(src, w, c + i);
        }
        permute_block(&mut s);
    }
    write_rows(&s, dst, DIGEST);
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

    #[test]
    fn plonky3_vector() {
        assert_eq!(permute(&IN), OUT);
        let mut out = [0; WIDTH];
        permute_rows_generic::<Scalar>(&IN, &mut out, WIDTH);
        assert_eq!(out, OUT);
    }
}
