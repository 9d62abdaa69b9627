//! Poseidon2 over BabyBear, width 16 (Plonky3's `default_babybear_poseidon2_16`): the
//! permutation and the constructions the prover batches over it (row sponge, 2-to-1
//! compression, proof-of-work grinding). The Python reference is
//! `zkrv_prover.stark.field.poseidon2`; both must agree bit for bit.
//!
//! Layout: the kernels permute `LANES` states at once, stored transposed (`Block[i][l]` is
//! element `i` of state `l`), so every step is the same operation on `LANES` independent
//! values and the compiler vectorises it without intrinsics. Inside a block values are in
//! Montgomery form (`x * 2^32 mod p`): a product then costs three 32x32 multiplications and no
//! division. Each public kernel is compiled for AVX-512, AVX2 and the baseline target and
//! picks the best the CPU runs at run time (`isa`), because the crate is built for generic
//! x86-64.

use std::sync::OnceLock;

use crate::poseidon2_constants::{DIAG, EXTERNAL_FINAL, EXTERNAL_INITIAL, INTERNAL};

/// The BabyBear prime 2^31 - 2^27 + 1.
pub const P: u32 = 0x7800_0001;
/// State width, sponge rate and digest length, in field elements.
pub const WIDTH: usize = 16;
pub const RATE: usize = 8;
pub const DIGEST: usize = 8;
/// States permuted together by one kernel call (one AVX-512 register of u32 per element).
pub const LANES: usize = 16;

type Lanes = [u32; LANES];
/// `LANES` states, transposed: `block[i][l]` is element `i` of state `l` (Montgomery form).
type Block = [Lanes; WIDTH];

// ------------------------------------------------------------------------------------------
// Montgomery arithmetic (R = 2^32)
// ------------------------------------------------------------------------------------------

/// p^-1 mod 2^32, by Newton iteration (each step doubles the number of correct low bits).
const MU: u32 = {
    let mut inv: u32 = 1;
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(P.wrapping_mul(inv)));
        i += 1;
    }
    inv
};

/// R^2 mod p: Montgomery-multiplying a canonical value by it gives its Montgomery form.
const R2: u32 = ((1u128 << 64) % P as u128) as u32;

/// a * b / R mod p for a, b < p; result in [0, p).
#[inline(always)]
const fn mont_mul(a: u32, b: u32) -> u32 {
    let t = a as u64 * b as u64;
    let m = (t as u32).wrapping_mul(MU);
    let u = m as u64 * P as u64;
    // t and u agree in their low 32 bits, so t - u = (th - uh) * 2^32 exactly; th, uh < p.
    let r = ((t >> 32) as u32).wrapping_sub((u >> 32) as u32);
    // On a borrow r wrapped above 2^32 - p and r + p (wrapping) is the answer; otherwise
    // r + p > r. Either way the minimum is right, and min vectorises (vpminud).
    min(r, r.wrapping_add(P))
}

#[inline(always)]
const fn min(a: u32, b: u32) -> u32 {
    if a < b {
        a
    } else {
        b
    }
}

/// a + b mod p for a, b < p (the sum fits u32 since 2p < 2^32).
#[inline(always)]
const fn add(a: u32, b: u32) -> u32 {
    let s = a + b;
    min(s, s.wrapping_sub(P))
}

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
// target-feature kernel below and vectorised for that instruction set)
// ------------------------------------------------------------------------------------------

#[inline(always)]
fn vadd(a: &Lanes, b: &Lanes) -> Lanes {
    std::array::from_fn(|l| add(a[l], b[l]))
}

#[inline(always)]
fn sbox(x: &mut Lanes) {
    for v in x.iter_mut() {
        let x2 = mont_mul(*v, *v);
        let x3 = mont_mul(x2, *v);
        let x6 = mont_mul(x3, x3);
        *v = mont_mul(x6, *v);
    }
}

/// M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]] on one quarter, with 8 additions
/// (Plonky3's addition chain) instead of 12 additions and 8 doublings.
#[inline(always)]
fn mat4(s: &mut Block, q: usize) {
    let [x0, x1, x2, x3] = [s[q], s[q + 1], s[q + 2], s[q + 3]];
    let t01 = vadd(&x0, &x1);
    let t23 = vadd(&x2, &x3);
    let t0123 = vadd(&t01, &t23);
    let t01123 = vadd(&t0123, &x1);
    let t01233 = vadd(&t0123, &x3);
    s[q] = vadd(&t01123, &t01); // 2 x0 + 3 x1 + x2 + x3
    s[q + 1] = vadd(&t01123, &vadd(&x2, &x2)); // x0 + 2 x1 + 3 x2 + x3
    s[q + 2] = vadd(&t01233, &t23); // x0 + x1 + 2 x2 + 3 x3
    s[q + 3] = vadd(&t01233, &vadd(&x0, &x0)); // 3 x0 + x1 + x2 + 2 x3
}

