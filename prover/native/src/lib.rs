//! zkrv's native BN254 engine, exposed to Python as `zkrv_prover._native`.

use pyo3::prelude::*;

/// Version of the native engine (matches the crate version).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
