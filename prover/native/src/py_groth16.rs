//! Python bindings for Groth16: an R1CS handle, proving keys (setup, save, load), prove, verify.
//! Bulk data crosses as numpy arrays; proofs and verifying keys as bytes (see encode.rs).

use std::path::PathBuf;

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use numpy::{PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rand::rngs::{OsRng, StdRng};
use rand::{RngCore, SeedableRng};

use crate::encode;
use crate::field::EngineError;
use crate::groth16;
use crate::py_hash::{frs_from_limb_rows, limbs_array, to_py};
use crate::r1cs::{CodedCsr, Csr, R1cs as R1csInner};

fn slice<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'a, T>, what: &str) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{what} must be a contiguous 1-D array")))
}

fn limbs<'a>(a: &'a PyReadonlyArray2<'a, u64>, what: &str) -> PyResult<&'a [u64]> {
    if a.as_array().ncols() != 4 {
        return Err(PyValueError::new_err(format!(
            "{what} must have shape (n, 4)"
        )));
    }
    a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{what} must be C-contiguous")))
}

fn rng_for(seed: Option<u64>) -> Box<dyn RngCore + Send> {
    match seed {
        // Deterministic randomness is for reproducible tests only; never for real keys.
        Some(s) => Box::new(StdRng::seed_from_u64(s)),
        None => Box::new(OsRng),
    }
}

fn progress_fn(cb: Option<Py<PyAny>>) -> impl Fn(&str, f64) -> Result<(), EngineError> + Sync {
    move |phase: &str, frac: f64| match &cb {
        None => Ok(()),
        Some(cb) => Python::attach(|py| {
            cb.call1(py, (phase, frac))
                .map(|_| ())
                .map_err(|e| EngineError::new(format!("progress callback failed: {e}")))
        }),
    }
}

/// Largest supported variable count (the QAP domain is capped at 2^27 rows anyway); keeps an
/// absurd size from turning into an allocation failure, which would abort the process.
const MAX_VARS: usize = 1 << 28;

/// A validated R1CS held natively (coefficients in Montgomery form), reusable across proofs.
#[pyclass(module = "zkrv_prover._native", frozen)]
pub struct R1cs {
    inner: R1csInner,
}

#[pymethods]
impl R1cs {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        n_vars: usize,
        n_public: usize,
        a_indptr: PyReadonlyArray1<'_, i64>,
        a_indices: PyReadonlyArray1<'_, i64>,
        a_coeffs: PyReadonlyArray2<'_, u64>,
        b_indptr: PyReadonlyArray1<'_, i64>,
        b_indices: PyReadonlyArray1<'_, i64>,
        b_coeffs: PyReadonlyArray2<'_, u64>,
        c_indptr: PyReadonlyArray1<'_, i64>,
        c_indices: PyReadonlyArray1<'_, i64>,
        c_coeffs: PyReadonlyArray2<'_, u64>,
    ) -> PyResult<Self> {
        if n_vars > MAX_VARS {
            return Err(PyValueError::new_err(format!(
                "n_vars={n_vars} exceeds the supported maximum 2^28"
            )));
        }
        if n_vars == 0 || n_public >= n_vars {
            return Err(PyValueError::new_err(format!(
                "n_public={n_public} out of range for n_vars={n_vars}"
            )));
        }
        let ip = [
            slice(&a_indptr, "A.indptr")?,
            slice(&b_indptr, "B.indptr")?,
            slice(&c_indptr, "C.indptr")?,
        ];
        let ix = [
            slice(&a_indices, "A.indices")?,
            slice(&b_indices, "B.indices")?,
            slice(&c_indices, "C.indices")?,
        ];
        let co = [
            limbs(&a_coeffs, "A.coeffs")?,
            limbs(&b_coeffs, "B.coeffs")?,
            limbs(&c_coeffs, "C.coeffs")?,
        ];
        if ip[0].is_empty() {
            return Err(PyValueError::new_err("A.indptr is empty"));
        }
        let n_rows = ip[0].len() - 1;
        let inner = py
            .detach(|| -> Result<R1csInner, EngineError> {
                Ok(R1csInner {
                    n_vars,
                    n_public,
                    n_constraints: n_rows,
                    a: Csr::new("A", n_rows, n_vars, ip[0], ix[0], co[0])?,
                    b: Csr::new("B", n_rows, n_vars, ip[1], ix[1], co[1])?,
                    c: Csr::new("C", n_rows, n_vars, ip[2], ix[2], co[2])?,
                })
            })
            .map_err(to_py)?;
        Ok(R1cs { inner })
    }

    #[getter]
    fn n_constraints(&self) -> usize {
        self.inner.n_constraints
    }

    #[getter]
    fn domain_size(&self) -> usize {
        self.inner.domain_size()
    }
}

