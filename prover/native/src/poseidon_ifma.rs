//! Poseidon on 8 independent states at once with AVX-512 IFMA (52-bit multiply-accumulate).
//!
//! Same permutation and schedule as `poseidon::Params::permute_lane0` (lane-0 constants in the
//! partial rounds, sparse factors, final dense block, lane-0-only last MDS row), so the outputs
//! are identical; only the arithmetic differs:
//!
//! - a scalar is 5 limbs of 52 bits, and limb k of the 8 states sits in one 512-bit register;
//! - Montgomery form with R = 2^260 (not arkworks' 2^256): values enter through a
//!   multiplication by R^2 mod p and leave through a multiplication by 1;
//! - reduction is lazy. With p < 2^254, R > 64 p, so a Montgomery product of a, b with
//!   a * b < R p is below 2p, and so is a reduced dot product whose unreduced sum is below R p.
//!   Invariants: every reduced value (S-box, dot products) is < 2p; after adding a round
//!   constant (< p) < 3p, the S-box input (3p * 3p < R p). Dot products have at most 22 terms of
//!   < 2p times a canonical constant (< 44 p^2 < R p). Column accumulators hold at most ~230
//!   terms < 2^52: no 64-bit overflow.
//! - the partial rounds run in blocks with the lanes 1.. expanded linearly (`blocked_partial`),
//!   so a partial round costs one reduced dot product instead of t reductions.
//!
//! Use `available()` before calling anything else: the functions need `avx512f` and
//! `avx512ifma` at run time (checked once; the scalar path serves CPUs without them).

// Limb arithmetic indexes several arrays in step; index loops read clearer than zips here.
#![allow(clippy::needless_range_loop)]

use std::arch::x86_64::*;
use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::{BigInt, Field, PrimeField};

use crate::poseidon::{self, ROUNDS_F, T_MAX, T_MIN};

pub const LANES: usize = 8;
const MASK52: u64 = (1 << 52) - 1;

/// The scalar field modulus in 52-bit limbs.
const P: [u64; 5] = limbs52(<Fr as PrimeField>::MODULUS.0);

/// Split a 4x64-bit little-endian integer (< 2^260) into 5 limbs of 52 bits.
const fn limbs52(w: [u64; 4]) -> [u64; 5] {
    [
        w[0] & MASK52,
        ((w[0] >> 52) | (w[1] << 12)) & MASK52,
        ((w[1] >> 40) | (w[2] << 24)) & MASK52,
        ((w[2] >> 28) | (w[3] << 36)) & MASK52,
        w[3] >> 16,
    ]
}

/// Join 5 limbs of 52 bits (value < 2^256) into 4x64-bit little-endian limbs.
fn limbs64(l: [u64; 5]) -> [u64; 4] {
    [
        l[0] | (l[1] << 52),
        (l[1] >> 12) | (l[2] << 40),
        (l[2] >> 24) | (l[3] << 28),
        (l[3] >> 36) | (l[4] << 16),
    ]
}

/// -p^{-1} mod 2^52.
const fn pinv52() -> u64 {
    let p0 = P[0];
    let mut inv = 1u64;
    let mut i = 0;
    while i < 7 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK52
}
const PINV: u64 = pinv52();

/// One field element in the 52-bit Montgomery domain (for broadcast constants).
type C5 = [u64; 5];

/// Field element `x` as x * 2^260 mod p, in 52-bit limbs.
fn to_c5(x: &Fr) -> C5 {
    let r260 = Fr::from(2u64).pow([260u64]);
    limbs52((*x * r260).into_bigint().0)
}

