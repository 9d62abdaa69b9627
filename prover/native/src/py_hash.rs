//! Python bindings for Poseidon, row hashing and Merkle trees. Arrays cross as uint64 limbs
//! (n, 4), little-endian, canonical, standard form; heavy work runs with the GIL released.

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};
use numpy::ndarray::{Array2, Array4};
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArray4, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

use crate::field::{
    fr_from_limbs, fr_to_limbs, limbs_from_le_bytes, limbs_to_le_bytes, EngineError,
};
use crate::{merkle, poseidon};

pub fn to_py(e: EngineError) -> PyErr {
    PyValueError::new_err(e.0)
}

/// Limb rows to field elements; error names the first non-canonical row.
pub fn frs_from_limb_rows(limbs: &[u64], what: &str) -> PyResult<Vec<Fr>> {
    let out: Vec<Option<Fr>> = limbs
        .par_chunks_exact(4)
        .map(|c| fr_from_limbs([c[0], c[1], c[2], c[3]]))
        .collect();
    if let Some(pos) = out.iter().position(|x| x.is_none()) {
        return Err(PyValueError::new_err(format!(
            "{what}[{pos}] is not a canonical BN254 scalar (>= R)"
        )));
    }
    Ok(out.into_iter().map(|x| x.expect("checked")).collect())
}

pub fn limbs_array(xs: &[Fr]) -> Array2<u64> {
    let flat: Vec<u64> = xs.par_iter().flat_map_iter(fr_to_limbs).collect();
    Array2::from_shape_vec((xs.len(), 4), flat).expect("shape")
}

/// poseidon(inputs) with inputs as 32-byte little-endian chunks; returns 32 bytes.
#[pyfunction]
fn poseidon_bytes<'py>(py: Python<'py>, inputs: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    if !inputs.len().is_multiple_of(32) {
        return Err(PyValueError::new_err(
            "poseidon input must be a multiple of 32 bytes",
        ));
    }
    let mut xs = Vec::with_capacity(inputs.len() / 32);
    for (i, c) in inputs.chunks_exact(32).enumerate() {
        xs.push(fr_from_limbs(limbs_from_le_bytes(c)).ok_or_else(|| {
            PyValueError::new_err(format!(
                "Poseidon input {i} is not a canonical BN254 scalar (>= R)"
            ))
        })?);
    }
    let h = poseidon::hash(&xs).map_err(to_py)?;
    Ok(PyBytes::new(py, &limbs_to_le_bytes(&fr_to_limbs(&h))))
}

/// Hash n independent inputs of k scalars each: (n, k, 4) uint64 -> (n, 4) uint64.
#[pyfunction]
fn poseidon_batch<'py>(
    py: Python<'py>,
    inputs: PyReadonlyArray3<'py, u64>,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let a = inputs.as_array();
    let (n, k, four) = a.dim();
    if four != 4 {
        return Err(PyValueError::new_err(format!(
            "poseidon_batch wants shape (n, k, 4), got last axis {four}"
        )));
    }
    if !(1..=16).contains(&k) {
        return Err(PyValueError::new_err(format!(
            "Poseidon takes 1..16 inputs, got k={k}"
        )));
    }
    let std = a.as_standard_layout();
    let flat = std.as_slice().expect("standard layout");
    let out = py.detach(|| -> PyResult<Array2<u64>> {
        let modulus = <Fr as PrimeField>::MODULUS;
        if let Some(pos) = flat
            .par_chunks_exact(4)
            .position_first(|c| BigInt::new([c[0], c[1], c[2], c[3]]) >= modulus)
        {
            return Err(PyValueError::new_err(format!(
                "inputs (flattened)[{pos}] is not a canonical BN254 scalar (>= R)"
            )));
        }
        if let Some(hs) = merkle::hash_groups_limbs(flat, k) {
            return Ok(Array2::from_shape_vec((n, 4), hs).expect("shape"));
        }
        let xs = frs_from_limb_rows(flat, "inputs (flattened)")?;
        let hs = merkle::hash_groups(&xs, k);
        debug_assert_eq!(hs.len(), n);
        Ok(limbs_array(&hs))
    })?;
    Ok(out.into_pyarray(py))
}