/// A Groth16 proving key held natively.
#[pyclass(module = "zkrv_prover._native", frozen)]
pub struct ProvingKey {
    pk: groth16::ProvingKey,
}

#[pymethods]
impl ProvingKey {
    /// UNSAFE single-party dev setup for `r1cs`. `progress(phase, fraction)` is called between
    /// phases; `seed` makes the trapdoor deterministic (tests only).
    #[staticmethod]
    #[pyo3(signature = (r1cs, progress=None, seed=None))]
    fn dev_setup(
        py: Python<'_>,
        r1cs: &R1cs,
        progress: Option<Py<PyAny>>,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        let prog = progress_fn(progress);
        let pk = py
            .detach(|| {
                let mut rng = rng_for(seed);
                groth16::setup(&r1cs.inner, &mut *rng, &prog)
            })
            .map_err(to_py)?;
        Ok(ProvingKey { pk })
    }

    /// Load a key written by `save`; returns (key, metadata JSON string).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<(Self, String)> {
        let (pk, meta) = py.detach(|| encode::pk_load(&path)).map_err(to_py)?;
        Ok((ProvingKey { pk }, meta))
    }

    /// Write atomically (temporary file + rename) with a metadata JSON string.
    fn save(&self, py: Python<'_>, path: PathBuf, meta: &str) -> PyResult<()> {
        py.detach(|| encode::pk_save(&self.pk, meta, &path))
            .map_err(to_py)
    }

    /// The verifying key in zkrv's binary layout.
    fn vk_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &encode::vk_to_bytes(&self.pk.vk()))
    }

    #[getter]
    fn n_vars(&self) -> usize {
        self.pk.n_vars
    }
    #[getter]
    fn n_public(&self) -> usize {
        self.pk.n_public
    }
    #[getter]
    fn n_constraints(&self) -> usize {
        self.pk.n_constraints
    }
    #[getter]
    fn domain_size(&self) -> usize {
        self.pk.domain_size
    }
}

/// Prove with a full witness ((n_vars, 4) uint64 limbs); returns the 256-byte proof.
#[pyfunction]
#[pyo3(signature = (pk, r1cs, witness, progress=None, seed=None))]
fn groth16_prove<'py>(
    py: Python<'py>,
    pk: &ProvingKey,
    r1cs: &R1cs,
    witness: PyReadonlyArray2<'py, u64>,
    progress: Option<Py<PyAny>>,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let w = limbs(&witness, "witness")?;
    let prog = progress_fn(progress);
    let proof = py.detach(|| -> PyResult<groth16::Proof> {
        let w = frs_from_limb_rows(w, "witness")?;
        let mut rng = rng_for(seed);
        groth16::prove(&pk.pk, &r1cs.inner, &w, &mut *rng, &prog).map_err(to_py)
    })?;
    Ok(PyBytes::new(py, &encode::proof_to_bytes(&proof)))
}

/// A witness with its constraint values A w, B w, C w (`groth16::Assignment`), computed from
/// a circuit as the Python builder records it: enough to prove with an existing key, without
/// exporting, digesting or converting the matrices.
#[pyclass(module = "zkrv_prover._native", frozen)]
pub struct Assignment {
    inner: groth16::Assignment,
}

