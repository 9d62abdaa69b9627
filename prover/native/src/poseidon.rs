//! Poseidon over the BN254 scalar field with circomlib's parameters (x^5, R_F = 8, R_P per width).
//!
//! The constants are regenerated here from the Poseidon authors' Grain LFSR procedure (the same
//! procedure the Python reference implements independently; both are tested against circomlibjs).
//! The permutation uses the standard partial-round optimization: the constants of partial rounds
//! are pushed forward so only lane 0 gets one, and each partial round's MDS matrix is factored as
//! a dense block on lanes 1.. (carried into the next round) times a sparse matrix, so a partial
//! round costs about 2t multiplications instead of t^2. Output equals the textbook permutation.

use std::sync::OnceLock;

use ark_bn254::Fr;
use ark_ff::{BigInt, BigInteger, Field, One, PrimeField, Zero};

use crate::field::{EngineError, Result};

pub const ROUNDS_F: usize = 8;
pub const ROUNDS_P: [usize; 16] = [
    56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68,
];
pub const T_MIN: usize = 2;
pub const T_MAX: usize = 17;
const FIELD_BITS: usize = 254;

/// The reference script's Grain LFSR in self-shrinking mode.
struct Grain {
    state: [u8; 80],
    head: usize,
}

impl Grain {
    fn new(t: usize, rounds_f: usize, rounds_p: usize) -> Self {
        let mut bits = Vec::with_capacity(80);
        for (v, w) in [
            (1usize, 2usize),
            (0, 4),
            (FIELD_BITS, 12),
            (t, 12),
            (rounds_f, 10),
            (rounds_p, 10),
        ] {
            for i in (0..w).rev() {
                bits.push(((v >> i) & 1) as u8);
            }
        }
        bits.extend(std::iter::repeat_n(1u8, 30));
        let mut g = Grain {
            state: bits.try_into().expect("80 bits"),
            head: 0,
        };
        for _ in 0..160 {
            g.raw();
        }
        g
    }

    /// One raw step: s[i+80] = s[i+62] ^ s[i+51] ^ s[i+38] ^ s[i+23] ^ s[i+13] ^ s[i].
    fn raw(&mut self) -> u8 {
        let at = |k: usize| self.state[(self.head + k) % 80];
        let b = at(62) ^ at(51) ^ at(38) ^ at(23) ^ at(13) ^ at(0);
        self.state[self.head] = b;
        self.head = (self.head + 1) % 80;
        b
    }

    /// Output bit: raw bits in pairs (a, b), b kept when a == 1.
    fn bit(&mut self) -> u8 {
        loop {
            let a = self.raw();
            let b = self.raw();
            if a == 1 {
                return b;
            }
        }
    }

    /// Next `FIELD_BITS` output bits as a 256-bit integer, most significant bit first.
    fn integer(&mut self) -> BigInt<4> {
        let mut l = [0u64; 4];
        for i in (0..FIELD_BITS).rev() {
            if self.bit() == 1 {
                l[i / 64] |= 1u64 << (i % 64);
            }
        }
        BigInt::new(l)
    }
}

/// Precomputed constants for one width.
pub struct Params {
    pub t: usize,
    pub rounds_p: usize,
    /// Textbook constants c[round][lane] and MDS m[row][col] (kept for tests and the slow path).
    pub c: Vec<Vec<Fr>>,
    pub m: Vec<Vec<Fr>>,
    /// Optimized schedule: full-round constants (R_F rounds, first-after-partial adjusted),
    /// lane-0 constants of partial rounds, sparse factors, and the final dense block.
    pub(crate) full_c: Vec<Vec<Fr>>,
    pub(crate) partial_c: Vec<Fr>,
    pub(crate) sparse_row0: Vec<Vec<Fr>>, // per partial round: first row (t entries)
    pub(crate) sparse_col: Vec<Vec<Fr>>, // per partial round: w (t-1 entries), lanes 1.. get x_j + w_j x_0
    /// (t-1) x (t-1) block applied to lanes 1.. after the partial rounds, stored as t-wide rows
    /// with a leading zero so it runs through `sum_of_products` on the whole state.
    pub(crate) last_block: Vec<Vec<Fr>>,
}