/// Leaf digests of rows: (n, m) uint32 BabyBear values -> (n, 4) uint64 limbs.
#[pyfunction]
fn hash_rows<'py>(
    py: Python<'py>,
    rows: PyReadonlyArray2<'py, u32>,
) -> PyResult<Bound<'py, PyArray2<u64>>> {
    let a = rows.as_array();
    let m = a.ncols();
    let std = a.as_standard_layout();
    let flat = std.as_slice().expect("standard layout");
    let n = a.nrows();
    let out = py
        .detach(|| {
            merkle::hash_rows_limbs(flat, m)
                .map(|hs| Array2::from_shape_vec((n, 4), hs).expect("shape"))
        })
        .map_err(to_py)?;
    Ok(out.into_pyarray(py))
}

/// A Poseidon Merkle tree held natively; every layer is kept for openings.
#[pyclass(module = "zkrv_prover._native", frozen)]
struct MerkleTree {
    tree: merkle::Tree,
}

#[pymethods]
impl MerkleTree {
    /// Tree over the leaf digests of `rows` ((n, m) uint32, n a power of `arity`).
    #[staticmethod]
    fn from_rows(py: Python<'_>, rows: PyReadonlyArray2<'_, u32>, arity: usize) -> PyResult<Self> {
        let a = rows.as_array();
        let m = a.ncols();
        let std = a.as_standard_layout();
        let flat = std.as_slice().expect("standard layout");
        let tree = py
            .detach(|| {
                merkle::check_arity(arity)
                    .and_then(|_| merkle::hash_rows(flat, m))
                    .and_then(|l| merkle::Tree::build(l, arity))
            })
            .map_err(to_py)?;
        Ok(MerkleTree { tree })
    }

    /// Tree over given leaf digests ((n, 4) uint64 limbs).
    #[staticmethod]
    fn from_leaves(
        py: Python<'_>,
        leaves: PyReadonlyArray2<'_, u64>,
        arity: usize,
    ) -> PyResult<Self> {
        let a = leaves.as_array();
        if a.ncols() != 4 {
            return Err(PyValueError::new_err(format!(
                "leaves must have shape (n, 4), got {:?}",
                a.dim()
            )));
        }
        let std = a.as_standard_layout();
        let flat = std.as_slice().expect("standard layout");
        let tree = py.detach(|| -> PyResult<merkle::Tree> {
            let xs = frs_from_limb_rows(flat, "leaves")?;
            merkle::Tree::build(xs, arity).map_err(to_py)
        })?;
        Ok(MerkleTree { tree })
    }

    #[getter]
    fn arity(&self) -> usize {
        self.tree.arity
    }

    #[getter]
    fn depth(&self) -> usize {
        self.tree.depth()
    }

    #[getter]
    fn n_leaves(&self) -> usize {
        self.tree.layers[0].len()
    }

    /// Root as a (4,) uint64 limb array.
    fn root<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        fr_to_limbs(&self.tree.root()).to_vec().into_pyarray(py)
    }

    /// Layer `i` (0 = leaves, depth = [root]) as (len, 4) uint64.
    fn layer<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyArray2<u64>>> {
        let l = self.tree.layers.get(i).ok_or_else(|| {
            PyValueError::new_err(format!("layer {i} outside 0..={}", self.tree.depth()))
        })?;
        Ok(py.detach(|| limbs_array(l)).into_pyarray(py))
    }

    /// Siblings for each leaf index: (q, depth, arity - 1, 4) uint64.
    fn open<'py>(
        &self,
        py: Python<'py>,
        indices: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<Bound<'py, PyArray4<u64>>> {
        let idx = indices.as_array().to_vec();
        let (d, a) = (self.tree.depth(), self.tree.arity);
        let out = py
            .detach(|| {
                self.tree.open(&idx).map(|s| {
                    let flat: Vec<u64> = s.iter().flat_map(fr_to_limbs).collect();
                    Array4::from_shape_vec((idx.len(), d, a - 1, 4), flat).expect("shape")
                })
            })
            .map_err(to_py)?;
        Ok(out.into_pyarray(py))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(poseidon_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(poseidon_batch, m)?)?;
    m.add_function(wrap_pyfunction!(hash_rows, m)?)?;
    m.add_class::<MerkleTree>()?;
    Ok(())
}