/// Constants of one width, converted for the vector path (same schedule as `Params`).
pub struct IfmaParams {
    t: usize,
    rounds_p: usize,
    full_c: Vec<C5>,    // ROUNDS_F * t
    partial_c: Vec<C5>, // rounds_p
    /// Partial rounds in blocks (see `blocked_partial`): per round i of a block starting at b,
    /// the coefficients of acc_i over [s_i, x_1(b) .. x_{t-1}(b), s_b .. s_{i-1}]; then per
    /// block and lane j >= 1 those of x_j(e) over [x_j(b), s_b .. s_{e-1}].
    block_acc: Vec<C5>,
    block_lane: Vec<C5>,
    last_block: Vec<C5>, // (t - 1) * t, column 0 zero
    m0: Vec<C5>,         // MDS row 0 (the last round's only row)
    m: Vec<C5>,          // t * t
    r2: C5,              // R^2 mod p in plain 52-bit limbs (enters the Montgomery domain)
}

fn flat(rows: &[Vec<Fr>]) -> Vec<C5> {
    rows.iter().flat_map(|r| r.iter().map(to_c5)).collect()
}

fn build(t: usize) -> IfmaParams {
    let p = poseidon::params(t).expect("width checked");
    let r520 = Fr::from(2u64).pow([520u64]);
    let (block_acc, block_lane) = blocked_partial(p);
    IfmaParams {
        t,
        rounds_p: p.rounds_p,
        full_c: flat(&p.full_c),
        partial_c: p.partial_c.iter().map(to_c5).collect(),
        block_acc: block_acc.iter().map(to_c5).collect(),
        block_lane: block_lane.iter().map(to_c5).collect(),
        last_block: flat(&p.last_block),
        m0: p.m[0].iter().map(to_c5).collect(),
        m: flat(&p.m),
        r2: limbs52(r520.into_bigint().0),
    }
}

/// Partial rounds per block. A partial round of the scalar schedule is
/// `s_i = (x_0 + c_i)^5; acc_i = row0_i . (s_i, x_1, .., x_{t-1}); x_j += w_i[j] s_i; x_0 = acc_i`.
/// Lanes 1.. only change linearly, so inside a block [b, e) they are expanded:
/// `x_j(i) = x_j(b) + sum_{b<=l<i} w_l[j] s_l` and
/// `acc_i = row0_i[0] s_i + sum_j row0_i[j] x_j(b) + sum_{b<=l<i} (sum_j row0_i[j] w_l[j]) s_l`,
/// one reduced dot product per round instead of t; lanes 1.. are updated once per block. Same
/// field values, fewer Montgomery reductions. A dot product has at most 1 + 16 + (BLOCK - 1)
/// terms, each of < 2p times a canonical constant: below 2 * 22 p^2 < R p for BLOCK = 6.
const BLOCK: usize = 6;

fn blocked_partial(p: &poseidon::Params) -> (Vec<Fr>, Vec<Fr>) {
    let t = p.t;
    let (mut acc, mut lane) = (Vec::new(), Vec::new());
    let mut b = 0;
    while b < p.rounds_p {
        let e = (b + BLOCK).min(p.rounds_p);
        for i in b..e {
            let row0 = &p.sparse_row0[i];
            acc.extend_from_slice(row0); // s_i, then x_1(b) .. x_{t-1}(b)
            for l in b..i {
                let w = &p.sparse_col[l];
                acc.push((1..t).map(|j| row0[j] * w[j - 1]).sum());
            }
        }
        for j in 1..t {
            lane.push(Fr::from(1u64));
            lane.extend((b..e).map(|l| p.sparse_col[l][j - 1]));
        }
        b = e;
    }
    (acc, lane)
}

static IFMA_PARAMS: [OnceLock<IfmaParams>; T_MAX + 1] = [const { OnceLock::new() }; T_MAX + 1];

fn ifma_params(t: usize) -> &'static IfmaParams {
    IFMA_PARAMS[t].get_or_init(|| build(t))
}

/// Whether this CPU runs the vector path (and `ZKRV_NATIVE_NO_IFMA` is not set, which forces
/// the scalar path so tests can compare the two in one process).
pub fn available() -> bool {
    static AVAIL: OnceLock<bool> = OnceLock::new();
    *AVAIL.get_or_init(|| {
        std::env::var_os("ZKRV_NATIVE_NO_IFMA").is_none()
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512ifma")
    })
}