fn mat_vec(m: &[Vec<Fr>], v: &[Fr]) -> Vec<Fr> {
    m.iter()
        .map(|row| row.iter().zip(v).map(|(a, b)| *a * b).sum())
        .collect()
}

fn mat_mul(a: &[Vec<Fr>], b: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let n = b[0].len();
    a.iter()
        .map(|row| {
            (0..n)
                .map(|j| row.iter().zip(b).map(|(x, brow)| *x * brow[j]).sum())
                .collect()
        })
        .collect()
}

/// Solve `a x = y` by Gaussian elimination (a is invertible: a Cauchy-derived block).
#[allow(clippy::needless_range_loop)] // the augmented matrix is indexed by row and column
fn solve(a: &[Vec<Fr>], y: &[Fr]) -> Vec<Fr> {
    let n = y.len();
    let mut m: Vec<Vec<Fr>> = a
        .iter()
        .zip(y)
        .map(|(r, v)| {
            let mut r = r.clone();
            r.push(*v);
            r
        })
        .collect();
    for col in 0..n {
        let piv = (col..n)
            .find(|&r| !m[r][col].is_zero())
            .expect("invertible MDS block");
        m.swap(col, piv);
        let inv = m[col][col].inverse().expect("non-zero pivot");
        for k in col..=n {
            m[col][k] *= inv;
        }
        for r in 0..n {
            if r != col && !m[r][col].is_zero() {
                let f = m[r][col];
                for k in col..=n {
                    let d = f * m[col][k];
                    m[r][k] -= d;
                }
            }
        }
    }
    m.iter().map(|r| r[n]).collect()
}

fn generate(t: usize) -> Params {
    let rounds_p = ROUNDS_P[t - T_MIN];
    let n_rounds = ROUNDS_F + rounds_p;
    let mut g = Grain::new(t, ROUNDS_F, rounds_p);
    let mut flat = Vec::with_capacity(n_rounds * t);
    while flat.len() < n_rounds * t {
        if let Some(v) = Fr::from_bigint(g.integer()) {
            flat.push(v); // values >= R are rejected and redrawn
        }
    }
    let c: Vec<Vec<Fr>> = flat.chunks(t).map(|r| r.to_vec()).collect();
    let m = loop {
        let vals: Vec<Fr> = (0..2 * t)
            .map(|_| Fr::from_le_bytes_mod_order(&g.integer().to_bytes_le()))
            .collect();
        let distinct = (0..vals.len()).all(|i| (0..i).all(|j| vals[i] != vals[j]));
        if !distinct {
            continue;
        }
        let (xs, ys) = vals.split_at(t);
        if xs.iter().any(|x| ys.iter().any(|y| (*x + y).is_zero())) {
            continue;
        }
        break xs
            .iter()
            .map(|x| {
                ys.iter()
                    .map(|y| (*x + y).inverse().expect("non-zero"))
                    .collect()
            })
            .collect::<Vec<Vec<Fr>>>();
    };

    // Push partial-round constants on lanes 1.. forward through the MDS into the next round.
    let half = ROUNDS_F / 2;
    let mut cc = c.clone();
    for r in half..half + rounds_p {
        let mut extra = cc[r].clone();
        extra[0] = Fr::zero();
        for v in cc[r].iter_mut().skip(1) {
            *v = Fr::zero();
        }
        let pushed = mat_vec(&m, &extra);
        for (dst, p) in cc[r + 1].iter_mut().zip(pushed) {
            *dst += p;
        }
    }
    let partial_c: Vec<Fr> = (half..half + rounds_p).map(|r| cc[r][0]).collect();
    let full_c: Vec<Vec<Fr>> = (0..half)
        .chain(half + rounds_p..n_rounds)
        .map(|r| cc[r].clone())
        .collect();

    // Factor each partial round's matrix A = diag(1, Â) · [[a00, a0*], [w, I]], carrying diag(1, Â)
    // into the next round's matrix (it commutes with the lane-0 S-box and lane-0 constants).
    let mut sparse_row0 = Vec::with_capacity(rounds_p);
    let mut sparse_col = Vec::with_capacity(rounds_p);
    let mut carry: Vec<Vec<Fr>> = (0..t)
        .map(|i| {
            (0..t)
                .map(|j| if i == j { Fr::one() } else { Fr::zero() })
                .collect()
        })
        .collect();
    for _ in 0..rounds_p {
        let a = mat_mul(&m, &carry);
        let hat: Vec<Vec<Fr>> = a[1..].iter().map(|r| r[1..].to_vec()).collect();
        let col: Vec<Fr> = a[1..].iter().map(|r| r[0]).collect();
        sparse_col.push(solve(&hat, &col));
        sparse_row0.push(a[0].clone());
        carry = (0..t)
            .map(|i| {
                (0..t)
                    .map(|j| match (i, j) {
                        (0, 0) => Fr::one(),
                        (0, _) | (_, 0) => Fr::zero(),
                        _ => hat[i - 1][j - 1],
                    })
                    .collect()
            })
            .collect();
    }
    let last_block = carry[1..]
        .iter()
        .map(|r| {
            let mut row = r.clone();
            row[0] = Fr::zero(); // r[0] is already zero (carry is block-diagonal); explicit anyway
            row
        })
        .collect();
    Params {
        t,
        rounds_p,
        c,
        m,
        full_c,
        partial_c,
        sparse_row0,
        sparse_col,
        last_block,
    }
}