#[pymethods]
impl Assignment {
    /// `values`: the witness in the builder's variable order ((n_vars, 4) uint64 limbs,
    /// values[0] = 1); `perm[v]`: the key-order index of builder variable `v` (a permutation
    /// that puts the constant first and the `n_public` public inputs after it); per matrix the
    /// builder's CSR buffers (indptr, variable indices in builder order, coefficient codes);
    /// `big`: the interned coefficients ((k, 4) limbs). Raises ValueError on malformed input
    /// and, naming the row, when a constraint is not satisfied.
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        values: PyReadonlyArray2<'_, u64>,
        perm: PyReadonlyArray1<'_, i64>,
        n_public: usize,
        a_indptr: PyReadonlyArray1<'_, i64>,
        a_indices: PyReadonlyArray1<'_, i64>,
        a_codes: PyReadonlyArray1<'_, i64>,
        b_indptr: PyReadonlyArray1<'_, i64>,
        b_indices: PyReadonlyArray1<'_, i64>,
        b_codes: PyReadonlyArray1<'_, i64>,
        c_indptr: PyReadonlyArray1<'_, i64>,
        c_indices: PyReadonlyArray1<'_, i64>,
        c_codes: PyReadonlyArray1<'_, i64>,
        big: PyReadonlyArray2<'_, u64>,
    ) -> PyResult<Self> {
        let values = limbs(&values, "values")?;
        let big = limbs(&big, "big")?;
        let perm = slice(&perm, "perm")?;
        let mats = [
            (
                "A",
                slice(&a_indptr, "A.indptr")?,
                slice(&a_indices, "A.indices")?,
                slice(&a_codes, "A.codes")?,
            ),
            (
                "B",
                slice(&b_indptr, "B.indptr")?,
                slice(&b_indices, "B.indices")?,
                slice(&b_codes, "B.codes")?,
            ),
            (
                "C",
                slice(&c_indptr, "C.indptr")?,
                slice(&c_indices, "C.indices")?,
                slice(&c_codes, "C.codes")?,
            ),
        ];
        let n_vars = values.len() / 4;
        if n_vars == 0 || n_vars > MAX_VARS || n_public >= n_vars || perm.len() != n_vars {
            return Err(PyValueError::new_err(format!(
                "assignment of {n_vars} variables, {n_public} public, {} permutation entries",
                perm.len()
            )));
        }
        if mats.iter().any(|m| m.1.len() != mats[0].1.len()) {
            return Err(PyValueError::new_err(
                "A, B and C differ in their row counts",
            ));
        }
        let inner = py.detach(|| -> PyResult<groth16::Assignment> {
            let vals = frs_from_limb_rows(values, "values")?;
            let big = frs_from_limb_rows(big, "big")?;
            let mut w = vec![None; n_vars];
            for (v, &p) in perm.iter().enumerate() {
                match w.get_mut(p as usize) {
                    Some(slot @ None) if p >= 0 => *slot = Some(vals[v]),
                    _ => return Err(PyValueError::new_err("perm is not a permutation")),
                }
            }
            if perm[0] != 0 {
                return Err(PyValueError::new_err("perm must keep the constant at 0"));
            }
            let w: Vec<Fr> = w.into_iter().map(|x| x.expect("permutation")).collect();
            let eval = |i: usize| {
                let (name, indptr, indices, codes) = mats[i];
                CodedCsr {
                    indptr,
                    indices,
                    codes,
                }
                .mul_vec(name, &big, &vals)
            };
            let (a, (b, c)) = rayon::join(|| eval(0), || rayon::join(|| eval(1), || eval(2)));
            let (a, b, c) = (a.map_err(to_py)?, b.map_err(to_py)?, c.map_err(to_py)?);
            if let Some(i) = groth16::first_unsatisfied(&a, &b, &c) {
                return Err(PyValueError::new_err(format!(
                    "witness does not satisfy constraint {i}"
                )));
            }
            Ok(groth16::Assignment {
                w,
                n_public,
                a,
                b,
                c,
            })
        })?;
        Ok(Assignment { inner })
    }

    #[getter]
    fn n_vars(&self) -> usize {
        self.inner.w.len()
    }
    #[getter]
    fn n_public(&self) -> usize {
        self.inner.n_public
    }
    #[getter]
    fn n_constraints(&self) -> usize {
        self.inner.n_constraints()
    }

    /// The public inputs w[1..=n_public] as (n_public, 4) limbs.
    fn public_limbs<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray2<u64>> {
        use numpy::IntoPyArray;
        limbs_array(&self.inner.w[1..=self.inner.n_public]).into_pyarray(py)
    }

    /// The constraint values (A w, B w, C w) as three (n_constraints, 4) limb arrays (tests).
    #[allow(clippy::type_complexity)]
    fn evaluations<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, numpy::PyArray2<u64>>,
        Bound<'py, numpy::PyArray2<u64>>,
        Bound<'py, numpy::PyArray2<u64>>,
    ) {
        use numpy::IntoPyArray;
        let i = &self.inner;
        (
            limbs_array(&i.a).into_pyarray(py),
            limbs_array(&i.b).into_pyarray(py),
            limbs_array(&i.c).into_pyarray(py),
        )
    }

    /// The witness in key order as (n_vars, 4) limbs (tests).
    fn witness_limbs<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray2<u64>> {
        use numpy::IntoPyArray;
        limbs_array(&self.inner.w).into_pyarray(py)
    }
}

