//! The R1CS as handed over from Python (zkrv_prover.r1cs.system.R1CS): three CSR matrices with
//! canonical coefficients, validated once and converted to Montgomery form.

use ark_bn254::Fr;
use ark_ff::Zero;
use rayon::prelude::*;

use crate::field::{fr_from_limbs, EngineError, Result};

pub struct Csr {
    pub indptr: Vec<usize>,
    pub indices: Vec<usize>,
    pub coeffs: Vec<Fr>,
}

impl Csr {
    /// Validate and convert one matrix; `name` is A, B or C for error messages.
    pub fn new(
        name: &str,
        n_rows: usize,
        n_vars: usize,
        indptr: &[i64],
        indices: &[i64],
        coeffs: &[u64],
    ) -> Result<Csr> {
        if indptr.len() != n_rows + 1 {
            return Err(EngineError::new(format!(
                "matrix {name}: indptr has {} entries, expected {}",
                indptr.len(),
                n_rows + 1
            )));
        }
        if indptr[0] != 0 || indptr.windows(2).any(|w| w[1] < w[0]) {
            return Err(EngineError::new(format!(
                "matrix {name}: indptr must start at 0 and never decrease"
            )));
        }
        let nnz = indptr[n_rows] as usize;
        if indices.len() != nnz || coeffs.len() != 4 * nnz {
            return Err(EngineError::new(format!(
                "matrix {name}: {} indices and {} coefficients, but indptr says {nnz} entries",
                indices.len(),
                coeffs.len() / 4
            )));
        }
        if let Some(p) = indices
            .par_iter()
            .position_first(|&v| v < 0 || v as u64 >= n_vars as u64)
        {
            return Err(EngineError::new(format!(
                "matrix {name}: entry {p} references variable {} outside 0..{n_vars}",
                indices[p]
            )));
        }
        let conv: Vec<Option<Fr>> = coeffs
            .par_chunks_exact(4)
            .map(|c| fr_from_limbs([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(p) = conv.iter().position(|x| x.is_none()) {
            return Err(EngineError::new(format!(
                "matrix {name}: coefficient {p} is not a canonical BN254 scalar (>= R)"
            )));
        }
        Ok(Csr {
            indptr: indptr.iter().map(|&x| x as usize).collect(),
            indices: indices.iter().map(|&x| x as usize).collect(),
            coeffs: conv.into_iter().map(|x| x.expect("checked")).collect(),
        })
    }

    /// <row i, w> for every row, in parallel.
    pub fn mul_vec(&self, w: &[Fr]) -> Vec<Fr> {
        (0..self.indptr.len() - 1)
            .into_par_iter()
            .map(|i| {
                let (lo, hi) = (self.indptr[i], self.indptr[i + 1]);
                let mut acc = Fr::zero();
                for k in lo..hi {
                    acc += self.coeffs[k] * w[self.indices[k]];
                }
                acc
            })
            .collect()
    }

    /// M^T y: sum over rows of y[row] * coefficient into the column's slot.
    #[allow(clippy::needless_range_loop)] // rows index both indptr and y
    pub fn transpose_mul(&self, y: &[Fr], n_vars: usize) -> Vec<Fr> {
        let mut out = vec![Fr::zero(); n_vars];
        for i in 0..self.indptr.len() - 1 {
            for k in self.indptr[i]..self.indptr[i + 1] {
                out[self.indices[k]] += self.coeffs[k] * y[i];
            }
        }
        out
    }
}

pub struct R1cs {
    pub n_vars: usize,
    pub n_public: usize,
    pub n_constraints: usize,
    pub a: Csr,
    pub b: Csr,
    pub c: Csr,
}

impl R1cs {
    /// Domain size of the QAP: the smallest power of two >= n_constraints + n_public + 1 (one
    /// extra constraint per public input and the constant, as snarkjs does).
    pub fn domain_size(&self) -> usize {
        (self.n_constraints + self.n_public + 1).next_power_of_two()
    }
}

/// Offset of interned coefficients in the builder's coefficient codes (`zkrv_prover.r1cs.builder`):
/// a code in `[-2^62, 2^62)` is the coefficient itself (mod R), a code `2^62 + i` is entry `i`
/// of the interned table.
const BIG_CODE: i64 = 1 << 62;

/// One matrix as the Python builder records it: CSR rows of (variable, coefficient code) in the
/// builder's own variable numbering. Borrowed, never converted: a witness-only prove needs
/// `<row, w>` for every row once, not the matrix.
pub struct CodedCsr<'a> {
    pub indptr: &'a [i64],
    pub indices: &'a [i64],
    pub codes: &'a [i64],
}

impl CodedCsr<'_> {
    /// `<row i, w>` for every row (the coefficient of a code is decoded on the fly; 1 and -1,
    /// most of a verifier circuit's entries, are an addition and a subtraction). Validates the
    /// CSR structure, the variable indices against `w` and the codes against `big`; `name`
    /// (A, B or C) labels errors.
    pub fn mul_vec(&self, name: &str, big: &[Fr], w: &[Fr]) -> Result<Vec<Fr>> {
        let (indptr, indices, codes) = (self.indptr, self.indices, self.codes);
        if indptr.is_empty() || indptr[0] != 0 || indptr.windows(2).any(|p| p[1] < p[0]) {
            return Err(EngineError::new(format!(
                "matrix {name}: indptr must start at 0 and never decrease"
            )));
        }
        let nnz = indptr[indptr.len() - 1] as usize;
        if indices.len() != nnz || codes.len() != nnz {
            return Err(EngineError::new(format!(
                "matrix {name}: {} indices and {} codes, but indptr says {nnz} entries",
                indices.len(),
                codes.len()
            )));
        }
        let n_vars = w.len() as u64;
        if let Some(p) = indices
            .par_iter()
            .position_first(|&v| v < 0 || v as u64 >= n_vars)
        {
            return Err(EngineError::new(format!(
                "matrix {name}: entry {p} references variable {} outside 0..{n_vars}",
                indices[p]
            )));
        }
        let n_big = big.len() as u64;
        if let Some(p) = codes
            .par_iter()
            .position_first(|&c| c >= BIG_CODE && (c - BIG_CODE) as u64 >= n_big)
        {
            return Err(EngineError::new(format!(
                "matrix {name}: entry {p} has coefficient code {} outside the interned table",
                codes[p]
            )));
        }
        Ok((0..indptr.len() - 1)
            .into_par_iter()
            .map(|i| {
                let mut acc = Fr::zero();
                for k in indptr[i] as usize..indptr[i + 1] as usize {
                    let x = w[indices[k] as usize];
                    match codes[k] {
                        1 => acc += x,
                        -1 => acc -= x,
                        c if c >= BIG_CODE => acc += big[(c - BIG_CODE) as usize] * x,
                        c => acc += Fr::from(c) * x,
                    }
                }
                acc
            })
            .collect())
    }
}
