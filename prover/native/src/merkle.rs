//! The STARK commitment spec (see zkrv_prover/bn254/merkle.py for the normative text): BabyBear
//! rows packed 8 values per BN254 scalar, leaves hashed with Poseidon (chained past 16 chunks),
//! and Poseidon Merkle trees of arity 2, 4, 8 or 16. All batch work runs on rayon.

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField, Zero};
use rayon::prelude::*;

use crate::field::{EngineError, Result};
use crate::poseidon;
#[cfg(target_arch = "x86_64")]
use crate::poseidon_ifma as ifma;

pub const BABYBEAR_P: u32 = 2013265921;
const PACK: usize = 8;
const SHIFT: usize = 31;
pub const ARITIES: [usize; 4] = [2, 4, 8, 16];

/// Pack up to 8 canonical BabyBear values into one scalar: sum v_i * 2^(31 i) (< 2^248 < R),
/// as standard-form little-endian limbs.
fn pack_limbs(vals: &[u32]) -> [u64; 4] {
    let mut l = [0u64; 4];
    for (i, &v) in vals.iter().enumerate() {
        let o = SHIFT * i;
        let (w, b) = (o / 64, o % 64);
        l[w] |= (v as u64) << b;
        if b + 31 > 64 {
            l[w + 1] |= (v as u64) >> (64 - b);
        }
    }
    l
}

fn pack_chunk(vals: &[u32]) -> Fr {
    Fr::from_bigint(BigInt::new(pack_limbs(vals))).expect("248-bit value is canonical")
}

/// Leaf digest of one row (values must already be checked canonical).
pub fn hash_row(row: &[u32]) -> Fr {
    // Rows of up to 128 values (the common case) pack on the stack: no allocation per row.
    const STACK: usize = 16;
    if row.len() <= STACK * PACK {
        let mut e = [Fr::from(0u64); STACK];
        let k = row.len().div_ceil(PACK);
        for (dst, c) in e.iter_mut().zip(row.chunks(PACK)) {
            *dst = pack_chunk(c);
        }
        return hash_packed(&e[..k]);
    }
    let e: Vec<Fr> = row.chunks(PACK).map(pack_chunk).collect();
    hash_packed(&e)
}

fn hash_packed(e: &[Fr]) -> Fr {
    if e.len() <= 16 {
        return poseidon::hash(e).expect("1..=16 inputs");
    }
    let mut h = poseidon::hash(&e[..16]).expect("16 inputs");
    let mut buf = Vec::with_capacity(16);
    for c in e[16..].chunks(15) {
        buf.clear();
        buf.push(h);
        buf.extend_from_slice(c);
        h = poseidon::hash(&buf).expect("<= 16 inputs");
    }
    h
}

/// Check a row-major (n, m) matrix of BabyBear values; error names the first bad entry.
pub fn check_rows(rows: &[u32], m: usize) -> Result<()> {
    if m == 0 {
        return Err(EngineError::new("rows must have at least one column"));
    }
    // A vectorizable max per chunk first; the (rare) error path then finds the first bad entry.
    let bad = rows
        .par_chunks(1 << 14)
        .any(|c| c.iter().copied().max().unwrap_or(0) >= BABYBEAR_P);
    if let Some(pos) = bad
        .then(|| rows.iter().position(|&v| v >= BABYBEAR_P))
        .flatten()
    {
        return Err(EngineError::new(format!(
            "rows[{}, {}] = {} is not a canonical BabyBear element (>= {BABYBEAR_P})",
            pos / m,
            pos % m,
            rows[pos]
        )));
    }
    Ok(())
}

/// Leaf digests of all rows, in parallel.
pub fn hash_rows(rows: &[u32], m: usize) -> Result<Vec<Fr>> {
    check_rows(rows, m)?;
    #[cfg(target_arch = "x86_64")]
    if ifma::available() {
        let mut out = vec![Fr::zero(); rows.len() / m];
        out.par_chunks_mut(ifma::LANES)
            .zip(rows.par_chunks(m * ifma::LANES))
            .for_each(|(dst, src)| {
                for (d, l) in dst.iter_mut().zip(hash_rows8(src, m)) {
                    *d = ifma::from_std(l);
                }
            });
        return Ok(out);
    }
    Ok(rows.par_chunks(m).map(hash_row).collect())
}

/// `hash_rows` as standard-form limbs (n * 4 values), without Montgomery conversions on the
/// vector path.
pub fn hash_rows_limbs(rows: &[u32], m: usize) -> Result<Vec<u64>> {
    #[cfg(target_arch = "x86_64")]
    if ifma::available() {
        check_rows(rows, m)?;
        let mut out = vec![0u64; rows.len() / m * 4];
        out.par_chunks_mut(4 * ifma::LANES)
            .zip(rows.par_chunks(m * ifma::LANES))
            .for_each(|(dst, src)| {
                for (d, l) in dst.chunks_exact_mut(4).zip(hash_rows8(src, m)) {
                    d.copy_from_slice(&l);
                }
            });
        return Ok(out);
    }
    Ok(hash_rows(rows, m)?
        .par_iter()
        .flat_map_iter(|x| x.into_bigint().0)
        .collect())
}