#[derive(Clone, Copy)]
struct V([__m512i; 5]);

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn bc(c: &C5) -> V {
    V([
        _mm512_set1_epi64(c[0] as i64),
        _mm512_set1_epi64(c[1] as i64),
        _mm512_set1_epi64(c[2] as i64),
        _mm512_set1_epi64(c[3] as i64),
        _mm512_set1_epi64(c[4] as i64),
    ])
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn zero10() -> [__m512i; 10] {
    [_mm512_setzero_si512(); 10]
}

/// t += a * b (unreduced, 10 columns of 52-bit weight).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mac(t: &mut [__m512i; 10], a: &V, b: &V) {
    for i in 0..5 {
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a.0[i], b.0[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a.0[i], b.0[j]);
        }
    }
}

/// Carry-propagate 5 limbs to 52 bits each (the top limb keeps any excess).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn normalize(mut x: [__m512i; 5]) -> V {
    let mask = _mm512_set1_epi64(MASK52 as i64);
    for k in 0..4 {
        let c = _mm512_srli_epi64::<52>(x[k]);
        x[k] = _mm512_and_si512(x[k], mask);
        x[k + 1] = _mm512_add_epi64(x[k + 1], c);
    }
    V(x)
}

/// Montgomery reduction of an unreduced sum T < R p: T / 2^260 mod p, below 2p.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn reduce(mut t: [__m512i; 10]) -> V {
    let zero = _mm512_setzero_si512();
    let pinv = _mm512_set1_epi64(PINV as i64);
    let p = bc(&P);
    for i in 0..5 {
        // m = t_i * (-p^-1) mod 2^52 uses only the low 52 bits of t_i, as it should.
        let m = _mm512_madd52lo_epu64(zero, t[i], pinv);
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, p.0[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, p.0[j]);
        }
        // The low 52 bits of t_i are now zero; the rest carries into the next column.
        t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
    }
    normalize([t[5], t[6], t[7], t[8], t[9]])
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul(a: &V, b: &V) -> V {
    let mut t = zero10();
    mac(&mut t, a, b);
    reduce(t)
}

/// a^2 with the cross products computed once and doubled.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn sqr(a: &V) -> V {
    let mut x = zero10();
    for i in 0..5 {
        for j in i + 1..5 {
            x[i + j] = _mm512_madd52lo_epu64(x[i + j], a.0[i], a.0[j]);
            x[i + j + 1] = _mm512_madd52hi_epu64(x[i + j + 1], a.0[i], a.0[j]);
        }
    }
    for c in x.iter_mut() {
        *c = _mm512_slli_epi64::<1>(*c);
    }
    for i in 0..5 {
        x[2 * i] = _mm512_madd52lo_epu64(x[2 * i], a.0[i], a.0[i]);
        x[2 * i + 1] = _mm512_madd52hi_epu64(x[2 * i + 1], a.0[i], a.0[i]);
    }
    reduce(x)
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn add(a: &V, b: &V) -> V {
    normalize([
        _mm512_add_epi64(a.0[0], b.0[0]),
        _mm512_add_epi64(a.0[1], b.0[1]),
        _mm512_add_epi64(a.0[2], b.0[2]),
        _mm512_add_epi64(a.0[3], b.0[3]),
        _mm512_add_epi64(a.0[4], b.0[4]),
    ])
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn pow5(x: &V) -> V {
    let x2 = sqr(x);
    let x4 = sqr(&x2);
    mul(&x4, x)
}

/// Dot product of constants `c` with the values `xs` (same count), reduced once.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn dot_iter<'a>(c: &[C5], xs: impl Iterator<Item = &'a V>) -> V {
    let mut t = zero10();
    for (ci, x) in c.iter().zip(xs) {
        mac(&mut t, &bc(ci), x);
    }
    reduce(t)
}

