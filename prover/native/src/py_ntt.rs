//! Python binding of the BabyBear coset LDE (`ntt.rs`): `bb_lde_bitrev`.

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::ntt;
use crate::poseidon2_packed::P;

/// Coset LDE in bit-reversed order (the contract of `stark/field/ntt.py::lde_bitrev`, which
/// passes the coset shifts): `coeffs` (m, w) uint32 canonical with 1 <= m <= 2^(log_n + 1),
/// `omega_n` of order 2^log_n, `shifts` the B coset shifts -> (B 2^log_n, w) uint32. Bad shapes
/// or non-canonical values are a ValueError.
#[pyfunction]
fn bb_lde_bitrev<'py>(
    py: Python<'py>,
    coeffs: PyReadonlyArray2<'py, u32>,
    log_n: u32,
    omega_n: u32,
    shifts: Vec<u32>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    let a = coeffs.as_array();
    let (m, w) = a.dim();
    if log_n > 27 || m == 0 || m > 2usize << log_n || w == 0 {
        return Err(PyValueError::new_err(format!(
            "coeffs of shape ({m}, {w}) do not fit height 2^{log_n} (1 <= m <= 2n, w >= 1)"
        )));
    }
    if shifts.is_empty() || omega_n >= P || shifts.iter().any(|&s| s == 0 || s >= P) {
        return Err(PyValueError::new_err(
            "shifts must be nonzero canonical values and omega_n canonical",
        ));
    }
    let std = a.as_standard_layout();
    let flat = std.as_slice().expect("standard layout");
    if let Some(pos) = flat.iter().position(|&v| v >= P) {
        return Err(PyValueError::new_err(format!(
            "coeffs[{}, {}] = {} is not a canonical BabyBear value",
            pos / w,
            pos % w,
            flat[pos]
        )));
    }
    let out = py.detach(|| ntt::lde_bitrev(flat, m, w, log_n, omega_n, &shifts));
    Ok(Array2::from_shape_vec((shifts.len() << log_n, w), out)
        .expect("shape")
        .into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(bb_lde_bitrev, m)?)?;
    Ok(())
}