static PARAMS: [OnceLock<Params>; T_MAX + 1] = [const { OnceLock::new() }; T_MAX + 1];

/// Parameters for width `t` (generated once per process).
pub fn params(t: usize) -> Result<&'static Params> {
    if !(T_MIN..=T_MAX).contains(&t) {
        return Err(EngineError::new(format!(
            "Poseidon width t={t} unsupported: must be in {T_MIN}..{T_MAX}"
        )));
    }
    Ok(PARAMS[t].get_or_init(|| generate(t)))
}

#[inline(always)]
fn pow5(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}

#[inline]
fn mix_full(m: &[Vec<Fr>], s: &mut [Fr], tmp: &mut [Fr]) {
    for (i, row) in m.iter().enumerate() {
        let mut acc = Fr::zero();
        for (a, b) in row.iter().zip(s.iter()) {
            acc += *a * b;
        }
        tmp[i] = acc;
    }
    s.copy_from_slice(&tmp[..s.len()]);
}

impl Params {
    /// The permutation, optimized schedule. `s.len()` must equal `t`.
    pub fn permute(&self, s: &mut [Fr]) {
        self.dispatch::<true>(s)
    }

    /// Lane 0 of the permutation only (what `hash` returns): the last MDS multiplication
    /// computes row 0 alone, so the other lanes of `s` are left unspecified.
    pub fn permute_lane0(&self, s: &mut [Fr]) -> Fr {
        self.dispatch::<false>(s);
        s[0]
    }

    fn dispatch<const ALL: bool>(&self, s: &mut [Fr]) {
        match self.t {
            2 => self.permute_t::<2, ALL>(s),
            3 => self.permute_t::<3, ALL>(s),
            4 => self.permute_t::<4, ALL>(s),
            5 => self.permute_t::<5, ALL>(s),
            6 => self.permute_t::<6, ALL>(s),
            7 => self.permute_t::<7, ALL>(s),
            8 => self.permute_t::<8, ALL>(s),
            9 => self.permute_t::<9, ALL>(s),
            10 => self.permute_t::<10, ALL>(s),
            11 => self.permute_t::<11, ALL>(s),
            12 => self.permute_t::<12, ALL>(s),
            13 => self.permute_t::<13, ALL>(s),
            14 => self.permute_t::<14, ALL>(s),
            15 => self.permute_t::<15, ALL>(s),
            16 => self.permute_t::<16, ALL>(s),
            _ => self.permute_t::<17, ALL>(s),
        }
    }