/// circ(2 M4, M4, M4, M4): M4 on each quarter, then each element adds the sum of its
/// position over the four quarters.
#[inline(always)]
fn external(s: &mut Block) {
    for q in (0..WIDTH).step_by(4) {
        mat4(s, q);
    }
    for i in 0..4 {
        let sum = vadd(&vadd(&s[i], &s[i + 4]), &vadd(&s[i + 8], &s[i + 12]));
        for q in (0..WIDTH).step_by(4) {
            s[q + i] = vadd(&s[q + i], &sum);
        }
    }
}

/// x_i <- sum(x) + DIAG[i] * x_i.
#[inline(always)]
fn internal(s: &mut Block) {
    let mut sum = s[0];
    for row in &s[1..] {
        sum = vadd(&sum, row);
    }
    for (row, &d) in s.iter_mut().zip(&DIAG_MONT) {
        let scaled: Lanes = std::array::from_fn(|l| mont_mul(row[l], d));
        *row = vadd(&scaled, &sum);
    }
}

#[inline(always)]
fn full_round(s: &mut Block, rc: &[u32; WIDTH]) {
    for (row, &c) in s.iter_mut().zip(rc) {
        for v in row.iter_mut() {
            *v = add(*v, c);
        }
        sbox(row);
    }
    external(s);
}

/// The permutation of every state of a block (Montgomery form in and out).
#[inline(always)]
fn permute_block(s: &mut Block) {
    external(s);
    for rc in &RC_INITIAL {
        full_round(s, rc);
    }
    for &c in &RC_PARTIAL {
        for v in s[0].iter_mut() {
            *v = add(*v, c);
        }
        sbox(&mut s[0]);
        internal(s);
    }
    for rc in &RC_FINAL {
        full_round(s, rc);
    }
}

// ------------------------------------------------------------------------------------------
// Kernels on up to LANES row-major states (generic bodies; dispatched below)
// ------------------------------------------------------------------------------------------

/// Permutes the `src.len() / 16` (<= LANES) states of `src` and writes the first `keep`
/// elements of each result to `dst` (row-major, `keep` per state).
#[inline(always)]
fn permute_rows_generic(src: &[u32], dst: &mut [u32], keep: usize) {
    let mut s: Block = [[0; LANES]; WIDTH];
    for (l, row) in src.chunks_exact(WIDTH).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            s[i][l] = to_mont(v);
        }
    }
    permute_block(&mut s);
    for (l, out) in dst.chunks_exact_mut(keep).enumerate() {
        for (i, o) in out.iter_mut().enumerate() {
            *o = from_mont(s[i][l]);
        }
    }
}

/// The sponge digests (`DIGEST` each, into `dst`) of the `src.len() / w` (<= LANES) rows of
/// width `w` in `src`: capacity element 8 starts at `w`, each chunk of up to `RATE` values
/// overwrites the front of the rate, then the state is permuted.
#[inline(always)]
fn hash_rows_generic(src: &[u32], w: usize, dst: &mut [u32]) {
    let mut s: Block = [[0; LANES]; WIDTH];
    s[RATE] = [to_mont((w % P as usize) as u32); LANES];
    for c in (0..w).step_by(RATE) {
        let len = RATE.min(w - c);
        for (l, row) in src.chunks_exact(w).enumerate() {
            for (i, &v) in row[c..c + len].iter().enumerate() {
                s[i][l] = to_mont(v);
            }
        }
        permute_block(&mut s);
    }
    for (l, out) in dst.chunks_exact_mut(DIGEST).enumerate() {
        for (i, o) in out.iter_mut().enumerate() {
            *o = from_mont(s[i][l]);
        }
    }
}

/// The smallest lane `l` with nonce `first + l < p` for which `grind_ok` holds, if any. `base`
/// is the Montgomery-form state with the pending values written; the nonce goes to `slot`.
#[inline(always)]
fn grind_generic(base: &[u32; WIDTH], slot: usize, first: u32, mask: u32) -> Option<u32> {
    let mut s: Block = std::array::from_fn(|i| [base[i]; LANES]);
    // Lanes past p - 1 get nonce 0 (a valid state) and are ignored below.
    s[slot] = std::array::from_fn(|l| {
        let n = first.wrapping_add(l as u32);
        if n < P {
            to_mont(n)
        } else {
            0
        }
    });
    permute_block(&mut s);
    let hits: [bool; LANES] = std::array::from_fn(|l| from_mont(s[7][l]) & mask == 0);
    (0..LANES as u32)
        .find(|&l| hits[l as usize] && first.checked_add(l).is_some_and(|n| n < P))
        .map(|l| first + l)
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
                #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2")]
                fn avx512($($a: $t),*) $(-> $r)? {
                    $generic($($a),*)
                }
                #[target_feature(enable = "avx2")]
                fn avx2($($a: $t),*) $(-> $r)? {
                    $generic($($a),*)
                }
                match isa() {
                    // SAFETY: isa() returns these only when the CPU supports the features.
                    Isa::Avx512 => return unsafe { avx512($($a),*) },
                    Isa::Avx2 => return unsafe { avx2($($a),*) },
                    Isa::Baseline => {}
                }
            }
            $generic($($a),*)
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
        assert_eq!(P.wrapping_mul(MU), 1);
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
        permute_rows_generic(&IN, &mut out, WIDTH);
        assert_eq!(out, OUT);
    }
}
