//! Conversions between BN254 scalars and the wire format shared with Python:
//! little-endian 64-bit limbs of canonical values in standard (not Montgomery) form.

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField};

/// Error type of the engine: a message that becomes a Python `ValueError` at the boundary.
#[derive(Debug, Clone)]
pub struct EngineError(pub String);

impl EngineError {
    pub fn new(msg: impl Into<String>) -> Self {
        EngineError(msg.into())
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

/// Limbs to a field element; `None` when the value is not below the scalar field order.
#[inline]
pub fn fr_from_limbs(l: [u64; 4]) -> Option<Fr> {
    Fr::from_bigint(BigInt::new(l))
}

/// Limbs to a field element, with an error naming `what` when they are not canonical.
pub fn fr_from_limbs_checked(l: [u64; 4], what: &dyn Fn() -> String) -> Result<Fr> {
    fr_from_limbs(l).ok_or_else(|| {
        EngineError::new(format!("{} is not a canonical BN254 scalar (>= R)", what()))
    })
}

#[inline]
pub fn fr_to_limbs(x: &Fr) -> [u64; 4] {
    x.into_bigint().0
}

/// 32 little-endian bytes to limbs.
pub fn limbs_from_le_bytes(b: &[u8]) -> [u64; 4] {
    let mut l = [0u64; 4];
    for (i, chunk) in b.chunks_exact(8).enumerate().take(4) {
        l[i] = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
    }
    l
}

pub fn limbs_to_le_bytes(l: &[u64; 4]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..4 {
        out[8 * i..8 * i + 8].copy_from_slice(&l[i].to_le_bytes());
    }
    out
}