    /// Width-specialized permutation: dot products go through `Fr::sum_of_products`, which
    /// accumulates several products before one Montgomery reduction (BN254's spare bits allow it).
    /// With `ALL = false` the final MDS multiplication computes lane 0 only.
    #[inline(always)]
    fn permute_t<const T: usize, const ALL: bool>(&self, s: &mut [Fr]) {
        let st: &mut [Fr; T] = s.try_into().expect("state length equals t");
        let half = ROUNDS_F / 2;
        #[inline(always)]
        fn arr<const T: usize>(v: &[Fr]) -> &[Fr; T] {
            v.try_into().expect("row length t")
        }
        let sbox_full = |st: &mut [Fr; T], c: &[Fr]| {
            for (x, c) in st.iter_mut().zip(c) {
                *x += c;
                pow5(x);
            }
        };
        let mix = |st: &mut [Fr; T]| {
            let cur = *st;
            for (x, row) in st.iter_mut().zip(&self.m) {
                *x = Fr::sum_of_products(arr(row), &cur);
            }
        };
        for r in 0..half {
            sbox_full(st, &self.full_c[r]);
            mix(st);
        }
        for i in 0..self.rounds_p {
            st[0] += self.partial_c[i];
            pow5(&mut st[0]);
            let acc = Fr::sum_of_products(arr(&self.sparse_row0[i]), st);
            let x0 = st[0];
            for (x, w) in st[1..].iter_mut().zip(&self.sparse_col[i]) {
                *x += *w * x0;
            }
            st[0] = acc;
        }
        let cur = *st;
        for (x, row) in st[1..].iter_mut().zip(&self.last_block) {
            *x = Fr::sum_of_products(arr(row), &cur); // row[0] = 0: lane 0 passes through
        }
        for r in half..ROUNDS_F - 1 {
            sbox_full(st, &self.full_c[r]);
            mix(st);
        }
        sbox_full(st, &self.full_c[ROUNDS_F - 1]);
        if ALL {
            mix(st);
        } else {
            st[0] = Fr::sum_of_products(arr(&self.m[0]), st);
        }
    }

    /// The textbook permutation (slow path; tests compare the two).
    pub fn permute_textbook(&self, s: &mut [Fr]) {
        let mut tmp = [Fr::zero(); T_MAX];
        let half = ROUNDS_F / 2;
        for (r, c) in self.c.iter().enumerate() {
            for (x, ci) in s.iter_mut().zip(c) {
                *x += ci;
            }
            if r < half || r >= half + self.rounds_p {
                s.iter_mut().for_each(pow5);
            } else {
                pow5(&mut s[0]);
            }
            mix_full(&self.m, s, &mut tmp);
        }
    }
}

/// circomlib's poseidon(inputs): state [0, *inputs], output state[0]. 1..=16 inputs.
pub fn hash(inputs: &[Fr]) -> Result<Fr> {
    let t = inputs.len() + 1;
    if !(T_MIN..=T_MAX).contains(&t) {
        return Err(EngineError::new(format!(
            "Poseidon takes 1..16 inputs, got {}",
            inputs.len()
        )));
    }
    let p = params(t)?;
    let mut s = [Fr::zero(); T_MAX];
    s[1..t].copy_from_slice(inputs);
    Ok(p.permute_lane0(&mut s[..t]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn known_vector_and_schedules_agree() {
        let h = hash(&[Fr::from(1u64), Fr::from(2u64)]).unwrap();
        let want = Fr::from_str(
            "7853200120776062878684798364095072458815029376092732009249414926327459813530",
        )
        .unwrap();
        assert_eq!(h, want);
        for t in T_MIN..=T_MAX {
            let p = params(t).unwrap();
            let mut a: Vec<Fr> = (0..t).map(|i| Fr::from((i * 7 + 3) as u64)).collect();
            let mut b = a.clone();
            p.permute(&mut a);
            let mut c = b.clone();
            p.permute_textbook(&mut b);
            assert_eq!(a, b, "t={t}");
            let c0 = p.permute_lane0(&mut c);
            assert_eq!(c0, b[0], "lane 0, t={t}");
        }
    }
}