/// Dot product of constants `c` (one per state lane) with the state, reduced once.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn dot<const T: usize>(c: &[C5], st: &[V; T]) -> V {
    let mut t = zero10();
    for (ci, x) in c.iter().zip(st) {
        mac(&mut t, &bc(ci), x);
    }
    reduce(t)
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn full_round<const T: usize>(st: &mut [V; T], c: &[C5]) {
    for (x, ci) in st.iter_mut().zip(c) {
        *x = pow5(&add(x, &bc(ci)));
    }
}

/// Lane 0 of the permutation of 8 states (Montgomery domain in and out).
#[target_feature(enable = "avx512f,avx512ifma")]
fn permute_lane0<const T: usize>(p: &IfmaParams, st: &mut [V; T]) -> V {
    let half = ROUNDS_F / 2;
    let mix = |st: &mut [V; T]| {
        let cur = *st;
        for (i, x) in st.iter_mut().enumerate() {
            *x = dot(&p.m[i * T..(i + 1) * T], &cur);
        }
    };
    for r in 0..half {
        full_round(st, &p.full_c[r * T..(r + 1) * T]);
        mix(st);
    }
    // Partial rounds in blocks (`blocked_partial`); `s` holds the block's S-box outputs.
    let (mut ka, mut kl) = (0, 0);
    let mut s = [st[0]; BLOCK];
    let mut b = 0;
    while b < p.rounds_p {
        let e = (b + BLOCK).min(p.rounds_p);
        for i in b..e {
            let n = T + (i - b);
            s[i - b] = pow5(&add(&st[0], &bc(&p.partial_c[i])));
            let vars = std::iter::once(&s[i - b])
                .chain(&st[1..])
                .chain(&s[..i - b]);
            st[0] = dot_iter(&p.block_acc[ka..ka + n], vars);
            ka += n;
        }
        let n = 1 + (e - b);
        for x in st[1..].iter_mut() {
            *x = dot_iter(
                &p.block_lane[kl..kl + n],
                std::iter::once(&*x).chain(&s[..e - b]),
            );
            kl += n;
        }
        b = e;
    }
    let cur = *st;
    for (j, x) in st[1..].iter_mut().enumerate() {
        *x = dot(&p.last_block[j * T..(j + 1) * T], &cur);
    }
    for r in half..ROUNDS_F - 1 {
        full_round(st, &p.full_c[r * T..(r + 1) * T]);
        mix(st);
    }
    full_round(st, &p.full_c[(ROUNDS_F - 1) * T..ROUNDS_F * T]);
    dot(&p.m0, st)
}

/// Load 8 standard-form scalars (4x64 limbs each, canonical) into the Montgomery domain.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn load(xs: &[[u64; 4]; LANES], r2: &V) -> V {
    let mut l = [[0u64; LANES]; 5];
    for (lane, x) in xs.iter().enumerate() {
        for (k, v) in limbs52(*x).into_iter().enumerate() {
            l[k][lane] = v;
        }
    }
    let v = V(l.map(|row| unsafe { _mm512_loadu_si512(row.as_ptr().cast()) }));
    mul(&v, r2)
}

/// Leave the Montgomery domain: 8 canonical standard-form scalars.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn store(x: &V) -> [[u64; 4]; LANES] {
    let y = mul(x, &bc(&[1, 0, 0, 0, 0]));
    let mut l = [[0u64; LANES]; 5];
    for (k, row) in l.iter_mut().enumerate() {
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), y.0[k]) };
    }
    let modulus = <Fr as PrimeField>::MODULUS.0;
    std::array::from_fn(|lane| {
        let v = limbs64([l[0][lane], l[1][lane], l[2][lane], l[3][lane], l[4][lane]]);
        // (x * 1) / R < p + 1: the only non-canonical value is p itself (x = 0 mod p).
        if v == modulus {
            [0; 4]
        } else {
            v
        }
    })
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn hash8_t<const T: usize>(p: &IfmaParams, inputs: &[[[u64; 4]; LANES]]) -> [[u64; 4]; LANES] {
    let r2 = bc(&p.r2);
    let mut st = [V([_mm512_setzero_si512(); 5]); T];
    for (x, col) in st[1..].iter_mut().zip(inputs) {
        *x = load(col, &r2);
    }
    let out = permute_lane0::<T>(p, &mut st);
    store(&out)
}

