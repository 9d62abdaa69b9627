//! Byte encodings of curve points, proofs and keys.
//!
//! Points use the Ethereum precompile layout: G1 = x || y, G2 = x.c1 || x.c0 || y.c1 || y.c0,
//! each coordinate 32 bytes big-endian, the point at infinity all zeros. Decoding rejects
//! non-canonical coordinates (>= P), points off the curve, and G2 points outside the r-torsion
//! subgroup. A proof is A || B || C (256 bytes); a verifying key is a magic, the public-input
//! count and its points. Proving keys are large and written with ark-serialize (uncompressed).

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;

use crate::field::{EngineError, Result};
use crate::groth16::{Proof, ProvingKey, VerifyingKey};

pub const VK_MAGIC: &[u8; 8] = b"ZKRVVK1\0";
pub const PK_MAGIC: &[u8; 8] = b"ZKRVPK1\0";

fn fq_to_be(x: &Fq) -> [u8; 32] {
    x.into_bigint().to_bytes_be().try_into().expect("32 bytes")
}

fn fq_from_be(b: &[u8], what: &str) -> Result<Fq> {
    let mut l = [0u64; 4];
    for i in 0..4 {
        l[3 - i] = u64::from_be_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    Fq::from_bigint(BigInt::new(l)).ok_or_else(|| {
        EngineError::new(format!(
            "{what}: coordinate is not a canonical base-field element (>= P)"
        ))
    })
}

pub fn g1_to_bytes(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_to_be(&x));
        out[32..].copy_from_slice(&fq_to_be(&y));
    }
    out
}

pub fn g1_from_bytes(b: &[u8], what: &str) -> Result<G1Affine> {
    if b.len() != 64 {
        return Err(EngineError::new(format!(
            "{what}: a G1 point is 64 bytes, got {}",
            b.len()
        )));
    }
    let (x, y) = (fq_from_be(&b[..32], what)?, fq_from_be(&b[32..], what)?);
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(EngineError::new(format!(
            "{what}: G1 point is not on the curve"
        )));
    }
    // G1 of BN254 has cofactor 1: on the curve means in the subgroup.
    Ok(p)
}

pub fn g2_to_bytes(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_to_be(&x.c1));
        out[32..64].copy_from_slice(&fq_to_be(&x.c0));
        out[64..96].copy_from_slice(&fq_to_be(&y.c1));
        out[96..].copy_from_slice(&fq_to_be(&y.c0));
    }
    out
}

pub fn g2_from_bytes(b: &[u8], what: &str) -> Result<G2Affine> {
    if b.len() != 128 {
        return Err(EngineError::new(format!(
            "{what}: a G2 point is 128 bytes, got {}",
            b.len()
        )));
    }
    let x = Fq2::new(fq_from_be(&b[32..64], what)?, fq_from_be(&b[..32], what)?);
    let y = Fq2::new(fq_from_be(&b[96..], what)?, fq_from_be(&b[64..96], what)?);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(EngineError::new(format!(
            "{what}: G2 point is not on the curve"
        )));
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(EngineError::new(format!(
            "{what}: G2 point is not in the prime-order subgroup"
        )));
    }
    Ok(p)
}

pub fn proof_to_bytes(p: &Proof) -> Vec<u8> {
    [
        &g1_to_bytes(&p.a)[..],
        &g2_to_bytes(&p.b)[..],
        &g1_to_bytes(&p.c)[..],
    ]
    .concat()
}

pub fn proof_from_bytes(b: &[u8]) -> Result<Proof> {
    if b.len() != 256 {
        return Err(EngineError::new(format!(
            "a Groth16 proof is 256 bytes, got {}",
            b.len()
        )));
    }
    Ok(Proof {
        a: g1_from_bytes(&b[..64], "proof.A")?,
        b: g2_from_bytes(&b[64..192], "proof.B")?,
        c: g1_from_bytes(&b[192..], "proof.C")?,
    })
}

pub fn vk_to_bytes(vk: &VerifyingKey) -> Vec<u8> {
    let mut out = VK_MAGIC.to_vec();
    out.extend_from_slice(&((vk.ic.len() - 1) as u32).to_be_bytes());
    out.extend_from_slice(&g1_to_bytes(&vk.alpha_g1));
    for p in [&vk.beta_g2, &vk.gamma_g2, &vk.delta_g2] {
        out.extend_from_slice(&g2_to_bytes(p));
    }
    for p in &vk.ic {
        out.extend_from_slice(&g1_to_bytes(p));
    }
    out
}