/// Prove from an `Assignment` with a key of the same shape; returns the 256-byte proof. A key
/// of another circuit gives a proof that does not verify: the caller must check it.
#[pyfunction]
#[pyo3(signature = (pk, assignment, progress=None, seed=None))]
fn groth16_prove_assignment<'py>(
    py: Python<'py>,
    pk: &ProvingKey,
    assignment: &Assignment,
    progress: Option<Py<PyAny>>,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let prog = progress_fn(progress);
    let proof = py.detach(|| -> PyResult<groth16::Proof> {
        let mut rng = rng_for(seed);
        groth16::prove_assignment(&pk.pk, &assignment.inner, &mut *rng, &prog).map_err(to_py)
    })?;
    Ok(PyBytes::new(py, &encode::proof_to_bytes(&proof)))
}

/// Verify a proof (bytes) for public inputs ((k, 4) uint64 limbs) under a verifying key (bytes).
/// Malformed keys/proofs and wrong input counts raise ValueError; a well-formed but invalid
/// proof returns False.
#[pyfunction]
fn groth16_verify(
    py: Python<'_>,
    vk: &[u8],
    public: PyReadonlyArray2<'_, u64>,
    proof: &[u8],
) -> PyResult<bool> {
    let x = limbs(&public, "public inputs")?;
    py.detach(|| -> PyResult<bool> {
        let vk = encode::vk_from_bytes(vk).map_err(to_py)?;
        let proof = encode::proof_from_bytes(proof).map_err(to_py)?;
        let x = frs_from_limb_rows(x, "public inputs")?;
        groth16::verify(&vk, &x, &proof).map_err(to_py)
    })
}

/// Validate a proof's encoding (canonical coordinates, on curve, in subgroup) and re-encode it.
#[pyfunction]
fn groth16_check_proof<'py>(py: Python<'py>, proof: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let p = encode::proof_from_bytes(proof).map_err(to_py)?;
    Ok(PyBytes::new(py, &encode::proof_to_bytes(&p)))
}

/// Validate a verifying key's encoding and re-encode it.
#[pyfunction]
fn groth16_check_vk<'py>(py: Python<'py>, vk: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let v = encode::vk_from_bytes(vk).map_err(to_py)?;
    Ok(PyBytes::new(py, &encode::vk_to_bytes(&v)))
}

/// e(alpha, beta) as 12 base-field elements, 32 bytes big-endian each, in the order
/// c0.c0.c0, c0.c0.c1, c0.c1.c0, ..., c1.c2.c1 (snarkjs's vk_alphabeta_12 flattened).
#[pyfunction]
fn groth16_alphabeta<'py>(py: Python<'py>, vk: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let v = encode::vk_from_bytes(vk).map_err(to_py)?;
    let e = groth16::alphabeta(&v);
    let mut out = Vec::with_capacity(12 * 32);
    for c6 in [e.c0, e.c1] {
        for c2 in [c6.c0, c6.c1, c6.c2] {
            for x in [c2.c0, c2.c1] {
                out.extend_from_slice(&x.into_bigint().to_bytes_be());
            }
        }
    }
    Ok(PyBytes::new(py, &out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<R1cs>()?;
    m.add_class::<ProvingKey>()?;
    m.add_class::<Assignment>()?;
    m.add_function(wrap_pyfunction!(groth16_prove_assignment, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_prove, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_verify, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_check_proof, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_check_vk, m)?)?;
    m.add_function(wrap_pyfunction!(groth16_alphabeta, m)?)?;
    Ok(())
}

/// Import a snarkjs Groth16 `.zkey` for `r1cs` (checked against the key's coefficient section).
#[pyfunction]
fn zkey_import(py: Python<'_>, path: PathBuf, r1cs: &R1cs) -> PyResult<ProvingKey> {
    let pk = py
        .detach(|| {
            let data = std::fs::read(&path)
                .map_err(|e| EngineError::new(format!("reading {}: {e}", path.display())))?;
            crate::zkey::import(&data, &r1cs.inner)
        })
        .map_err(to_py)?;
    Ok(ProvingKey { pk })
}

/// Export a proving key (with its R1CS) as a snarkjs `.zkey`, written atomically.
#[pyfunction]
fn zkey_export(py: Python<'_>, pk: &ProvingKey, r1cs: &R1cs, path: PathBuf) -> PyResult<()> {
    py.detach(|| {
        let data = crate::zkey::export(&pk.pk, &r1cs.inner)?;
        crate::zkey::write_atomic(&path, &data)
    })
    .map_err(to_py)
}

pub fn register_zkey(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(zkey_import, m)?)?;
    m.add_function(wrap_pyfunction!(zkey_export, m)?)?;
    Ok(())
}