/// circomlib poseidon of 8 inputs at once: `inputs[j][lane]` is input j of hash `lane`
/// (standard-form canonical limbs, 1..=16 inputs); returns the 8 digests in standard form.
///
/// # Panics
/// If `available()` is false or the input count is outside 1..=16.
pub fn hash8(inputs: &[[[u64; 4]; LANES]]) -> [[u64; 4]; LANES] {
    assert!(available(), "AVX-512 IFMA path called on a CPU without it");
    let t = inputs.len() + 1;
    assert!((T_MIN..=T_MAX).contains(&t), "1..=16 inputs");
    let p = ifma_params(t);
    debug_assert_eq!(p.t, t);
    // SAFETY: `available()` checked that the CPU supports avx512f and avx512ifma.
    unsafe {
        match t {
            2 => hash8_t::<2>(p, inputs),
            3 => hash8_t::<3>(p, inputs),
            4 => hash8_t::<4>(p, inputs),
            5 => hash8_t::<5>(p, inputs),
            6 => hash8_t::<6>(p, inputs),
            7 => hash8_t::<7>(p, inputs),
            8 => hash8_t::<8>(p, inputs),
            9 => hash8_t::<9>(p, inputs),
            10 => hash8_t::<10>(p, inputs),
            11 => hash8_t::<11>(p, inputs),
            12 => hash8_t::<12>(p, inputs),
            13 => hash8_t::<13>(p, inputs),
            14 => hash8_t::<14>(p, inputs),
            15 => hash8_t::<15>(p, inputs),
            16 => hash8_t::<16>(p, inputs),
            _ => hash8_t::<17>(p, inputs),
        }
    }
}

/// Standard-form limbs of a field element.
#[inline]
pub fn std_limbs(x: &Fr) -> [u64; 4] {
    x.into_bigint().0
}

/// Field element from canonical standard-form limbs.
#[inline]
pub fn from_std(l: [u64; 4]) -> Fr {
    Fr::from_bigint(BigInt::new(l)).expect("canonical by construction")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn constants() {
        assert_eq!(PINV.wrapping_mul(P[0]) & MASK52, MASK52); // p * (-p^-1) = -1
        assert_eq!(limbs64(P), <Fr as PrimeField>::MODULUS.0);
    }

    #[test]
    fn matches_scalar_path_every_width() {
        if !available() {
            eprintln!("no AVX-512 IFMA on this CPU: vector path not exercised");
            return;
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for t in T_MIN..=T_MAX {
            for round in 0..3 {
                let inputs: Vec<[Fr; LANES]> = (0..t - 1)
                    .map(|j| {
                        std::array::from_fn(|lane| match (round, lane) {
                            (0, 0) => Fr::from(0u64),
                            (0, 1) => -Fr::from(1u64),
                            (1, _) if j == 0 => -Fr::from(lane as u64),
                            _ => Fr::rand(&mut rng),
                        })
                    })
                    .collect();
                let cols: Vec<[[u64; 4]; LANES]> = inputs
                    .iter()
                    .map(|c| std::array::from_fn(|lane| std_limbs(&c[lane])))
                    .collect();
                let got = hash8(&cols);
                for lane in 0..LANES {
                    let xs: Vec<Fr> = inputs.iter().map(|c| c[lane]).collect();
                    let want = poseidon::hash(&xs).unwrap();
                    assert_eq!(from_std(got[lane]), want, "t={t} lane={lane} round={round}");
                }
            }
        }
    }
}