pub fn vk_from_bytes(b: &[u8]) -> Result<VerifyingKey> {
    if b.len() < 12 || &b[..8] != VK_MAGIC {
        return Err(EngineError::new(
            "not a zkrv Groth16 verifying key (bad magic)",
        ));
    }
    let n_public = u32::from_be_bytes(b[8..12].try_into().expect("4 bytes")) as usize;
    let want = 12 + 64 + 3 * 128 + 64 * (n_public + 1);
    if b.len() != want {
        return Err(EngineError::new(format!(
            "verifying key for {n_public} public inputs must be {want} bytes, got {}",
            b.len()
        )));
    }
    let mut o = 12;
    let alpha_g1 = g1_from_bytes(&b[o..o + 64], "vk.alpha")?;
    o += 64;
    let mut g2s = Vec::new();
    for name in ["vk.beta", "vk.gamma", "vk.delta"] {
        g2s.push(g2_from_bytes(&b[o..o + 128], name)?);
        o += 128;
    }
    let ic = (0..=n_public)
        .map(|i| g1_from_bytes(&b[o + 64 * i..o + 64 * i + 64], &format!("vk.IC[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    Ok(VerifyingKey {
        alpha_g1,
        beta_g2: g2s[0],
        gamma_g2: g2s[1],
        delta_g2: g2s[2],
        ic,
    })
}

fn ser_err(e: ark_serialize::SerializationError) -> EngineError {
    EngineError::new(format!("proving key (de)serialization failed: {e}"))
}

/// Proving key file: magic, u32 BE metadata length, metadata (UTF-8 JSON from Python), then the
/// key body (ark-serialize, uncompressed). Written to `path.tmp-<pid>` then renamed (atomic).
pub fn pk_save(pk: &ProvingKey, meta: &str, path: &std::path::Path) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let io = |e: std::io::Error| {
        EngineError::new(format!("writing proving key {}: {e}", path.display()))
    };
    let write = || -> Result<()> {
        let f = std::fs::File::create(&tmp).map_err(io)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 22, f);
        w.write_all(PK_MAGIC).map_err(io)?;
        w.write_all(&(meta.len() as u32).to_be_bytes())
            .map_err(io)?;
        w.write_all(meta.as_bytes()).map_err(io)?;
        let sizes = [
            pk.n_vars as u64,
            pk.n_public as u64,
            pk.n_constraints as u64,
            pk.domain_size as u64,
        ];
        sizes.serialize_uncompressed(&mut w).map_err(ser_err)?;
        for p in [&pk.alpha_g1, &pk.beta_g1, &pk.delta_g1] {
            p.serialize_uncompressed(&mut w).map_err(ser_err)?;
        }
        for p in [&pk.beta_g2, &pk.gamma_g2, &pk.delta_g2] {
            p.serialize_uncompressed(&mut w).map_err(ser_err)?;
        }
        for v in [&pk.a, &pk.b_g1, &pk.c, &pk.h, &pk.ic] {
            v.serialize_uncompressed(&mut w).map_err(ser_err)?;
        }
        pk.b_g2.serialize_uncompressed(&mut w).map_err(ser_err)?;
        let f = w.into_inner().map_err(|e| io(e.into_error()))?;
        f.sync_all().map_err(io)?;
        Ok(())
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Load a proving key written by `pk_save`; returns (key, metadata JSON). Points are checked to
/// lie on the curve (in parallel); G2 subgroup membership of the million-point B query is not
/// re-checked (a corrupted key can only make proofs that fail verification, never forge one).
pub fn pk_load(path: &std::path::Path) -> Result<(ProvingKey, String)> {
    let corrupt =
        |what: &str| EngineError::new(format!("proving key {} is corrupt: {what}", path.display()));
    // Read everything first so every length below is checked against the real file size before
    // anything is allocated from it (a corrupt length must never trigger a huge allocation).
    let data = std::fs::read(path)
        .map_err(|e| EngineError::new(format!("reading proving key {}: {e}", path.display())))?;
    if data.len() < 12 || &data[..8] != PK_MAGIC {
        return Err(EngineError::new(format!(
            "{} is not a zkrv Groth16 proving key (bad magic)",
            path.display()
        )));
    }
    let mlen = u32::from_be_bytes(data[8..12].try_into().expect("4 bytes")) as usize;
    if mlen > data.len() - 12 {
        return Err(corrupt("metadata length exceeds the file"));
    }
    let meta = String::from_utf8(data[12..12 + mlen].to_vec())
        .map_err(|_| EngineError::new("proving key metadata is not UTF-8"))?;
    let mut r: &[u8] = &data[12 + mlen..];
    let (c, v) = (Compress::No, Validate::No);
    let sizes = <[u64; 4]>::deserialize_with_mode(&mut r, c, v).map_err(ser_err)?;
    if sizes.iter().any(|&x| x > data.len() as u64) || sizes[1] >= sizes[0] {
        return Err(corrupt("header sizes are out of range"));
    }
    let (n_vars, n_public, domain) = (sizes[0] as usize, sizes[1] as usize, sizes[3] as usize);
    let g1 = |r: &mut &[u8]| G1Affine::deserialize_with_mode(r, c, v).map_err(ser_err);
    let g2 = |r: &mut &[u8]| G2Affine::deserialize_with_mode(r, c, v).map_err(ser_err);
    let (alpha_g1, beta_g1, delta_g1) = (g1(&mut r)?, g1(&mut r)?, g1(&mut r)?);
    let (beta_g2, gamma_g2, delta_g2) = (g2(&mut r)?, g2(&mut r)?, g2(&mut r)?);
    // Each query is a u64 LE length then its points; lengths must equal what the header implies.
    let check_len = |r: &[u8], want: usize, point_size: usize| -> Result<()> {
        if r.len() < 8 {
            return Err(corrupt("truncated"));
        }
        let got = u64::from_le_bytes(r[..8].try_into().expect("8 bytes"));
        if got != want as u64 || (r.len() - 8) / point_size < want {
            return Err(corrupt(
                "a query length disagrees with the header or the file size",
            ));
        }
        Ok(())
    };
    let s1 = G1Affine::zero().uncompressed_size();
    let s2 = G2Affine::zero().uncompressed_size();
    let mut vecs = Vec::new();
    for want in [n_vars, n_vars, n_vars - n_public - 1, domain, n_public + 1] {
        check_len(r, want, s1)?;
        vecs.push(Vec::<G1Affine>::deserialize_with_mode(&mut r, c, v).map_err(ser_err)?);
    }
    check_len(r, n_vars, s2)?;
    let b_g2 = Vec::<G2Affine>::deserialize_with_mode(&mut r, c, v).map_err(ser_err)?;
    if !r.is_empty() {
        return Err(corrupt("trailing bytes"));
    }
    let g1_ok = vecs
        .par_iter()
        .all(|v| v.par_iter().all(|p| p.is_on_curve()))
        && [alpha_g1, beta_g1, delta_g1]
            .iter()
            .all(|p| p.is_on_curve());
    let g2_ok = b_g2.par_iter().all(|p| p.is_on_curve())
        && [beta_g2, gamma_g2, delta_g2]
            .iter()
            .all(|p| p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve());
    if !g1_ok || !g2_ok {
        return Err(EngineError::new(format!(
            "proving key {} holds points off the curve (corrupt file)",
            path.display()
        )));
    }
    let ic = vecs.pop().expect("5");
    let h = vecs.pop().expect("4");
    let cq = vecs.pop().expect("3");
    let b_g1 = vecs.pop().expect("2");
    let a = vecs.pop().expect("1");
    let pk = ProvingKey {
        n_vars: sizes[0] as usize,
        n_public: sizes[1] as usize,
        n_constraints: sizes[2] as usize,
        domain_size: sizes[3] as usize,
        alpha_g1,
        beta_g1,
        beta_g2,
        gamma_g2,
        delta_g1,
        delta_g2,
        a,
        b_g1,
        b_g2,
        c: cq,
        h,
        ic,
    };
    if pk.n_public >= pk.n_vars
        || pk.a.len() != pk.n_vars
        || pk.b_g1.len() != pk.n_vars
        || pk.b_g2.len() != pk.n_vars
        || pk.c.len() + pk.n_public + 1 != pk.n_vars
        || pk.ic.len() != pk.n_public + 1
        || pk.h.len() != pk.domain_size
    {
        return Err(EngineError::new(format!(
            "proving key {} is malformed: query lengths disagree with its header",
            path.display()
        )));
    }
    Ok((pk, meta))
}
