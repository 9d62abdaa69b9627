//! zkrv's native BN254 engine, exposed to Python as `zkrv_prover._native`: Poseidon with
//! circomlib's parameters, the Merkle commitment spec over it, and Groth16 over BN254; and
//! Poseidon2 over BabyBear (width 16) for the STARK's field-native hashing.

use pyo3::prelude::*;

pub mod encode;
pub mod field;
pub mod groth16;
pub mod merkle;
pub mod ntt;
pub mod poseidon;
pub mod poseidon2;
mod poseidon2_constants;
mod poseidon2_packed;
#[cfg(target_arch = "x86_64")]
pub mod poseidon_ifma;
mod py_groth16;
mod py_hash;
mod py_ntt;
mod py_poseidon2;
pub mod r1cs;
pub mod zkey;

/// Version of the native engine (matches the crate version).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    py_hash::register(m)?;
    py_poseidon2::register(m)?;
    py_ntt::register(m)?;
    py_groth16::register(m)?;
    py_groth16::register_zkey(m)?;
    Ok(())
}
