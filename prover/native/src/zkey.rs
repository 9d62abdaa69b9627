//! snarkjs `.zkey` (Groth16) import and export, so a proving key from a real multi-party ceremony
//! can be used by this prover, and snarkjs can prove with keys made here.
//!
//! Format facts (snarkjs zkey_utils / zkey_new): an iden3 sectioned file, magic "zkey", version 1;
//! section 1 = u32 protocol (1 = Groth16); 2 = header (u32 n8q, q, u32 n8r, r, u32 nVars,
//! u32 nPublic, u32 domainSize, alpha1, beta1, beta2, gamma2, delta1, delta2); 3 = IC;
//! 4 = coefficients of A (matrix 0, including the public-input rows) and B (matrix 1) as
//! (u32 matrix, u32 constraint, u32 signal, value * R^2 mod r little-endian); 5/6/7/8/9 = A, B1,
//! B2, C, H queries; 10 = contribution history. Points are affine with coordinates in Montgomery
//! form (R = 2^256), little-endian; G2 coordinates ordered x.c0, x.c1, y.c0, y.c1; all-zero bytes
//! encode the point at infinity. The QAP conventions equal ours (see groth16.rs).

use std::path::Path;

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, Field, PrimeField};
use rayon::prelude::*;

use crate::field::{EngineError, Result};
use crate::groth16::ProvingKey;
use crate::r1cs::R1cs;

fn err(msg: impl Into<String>) -> EngineError {
    EngineError::new(format!("zkey: {}", msg.into()))
}

fn mont_r<F: Field>() -> F {
    F::from(2u64).pow([256u64])
}