/// Leaf digests (standard-form limbs) of up to 8 rows at once on the vector path (missing rows
/// are zero padding whose digests the caller drops); same chaining rule as `hash_packed`.
#[cfg(target_arch = "x86_64")]
fn hash_rows8(src: &[u32], m: usize) -> [[u64; 4]; ifma::LANES] {
    const L: usize = ifma::LANES;
    let k = m.div_ceil(PACK);
    let mut packed = vec![[[0u64; 4]; L]; k];
    for (lane, row) in src.chunks(m).enumerate() {
        for (col, c) in packed.iter_mut().zip(row.chunks(PACK)) {
            col[lane] = pack_limbs(c);
        }
    }
    if k <= 16 {
        ifma::hash8(&packed)
    } else {
        let mut h = ifma::hash8(&packed[..16]);
        let mut buf = Vec::with_capacity(16);
        for c in packed[16..].chunks(15) {
            buf.clear();
            buf.push(h);
            buf.extend_from_slice(c);
            h = ifma::hash8(&buf);
        }
        h
    }
}

/// Like `hash_groups` on the vector path, but on canonical standard-form limbs (4 per scalar,
/// `xs.len() / (4 k)` groups) in and out, skipping two Montgomery conversions per scalar.
/// `None` where AVX-512 IFMA is not available.
pub fn hash_groups_limbs(xs: &[u64], k: usize) -> Option<Vec<u64>> {
    #[cfg(target_arch = "x86_64")]
    if ifma::available() {
        const L: usize = ifma::LANES;
        let mut out = vec![0u64; xs.len() / k];
        out.par_chunks_mut(4 * L)
            .zip(xs.par_chunks(4 * k * L))
            .for_each(|(dst, src)| {
                let mut cols = vec![[[0u64; 4]; L]; k];
                for (lane, g) in src.chunks(4 * k).enumerate() {
                    for (col, x) in cols.iter_mut().zip(g.chunks_exact(4)) {
                        col[lane] = [x[0], x[1], x[2], x[3]];
                    }
                }
                for (d, l) in dst.chunks_exact_mut(4).zip(ifma::hash8(&cols)) {
                    d.copy_from_slice(&l);
                }
            });
        return Some(out);
    }
    let _ = (xs, k);
    None
}

/// Poseidon of consecutive groups of `k` scalars (1 <= k <= 16): `xs.len() / k` digests, on
/// all cores (8 hashes per vector call where AVX-512 IFMA is available).
pub fn hash_groups(xs: &[Fr], k: usize) -> Vec<Fr> {
    #[cfg(target_arch = "x86_64")]
    if ifma::available() {
        const L: usize = ifma::LANES;
        let mut out = vec![Fr::zero(); xs.len() / k];
        out.par_chunks_mut(L)
            .zip(xs.par_chunks(k * L))
            .for_each(|(dst, src)| {
                let mut cols = vec![[[0u64; 4]; L]; k];
                for (lane, g) in src.chunks(k).enumerate() {
                    for (col, x) in cols.iter_mut().zip(g) {
                        col[lane] = ifma::std_limbs(x);
                    }
                }
                for (d, l) in dst.iter_mut().zip(ifma::hash8(&cols)) {
                    *d = ifma::from_std(l);
                }
            });
        return out;
    }
    xs.par_chunks(k)
        .map(|c| poseidon::hash(c).expect("1..=16 inputs"))
        .collect()
}

/// A Poseidon Merkle tree with every layer kept (leaves first, root last).
pub struct Tree {
    pub arity: usize,
    pub layers: Vec<Vec<Fr>>,
}

pub fn check_arity(arity: usize) -> Result<()> {
    if !ARITIES.contains(&arity) {
        return Err(EngineError::new(format!(
            "Merkle arity must be one of 2, 4, 8, 16, got {arity}"
        )));
    }
    Ok(())
}

impl Tree {
    pub fn build(leaves: Vec<Fr>, arity: usize) -> Result<Tree> {
        check_arity(arity)?;
        let n = leaves.len();
        let mut p = 1usize;
        while p < n {
            p *= arity;
        }
        if n == 0 || p != n {
            return Err(EngineError::new(format!(
                "Merkle tree needs a power of {arity} leaves, got {n}"
            )));
        }
        let mut layers = vec![leaves];
        while layers.last().map_or(0, |l| l.len()) > 1 {
            let next = hash_groups(layers.last().expect("non-empty"), arity);
            layers.push(next);
        }
        Ok(Tree { arity, layers })
    }

    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    pub fn root(&self) -> Fr {
        self.layers.last().expect("non-empty")[0]
    }

    /// Siblings of each index: (q, depth, arity - 1) digests flattened in that order.
    pub fn open(&self, indices: &[i64]) -> Result<Vec<Fr>> {
        let n = self.layers[0].len();
        if let Some(&bad) = indices.iter().find(|&&i| i < 0 || i as u64 >= n as u64) {
            return Err(EngineError::new(format!("leaf index {bad} outside 0..{n}")));
        }
        let a = self.arity;
        let per = self.depth() * (a - 1);
        let mut out = vec![Fr::from(0u64); indices.len() * per];
        out.par_chunks_mut(per.max(1))
            .zip(indices.par_iter())
            .for_each(|(dst, &idx)| {
                let mut idx = idx as usize;
                let mut k = 0;
                for layer in &self.layers[..self.layers.len() - 1] {
                    let (base, pos) = (idx - idx % a, idx % a);
                    for i in (0..a).filter(|&i| i != pos) {
                        dst[k] = layer[base + i];
                        k += 1;
                    }
                    idx /= a;
                }
            });
        if per == 0 {
            out.clear();
        }
        Ok(out)
    }
}
