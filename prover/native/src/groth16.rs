//! Groth16 over BN254 with snarkjs's QAP conventions, so keys interoperate with snarkjs zkeys:
//!
//! - domain size n = next power of two >= n_constraints + n_public + 1; constraint
//!   n_constraints + k (k = 0..=n_public) is the extra "A = w_k" row that makes the public
//!   polynomials independent;
//! - the H query is [L^{2n}_{2i+1}(tau) / delta]_1 (Lagrange basis of the 2n-domain at its odd
//!   points), so the prover evaluates a*b - c on the odd coset and needs no division by Z.
//!
//! The setup here is a single-party dev setup (toxic waste from the OS RNG, dropped after use):
//! unsafe for production, labelled so by every caller.

use ark_bn254::{Bn254, Fq12, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{Field, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::RngCore;
use rayon::prelude::*;

use crate::field::{EngineError, Result};
use crate::r1cs::R1cs;

pub struct ProvingKey {
    pub n_vars: usize,
    pub n_public: usize,
    pub n_constraints: usize,
    pub domain_size: usize,
    pub alpha_g1: G1Affine,
    pub beta_g1: G1Affine,
    pub beta_g2: G2Affine,
    pub gamma_g2: G2Affine,
    pub delta_g1: G1Affine,
    pub delta_g2: G2Affine,
    pub a: Vec<G1Affine>,
    pub b_g1: Vec<G1Affine>,
    pub b_g2: Vec<G2Affine>,
    pub c: Vec<G1Affine>,  // private variables n_public+1 .. n_vars
    pub h: Vec<G1Affine>,  // domain_size points
    pub ic: Vec<G1Affine>, // n_public + 1 points
}

#[derive(Clone, Debug, PartialEq)]
pub struct VerifyingKey {
    pub alpha_g1: G1Affine,
    pub beta_g2: G2Affine,
    pub gamma_g2: G2Affine,
    pub delta_g2: G2Affine,
    pub ic: Vec<G1Affine>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub a: G1Affine,
    pub b: G2Affine,
    pub c: G1Affine,
}

impl ProvingKey {
    pub fn vk(&self) -> VerifyingKey {
        VerifyingKey {
            alpha_g1: self.alpha_g1,
            beta_g2: self.beta_g2,
            gamma_g2: self.gamma_g2,
            delta_g2: self.delta_g2,
            ic: self.ic.clone(),
        }
    }

    /// Check that the key's shape matches `r1cs`.
    pub fn check_matches(&self, r: &R1cs) -> Result<()> {
        let got = (r.n_vars, r.n_public, r.n_constraints);
        let want = (self.n_vars, self.n_public, self.n_constraints);
        if got != want {
            return Err(EngineError::new(format!(
                "proving key is for an R1CS with (n_vars, n_public, n_constraints) = {want:?}, got {got:?}"
            )));
        }
        let n_private = self.n_vars - self.n_public - 1;
        if self.a.len() != self.n_vars
            || self.b_g1.len() != self.n_vars
            || self.b_g2.len() != self.n_vars
            || self.c.len() != n_private
            || self.ic.len() != self.n_public + 1
            || self.h.len() != self.domain_size
            || self.domain_size != r.domain_size()
        {
            return Err(EngineError::new(
                "proving key is malformed: query lengths disagree with its header",
            ));
        }
        Ok(())
    }
}

/// Progress reporting: (phase name, fraction done); an error aborts the computation.
pub type Progress<'a> = &'a (dyn Fn(&str, f64) -> Result<()> + Sync);

fn nonzero(rng: &mut dyn RngCore) -> Fr {
    loop {
        let x = Fr::rand(rng);
        if !x.is_zero() {
            return x;
        }
    }
}

fn domain(n: usize) -> Result<Radix2EvaluationDomain<Fr>> {
    Radix2EvaluationDomain::<Fr>::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| {
            EngineError::new(format!(
                "QAP domain of size {n} is too large for BN254 (max 2^27)"
            ))
        })
}

/// Single-party dev setup (unsafe for production: one party knows the trapdoor while it runs).
pub fn setup(r: &R1cs, rng: &mut dyn RngCore, progress: Progress) -> Result<ProvingKey> {
    let n = r.domain_size();
    let dom = domain(n)?;
    let dom2 = domain(2 * n)?;
    let tau = loop {
        let t = nonzero(rng);
        if !dom2.evaluate_vanishing_polynomial(t).is_zero() {
            break t;
        }
    };
    let (alpha, beta, gamma, delta) = (nonzero(rng), nonzero(rng), nonzero(rng), nonzero(rng));
    progress("lagrange", 0.0)?;
    let lag = dom.evaluate_all_lagrange_coefficients(tau);
    let mut u = r.a.transpose_mul(&lag[..r.n_constraints], r.n_vars);
    for k in 0..=r.n_public {
        u[k] += lag[r.n_constraints + k];
    }
    let v = r.b.transpose_mul(&lag[..r.n_constraints], r.n_vars);
    let w = r.c.transpose_mul(&lag[..r.n_constraints], r.n_vars);
    let lag2 = dom2.evaluate_all_lagrange_coefficients(tau);
    let delta_inv = delta.inverse().expect("non-zero");
    let gamma_inv = gamma.inverse().expect("non-zero");
    let h_scalars: Vec<Fr> = lag2
        .par_iter()
        .skip(1)
        .step_by(2)
        .map(|l| *l * delta_inv)
        .collect();
    drop(lag2);
    let lc: Vec<Fr> = (0..r.n_vars)
        .into_par_iter()
        .map(|k| beta * u[k] + alpha * v[k] + w[k])
        .collect();
    let ic_scalars: Vec<Fr> = lc[..=r.n_public].iter().map(|x| *x * gamma_inv).collect();
    let c_scalars: Vec<Fr> = lc[r.n_public + 1..]
        .par_iter()
        .map(|x| *x * delta_inv)
        .collect();
    drop(lc);

    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    let n_g1 = 2 * r.n_vars + c_scalars.len() + h_scalars.len() + ic_scalars.len();
    progress("tables", 0.05)?;
    let t1 = BatchMulPreprocessing::new(g1, n_g1);
    let t2 = BatchMulPreprocessing::new(g2, r.n_vars);
    progress("a_query", 0.1)?;
    let a = t1.batch_mul(&u);
    progress("b_g1_query", 0.25)?;
    let b_g1 = t1.batch_mul(&v);
    progress("b_g2_query", 0.4)?;
    let b_g2 = t2.batch_mul(&v);
    progress("c_query", 0.65)?;
    let c = t1.batch_mul(&c_scalars);
    let ic = t1.batch_mul(&ic_scalars);
    progress("h_query", 0.8)?;
    let h = t1.batch_mul(&h_scalars);
    progress("done", 1.0)?;
    Ok(ProvingKey {
        n_vars: r.n_vars,
        n_public: r.n_public,
        n_constraints: r.n_constraints,
        domain_size: n,
        alpha_g1: (g1 * alpha).into_affine(),
        beta_g1: (g1 * beta).into_affine(),
        beta_g2: (g2 * beta).into_affine(),
        gamma_g2: (g2 * gamma).into_affine(),
        delta_g1: (g1 * delta).into_affine(),
        delta_g2: (g2 * delta).into_affine(),
        a,
        b_g1,
        b_g2,
        c,
        h,
        ic,
    })
}

/// Evaluations of a*b - c on the odd coset of the n-domain (inside the 2n-domain).
fn quotient_evals(r: &R1cs, w: &[Fr], n: usize) -> Result<Vec<Fr>> {
    let (a, (b, c)) = rayon::join(
        || r.a.mul_vec(w),
        || rayon::join(|| r.b.mul_vec(w), || r.c.mul_vec(w)),
    );
    quotient_from_evals(&a, &b, &c, &w[..=r.n_public], n)
}

/// Index of the first row with `a * b != c`, if any.
pub fn first_unsatisfied(a: &[Fr], b: &[Fr], c: &[Fr]) -> Option<usize> {
    (0..a.len())
        .into_par_iter()
        .find_first(|&i| a[i] * b[i] != c[i])
}

/// [`quotient_evals`] from the per-constraint values `a = A w`, `b = B w`, `c = C w` (one per
/// constraint) and the constant and public entries `w[..=n_public]`: checks every constraint,
/// appends the public-input rows and moves the three to the odd coset.
fn quotient_from_evals(a: &[Fr], b: &[Fr], c: &[Fr], w_public: &[Fr], n: usize) -> Result<Vec<Fr>> {
    let n_constraints = a.len();
    if b.len() != n_constraints || c.len() != n_constraints || n_constraints + w_public.len() > n {
        return Err(EngineError::new(
            "constraint values do not fit the QAP domain",
        ));
    }
    if let Some(i) = first_unsatisfied(a, b, c) {
        return Err(EngineError::new(format!(
            "witness does not satisfy constraint {i}"
        )));
    }
    let dom = domain(n)?;
    let g = domain(2 * n)?.group_gen();
    let coset = dom
        .get_coset(g)
        .ok_or_else(|| EngineError::new("cannot build the odd coset"))?;
    // padded to the domain; the public-input rows are "A = w_k", B = C = 0
    let padded = |x: &[Fr], tail: &[Fr]| {
        let mut e = Vec::with_capacity(n);
        e.extend_from_slice(x);
        e.extend_from_slice(tail);
        e.resize(n, Fr::zero());
        e
    };
    let (a, b, c) = (padded(a, w_public), padded(b, &[]), padded(c, &[]));
    let to_coset = |mut e: Vec<Fr>| {
        dom.ifft_in_place(&mut e);
        coset.fft_in_place(&mut e);
        e
    };
    let (a, (b, c)) = rayon::join(
        || to_coset(a),
        || rayon::join(|| to_coset(b), || to_coset(c)),
    );
    Ok(a.par_iter()
        .zip(&b)
        .zip(&c)
        .map(|((x, y), z)| *x * y - z)
        .collect())
}

fn msm1(bases: &[G1Affine], s: &[Fr]) -> G1Projective {
    G1Projective::msm(bases, s).expect("lengths checked")
}

/// The witness split by value, for MSMs against it: a circuit's witness is mostly zeros and
/// ones (bits, flags), which a generic MSM still runs through every one of its ~254/c windows
/// (digit extraction, the window scan and per-window bucket sums sized for the full count).
/// Zeros contribute nothing, ones are plain additions of their bases, and only the rest go
/// through Pippenger.
pub struct WitnessSplit {
    /// Indices (into the witness) of the entries equal to 1.
    ones: Vec<usize>,
    /// Indices of the entries other than 0 and 1, ascending, and their values as big integers.
    rest: Vec<usize>,
    rest_scalars: Vec<<Fr as PrimeField>::BigInt>,
}

impl WitnessSplit {
    pub fn new(w: &[Fr]) -> Self {
        let ones: Vec<usize> = (0..w.len())
            .into_par_iter()
            .filter(|&i| w[i].is_one())
            .collect();
        let rest: Vec<usize> = (0..w.len())
            .into_par_iter()
            .filter(|&i| !w[i].is_zero() && !w[i].is_one())
            .collect();
        let rest_scalars = rest.par_iter().map(|&i| w[i].into_bigint()).collect();
        WitnessSplit {
            ones,
            rest,
            rest_scalars,
        }
    }

    /// `sum_{i >= skip} w[i] * bases[i - skip]`, the same value as
    /// `G::msm(bases, &w[skip..])` (`bases.len() == w.len() - skip`, checked by the caller).
    pub fn msm<G: VariableBaseMSM<ScalarField = Fr>>(
        &self,
        bases: &[G::MulBase],
        skip: usize,
    ) -> G {
        let lo = self.rest.partition_point(|&i| i < skip);
        let ones = &self.ones[self.ones.partition_point(|&i| i < skip)..];
        let sum_ones = || {
            ones.par_iter()
                .fold(G::zero, |acc, &i| acc + bases[i - skip])
                .reduce(G::zero, |a, b| a + b)
        };
        let (s_ones, s_rest) = rayon::join(sum_ones, || {
            let picked: Vec<G::MulBase> = self.rest[lo..]
                .par_iter()
                .map(|&i| bases[i - skip])
                .collect();
            G::msm_bigint(&picked, &self.rest_scalars[lo..])
        });
        s_ones + s_rest
    }
}

/// Prove that `w` (full witness, w[0] = 1) satisfies `r`, with fresh randomness from `rng`.
pub fn prove(
    pk: &ProvingKey,
    r: &R1cs,
    w: &[Fr],
    rng: &mut dyn RngCore,
    progress: Progress,
) -> Result<Proof> {
    pk.check_matches(r)?;
    check_witness(pk, w)?;
    progress("quotient", 0.0)?;
    let d = quotient_evals(r, w, pk.domain_size)?;
    prove_with_quotient(pk, w, &d, rng, progress)
}

/// A witness with its constraint values `A w`, `B w`, `C w`: everything a proof needs from a
/// circuit besides the key, so a circuit whose key exists need not be exported as matrices.
pub struct Assignment {
    /// Full witness in key order (w[0] = 1, then the public inputs).
    pub w: Vec<Fr>,
    pub n_public: usize,
    pub a: Vec<Fr>,
    pub b: Vec<Fr>,
    pub c: Vec<Fr>,
}

impl Assignment {
    pub fn n_constraints(&self) -> usize {
        self.a.len()
    }

    /// Check that the shape (variables, public inputs, constraints) is the key's. A key of
    /// another circuit of the same shape passes: the caller checks the proof against the key.
    pub fn check_matches(&self, pk: &ProvingKey) -> Result<()> {
        let got = (self.w.len(), self.n_public, self.n_constraints());
        let want = (pk.n_vars, pk.n_public, pk.n_constraints);
        if got != want {
            return Err(EngineError::new(format!(
                "proving key is for a circuit with (n_vars, n_public, n_constraints) = {want:?}, got {got:?}"
            )));
        }
        Ok(())
    }
}

/// [`prove`] from an [`Assignment`] (its constraint values are checked, as in [`prove`]).
/// Sound to call with any key: a proof made with the key of another circuit does not verify
/// (Groth16 knowledge soundness), which the caller checks before using it.
pub fn prove_assignment(
    pk: &ProvingKey,
    asg: &Assignment,
    rng: &mut dyn RngCore,
    progress: Progress,
) -> Result<Proof> {
    asg.check_matches(pk)?;
    check_witness(pk, &asg.w)?;
    progress("quotient", 0.0)?;
    let w = &asg.w;
    let d = quotient_from_evals(&asg.a, &asg.b, &asg.c, &w[..=asg.n_public], pk.domain_size)?;
    prove_with_quotient(pk, w, &d, rng, progress)
}

fn check_witness(pk: &ProvingKey, w: &[Fr]) -> Result<()> {
    if w.len() != pk.n_vars {
        return Err(EngineError::new(format!(
            "witness has {} entries, expected n_vars = {}",
            w.len(),
            pk.n_vars
        )));
    }
    if !w[0].is_one() {
        return Err(EngineError::new("witness entry 0 must be 1"));
    }
    Ok(())
}

/// The MSMs and the proof's assembly, given the quotient's odd-coset values `d`.
fn prove_with_quotient(
    pk: &ProvingKey,
    w: &[Fr],
    d: &[Fr],
    rng: &mut dyn RngCore,
    progress: Progress,
) -> Result<Proof> {
    let (rr, ss) = (Fr::rand(rng), Fr::rand(rng));
    progress("msm", 0.2)?;
    let ws = WitnessSplit::new(w);
    let np1 = pk.n_public + 1;
    let ((sa, sb1), (sb2, (sc, sh))) = rayon::join(
        || {
            rayon::join(
                || ws.msm::<G1Projective>(&pk.a, 0),
                || ws.msm::<G1Projective>(&pk.b_g1, 0),
            )
        },
        || {
            rayon::join(
                || ws.msm::<G2Projective>(&pk.b_g2, 0),
                || rayon::join(|| ws.msm::<G1Projective>(&pk.c, np1), || msm1(&pk.h, d)),
            )
        },
    );
    let a = pk.alpha_g1.into_group() + sa + pk.delta_g1 * rr;
    let b2 = pk.beta_g2.into_group() + sb2 + pk.delta_g2 * ss;
    let b1 = pk.beta_g1.into_group() + sb1 + pk.delta_g1 * ss;
    let c = sc + sh + a * ss + b1 * rr - pk.delta_g1 * (rr * ss);
    progress("done", 1.0)?;
    Ok(Proof {
        a: a.into_affine(),
        b: b2.into_affine(),
        c: c.into_affine(),
    })
}

/// Check e(A, B) = e(alpha, beta) e(IC(x), gamma) e(C, delta). Errors only on a wrong input count.
pub fn verify(vk: &VerifyingKey, public: &[Fr], proof: &Proof) -> Result<bool> {
    if public.len() + 1 != vk.ic.len() {
        return Err(EngineError::new(format!(
            "verifying key expects {} public inputs, got {}",
            vk.ic.len() - 1,
            public.len()
        )));
    }
    let acc =
        vk.ic[0].into_group() + G1Projective::msm(&vk.ic[1..], public).expect("lengths checked");
    let out = Bn254::multi_pairing(
        [
            proof.a,
            (-vk.alpha_g1.into_group()).into_affine(),
            (-acc).into_affine(),
            (-proof.c.into_group()).into_affine(),
        ],
        [proof.b, vk.beta_g2, vk.gamma_g2, vk.delta_g2],
    );
    Ok(out.0 == Fq12::one())
}

/// e(alpha, beta), for snarkjs's `vk_alphabeta_12`.
pub fn alphabeta(vk: &VerifyingKey) -> Fq12 {
    Bn254::pairing(vk.alpha_g1, vk.beta_g2).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    /// A witness-like scalar mix: zeros, ones, small values and full-size ones.
    fn mixed(n: usize, rng: &mut StdRng) -> Vec<Fr> {
        (0..n)
            .map(|i| match i % 5 {
                0 | 3 => Fr::zero(),
                1 => Fr::one(),
                2 => Fr::from(rng.next_u64() >> (i % 40)),
                _ => Fr::rand(rng),
            })
            .collect()
    }

    #[test]
    fn witness_split_msm_matches_plain_msm() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in [0usize, 1, 2, 7, 300] {
            let w = mixed(n, &mut rng);
            let ws = WitnessSplit::new(&w);
            let g1: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
            let g2: Vec<G2Affine> = (0..n).map(|_| G2Affine::rand(&mut rng)).collect();
            for skip in [0, 1, 3].into_iter().filter(|&s| s <= n) {
                let want1 = G1Projective::msm(&g1[skip..], &w[skip..]).unwrap();
                let want2 = G2Projective::msm(&g2[skip..], &w[skip..]).unwrap();
                assert_eq!(
                    ws.msm::<G1Projective>(&g1[skip..], skip),
                    want1,
                    "n={n} skip={skip}"
                );
                assert_eq!(
                    ws.msm::<G2Projective>(&g2[skip..], skip),
                    want2,
                    "n={n} skip={skip}"
                );
            }
        }
    }
}