fn le_limbs(b: &[u8]) -> BigInt<4> {
    let mut l = [0u64; 4];
    for i in 0..4 {
        l[i] = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    BigInt::new(l)
}

struct Conv {
    rinv_q: Fq,
    r_q: Fq,
}

impl Conv {
    fn new() -> Self {
        let r_q = mont_r::<Fq>();
        Conv {
            rinv_q: r_q.inverse().expect("non-zero"),
            r_q,
        }
    }
    fn fq(&self, b: &[u8]) -> Option<Fq> {
        Fq::from_bigint(le_limbs(b)).map(|x| x * self.rinv_q)
    }
    fn put(&self, x: &Fq, out: &mut Vec<u8>) {
        out.extend_from_slice(&(*x * self.r_q).into_bigint().to_bytes_le());
    }
    fn g1(&self, b: &[u8]) -> Option<G1Affine> {
        if b.iter().all(|&x| x == 0) {
            return Some(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(self.fq(&b[..32])?, self.fq(&b[32..64])?);
        p.is_on_curve().then_some(p)
    }
    fn g2(&self, b: &[u8]) -> Option<G2Affine> {
        if b.iter().all(|&x| x == 0) {
            return Some(G2Affine::zero());
        }
        let x = Fq2::new(self.fq(&b[..32])?, self.fq(&b[32..64])?);
        let y = Fq2::new(self.fq(&b[64..96])?, self.fq(&b[96..128])?);
        let p = G2Affine::new_unchecked(x, y);
        p.is_on_curve().then_some(p)
    }
    fn put_g1(&self, p: &G1Affine, out: &mut Vec<u8>) {
        match p.xy() {
            None => out.extend_from_slice(&[0u8; 64]),
            Some((x, y)) => {
                self.put(&x, out);
                self.put(&y, out);
            }
        }
    }
    fn put_g2(&self, p: &G2Affine, out: &mut Vec<u8>) {
        match p.xy() {
            None => out.extend_from_slice(&[0u8; 128]),
            Some((x, y)) => {
                for c in [x.c0, x.c1, y.c0, y.c1] {
                    self.put(&c, out);
                }
            }
        }
    }
    fn g1_vec(&self, sec: &[u8], n: usize, what: &str) -> Result<Vec<G1Affine>> {
        if sec.len() != 64 * n {
            return Err(err(format!(
                "{what} section holds {} bytes, expected {}",
                sec.len(),
                64 * n
            )));
        }
        let v: Vec<Option<G1Affine>> = sec.par_chunks_exact(64).map(|c| self.g1(c)).collect();
        v.into_iter()
            .enumerate()
            .map(|(i, p)| {
                p.ok_or_else(|| err(format!("{what}[{i}] is not a canonical point on the curve")))
            })
            .collect()
    }
    fn g2_vec(&self, sec: &[u8], n: usize, what: &str) -> Result<Vec<G2Affine>> {
        if sec.len() != 128 * n {
            return Err(err(format!(
                "{what} section holds {} bytes, expected {}",
                sec.len(),
                128 * n
            )));
        }
        let v: Vec<Option<G2Affine>> = sec.par_chunks_exact(128).map(|c| self.g2(c)).collect();
        v.into_iter()
            .enumerate()
            .map(|(i, p)| {
                p.ok_or_else(|| err(format!("{what}[{i}] is not a canonical point on the curve")))
            })
            .collect()
    }
}

fn sections(data: &[u8]) -> Result<Vec<(u32, &[u8])>> {
    if data.len() < 12 || &data[..4] != b"zkey" {
        return Err(err("not a snarkjs zkey file (bad magic)"));
    }
    let rd32 = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().expect("4 bytes"));
    if rd32(4) != 1 {
        return Err(err(format!("unsupported zkey version {}", rd32(4))));
    }
    let n = rd32(8) as usize;
    if n > (data.len() - 12) / 12 {
        return Err(err(format!(
            "{n} sections cannot fit in a {}-byte file",
            data.len()
        )));
    }
    let mut out = Vec::with_capacity(n); // bounded by the file size (checked above)
    let mut o = 12usize;
    for _ in 0..n {
        if o + 12 > data.len() {
            return Err(err("truncated section header"));
        }
        let typ = rd32(o);
        let size = u64::from_le_bytes(data[o + 4..o + 12].try_into().expect("8 bytes")) as usize;
        o += 12;
        if size > data.len() - o {
            return Err(err(format!("truncated section {typ}")));
        }
        out.push((typ, &data[o..o + size]));
        o += size;
    }
    Ok(out)
}

/// The (matrix, constraint, signal, coefficient) entries snarkjs stores for an R1CS.
fn coefficient_entries(r: &R1cs) -> Vec<(u32, u32, u32, [u64; 4])> {
    let mut v = Vec::new();
    for (m, csr) in [(0u32, &r.a), (1u32, &r.b)] {
        for i in 0..r.n_constraints {
            for k in csr.indptr[i]..csr.indptr[i + 1] {
                v.push((
                    m,
                    i as u32,
                    csr.indices[k] as u32,
                    csr.coeffs[k].into_bigint().0,
                ));
            }
        }
    }
    for s in 0..=r.n_public {
        v.push((
            0,
            (r.n_constraints + s) as u32,
            s as u32,
            Fr::from(1u64).into_bigint().0,
        ));
    }
    v
}

/// Read a snarkjs Groth16 zkey for `r` (checked against its coefficient section).
pub fn import(data: &[u8], r: &R1cs) -> Result<ProvingKey> {
    let secs = sections(data)?;
    let get = |t: u32| -> Result<&[u8]> {
        let mut it = secs.iter().filter(|(typ, _)| *typ == t);
        let s = it
            .next()
            .ok_or_else(|| err(format!("section {t} missing")))?;
        if it.next().is_some() {
            return Err(err(format!("section {t} repeated")));
        }
        Ok(s.1)
    };
    let s1 = get(1)?;
    if s1.len() != 4 || u32::from_le_bytes(s1.try_into().expect("4")) != 1 {
        return Err(err("not a Groth16 zkey (protocol id is not 1)"));
    }
    let h = get(2)?;
    let q_le = Fq::MODULUS.to_bytes_le();
    let r_le = Fr::MODULUS.to_bytes_le();
    if h.len() != 4 + 32 + 4 + 32 + 12 + 3 * 64 + 3 * 128
        || h[..4] != 32u32.to_le_bytes()
        || h[4..36] != q_le[..]
        || h[36..40] != 32u32.to_le_bytes()
        || h[40..72] != r_le[..]
    {
        return Err(err("header is not for BN254 (bn128)"));
    }
    let rd32 = |o: usize| u32::from_le_bytes(h[o..o + 4].try_into().expect("4 bytes")) as usize;
    let (n_vars, n_public, domain_size) = (rd32(72), rd32(76), rd32(80));
    if (n_vars, n_public, domain_size) != (r.n_vars, r.n_public, r.domain_size()) {
        return Err(err(format!(
            "key is for (n_vars, n_public, domain) = {:?}, the R1CS has {:?}",
            (n_vars, n_public, domain_size),
            (r.n_vars, r.n_public, r.domain_size())
        )));
    }
    let cv = Conv::new();
    let mut o = 84;
    let mut g1 = |name: &str| -> Result<G1Affine> {
        let p = cv
            .g1(&h[o..o + 64])
            .ok_or_else(|| err(format!("{name} is not a canonical point on the curve")));
        o += 64;
        p
    };
    let alpha_g1 = g1("alpha1")?;
    let beta_g1 = g1("beta1")?;
    let mut g2s = Vec::new();
    for name in ["beta2", "gamma2"] {
        let p = cv
            .g2(&h[o..o + 128])
            .ok_or_else(|| err(format!("{name} is not a canonical point on the curve")))?;
        g2s.push(p);
        o += 128;
    }
    let delta_g1 = cv
        .g1(&h[o..o + 64])
        .ok_or_else(|| err("delta1 is not a canonical point on the curve"))?;
    o += 64;
    let delta_g2 = cv
        .g2(&h[o..o + 128])
        .ok_or_else(|| err("delta2 is not a canonical point on the curve"))?;
    g2s.push(delta_g2);
    if !g2s
        .iter()
        .all(|p| p.is_in_correct_subgroup_assuming_on_curve())
    {
        return Err(err("a header G2 point is outside the prime-order subgroup"));
    }

    // The coefficient section must describe exactly this R1CS.
    let c = get(4)?;
    if c.len() < 4 {
        return Err(err("coefficient section truncated"));
    }
    let n_coef = u32::from_le_bytes(c[..4].try_into().expect("4")) as usize;
    if c.len() != 4 + 44 * n_coef {
        return Err(err("coefficient section has the wrong size"));
    }
    let r2inv = mont_r::<Fr>().square().inverse().expect("non-zero");
    let mut got: Vec<(u32, u32, u32, [u64; 4])> = c[4..]
        .par_chunks_exact(44)
        .map(|e| {
            let rd = |i: usize| u32::from_le_bytes(e[i..i + 4].try_into().expect("4"));
            let v = Fr::from_bigint(le_limbs(&e[12..44])).map(|x| (x * r2inv).into_bigint().0);
            (rd(0), rd(4), rd(8), v.unwrap_or([u64::MAX; 4]))
        })
        .collect();
    let mut want = coefficient_entries(r);
    got.par_sort_unstable();
    want.par_sort_unstable();
    if got != want {
        return Err(err(
            "its coefficient section does not match this R1CS (a key for another circuit)",
        ));
    }

    let n_priv = n_vars - n_public - 1;
    Ok(ProvingKey {
        n_vars,
        n_public,
        n_constraints: r.n_constraints,
        domain_size,
        alpha_g1,
        beta_g1,
        beta_g2: g2s[0],
        gamma_g2: g2s[1],
        delta_g1,
        delta_g2,
        ic: cv.g1_vec(get(3)?, n_public + 1, "IC")?,
        a: cv.g1_vec(get(5)?, n_vars, "A")?,
        b_g1: cv.g1_vec(get(6)?, n_vars, "B1")?,
        b_g2: cv.g2_vec(get(7)?, n_vars, "B2")?,
        c: cv.g1_vec(get(8)?, n_priv, "C")?,
        h: cv.g1_vec(get(9)?, domain_size, "H")?,
    })
}

fn section(out: &mut Vec<u8>, typ: u32, body: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
}

/// Serialize `pk` (for `r`) as a snarkjs zkey with an empty contribution history.
pub fn export(pk: &ProvingKey, r: &R1cs) -> Result<Vec<u8>> {
    pk.check_matches(r)?;
    let cv = Conv::new();
    let mut out = b"zkey".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&10u32.to_le_bytes());
    section(&mut out, 1, &1u32.to_le_bytes());
    let mut h = Vec::new();
    h.extend_from_slice(&32u32.to_le_bytes());
    h.extend_from_slice(&Fq::MODULUS.to_bytes_le());
    h.extend_from_slice(&32u32.to_le_bytes());
    h.extend_from_slice(&Fr::MODULUS.to_bytes_le());
    for v in [pk.n_vars, pk.n_public, pk.domain_size] {
        h.extend_from_slice(&(v as u32).to_le_bytes());
    }
    cv.put_g1(&pk.alpha_g1, &mut h);
    cv.put_g1(&pk.beta_g1, &mut h);
    cv.put_g2(&pk.beta_g2, &mut h);
    cv.put_g2(&pk.gamma_g2, &mut h);
    cv.put_g1(&pk.delta_g1, &mut h);
    cv.put_g2(&pk.delta_g2, &mut h);
    section(&mut out, 2, &h);
    let g1s = |v: &[G1Affine]| {
        let mut b = Vec::with_capacity(64 * v.len());
        v.iter().for_each(|p| cv.put_g1(p, &mut b));
        b
    };
    section(&mut out, 3, &g1s(&pk.ic));
    let r2 = mont_r::<Fr>().square();
    let entries = coefficient_entries(r);
    let mut c = Vec::with_capacity(4 + 44 * entries.len());
    c.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for (m, i, s, v) in entries {
        for x in [m, i, s] {
            c.extend_from_slice(&x.to_le_bytes());
        }
        let val = Fr::from_bigint(BigInt::new(v)).expect("canonical") * r2;
        c.extend_from_slice(&val.into_bigint().to_bytes_le());
    }
    section(&mut out, 4, &c);
    section(&mut out, 5, &g1s(&pk.a));
    section(&mut out, 6, &g1s(&pk.b_g1));
    let mut b2 = Vec::with_capacity(128 * pk.b_g2.len());
    pk.b_g2.iter().for_each(|p| cv.put_g2(p, &mut b2));
    section(&mut out, 7, &b2);
    section(&mut out, 8, &g1s(&pk.c));
    section(&mut out, 9, &g1s(&pk.h));
    let mut mpc = vec![0u8; 64]; // circuit hash (unused by the prover) and no contributions
    mpc.extend_from_slice(&0u32.to_le_bytes());
    section(&mut out, 10, &mpc);
    Ok(out)
}

/// Atomic file write (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let io = |e: std::io::Error| EngineError::new(format!("writing {}: {e}", path.display()));
    std::fs::write(&tmp, data).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
